#pragma once
// The in-memory form of one Quick, Draw! drawing (Google's simplified format).

#include <cstdint>
#include <string>
#include <vector>

namespace qd {

struct Point {
  uint8_t x = 0;
  uint8_t y = 0;
};

// Strokes are stored flat (all points in order, plus where each stroke ends) so that parsing a
// drawing into a reused Drawing allocates nothing once its buffers have grown.
struct Drawing {
  uint64_t key_id = 0;
  std::string word;
  std::string countrycode;
  std::string timestamp;
  bool recognized = false;
  std::vector<Point> points;
  std::vector<uint32_t> stroke_ends;  // stroke i is points[stroke_begin(i), stroke_ends[i])

  size_t stroke_count() const { return stroke_ends.size(); }
  uint32_t stroke_begin(size_t i) const { return i == 0 ? 0 : stroke_ends[i - 1]; }

  void clear() {
    key_id = 0;
    word.clear();
    countrycode.clear();
    timestamp.clear();
    recognized = false;
    points.clear();
    stroke_ends.clear();
  }
};

}  // namespace qd
