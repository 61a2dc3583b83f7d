#include "qd/rasterizer/contact_sheet.h"

#include <cairo.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "cairo_rgb.h"

namespace qd {
namespace {

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;

// The sheet drawn on a Cairo RGB24 surface.
Surface draw_contact_sheet(const ContactSheet& sheet);

}  // namespace

size_t contact_sheet_capacity(const ContactSheet& sheet) {
  if (sheet.side < 1 || sheet.scale < 1 || sheet.gap < 0 || sheet.columns < 0) return 0;
  // Cells along one side: n cells and n + 1 gaps.
  const int64_t cell = int64_t{sheet.side} * sheet.scale;
  const int64_t room = kMaxSheetPixels - sheet.gap;
  const auto per_side = static_cast<size_t>(room < 0 ? 0 : room / (cell + sheet.gap));
  if (sheet.columns == 0) return per_side * per_side;  // as square as possible
  // More columns than fit: a single row, of fewer images than the columns, still fits.
  const auto columns = static_cast<size_t>(sheet.columns);
  return columns <= per_side ? per_side * columns : per_side;
}

std::string encode_contact_sheet_png(const ContactSheet& sheet) {
  const Surface surface = draw_contact_sheet(sheet);
  std::string png;
  const cairo_status_t status =
      cairo_surface_write_to_png_stream(surface.get(), append_to_string, &png);
  if (status != CAIRO_STATUS_SUCCESS) {
    throw std::runtime_error(std::string("contact sheet: PNG encoding failed: ") +
                             cairo_status_to_string(status));
  }
  return png;
}

RgbPicture render_contact_sheet(const ContactSheet& sheet) {
  return rgb_of_surface(draw_contact_sheet(sheet).get());
}

namespace {

Surface draw_contact_sheet(const ContactSheet& sheet) {
  if (sheet.images == nullptr || sheet.count == 0 || sheet.side < 1 || sheet.scale < 1 ||
      sheet.gap < 0 || (sheet.channels != 1 && sheet.channels != 3)) {
    throw std::invalid_argument("contact sheet: no images, or a bad side, channels, scale or gap");
  }
  if (const size_t capacity = contact_sheet_capacity(sheet); sheet.count > capacity) {
    throw std::invalid_argument("contact sheet: " + std::to_string(sheet.count) +
                                " images, more than the " + std::to_string(capacity) +
                                " that fit in " + std::to_string(kMaxSheetPixels) +
                                " pixels a side");
  }
  const auto count = static_cast<int>(sheet.count);
  const int columns = sheet.columns > 0 ? std::min(sheet.columns, count)
                                        : static_cast<int>(std::ceil(std::sqrt(count)));
  const int rows = (count + columns - 1) / columns;
  const int cell = sheet.side * sheet.scale;
  const int width = columns * cell + (columns + 1) * sheet.gap;
  const int height = rows * cell + (rows + 1) * sheet.gap;

  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height),
                  &cairo_surface_destroy);
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    throw std::runtime_error("contact sheet: cannot create a " + std::to_string(width) + "x" +
                             std::to_string(height) + " surface");
  }
  cairo_surface_flush(surface.get());
  uint8_t* data = cairo_image_surface_get_data(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  const uint32_t gap_colour = 0x00808080;
  for (int y = 0; y < height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < width; ++x) row[x] = gap_colour;
  }
  for (int i = 0; i < count; ++i) {
    const size_t row_bytes = static_cast<size_t>(sheet.side) * sheet.channels;
    const uint8_t* image = sheet.images + static_cast<size_t>(i) * sheet.side * row_bytes;
    const int left = sheet.gap + (i % columns) * (cell + sheet.gap);
    const int top = sheet.gap + (i / columns) * (cell + sheet.gap);
    for (int y = 0; y < cell; ++y) {
      auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(top + y) * stride);
      const uint8_t* src = image + static_cast<size_t>(y / sheet.scale) * row_bytes;
      for (int x = 0; x < cell; ++x) {
        const uint8_t* pixel = src + static_cast<size_t>(x / sheet.scale) * sheet.channels;
        if (sheet.channels == 3) {
          row[left + x] = (uint32_t{pixel[0]} << 16) | (uint32_t{pixel[1]} << 8) | pixel[2];
          continue;
        }
        uint32_t v = pixel[0];
        if (sheet.ink_on_white) v = 255 - v;
        row[left + x] = (v << 16) | (v << 8) | v;
      }
    }
  }
  cairo_surface_mark_dirty(surface.get());
  return surface;
}

}  // namespace
}  // namespace qd
