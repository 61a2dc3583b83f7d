#pragma once
// One memory-mapped .npy of square uint8 images, checked for the shapes qd_train reads.

#include <memory>
#include <string>

#include "qd/store/npy.h"

namespace qd::train {

// uint8 [N,D] or [N,1,D] with D = side*side (Google's numpy_bitmap: D = 784), or [N,S,S]
// (qd_prepare's shards). Returns the side. Throws DatasetError naming the file otherwise.
int square_image_side(const MappedNpy& npy);

// Maps `path` and checks it with square_image_side; MappedNpy's errors become DatasetError.
std::unique_ptr<MappedNpy> map_image_array(const std::string& path);

}  // namespace qd::train
