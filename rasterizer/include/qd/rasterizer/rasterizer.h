#pragma once
// Renders drawings to greyscale bitmaps with Cairo, exactly as Google rendered the Quick, Draw!
// `numpy_bitmap` files (quickdraw-dataset issue #19): white ink on black, uint8, row-major.

#include <cstdint>
#include <vector>

#include "qd/rasterizer/drawing.h"

namespace qd {

struct RasterOptions {
  int side = 28;             // output is side x side pixels
  double line_width = 16.0;  // in the drawing's 256-unit space
  double padding = 16.0;     // on each edge, in the 256-unit space
};

// Writes side*side bytes to `out`. Safe to call from many threads at once: each thread renders on
// its own Cairo surface, created on first use and reused while the options stay the same.
// Throws std::invalid_argument for a side outside 1..4096 or a negative width or padding.
void rasterize(const Drawing& drawing, const RasterOptions& options, uint8_t* out);

std::vector<uint8_t> rasterize(const Drawing& drawing, const RasterOptions& options = {});

}  // namespace qd
