#pragma once
// Which of Google's published formats a source holds: simplified ndjson, the binary format of
// `full/binary/<category>.bin`, or raw ndjson (`full/raw/`, float coordinates and times). Chosen
// with --input-format, or recognised by content (auto).

#include <cstdint>
#include <string>
#include <string_view>

namespace qd {

enum class InputFormat : uint8_t { kAuto, kNdjson, kBinary, kRaw };

// "auto", "ndjson", "binary", "raw".
const char* to_string(InputFormat format);
// Throws std::invalid_argument naming the accepted values.
InputFormat parse_input_format(std::string_view name);

// What the first bytes of a decoded stream hold. Binary: a plausible first record (its byte 10,
// `recognized`, is 0 or 1, which no JSON text holds; at least one stroke, of at least one point).
// Otherwise text starting with '{' (after a UTF-8 byte order mark and spaces) is ndjson: raw when
// the first line's first stroke has three arrays ([x, y, t]), else simplified. Anything else
// (empty, a file of zeros, an HTML page) is kAuto: not recognised, the caller decides.
InputFormat sniff_input_format(std::string_view head);

// Whether `head` starts as a JSON object does: '{' after a byte order mark and spaces.
bool looks_like_json(std::string_view head);

}  // namespace qd
