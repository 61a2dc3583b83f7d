#include "png.h"

#include <cairo.h>

#include <fstream>
#include <memory>

#include "qd/images/image_set.h"

namespace qd::images {
namespace {

// Cairo decodes every PNG to RGB24 or ARGB32 and forgets whether it was grey, so the channel
// count comes from the file's own header: the 8-byte signature, then the IHDR chunk (length,
// "IHDR", width, height, bit depth, colour type, ...).
int png_channels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImageInputError(path + ": cannot open");
  unsigned char head[26] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (in.gcount() < 8 || !std::equal(kSignature, kSignature + 8, head)) {
    throw ImageInputError(path + ": is not a PNG file (it does not start with PNG's signature)");
  }
  if (in.gcount() < static_cast<std::streamsize>(sizeof head) ||
      std::string(reinterpret_cast<char*>(head + 12), 4) != "IHDR") {
    throw ImageInputError(path + ": is not a valid PNG file (no IHDR chunk after the signature)");
  }
  switch (head[25]) {
    case 0:  // grey
    case 4:  // grey and alpha
      return 1;
    case 2:  // RGB
    case 3:  // palette
    case 6:  // RGBA
      return 3;
    default:
      throw ImageInputError(path + ": is not a valid PNG file (colour type " +
                            std::to_string(head[25]) + " in its IHDR chunk)");
  }
}

}  // namespace

DecodedPng read_png(const std::string& path) {
  DecodedPng png;
  png.channels = png_channels(path);
  const std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> surface(
      cairo_image_surface_create_from_png(path.c_str()), cairo_surface_destroy);
  const cairo_status_t status = cairo_surface_status(surface.get());
  if (status != CAIRO_STATUS_SUCCESS) {
    throw ImageInputError(path +
                          ": Cairo cannot decode it as PNG: " + cairo_status_to_string(status));
  }
  cairo_surface_flush(surface.get());
  const cairo_format_t format = cairo_image_surface_get_format(surface.get());
  if (format != CAIRO_FORMAT_RGB24 && format != CAIRO_FORMAT_ARGB32) {
    // Newer Cairo decodes 16-bit PNGs to float formats.
    throw ImageInputError(path + ": Cairo decoded it to pixel format " + std::to_string(format) +
                          ", which qd does not read: save it as an 8-bit PNG");
  }
  png.width = cairo_image_surface_get_width(surface.get());
  png.height = cairo_image_surface_get_height(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  const unsigned char* data = cairo_image_surface_get_data(surface.get());
  const bool alpha = format == CAIRO_FORMAT_ARGB32;
  png.pixels.resize(static_cast<size_t>(png.width) * png.height * png.channels);
  uint8_t* out = png.pixels.data();
  for (int y = 0; y < png.height; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < png.width; ++x) {
      const uint32_t argb = row[x];
      // Premultiplied: onto white, each channel is its value plus the white showing through.
      const uint32_t white = alpha ? 255 - (argb >> 24) : 0;
      const auto r = static_cast<uint8_t>(((argb >> 16) & 0xff) + white);
      if (png.channels == 1) {
        *out++ = r;  // grey PNGs come back with R = G = B
      } else {
        *out++ = r;
        *out++ = static_cast<uint8_t>(((argb >> 8) & 0xff) + white);
        *out++ = static_cast<uint8_t>((argb & 0xff) + white);
      }
    }
  }
  return png;
}

}  // namespace qd::images
