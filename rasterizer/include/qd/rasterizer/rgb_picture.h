#pragma once
// Pictures as plain RGB bytes, for writers of formats Cairo does not write (animated GIFs).

#include <cstdint>
#include <string>
#include <vector>

namespace qd {

struct RgbPicture {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // width * height * 3, rows top to bottom
};

// A PNG file flattened onto white. Throws std::runtime_error naming the file when Cairo cannot
// read it.
RgbPicture read_png_as_rgb(const std::string& path);

}  // namespace qd
