#pragma once
// Cairo's RGB24 surfaces as RgbPicture: the one copy shared by the PNG reader and contact sheets.

#include <cairo.h>

#include "qd/rasterizer/rgb_picture.h"

namespace qd {

// The pixels of a flushed CAIRO_FORMAT_RGB24 surface.
RgbPicture rgb_of_surface(cairo_surface_t* surface);

}  // namespace qd
