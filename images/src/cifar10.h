#pragma once
// CIFAR-10's binary batches: records of one label byte (0 to 9) and 3072 pixel bytes, the 1024
// red, then green, then blue bytes of a 32x32 image (planar, CHW).

#include <string>
#include <vector>

#include "byte_input.h"
#include "qd/images/image_set.h"

namespace qd::images {

inline constexpr int kCifarSide = 32;
inline constexpr size_t kCifarPixelBytes = 3 * kCifarSide * kCifarSide;
inline constexpr size_t kCifarRecordBytes = 1 + kCifarPixelBytes;  // 3073
inline constexpr int kCifarClasses = 10;

// Appends the records of `in` to set.pixels (converted to HWC) and set.labels. `in` must hold at
// least one record and a whole number of them, each label 0 to 9; errors name in.name() and the
// record (counted from 0 in that file).
void append_cifar10(ByteInput& in, ImageSet& set);

// The detection heuristic: `in` holds a positive whole number of 3073-byte records and every
// record's first byte is 0 to 9. Reads `in` to its end (a CIFAR-10 batch is 30 MB).
bool looks_like_cifar10(ByteInput& in);

// A folder's data_batch_*.bin files (gzipped too: .bin.gz), in name order; empty if none.
std::vector<std::string> cifar10_batch_files(const std::string& dir);

}  // namespace qd::images
