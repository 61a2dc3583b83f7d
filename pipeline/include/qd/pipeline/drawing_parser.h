#pragma once
// Parses one line of Google's simplified ndjson into a Drawing, with simdjson's on-demand API
// (and one line of raw ndjson into a RawDrawing, for raw_simplifier.h).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qd/rasterizer/drawing.h"

namespace qd {

enum class ParseErrorKind {
  kNotJson,               // not JSON, not an object, or text after the object
  kMissingField,          // one of key_id, word, countrycode, timestamp, recognized, drawing
  kWrongType,             // a field of the wrong JSON type, or a key_id that is not a number
  kLengthMismatch,        // a stroke whose x and y arrays differ in length, or not [x, y]
  kCoordinateOutOfRange,  // a coordinate outside 0..255
  kEmptyDrawing,          // "drawing": []
  kEmptyStroke,           // a stroke with no points
  kCutShort,              // binary: the record ends before its counts say it does
};

const char* to_string(ParseErrorKind kind);

struct ParseError {
  ParseErrorKind kind;
  std::string message;  // says what and where, e.g. "drawing[2]: x has 5 points, y has 4"
};

// A drawing of Google's raw ndjson (`full/raw/`): float coordinates as drawn on screen, strokes
// flat as in Drawing. raw_simplifier.h turns it into a simplified Drawing.
struct RawDrawing {
  std::vector<double> x, y;
  std::vector<uint32_t> stroke_ends;  // stroke i is [stroke_begin(i), stroke_ends[i])

  size_t stroke_count() const { return stroke_ends.size(); }
  uint32_t stroke_begin(size_t i) const { return i == 0 ? 0 : stroke_ends[i - 1]; }
  void clear() {
    x.clear();
    y.clear();
    stroke_ends.clear();
  }
};

// Reads and validates one record. Not thread-safe: use one parser per thread (it owns simdjson's
// buffers, which are reused from line to line).
class DrawingParser {
 public:
  // simdjson reads up to this many bytes past the end of the line (they are never interpreted).
  static constexpr size_t kPadding = 64;

  DrawingParser();
  ~DrawingParser();
  DrawingParser(DrawingParser&&) noexcept;
  DrawingParser& operator=(DrawingParser&&) noexcept;

  // `line` is one record without its newline; at least kPadding readable bytes must follow it in
  // memory (LineChunk guarantees this). On error, out.key_id is set if it was read before the
  // error (so messages can name the record), else 0.
  std::optional<ParseError> parse(std::string_view line, Drawing& out);

  // One line of raw ndjson: the same fields, but each stroke [x, y, t] (t may be left out), arrays
  // of the same non-zero length of numbers within -1e7..1e7 (times are checked, not kept). The
  // metadata goes to `out` (its points left empty), the strokes to `raw`. Padded as parse().
  std::optional<ParseError> parse_raw(std::string_view line, Drawing& out, RawDrawing& raw);

  // The same for a line with no padding behind it: copies it first. For tests and small tools.
  std::optional<ParseError> parse_unpadded(std::string_view line, Drawing& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qd
