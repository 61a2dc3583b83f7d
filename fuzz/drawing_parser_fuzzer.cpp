// The drawing parser on one ndjson line. A line it accepts must be a drawing as
// docs/formats.md promises (strokes of equal-length x and y, no empty stroke, coordinates
// 0..255), and must mean the same when written back out and read again; a line it refuses gets
// one of the documented kinds and a message. Padded and unpadded parsing must agree. The same line
// read as raw ndjson (parse_raw): accepted whenever the simplified parser accepts it, strokes of
// equal-length x and y, and simplified (raw_simplifier) into as many non-empty strokes.

#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "qd/pipeline/drawing_parser.h"
#include "qd/pipeline/raw_simplifier.h"
#include "qd/store/json.h"

namespace {

// The drawing as one ndjson record, fields in Google's order.
std::string to_ndjson(const qd::Drawing& d) {
  std::string s = "{\"word\":\"" + qd::json_escape(d.word) + "\",\"countrycode\":\"" +
                  qd::json_escape(d.countrycode) + "\",\"timestamp\":\"" +
                  qd::json_escape(d.timestamp) +
                  "\",\"recognized\":" + (d.recognized ? "true" : "false") + ",\"key_id\":\"" +
                  std::to_string(d.key_id) + "\",\"drawing\":[";
  for (size_t i = 0; i < d.stroke_count(); ++i) {
    std::string xs;
    std::string ys;
    for (uint32_t p = d.stroke_begin(i); p < d.stroke_ends[i]; ++p) {
      const char* sep = p == d.stroke_begin(i) ? "" : ",";
      xs += sep + std::to_string(d.points[p].x);
      ys += sep + std::to_string(d.points[p].y);
    }
    s += (i == 0 ? "[[" : ",[[") + xs + "],[" + ys + "]]";
  }
  return s + "]}";
}

bool same(const qd::Drawing& a, const qd::Drawing& b) {
  if (a.key_id != b.key_id || a.word != b.word || a.countrycode != b.countrycode ||
      a.timestamp != b.timestamp || a.recognized != b.recognized ||
      a.stroke_ends != b.stroke_ends || a.points.size() != b.points.size()) {
    return false;
  }
  for (size_t i = 0; i < a.points.size(); ++i) {
    if (a.points[i].x != b.points[i].x || a.points[i].y != b.points[i].y) return false;
  }
  return true;
}

void check_drawing(const qd::Drawing& d) {
  QD_FUZZ_CHECK(d.stroke_count() > 0, "an accepted drawing has strokes");
  uint32_t begin = 0;
  for (size_t i = 0; i < d.stroke_count(); ++i) {
    QD_FUZZ_CHECK(d.stroke_ends[i] > begin, "stroke " + std::to_string(i) + " is empty");
    begin = d.stroke_ends[i];
  }
  QD_FUZZ_CHECK(begin == d.points.size(), "the last stroke ends at the last point");
}

void check_error(const qd::ParseError& e) {
  const auto kind = static_cast<unsigned>(e.kind);
  QD_FUZZ_CHECK(kind <= static_cast<unsigned>(qd::ParseErrorKind::kEmptyStroke), "a known kind");
  QD_FUZZ_CHECK(!e.message.empty(), "an error says what is wrong");
}

void check_raw(std::string_view line, bool simplified_accepted) {
  static qd::DrawingParser parser;
  static qd::Drawing meta;
  static qd::RawDrawing raw;
  static qd::Drawing simplified;
  const auto error = parser.parse_raw(line, meta, raw);
  QD_FUZZ_CHECK(!simplified_accepted || !error, "a simplified line is a raw line too");
  if (error) {
    check_error(*error);
    return;
  }
  QD_FUZZ_CHECK(raw.stroke_count() > 0 && raw.x.size() == raw.y.size(), "strokes of x and y");
  uint32_t begin = 0;
  for (size_t i = 0; i < raw.stroke_count(); ++i) {
    QD_FUZZ_CHECK(raw.stroke_ends[i] > begin, "no raw stroke is empty");
    begin = raw.stroke_ends[i];
  }
  QD_FUZZ_CHECK(begin == raw.x.size(), "the last raw stroke ends at the last point");
  if (!qd::simplify_raw(raw, {2.0, 65536}, simplified)) return;  // too long a path: too_large
  QD_FUZZ_CHECK(simplified.stroke_count() == raw.stroke_count(), "a stroke for each raw stroke");
  check_drawing(simplified);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static qd::DrawingParser parser;
  static qd::DrawingParser reference;  // a second parser, for the written-back record
  static qd::Drawing drawing;
  static qd::Drawing unpadded;
  const std::string_view line = qd::fuzz::as_text(data, size);

  // What LineChunk hands the parser: the line, then kPadding zero bytes.
  std::vector<char> padded(line.begin(), line.end());
  padded.resize(size + qd::DrawingParser::kPadding, '\0');
  const auto error = parser.parse({padded.data(), size}, drawing);
  const auto unpadded_error = parser.parse_unpadded(line, unpadded);

  QD_FUZZ_CHECK(error.has_value() == unpadded_error.has_value(),
                "padded and unpadded parsing agree on accepting the line");
  check_raw({padded.data(), size}, !error);
  if (error) {
    check_error(*error);
    QD_FUZZ_CHECK(error->kind == unpadded_error->kind && error->message == unpadded_error->message,
                  "padded and unpadded parsing give the same error");
    return 0;
  }
  check_drawing(drawing);
  QD_FUZZ_CHECK(same(drawing, unpadded), "padded and unpadded parsing give the same drawing");

  const std::string written = to_ndjson(drawing);
  qd::Drawing again;
  const auto reread = reference.parse_unpadded(written, again);
  QD_FUZZ_CHECK(!reread, "the drawing written back is accepted: " + written +
                             (reread ? " (" + reread->message + ")" : ""));
  QD_FUZZ_CHECK(same(drawing, again), "the drawing written back reads as the same drawing");
  return 0;
}
