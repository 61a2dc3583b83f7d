#include "qd/rasterizer/contact_sheet.h"
#include "qd/report/reports.h"
#include "qd/store/atomic_file.h"

namespace qd::train {

void write_sample_grid(const std::string& path, const uint8_t* images, size_t count,
                       const PictureFormat& format, int columns, int scale) {
  ContactSheet sheet;
  sheet.images = images;
  sheet.count = count;
  sheet.side = static_cast<int>(format.shape.side);
  sheet.channels = static_cast<int>(format.shape.channels);
  sheet.ink_on_white = format.ink;
  sheet.columns = columns;
  sheet.scale = scale;
  write_file_atomically(path, encode_contact_sheet_png(sheet));
}

}  // namespace qd::train
