#include "qd/data/image_shape.h"

namespace qd::train {

std::string to_string(const ImageShape& shape) {
  const std::string size = std::to_string(shape.side) + "x" + std::to_string(shape.side);
  if (shape.channels == 1) return size + " grey";
  if (shape.channels == 3) return size + " RGB";
  return size + "x" + std::to_string(shape.channels);
}

}  // namespace qd::train
