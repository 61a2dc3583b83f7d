#include "qd/pipeline/binary_format.h"

#include <cstring>
#include <string>

namespace qd {
namespace {

uint16_t u16(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(b[0] | (b[1] << 8));
}

uint32_t u32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) |
         (static_cast<uint32_t>(b[2]) << 16) | (static_cast<uint32_t>(b[3]) << 24);
}

uint64_t u64(const char* p) {
  return static_cast<uint64_t>(u32(p)) | (static_cast<uint64_t>(u32(p + 4)) << 32);
}

ParseError fail(ParseErrorKind kind, std::string message) {
  return {kind, std::move(message)};
}

}  // namespace

std::optional<ParseError> parse_binary_record(std::string_view record, Drawing& d) {
  d.clear();
  const size_t size = record.size();
  if (size < kBinaryHeaderBytes) {
    return fail(ParseErrorKind::kCutShort,
                "a record of " + std::to_string(size) + " bytes, shorter than the 17-byte header");
  }
  const char* p = record.data();
  d.key_id = u64(p);
  d.countrycode.assign(p + 8, 2);
  const auto recognized = static_cast<unsigned char>(p[10]);
  if (recognized > 1) {
    return fail(ParseErrorKind::kWrongType,
                "recognized byte is " + std::to_string(recognized) + ", not 0 or 1");
  }
  d.recognized = recognized == 1;
  d.timestamp = std::to_string(u32(p + 11));
  const uint16_t strokes = u16(p + 15);
  if (strokes == 0) return fail(ParseErrorKind::kEmptyDrawing, "drawing has no strokes");
  size_t at = kBinaryHeaderBytes;
  d.points.reserve((size - at) / 2);
  d.stroke_ends.reserve(strokes);
  for (uint16_t s = 0; s < strokes; ++s) {
    const auto stroke = [&] {
      return "stroke " + std::to_string(s) + " of " + std::to_string(strokes);
    };
    if (size - at < 2) {
      return fail(ParseErrorKind::kCutShort, stroke() + ": the record ends (" +
                                                 std::to_string(size) +
                                                 " bytes) before its point count");
    }
    const uint16_t n = u16(p + at);
    at += 2;
    if (n == 0) return fail(ParseErrorKind::kEmptyStroke, stroke() + " has no points");
    if (size - at < 2 * size_t{n}) {
      return fail(ParseErrorKind::kCutShort, stroke() + ": " + std::to_string(n) + " points need " +
                                                 std::to_string(2 * n) + " bytes, the record has " +
                                                 std::to_string(size - at) + " left");
    }
    const auto* x = reinterpret_cast<const uint8_t*>(p + at);
    const auto* y = x + n;
    const size_t first = d.points.size();
    d.points.resize(first + n);
    Point* out = d.points.data() + first;
    for (uint16_t i = 0; i < n; ++i) out[i] = {x[i], y[i]};
    d.stroke_ends.push_back(static_cast<uint32_t>(d.points.size()));
    at += 2 * size_t{n};
  }
  if (at != size) {
    return fail(ParseErrorKind::kLengthMismatch,
                std::to_string(size - at) + " bytes after the last stroke (the record is " +
                    std::to_string(at) + " bytes)");
  }
  return std::nullopt;
}

}  // namespace qd
