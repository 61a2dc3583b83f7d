#include "qd/rasterizer/contact_sheet.h"
#include "qd/report/reports.h"
#include "qd/store/atomic_file.h"

namespace qd::train {

namespace {

ContactSheet sheet_of(const PictureFormat& format, int columns, int scale) {
  ContactSheet sheet;
  sheet.side = static_cast<int>(format.shape.side);
  sheet.channels = static_cast<int>(format.shape.channels);
  sheet.ink_on_white = format.ink;
  sheet.columns = columns;
  sheet.scale = scale;
  return sheet;
}

}  // namespace

void write_sample_grid(const std::string& path, const uint8_t* images, size_t count,
                       const PictureFormat& format, int columns, int scale) {
  ContactSheet sheet = sheet_of(format, columns, scale);
  sheet.images = images;
  sheet.count = count;
  write_file_atomically(path, encode_contact_sheet_png(sheet));
}

size_t sample_grid_capacity(const PictureFormat& format, int columns, int scale) {
  return contact_sheet_capacity(sheet_of(format, columns, scale));
}

int sample_grid_pixels() {
  return kMaxSheetPixels;
}

}  // namespace qd::train
