#pragma once
// MNIST's IDX format: a big-endian header (magic, then one 32-bit size per dimension), then the
// data. qd reads two kinds: images (magic 0x00000803: unsigned bytes, [N, rows, columns]) and
// labels (0x00000801: unsigned bytes, [N]).

#include <cstdint>
#include <string>
#include <vector>

#include "byte_input.h"

namespace qd::images {

inline constexpr uint32_t kIdxImagesMagic = 0x00000803;
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;

struct IdxImages {
  uint32_t count = 0;
  int side = 0;
  std::vector<uint8_t> pixels;  // count x side x side
};

// The whole of `in`, which must be exactly what its header promises: square, at least one image,
// no more than kMaxPixelBytes, no byte missing and none after. Errors name in.name().
IdxImages parse_idx_images(ByteInput& in);

// The whole of `in`, an IDX labels file, under the same rules.
std::vector<uint8_t> parse_idx_labels(ByteInput& in);

// Where MNIST keeps the labels of `images_path` (train-images-idx3-ubyte.gz ->
// train-labels-idx1-ubyte.gz, gzipped or not); an error naming the paths looked for when there
// is none.
std::string find_idx_labels(const std::string& images_path);

}  // namespace qd::images
