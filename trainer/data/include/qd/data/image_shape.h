#pragma once
// The shape of the images a run learns from and draws: what the data says, and what every network,
// grid and score is built for.

#include <cstdint>
#include <string>

namespace qd::train {

// The images a model draws and judges: side x side pixels of `channels` (1 grey, 3 RGB).
struct ImageShape {
  int64_t side = 28;
  int64_t channels = 1;

  bool operator==(const ImageShape& o) const { return side == o.side && channels == o.channels; }
  bool operator!=(const ImageShape& o) const { return !(*this == o); }
};
std::string to_string(const ImageShape& shape);  // "28x28 grey", "32x32 RGB", "32x32x5"

}  // namespace qd::train
