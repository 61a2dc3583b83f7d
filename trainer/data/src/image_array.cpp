#include "image_array.h"

#include <cmath>
#include <cstring>

#include "qd/data/dataset.h"

namespace qd::train {
namespace {

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

int side_of_flat(uint64_t d) {
  const auto side = static_cast<uint64_t>(std::lround(std::sqrt(static_cast<double>(d))));
  return side * side == d ? static_cast<int>(side) : 0;
}

}  // namespace

ImageShape npy_image_shape(const MappedNpy& npy) {
  const auto& shape = npy.shape();
  if (npy.descr() != "|u1" && npy.descr() != "<u1") {
    throw DatasetError(npy.path() + ": dtype " + npy.descr() +
                       ", expected uint8 images (|u1, 255 = ink)");
  }
  ImageShape image{0, 1};
  if (shape.size() == 2) image.side = side_of_flat(shape[1]);
  if (shape.size() == 3 && shape[1] == 1) image.side = side_of_flat(shape[2]);
  if (shape.size() == 3 && shape[1] != 1 && shape[1] == shape[2])
    image.side = static_cast<int64_t>(shape[1]);
  if (shape.size() == 4 && shape[1] == shape[2] && (shape[3] == 1 || shape[3] == 3)) {
    image = {static_cast<int64_t>(shape[1]), static_cast<int64_t>(shape[3])};
  }
  if (image.side == 0) {
    throw DatasetError(npy.path() + ": shape " + shape_text(shape) +
                       ", expected square images: [N,784], [N,1,784], [N,side,side] or "
                       "[N,side,side,3]");
  }
  return image;
}

std::unique_ptr<MappedNpy> map_image_array(const std::string& path) {
  std::unique_ptr<MappedNpy> npy;
  try {
    npy = std::make_unique<MappedNpy>(path);
  } catch (const std::runtime_error& e) {
    throw DatasetError(e.what());
  }
  npy_image_shape(*npy);
  return npy;
}

void copy_to_chw(const uint8_t* hwc, const ImageShape& shape, uint8_t* chw) {
  const auto pixels = static_cast<size_t>(shape.side * shape.side);
  const auto channels = static_cast<size_t>(shape.channels);
  if (channels == 1) {
    std::memcpy(chw, hwc, pixels);
    return;
  }
  for (size_t p = 0; p < pixels; ++p) {
    for (size_t c = 0; c < channels; ++c) chw[c * pixels + p] = hwc[p * channels + c];
  }
}

}  // namespace qd::train
