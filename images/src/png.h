#pragma once
// One PNG file decoded with Cairo into 8-bit grey or RGB.

#include <cstdint>
#include <string>
#include <vector>

namespace qd::images {

struct DecodedPng {
  int width = 0;
  int height = 0;
  int channels = 0;             // 1 for grey PNGs (colour types 0 and 4), 3 for the others
  std::vector<uint8_t> pixels;  // height x width x channels, composited onto white
};

// Errors (ImageInputError) name `path`: not a PNG, a colour type PNG does not define, or Cairo
// cannot decode it (with Cairo's status).
DecodedPng read_png(const std::string& path);

}  // namespace qd::images
