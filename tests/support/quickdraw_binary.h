#pragma once
// A writer of Google's binary format, as the quickdraw-dataset README's "Binary files" section and
// its examples/binary_file_parser.py lay it out, written from that description (not from qd's
// reader) so that tests check the reader against the published layout:
//   key_id uint64 LE, countrycode 2 bytes, recognized uint8, timestamp uint32 LE, n_strokes
//   uint16 LE, then per stroke n_points uint16 LE, x[n_points] uint8, y[n_points] uint8.

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "qd/rasterizer/drawing.h"

namespace qd::test {

inline void put_le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// "2017-03-02 23:25:10.07453 UTC" (ndjson's timestamp) as Unix seconds; 0 if it is not one.
inline uint32_t unix_seconds(const std::string& timestamp) {
  std::tm t{};
  if (std::sscanf(timestamp.c_str(), "%d-%d-%d %d:%d:%d", &t.tm_year, &t.tm_mon, &t.tm_mday,
                  &t.tm_hour, &t.tm_min, &t.tm_sec) != 6) {
    return 0;
  }
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  return static_cast<uint32_t>(timegm(&t));
}

struct BinaryStroke {
  std::vector<uint8_t> x, y;
};

// One record; strokes and counts as given (a test may give wrong ones on purpose).
inline std::string binary_record(uint64_t key_id, const std::string& countrycode, int recognized,
                                 uint32_t timestamp, const std::vector<BinaryStroke>& strokes) {
  std::string out;
  put_le(out, key_id, 8);
  out += (countrycode + "  ").substr(0, 2);
  out.push_back(static_cast<char>(recognized));
  put_le(out, timestamp, 4);
  put_le(out, strokes.size(), 2);
  for (const BinaryStroke& s : strokes) {
    put_le(out, s.x.size(), 2);
    out.append(s.x.begin(), s.x.end());
    out.append(s.y.begin(), s.y.end());
  }
  return out;
}

// A parsed ndjson drawing as Google's binary writer would store it.
inline std::string binary_record(const Drawing& d) {
  std::vector<BinaryStroke> strokes(d.stroke_count());
  for (size_t i = 0; i < d.stroke_count(); ++i) {
    for (uint32_t p = d.stroke_begin(i); p < d.stroke_ends[i]; ++p) {
      strokes[i].x.push_back(d.points[p].x);
      strokes[i].y.push_back(d.points[p].y);
    }
  }
  return binary_record(d.key_id, d.countrycode, d.recognized ? 1 : 0, unix_seconds(d.timestamp),
                       strokes);
}

}  // namespace qd::test
