#include "qd/pipeline/input_format.h"

#include <array>
#include <stdexcept>

#include "qd/pipeline/binary_format.h"

namespace qd {
namespace {

constexpr std::array<const char*, 4> kNames = {"auto", "ndjson", "binary", "raw"};

// Whether the first stroke of the first line's "drawing" holds three arrays ([x, y, t]): read by
// bracket depth, so any spacing works. False when the head ends before the stroke does.
bool first_stroke_has_times(std::string_view line) {
  const size_t key = line.find("\"drawing\"");
  if (key == std::string_view::npos) return false;
  int depth = 0;  // 1: the drawing, 2: a stroke, 3: an array of the stroke
  int arrays = 0;
  for (size_t i = key + 9; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '[') {
      ++depth;
      if (depth == 3) ++arrays;
    } else if (c == ']') {
      if (depth == 2) return arrays == 3;  // the first stroke ends
      if (--depth <= 0) return false;
    } else if (depth == 0 && c != ':' && c != ' ' && c != '\t') {
      return false;  // "drawing" is not followed by an array
    }
  }
  return false;
}

}  // namespace

const char* to_string(InputFormat format) {
  return kNames[static_cast<size_t>(format)];
}

InputFormat parse_input_format(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (name == kNames[i]) return static_cast<InputFormat>(i);
  }
  throw std::invalid_argument("--input-format must be auto, ndjson, binary or raw, not '" +
                              std::string(name) + "'");
}

bool looks_like_json(std::string_view head) {
  if (head.rfind("\xEF\xBB\xBF", 0) == 0) head.remove_prefix(3);
  const size_t first = head.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && head[first] == '{';
}

InputFormat sniff_input_format(std::string_view head) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  // recognized 0 or 1, at least one stroke, a first stroke of at least one point.
  if (head.size() >= kBinaryHeaderBytes + 2 && byte(10) <= 1 && (byte(15) | byte(16)) != 0 &&
      (byte(17) | byte(18)) != 0) {
    return InputFormat::kBinary;
  }
  if (!looks_like_json(head)) return InputFormat::kAuto;
  const size_t newline = head.find('\n');
  return first_stroke_has_times(head.substr(0, newline)) ? InputFormat::kRaw : InputFormat::kNdjson;
}

}  // namespace qd
