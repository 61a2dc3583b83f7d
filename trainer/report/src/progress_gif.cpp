#include <gif_lib.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "qd/rasterizer/contact_sheet.h"
#include "qd/rasterizer/rgb_picture.h"
#include "qd/report/reports.h"
#include "qd/store/atomic_file.h"

namespace qd::train {
namespace {

bool grey(const RgbPicture& image) {
  for (size_t i = 0; i < image.pixels.size(); i += 3) {
    if (image.pixels[i] != image.pixels[i + 1] || image.pixels[i] != image.pixels[i + 2]) {
      return false;
    }
  }
  return true;
}

int append_to_string(GifFileType* gif, const GifByteType* bytes, int length) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(bytes), length);
  return length;
}

class GifEncoder {
 public:
  GifEncoder(const std::string& path, int width, int height) : path_(path), width_(width) {
    int error = 0;
    gif_ = EGifOpen(&bytes_, append_to_string, &error);
    if (gif_ == nullptr) fail(error);
    EGifSetGifVersion(gif_, true);  // GIF89a: needed for delays and looping
    GifColorType grey[256];
    for (int i = 0; i < 256; ++i) grey[i] = {GifByteType(i), GifByteType(i), GifByteType(i)};
    ColorMapObject* palette = GifMakeMapObject(256, grey);
    const int status = EGifPutScreenDesc(gif_, width, height, 8, 255, palette);
    GifFreeMapObject(palette);
    check(status);
    // The NETSCAPE2.0 application extension: loop forever (count 0).
    check(EGifPutExtensionLeader(gif_, APPLICATION_EXT_FUNC_CODE));
    check(EGifPutExtensionBlock(gif_, 11, "NETSCAPE2.0"));
    const unsigned char loop[3] = {1, 0, 0};
    check(EGifPutExtensionBlock(gif_, 3, loop));
    check(EGifPutExtensionTrailer(gif_));
  }
  ~GifEncoder() {
    if (gif_ != nullptr) EGifCloseFile(gif_, nullptr);
  }
  GifEncoder(const GifEncoder&) = delete;
  GifEncoder& operator=(const GifEncoder&) = delete;

  // One full-canvas frame of width x height palette indices; `palette` null: the global grey one.
  void add_frame(const std::vector<uint8_t>& pixels, int height, int delay_cs,
                 const ColorMapObject* palette) {
    GraphicsControlBlock control{};
    control.DisposalMode = DISPOSE_DO_NOT;
    control.DelayTime = delay_cs;
    control.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType extension[4];
    const size_t length = EGifGCBToExtension(&control, extension);
    check(EGifPutExtension(gif_, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(length), extension));
    check(EGifPutImageDesc(gif_, 0, 0, width_, height, false, palette));
    for (int y = 0; y < height; ++y) {
      check(
          EGifPutLine(gif_, const_cast<GifByteType*>(pixels.data() + size_t(y) * width_), width_));
    }
  }

  std::string finish() {
    int error = 0;
    const int status = EGifCloseFile(gif_, &error);
    gif_ = nullptr;
    if (status != GIF_OK) fail(error);
    return std::move(bytes_);
  }

 private:
  void check(int status) const {
    if (status != GIF_OK) fail(gif_->Error);
  }
  [[noreturn]] void fail(int error) const {
    const char* why = GifErrorString(error);
    throw std::runtime_error(path_ + ": cannot encode GIF: " + (why ? why : "unknown error"));
  }

  std::string path_;
  int width_;
  std::string bytes_;
  GifFileType* gif_ = nullptr;
};

// `images` as the frames of one looping GIF.
void write_gif(const std::string& path, const std::vector<RgbPicture>& images, int delay_cs) {
  if (images.empty()) throw std::invalid_argument(path + ": a GIF needs at least one frame");
  int width = 0, height = 0;
  bool all_grey = true;
  for (const RgbPicture& image : images) {
    width = std::max(width, image.width);
    height = std::max(height, image.height);
    all_grey = all_grey && grey(image);
  }
  GifEncoder gif(path, width, height);
  const auto pixels = static_cast<size_t>(width) * height;
  std::vector<uint8_t> red, green, blue, indices(pixels);
  for (const RgbPicture& image : images) {
    // The frame on a white canvas as large as the largest, one plane per colour.
    red.assign(pixels, 255);
    green.assign(pixels, 255);
    blue.assign(pixels, 255);
    for (int y = 0; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) {
        const uint8_t* p = image.pixels.data() + (static_cast<size_t>(y) * image.width + x) * 3;
        const size_t at = static_cast<size_t>(y) * width + x;
        red[at] = p[0];
        green[at] = p[1];
        blue[at] = p[2];
      }
    }
    if (all_grey) {
      gif.add_frame(red, height, delay_cs, nullptr);  // grey levels index the grey palette
      continue;
    }
    int colours = 256;
    GifColorType palette[256] = {};
    if (GifQuantizeBuffer(static_cast<unsigned>(width), static_cast<unsigned>(height), &colours,
                          red.data(), green.data(), blue.data(), indices.data(),
                          palette) != GIF_OK) {
      throw std::runtime_error(path + ": cannot choose a palette for a frame of " +
                               std::to_string(width) + "x" + std::to_string(height));
    }
    // giflib wants a power of two; the entries past `colours` are never indexed.
    std::unique_ptr<ColorMapObject, decltype(&GifFreeMapObject)> map(GifMakeMapObject(256, palette),
                                                                     GifFreeMapObject);
    gif.add_frame(indices, height, delay_cs, map.get());
  }
  write_file_atomically(path, gif.finish());
}

}  // namespace

void write_progress_gif(const std::string& path, const std::vector<std::string>& frames,
                        int delay_cs) {
  std::vector<RgbPicture> images;
  images.reserve(frames.size());
  for (const std::string& frame : frames) images.push_back(read_png_as_rgb(frame));
  write_gif(path, images, delay_cs);
}

void write_sample_gif(const std::string& path, const uint8_t* images, size_t frames,
                      size_t per_frame, const PictureFormat& format, int columns, int scale,
                      int delay_cs) {
  ContactSheet sheet;
  sheet.count = per_frame;
  sheet.side = static_cast<int>(format.shape.side);
  sheet.channels = static_cast<int>(format.shape.channels);
  sheet.ink_on_white = format.ink;
  sheet.columns = columns;
  sheet.scale = scale;
  const size_t frame_bytes = per_frame * static_cast<size_t>(format.shape.side) *
                             static_cast<size_t>(format.shape.side) *
                             static_cast<size_t>(format.shape.channels);
  std::vector<RgbPicture> pictures;
  pictures.reserve(frames);
  for (size_t f = 0; f < frames; ++f) {
    sheet.images = images + f * frame_bytes;
    pictures.push_back(render_contact_sheet(sheet));
  }
  write_gif(path, pictures, delay_cs);
}

}  // namespace qd::train
