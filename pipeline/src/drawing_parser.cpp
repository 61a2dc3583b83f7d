#include "qd/pipeline/drawing_parser.h"

#include <simdjson.h>

#include <charconv>
#include <string>
#include <vector>

namespace qd {

static_assert(DrawingParser::kPadding >= simdjson::SIMDJSON_PADDING);

const char* to_string(ParseErrorKind kind) {
  static constexpr const char* kNames[] = {
      "not_json",      "missing_field", "wrong_type", "length_mismatch", "coordinate_out_of_range",
      "empty_drawing", "empty_stroke",  "cut_short"};
  return kNames[static_cast<size_t>(kind)];
}

namespace {

using simdjson::error_code;
namespace od = simdjson::ondemand;

ParseError fail(ParseErrorKind kind, std::string message) {
  return {kind, std::move(message)};
}

// A simdjson error while reading `what`: a type error is the record's fault, anything else
// means the text is not valid JSON.
ParseError from_simdjson(error_code e, const std::string& what) {
  if (e == simdjson::INCORRECT_TYPE) {
    return fail(ParseErrorKind::kWrongType, what + " has the wrong type");
  }
  return fail(ParseErrorKind::kNotJson, what + ": " + simdjson::error_message(e));
}

bool is_integer_token(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (!token.empty() && token.front() == '-') token.remove_prefix(1);
  return !token.empty() && token.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string stroke_name(size_t stroke) {
  return "drawing[" + std::to_string(stroke) + "]";
}

}  // namespace

struct DrawingParser::Impl {
  od::parser parser;
  std::vector<uint8_t> xs;
  std::vector<uint8_t> ys;
  std::string padded;  // for parse_unpadded

  // `raw` given: the drawing is raw ([x, y, t] strokes of numbers) and goes there.
  std::optional<ParseError> parse(const char* data, size_t length, Drawing& d,
                                  RawDrawing* raw = nullptr);

 private:
  std::optional<ParseError> read_string(od::value v, const char* name, std::string& out);
  std::optional<ParseError> read_drawing(od::value v, Drawing& d);
  std::optional<ParseError> read_raw_drawing(od::value v, RawDrawing& raw);
  std::optional<ParseError> read_numbers(od::value v, const std::string& what,
                                         std::vector<double>* out, size_t& count);
  std::optional<ParseError> read_coordinates(od::value v, const std::string& what,
                                             std::vector<uint8_t>& out);
};

std::optional<ParseError> DrawingParser::Impl::read_string(od::value v, const char* name,
                                                           std::string& out) {
  std::string_view s;
  if (auto e = v.get_string().get(s)) return from_simdjson(e, name);
  out.assign(s.data(), s.size());
  return std::nullopt;
}

std::optional<ParseError> DrawingParser::Impl::read_coordinates(od::value v,
                                                                const std::string& what,
                                                                std::vector<uint8_t>& out) {
  out.clear();
  od::array array;
  if (auto e = v.get_array().get(array)) return from_simdjson(e, what);
  for (auto element : array) {
    int64_t c = 0;
    const error_code e = element.get_int64().get(c);
    if (e == simdjson::INCORRECT_TYPE || e == simdjson::NUMBER_ERROR ||
        e == simdjson::NUMBER_OUT_OF_RANGE) {
      // An integer too big for int64 is out of range; 1.5, "7" or 1e3 are not integers at all.
      std::string_view token;
      const bool integer = !element.raw_json_token().get(token) && is_integer_token(token);
      return fail(integer ? ParseErrorKind::kCoordinateOutOfRange : ParseErrorKind::kWrongType,
                  what + "[" + std::to_string(out.size()) + "] " +
                      (integer ? "is outside 0..255" : "is not an integer"));
    }
    if (e) return from_simdjson(e, what);
    if (c < 0 || c > 255) {
      return fail(ParseErrorKind::kCoordinateOutOfRange, what + "[" + std::to_string(out.size()) +
                                                             "] = " + std::to_string(c) +
                                                             " is outside 0..255");
    }
    out.push_back(static_cast<uint8_t>(c));
  }
  return std::nullopt;
}

namespace {

// Walks "drawing": an array of strokes, each an array of arrays. `axis(name, n, value)` reads the
// stroke's n-th array, `stroke_done(name, arrays)` checks the stroke when its arrays are read.
template <class Axis, class StrokeDone>
std::optional<ParseError> walk_strokes(od::value v, Axis&& axis, StrokeDone&& stroke_done) {
  od::array strokes;
  if (auto e = v.get_array().get(strokes)) return from_simdjson(e, "drawing");
  size_t stroke = 0;
  for (auto stroke_value : strokes) {
    const std::string name = stroke_name(stroke);
    od::array arrays;
    if (auto e = stroke_value.get_array().get(arrays)) return from_simdjson(e, name);
    size_t n = 0;
    for (auto element : arrays) {
      od::value value;
      if (auto e = element.get(value)) return from_simdjson(e, name);
      if (auto err = axis(name, n, value)) return err;
      ++n;
    }
    if (auto err = stroke_done(name, n)) return err;
    ++stroke;
  }
  if (stroke == 0) return fail(ParseErrorKind::kEmptyDrawing, "drawing has no strokes");
  return std::nullopt;
}

}  // namespace

std::optional<ParseError> DrawingParser::Impl::read_drawing(od::value v, Drawing& d) {
  const auto axis = [&](const std::string& name, size_t n, od::value value) {
    return n < 2 ? read_coordinates(value, name + (n == 0 ? ".x" : ".y"), n == 0 ? xs : ys)
                 : std::nullopt;
  };
  const auto stroke_done = [&](const std::string& name,
                               size_t arrays) -> std::optional<ParseError> {
    if (arrays != 2) {
      return fail(ParseErrorKind::kLengthMismatch,
                  name + " has " + std::to_string(arrays) + " arrays, expected 2 ([x, y])");
    }
    if (xs.size() != ys.size()) {
      return fail(ParseErrorKind::kLengthMismatch, name + ": x has " + std::to_string(xs.size()) +
                                                       " points, y has " +
                                                       std::to_string(ys.size()));
    }
    if (xs.empty()) return fail(ParseErrorKind::kEmptyStroke, name + " has no points");
    for (size_t i = 0; i < xs.size(); ++i) d.points.push_back({xs[i], ys[i]});
    d.stroke_ends.push_back(static_cast<uint32_t>(d.points.size()));
    return std::nullopt;
  };
  return walk_strokes(v, axis, stroke_done);
}

// Raw coordinates are screen pixels: anything beyond this is not a drawing, and would overflow
// the scaling to 0..255.
constexpr double kMaxRawCoordinate = 1e7;

std::optional<ParseError> DrawingParser::Impl::read_numbers(od::value v, const std::string& what,
                                                            std::vector<double>* out,
                                                            size_t& count) {
  count = 0;
  od::array array;
  if (auto e = v.get_array().get(array)) return from_simdjson(e, what);
  for (auto element : array) {
    double c = 0;
    if (auto e = element.get_double().get(c)) {
      if (e == simdjson::INCORRECT_TYPE) {
        return fail(ParseErrorKind::kWrongType,
                    what + "[" + std::to_string(count) + "] is not a number");
      }
      return from_simdjson(e, what);
    }
    if (!(c >= -kMaxRawCoordinate && c <= kMaxRawCoordinate)) {
      return fail(ParseErrorKind::kCoordinateOutOfRange,
                  what + "[" + std::to_string(count) + "] is outside -1e7..1e7");
    }
    if (out != nullptr) out->push_back(c);
    ++count;
  }
  return std::nullopt;
}

std::optional<ParseError> DrawingParser::Impl::read_raw_drawing(od::value v, RawDrawing& raw) {
  size_t counts[3] = {0, 0, 0};
  const auto axis = [&](const std::string& name, size_t n, od::value value) {
    static constexpr const char* kAxes[] = {".x", ".y", ".t"};
    if (n >= 3) return std::optional<ParseError>();
    return read_numbers(value, name + kAxes[n],
                        n == 0   ? &raw.x
                        : n == 1 ? &raw.y
                                 : nullptr,
                        counts[n]);
  };
  const auto stroke_done = [&](const std::string& name, size_t n) -> std::optional<ParseError> {
    if (n != 2 && n != 3) {
      return fail(ParseErrorKind::kLengthMismatch,
                  name + " has " + std::to_string(n) + " arrays, expected 3 ([x, y, t]) or 2");
    }
    if (counts[0] != counts[1] || (n == 3 && counts[2] != counts[0])) {
      return fail(ParseErrorKind::kLengthMismatch,
                  name + ": x has " + std::to_string(counts[0]) + " points, y " +
                      std::to_string(counts[1]) +
                      (n == 3 ? ", t " + std::to_string(counts[2]) : ""));
    }
    if (counts[0] == 0) return fail(ParseErrorKind::kEmptyStroke, name + " has no points");
    raw.stroke_ends.push_back(static_cast<uint32_t>(raw.x.size()));
    counts[0] = counts[1] = counts[2] = 0;
    return std::nullopt;
  };
  return walk_strokes(v, axis, stroke_done);
}

std::optional<ParseError> DrawingParser::Impl::parse(const char* data, size_t length, Drawing& d,
                                                     RawDrawing* raw) {
  d.clear();
  if (raw != nullptr) raw->clear();
  if (length == 0) return fail(ParseErrorKind::kNotJson, "empty line");
  od::document doc;
  if (auto e = parser.iterate(data, length, length + kPadding).get(doc)) {
    return fail(ParseErrorKind::kNotJson, simdjson::error_message(e));
  }
  od::object object;
  if (auto e = doc.get_object().get(object)) {
    return fail(ParseErrorKind::kNotJson,
                e == simdjson::INCORRECT_TYPE ? "not a JSON object" : simdjson::error_message(e));
  }
  enum Seen : unsigned {
    kKey = 1,
    kWord = 2,
    kCountry = 4,
    kTime = 8,
    kRecognized = 16,
    kDrawing = 32
  };
  static constexpr std::pair<unsigned, const char*> kRequired[] = {{kKey, "key_id"},
                                                                   {kWord, "word"},
                                                                   {kCountry, "countrycode"},
                                                                   {kTime, "timestamp"},
                                                                   {kRecognized, "recognized"},
                                                                   {kDrawing, "drawing"}};
  unsigned seen = 0;
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field))
      return fail(ParseErrorKind::kNotJson, simdjson::error_message(e));
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) {
      return fail(ParseErrorKind::kNotJson, simdjson::error_message(e));
    }
    // A field given twice would leave the last one (or both drawings) silently: refused.
    for (const auto& [bit, name] : kRequired) {
      if (key == name && (seen & bit) != 0) {
        return fail(ParseErrorKind::kNotJson, "field \"" + std::string(key) + "\" appears twice");
      }
    }
    od::value value = field.value();
    std::optional<ParseError> err;
    if (key == "key_id") {
      std::string_view s;
      if (auto e = value.get_string().get(s)) return from_simdjson(e, "key_id");
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d.key_id);
      if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
        d.key_id = 0;
        return fail(ParseErrorKind::kWrongType,
                    "key_id \"" + std::string(s) + "\" is not a decimal 64-bit number");
      }
      seen |= kKey;
    } else if (key == "word") {
      err = read_string(value, "word", d.word);
      seen |= kWord;
    } else if (key == "countrycode") {
      err = read_string(value, "countrycode", d.countrycode);
      seen |= kCountry;
    } else if (key == "timestamp") {
      err = read_string(value, "timestamp", d.timestamp);
      seen |= kTime;
    } else if (key == "recognized") {
      if (auto e = value.get_bool().get(d.recognized)) return from_simdjson(e, "recognized");
      seen |= kRecognized;
    } else if (key == "drawing") {
      err = raw != nullptr ? read_raw_drawing(value, *raw) : read_drawing(value, d);
      seen |= kDrawing;
    }
    if (err) return err;
  }
  // Past the object, the document must be at its end (simdjson says "out of bounds").
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
    return fail(ParseErrorKind::kNotJson, "text after the JSON object");
  }
  for (const auto& [bit, name] : kRequired) {
    if ((seen & bit) == 0)
      return fail(ParseErrorKind::kMissingField, std::string("no \"") + name + "\" field");
  }
  return std::nullopt;
}

DrawingParser::DrawingParser() : impl_(std::make_unique<Impl>()) {}
DrawingParser::~DrawingParser() = default;
DrawingParser::DrawingParser(DrawingParser&&) noexcept = default;
DrawingParser& DrawingParser::operator=(DrawingParser&&) noexcept = default;

namespace {

// Where a line's leading JSON object ends (one past its closing brace), by brace depth outside
// strings; npos when the line does not hold a whole object.
size_t object_end(std::string_view line) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

// simdjson reports a whole object followed by more text as a document that "ended early"; say
// what it is.
std::optional<ParseError> explained(std::optional<ParseError> error, std::string_view line) {
  if (!error || error->kind != ParseErrorKind::kNotJson) return error;
  const size_t end = object_end(line);
  if (end == std::string_view::npos) return error;
  const size_t text = line.find_first_not_of(" \t\r", end);
  if (text == std::string_view::npos) return error;
  error->message = "text after the JSON object, at byte " + std::to_string(text + 1) + ": \"" +
                   std::string(line.substr(text, 20)) + "\"";
  return error;
}

}  // namespace

std::optional<ParseError> DrawingParser::parse(std::string_view line, Drawing& out) {
  return explained(impl_->parse(line.data(), line.size(), out), line);
}

std::optional<ParseError> DrawingParser::parse_raw(std::string_view line, Drawing& out,
                                                   RawDrawing& raw) {
  return explained(impl_->parse(line.data(), line.size(), out, &raw), line);
}

std::optional<ParseError> DrawingParser::parse_unpadded(std::string_view line, Drawing& out) {
  impl_->padded.assign(line.data(), line.size());
  impl_->padded.append(kPadding, ' ');
  return explained(impl_->parse(impl_->padded.data(), line.size(), out), line);
}

}  // namespace qd
