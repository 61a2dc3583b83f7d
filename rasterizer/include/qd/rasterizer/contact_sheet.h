#pragma once
// A PNG grid of rendered drawings, for looking at a dataset or at a generator's samples.

#include <cstddef>
#include <cstdint>
#include <string>

#include "qd/rasterizer/rgb_picture.h"

namespace qd {

struct ContactSheet {
  // `count` images of side*side*channels bytes each, rows top to bottom, channels interleaved
  const uint8_t* images = nullptr;
  size_t count = 0;
  int side = 28;
  int channels = 1;          // 1: grey; 3: RGB
  int columns = 0;           // 0: as square as possible
  int scale = 1;             // each image pixel becomes scale x scale pixels
  int gap = 2;               // pixels between cells
  bool ink_on_white = true;  // grey 255 = ink, drawn dark on white paper, as people expect doodles
};

// Cairo's image surfaces are at most this many pixels a side.
inline constexpr int kMaxSheetPixels = 32767;

// The most images a sheet with `sheet`'s side, scale, gap and columns (its images and count aside)
// can hold within kMaxSheetPixels a side; 0 when not even one image fits.
size_t contact_sheet_capacity(const ContactSheet& sheet);

// The sheet encoded as PNG by Cairo. Throws std::invalid_argument on an empty sheet, or one of
// more images than contact_sheet_capacity() allows.
std::string encode_contact_sheet_png(const ContactSheet& sheet);

// The same picture as RGB bytes, for writers of other formats (animated GIFs of sheets).
RgbPicture render_contact_sheet(const ContactSheet& sheet);

}  // namespace qd
