#include "qd/pipeline/drawing_parser.h"

#include <doctest/doctest.h>

#include <random>
#include <string>

using qd::ParseErrorKind;

namespace {

const std::string kGood =
    R"({"word":"cat","countrycode":"VE","timestamp":"2017-03-02 23:25:10.07453 UTC",)"
    R"("recognized":true,"key_id":"5201136883597312","drawing":[[[130,113,99],[72,40,27]],[[76],[136]]]})";

// The line with one field's text replaced.
std::string with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

ParseErrorKind error_of(const std::string& line) {
  qd::DrawingParser parser;
  qd::Drawing d;
  const auto err = parser.parse_unpadded(line, d);
  REQUIRE_MESSAGE(err.has_value(), "accepted: " << line);
  return err->kind;
}

}  // namespace

TEST_CASE("a good line gives every field and the strokes in order") {
  qd::DrawingParser parser;
  qd::Drawing d;
  const auto err = parser.parse_unpadded(kGood, d);
  REQUIRE_FALSE(err.has_value());
  CHECK(d.key_id == 5201136883597312ULL);
  CHECK(d.word == "cat");
  CHECK(d.countrycode == "VE");
  CHECK(d.timestamp == "2017-03-02 23:25:10.07453 UTC");
  CHECK(d.recognized);
  REQUIRE(d.stroke_count() == 2);
  CHECK(d.stroke_ends[0] == 3);
  CHECK(d.stroke_ends[1] == 4);
  CHECK(d.points[0].x == 130);
  CHECK(d.points[0].y == 72);
  CHECK(d.points[3].x == 76);
  CHECK(d.points[3].y == 136);
}

TEST_CASE("fields may come in any order, with spaces, and unknown fields are ignored") {
  const std::string line =
      R"( { "drawing" : [ [ [0, 255], [255, 0] ] ], "extra": {"a": [1]}, "key_id": "1", )"
      R"("recognized": false, "timestamp": "t", "countrycode": "", "word": "The Eiffel Tower" } )";
  qd::DrawingParser parser;
  qd::Drawing d;
  REQUIRE_FALSE(parser.parse_unpadded(line, d).has_value());
  CHECK(d.word == "The Eiffel Tower");
  CHECK_FALSE(d.recognized);
  CHECK(d.points.size() == 2);
}

TEST_CASE("a parser reused across lines gives the same result as a fresh one") {
  qd::DrawingParser parser;
  qd::Drawing d;
  REQUIRE_FALSE(parser.parse_unpadded(kGood, d).has_value());
  REQUIRE(parser.parse_unpadded("{broken", d).has_value());
  REQUIRE_FALSE(parser.parse_unpadded(kGood, d).has_value());
  CHECK(d.points.size() == 4);
  CHECK(d.stroke_count() == 2);
}

TEST_CASE("text that is not a JSON object is not_json") {
  CHECK(error_of("") == ParseErrorKind::kNotJson);
  CHECK(error_of("hello") == ParseErrorKind::kNotJson);
  CHECK(error_of("[1, 2]") == ParseErrorKind::kNotJson);
  CHECK(error_of("42") == ParseErrorKind::kNotJson);
  CHECK(error_of(kGood.substr(0, kGood.size() / 2)) == ParseErrorKind::kNotJson);
  CHECK(error_of(kGood.substr(0, kGood.size() - 1)) == ParseErrorKind::kNotJson);
  CHECK(error_of(kGood + kGood) == ParseErrorKind::kNotJson);
  CHECK(error_of(with(R"("word":"cat")", R"("word":"cat)")) == ParseErrorKind::kNotJson);
}

TEST_CASE("each missing field is named") {
  for (const std::string field : {"key_id", "word", "countrycode", "timestamp", "recognized"}) {
    const std::string line = with("\"" + field + "\"", "\"x_" + field + "\"");
    qd::DrawingParser parser;
    qd::Drawing d;
    const auto err = parser.parse_unpadded(line, d);
    REQUIRE(err.has_value());
    CHECK(err->kind == ParseErrorKind::kMissingField);
    CHECK(err->message.find(field) != std::string::npos);
  }
  CHECK(error_of(with("\"drawing\"", "\"strokes\"")) == ParseErrorKind::kMissingField);
}

TEST_CASE("mistyped fields are wrong_type") {
  CHECK(error_of(with(R"("word":"cat")", R"("word":7)")) == ParseErrorKind::kWrongType);
  CHECK(error_of(with(R"("recognized":true)", R"("recognized":"yes")")) ==
        ParseErrorKind::kWrongType);
  CHECK(error_of(with(R"("key_id":"5201136883597312")", R"("key_id":5201136883597312)")) ==
        ParseErrorKind::kWrongType);
  CHECK(error_of(with(R"("key_id":"5201136883597312")", R"("key_id":"52x")")) ==
        ParseErrorKind::kWrongType);
  CHECK(error_of(with(R"("key_id":"5201136883597312")", R"("key_id":"99999999999999999999")")) ==
        ParseErrorKind::kWrongType);
  CHECK(error_of(with(R"("countrycode":"VE")", R"("countrycode":null)")) ==
        ParseErrorKind::kWrongType);
  CHECK(error_of(with("[[[130,113,99],[72,40,27]],[[76],[136]]]", "{}")) ==
        ParseErrorKind::kWrongType);
  CHECK(error_of(with("[[130,113,99],[72,40,27]]", "\"stroke\"")) == ParseErrorKind::kWrongType);
  CHECK(error_of(with("[130,113,99]", "[130,113.5,99]")) == ParseErrorKind::kWrongType);
  CHECK(error_of(with("[130,113,99]", "[130,\"113\",99]")) == ParseErrorKind::kWrongType);
}

TEST_CASE("x and y of different lengths, or not exactly [x, y], are length_mismatch") {
  qd::DrawingParser parser;
  qd::Drawing d;
  const auto err = parser.parse_unpadded(with("[72,40,27]", "[72,40]"), d);
  REQUIRE(err.has_value());
  CHECK(err->kind == ParseErrorKind::kLengthMismatch);
  CHECK(err->message == "drawing[0]: x has 3 points, y has 2");
  CHECK(d.key_id == 5201136883597312ULL);  // known before the error, for the report
  CHECK(error_of(with("[[76],[136]]", "[[76]]")) == ParseErrorKind::kLengthMismatch);
  CHECK(error_of(with("[[76],[136]]", "[[76],[136],[0]]")) == ParseErrorKind::kLengthMismatch);
}

TEST_CASE("coordinates outside 0..255 are coordinate_out_of_range") {
  CHECK(error_of(with("[130,113,99]", "[130,256,99]")) == ParseErrorKind::kCoordinateOutOfRange);
  CHECK(error_of(with("[72,40,27]", "[72,-1,27]")) == ParseErrorKind::kCoordinateOutOfRange);
  CHECK(error_of(with("[72,40,27]", "[72,40,99999999999999999999999]")) ==
        ParseErrorKind::kCoordinateOutOfRange);
}

TEST_CASE("an empty drawing and an empty stroke are rejected") {
  CHECK(error_of(with("[[[130,113,99],[72,40,27]],[[76],[136]]]", "[]")) ==
        ParseErrorKind::kEmptyDrawing);
  CHECK(error_of(with("[[76],[136]]", "[[],[]]")) == ParseErrorKind::kEmptyStroke);
}

TEST_CASE("no input crashes the parser") {
  // Every prefix, and many random byte flips, of a good line: each either parses or gives an error.
  qd::DrawingParser parser;
  qd::Drawing d;
  for (size_t n = 0; n <= kGood.size(); ++n) (void)parser.parse_unpadded(kGood.substr(0, n), d);
  std::mt19937 rng(42);
  std::uniform_int_distribution<size_t> position(0, kGood.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = kGood;
    for (int k = 0; k < 3; ++k) s[position(rng)] = static_cast<char>(byte(rng));
    if (!parser.parse_unpadded(s, d)) {
      ++accepted;
      for (const auto& p : d.points) CHECK(p.x <= 255);  // touch the result
    }
  }
  CHECK(accepted < 20000);
}

TEST_CASE("text after the object is said to be that, with where it starts") {
  for (const std::string tail : {" xyz", "}", " {\"b\":2}"}) {
    qd::DrawingParser parser;
    qd::Drawing d;
    const auto err = parser.parse_unpadded(kGood + tail, d);
    REQUIRE(err.has_value());
    CHECK(err->kind == ParseErrorKind::kNotJson);
    CHECK_MESSAGE(err->message.find("text after the JSON object, at byte " +
                                    std::to_string(kGood.size() + 1 + (tail[0] == ' '))) == 0,
                  err->message);
  }
}

TEST_CASE("a field given twice is refused, not overwritten") {
  for (const std::string& twice : {std::string(R"({"key_id":"1",)") + kGood.substr(1),
                                   std::string(R"({"drawing":[[[0],[0]]],)") + kGood.substr(1)}) {
    qd::DrawingParser parser;
    qd::Drawing d;
    const auto err = parser.parse_unpadded(twice, d);
    REQUIRE(err.has_value());
    CHECK(err->kind == ParseErrorKind::kNotJson);
    CHECK(err->message.find("appears twice") != std::string::npos);
  }
}
