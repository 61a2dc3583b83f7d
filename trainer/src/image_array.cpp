#include "image_array.h"

#include <cmath>

#include "qd/trainer/dataset.h"

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

int square_image_side(const MappedNpy& npy) {
  const auto& shape = npy.shape();
  if (npy.descr() != "|u1" && npy.descr() != "<u1") {
    throw DatasetError(npy.path() + ": dtype " + npy.descr() +
                       ", expected uint8 images (|u1, 255 = ink)");
  }
  int side = 0;
  if (shape.size() == 2) side = side_of_flat(shape[1]);
  if (shape.size() == 3 && shape[1] == 1) side = side_of_flat(shape[2]);
  if (shape.size() == 3 && shape[1] != 1 && shape[1] == shape[2]) side = static_cast<int>(shape[1]);
  if (side == 0) {
    throw DatasetError(npy.path() + ": shape " + shape_text(shape) +
                       ", expected square images: [N,784], [N,1,784] or [N,side,side]");
  }
  return side;
}

std::unique_ptr<MappedNpy> map_image_array(const std::string& path) {
  std::unique_ptr<MappedNpy> npy;
  try {
    npy = std::make_unique<MappedNpy>(path);
  } catch (const std::runtime_error& e) {
    throw DatasetError(e.what());
  }
  square_image_side(*npy);
  return npy;
}

}  // namespace qd::train
