#pragma once
// One memory-mapped .npy of square uint8 images, checked for the shapes qd_train reads.

#include <memory>
#include <string>

#include "qd/data/image_shape.h"
#include "qd/store/npy.h"

namespace qd::train {

// uint8 [N,D] or [N,1,D] with D = side*side (Google's numpy_bitmap: D = 784), [N,S,S] (qd_prepare's
// shards) or [N,S,S,C] with C = 1 or 3 (qd_sample's --npy of RGB runs). Returns the images'
// shape. Throws DatasetError naming the file otherwise.
ImageShape npy_image_shape(const MappedNpy& npy);

// Maps `path` and checks it with npy_image_shape; MappedNpy's errors become DatasetError.
std::unique_ptr<MappedNpy> map_image_array(const std::string& path);

// Copies one image from HWC bytes (as Dataset keeps them) to CHW (as the networks take them).
void copy_to_chw(const uint8_t* hwc, const ImageShape& shape, uint8_t* chw);

}  // namespace qd::train
