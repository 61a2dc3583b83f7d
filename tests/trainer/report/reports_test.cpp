// The run directory's pictures: valid files of the expected size, and a GIF with every frame.
#include "qd/report/reports.h"

#include <cairo.h>
#include <doctest/doctest.h>
#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "test_support.h"

using namespace qd::train;
using qd::test::ScratchDir;

namespace {

struct PngSize {
  uint32_t width = 0, height = 0;
};

// Checks the PNG signature and reads the size from the IHDR chunk.
PngSize png_size(const std::string& bytes) {
  REQUIRE(bytes.size() > 24);
  REQUIRE(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  REQUIRE(bytes.compare(12, 4, "IHDR") == 0);
  const auto be32 = [&](size_t at) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + at);
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
  };
  return {be32(16), be32(20)};
}

std::vector<uint8_t> ramp_images(size_t count, int side) {
  std::vector<uint8_t> images(count * side * side);
  for (size_t i = 0; i < images.size(); ++i) images[i] = static_cast<uint8_t>(i * 7 % 256);
  return images;
}

MetricsRow row(int64_t step, double phase) {
  const auto t = static_cast<double>(step);
  return {step,
          step / 500,
          1.4 - 0.4 * std::exp(-t / 800.0) + 0.1 * std::sin(phase),
          0.8 + 1.2 * (1 - std::exp(-t / 600.0)) + 0.3 * std::cos(phase * 1.3),
          0.5 + 0.3 * std::sin(phase * 0.7),
          0.3 + 0.2 * std::cos(phase * 0.9),
          2000,
          0.0001};
}

}  // namespace

TEST_CASE("reports: a sample grid is a PNG of the asked layout") {
  ScratchDir dir("reports_grid");
  const auto images = ramp_images(64, 28);
  write_sample_grid((dir / "grid.png").string(), images.data(), 64, {}, 8, 2);
  const PngSize size = png_size(qd::test::read_file(dir / "grid.png"));
  // 8 cells of 56 pixels with 2-pixel gaps (ContactSheet's default) on each axis.
  CHECK(size.width == size.height);
  CHECK(size.width >= 8 * 56);
  CHECK(size.width < 8 * 56 + 9 * 4);
  write_sample_grid((dir / "row.png").string(), images.data(), 6, {}, 6, 1);
  const PngSize row_size = png_size(qd::test::read_file(dir / "row.png"));
  CHECK(row_size.width > 5 * row_size.height);
}

TEST_CASE("reports: progress.gif loops through every frame") {
  ScratchDir dir("reports_gif");
  std::vector<std::string> frames;
  for (int i = 0; i < 3; ++i) {
    const auto images = ramp_images(16 + i, 28);  // the last frame is a row taller
    frames.push_back((dir / ("epoch-" + std::to_string(i) + ".png")).string());
    write_sample_grid(frames.back(), images.data(), images.size() / 784, {}, 4, 2);
  }
  const std::string gif_path = (dir / "progress.gif").string();
  write_progress_gif(gif_path, frames, 40);
  const std::string bytes = qd::test::read_file(gif_path);
  REQUIRE(bytes.compare(0, 6, "GIF89a") == 0);
  CHECK(bytes.find("NETSCAPE2.0") != std::string::npos);

  int error = 0;
  GifFileType* gif = DGifOpenFileName(gif_path.c_str(), &error);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  CHECK(gif->ImageCount == 3);
  const PngSize last = png_size(qd::test::read_file(frames.back()));
  CHECK(gif->SWidth == static_cast<int>(last.width));
  CHECK(gif->SHeight == static_cast<int>(last.height));
  GraphicsControlBlock control;
  REQUIRE(DGifSavedExtensionToGCB(gif, 1, &control) == GIF_OK);
  CHECK(control.DelayTime == 40);
  // Ink is dark on white paper: both are in the first frame.
  const SavedImage& first = gif->SavedImages[0];
  const GifColorType* palette = gif->SColorMap->Colors;
  const size_t pixels = static_cast<size_t>(first.ImageDesc.Width) * first.ImageDesc.Height;
  CHECK(std::any_of(first.RasterBits, first.RasterBits + pixels,
                    [&](GifByteType p) { return palette[p].Red == 255; }));
  CHECK(std::any_of(first.RasterBits, first.RasterBits + pixels,
                    [&](GifByteType p) { return palette[p].Red < 64; }));
  DGifCloseFile(gif, &error);

  CHECK_THROWS_WITH_AS(write_progress_gif(gif_path, {(dir / "nope.png").string()}),
                       doctest::Contains("nope.png"), std::runtime_error);
  CHECK_THROWS_AS(write_progress_gif(gif_path, {}), std::invalid_argument);
}

TEST_CASE("reports: loss.png for no rows, one row and thousands") {
  ScratchDir dir("reports_loss");
  std::vector<MetricsRow> rows;
  for (int64_t s = 1; s <= 5000; ++s) rows.push_back(row(s, static_cast<double>(s) * 0.37));
  const std::vector<std::vector<MetricsRow>> cases = {{}, {rows[0]}, rows};
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = (dir / ("loss-" + std::to_string(i) + ".png")).string();
    write_loss_plot(path, cases[i]);
    const PngSize size = png_size(qd::test::read_file(path));
    CHECK(size.width == 800);
    CHECK(size.height == 500);
  }
  rows[10].loss_g = std::nan("");  // a diverged step does not break the plot
  write_loss_plot((dir / "nan.png").string(), rows);
  CHECK(png_size(qd::test::read_file(dir / "nan.png")).width == 800);
}

namespace {

// The RGB of pixel (x, y) of a PNG, read with Cairo.
std::array<int, 3> png_pixel(const std::string& path, int x, int y) {
  cairo_surface_t* png = cairo_image_surface_create_from_png(path.c_str());
  REQUIRE(cairo_surface_status(png) == CAIRO_STATUS_SUCCESS);
  cairo_surface_flush(png);
  const uint8_t* data = cairo_image_surface_get_data(png);
  const auto p = *reinterpret_cast<const uint32_t*>(
      data + static_cast<size_t>(y) * cairo_image_surface_get_stride(png) + x * 4);
  cairo_surface_destroy(png);
  return {static_cast<int>((p >> 16) & 0xff), static_cast<int>((p >> 8) & 0xff),
          static_cast<int>(p & 0xff)};
}

// `count` 4x4 RGB images, image i all (i * 40, 255 - i * 40, 100), HWC.
std::vector<uint8_t> colour_images(int count) {
  std::vector<uint8_t> images;
  for (int i = 0; i < count; ++i) {
    for (int p = 0; p < 16; ++p) {
      images.push_back(static_cast<uint8_t>(i * 40));
      images.push_back(static_cast<uint8_t>(255 - i * 40));
      images.push_back(100);
    }
  }
  return images;
}

}  // namespace

TEST_CASE("reports: a colour grid shows RGB as it is, grey light images are not inverted") {
  ScratchDir dir("reports_colour_grid");
  const auto images = colour_images(4);
  const std::string grid = (dir / "colour.png").string();
  // 4 columns of 4x4 images at scale 1 with gaps of 2: image i's top left is (2 + 6i, 2).
  write_sample_grid(grid, images.data(), 4, {{4, 3}, true}, 4, 1);
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    const auto rgb = png_pixel(grid, 2 + 6 * i + 1, 3);
    CHECK(rgb[0] == i * 40);
    CHECK(rgb[1] == 255 - i * 40);
    CHECK(rgb[2] == 100);
  }
  const std::vector<uint8_t> grey(16, 200);
  write_sample_grid((dir / "ink.png").string(), grey.data(), 1, {{4, 1}, true}, 1, 1);
  write_sample_grid((dir / "light.png").string(), grey.data(), 1, {{4, 1}, false}, 1, 1);
  CHECK(png_pixel((dir / "ink.png").string(), 3, 3)[0] == 55);  // ink: dark on white
  CHECK(png_pixel((dir / "light.png").string(), 3, 3)[0] == 200);
}

TEST_CASE(
    "reports: a colour progress.gif gives each frame its own palette of the frame's colours") {
  ScratchDir dir("reports_colour_gif");
  std::vector<std::string> frames;
  for (int f = 0; f < 2; ++f) {
    const auto images = colour_images(4 + f);
    frames.push_back((dir / ("epoch-" + std::to_string(f) + ".png")).string());
    write_sample_grid(frames.back(), images.data(), 4 + f, {{4, 3}, true}, 4, 1);
  }
  const std::string gif_path = (dir / "progress.gif").string();
  write_progress_gif(gif_path, frames);
  int error = 0;
  GifFileType* gif = DGifOpenFileName(gif_path.c_str(), &error);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  REQUIRE(gif->ImageCount == 2);
  for (int f = 0; f < 2; ++f) {
    CAPTURE(f);
    const SavedImage& frame = gif->SavedImages[f];
    REQUIRE(frame.ImageDesc.ColorMap != nullptr);
    const GifColorType* palette = frame.ImageDesc.ColorMap->Colors;
    // Image 1's colour (40, 215, 100) at its cell's centre, within the quantizer's rounding.
    const GifColorType c = palette[frame.RasterBits[3 * frame.ImageDesc.Width + 2 + 6 + 1]];
    CHECK(std::abs(c.Red - 40) <= 8);
    CHECK(std::abs(c.Green - 215) <= 8);
    CHECK(std::abs(c.Blue - 100) <= 8);
  }
  DGifCloseFile(gif, &error);
}
