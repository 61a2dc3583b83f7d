#include "qd/rasterizer/rgb_picture.h"

#include <memory>
#include <stdexcept>

#include "cairo_rgb.h"

namespace qd {

RgbPicture rgb_of_surface(cairo_surface_t* surface) {
  RgbPicture picture;
  picture.width = cairo_image_surface_get_width(surface);
  picture.height = cairo_image_surface_get_height(surface);
  const uint8_t* data = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  picture.pixels.resize(static_cast<size_t>(picture.width) * picture.height * 3);
  uint8_t* out = picture.pixels.data();
  for (int y = 0; y < picture.height; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < picture.width; ++x) {
      *out++ = static_cast<uint8_t>((row[x] >> 16) & 0xff);
      *out++ = static_cast<uint8_t>((row[x] >> 8) & 0xff);
      *out++ = static_cast<uint8_t>(row[x] & 0xff);
    }
  }
  return picture;
}

RgbPicture read_png_as_rgb(const std::string& path) {
  using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
  Surface png(cairo_image_surface_create_from_png(path.c_str()), cairo_surface_destroy);
  if (cairo_surface_status(png.get()) != CAIRO_STATUS_SUCCESS) {
    throw std::runtime_error(
        path + ": cannot read PNG: " + cairo_status_to_string(cairo_surface_status(png.get())));
  }
  // Flatten whatever format the PNG had onto white, in one known layout (RGB24).
  Surface rgb(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, cairo_image_surface_get_width(png.get()),
                                 cairo_image_surface_get_height(png.get())),
      cairo_surface_destroy);
  cairo_t* cr = cairo_create(rgb.get());
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_surface(cr, png.get(), 0, 0);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_flush(rgb.get());
  return rgb_of_surface(rgb.get());
}

}  // namespace qd
