#include "qd/rasterizer/rasterizer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include "qd/pipeline/drawing_parser.h"
#include "qd/rasterizer/contact_sheet.h"

namespace {

qd::Drawing drawing_of(std::vector<std::vector<qd::Point>> strokes) {
  qd::Drawing d;
  for (const auto& stroke : strokes) {
    d.points.insert(d.points.end(), stroke.begin(), stroke.end());
    d.stroke_ends.push_back(static_cast<uint32_t>(d.points.size()));
  }
  return d;
}

int ink(const std::vector<uint8_t>& image) {
  return static_cast<int>(
      std::count_if(image.begin(), image.end(), [](uint8_t v) { return v > 0; }));
}

}  // namespace

TEST_CASE("an empty canvas stays zero") {
  const auto image = qd::rasterize(qd::Drawing{});
  REQUIRE(image.size() == 28 * 28);
  CHECK(ink(image) == 0);
}

TEST_CASE("a single-point stroke becomes a round dot in the centre") {
  const auto image = qd::rasterize(drawing_of({{{128, 128}}}));
  CHECK(ink(image) > 0);
  CHECK(ink(image) < 20);
  // max x = max y = 128, so the point is centred: (128 + 64 + 24) * 28 / 304 = 19.9 pixels.
  CHECK(image[19 * 28 + 19] > 0);
  // Round and small: every inked pixel's centre lies within the dot's radius (0.74 px) plus a
  // pixel's half-diagonal of the dot's centre.
  const double centre = 216.0 * 28 / 304;
  for (int r = 0; r < 28; ++r) {
    for (int c = 0; c < 28; ++c) {
      if (image[r * 28 + c] == 0) continue;
      const double dr = r + 0.5 - centre;
      const double dc = c + 0.5 - centre;
      CHECK(dr * dr + dc * dc < 1.5 * 1.5);
    }
  }
}

TEST_CASE("a diagonal line across the canvas touches both corners' regions") {
  const auto image = qd::rasterize(drawing_of({{{0, 0}, {255, 255}}}));
  CHECK(image[3 * 28 + 3] == 255);
  CHECK(image[24 * 28 + 24] == 255);
  CHECK(image[3 * 28 + 24] == 0);
}

TEST_CASE("side, line width and padding change the output") {
  const auto d = drawing_of({{{10, 20}, {200, 240}, {250, 30}}, {{100, 100}}});
  const auto base = qd::rasterize(d);
  qd::RasterOptions big;
  big.side = 64;
  CHECK(qd::rasterize(d, big).size() == 64 * 64);
  big.side = 128;
  const auto image128 = qd::rasterize(d, big);
  REQUIRE(image128.size() == 128 * 128);
  CHECK(ink(image128) > ink(base) * 10);
  qd::RasterOptions thin;
  thin.line_width = 4;
  CHECK(ink(qd::rasterize(d, thin)) < ink(base));
  qd::RasterOptions padded;
  padded.padding = 64;
  CHECK(qd::rasterize(d, padded) != base);
  qd::RasterOptions bad;
  bad.side = 0;
  CHECK_THROWS_AS(qd::rasterize(d, bad), std::invalid_argument);
}

TEST_CASE("rendering from many threads at once gives the single-threaded result") {
  std::vector<qd::Drawing> drawings;
  for (int i = 0; i < 64; ++i) {
    drawings.push_back(
        drawing_of({{{uint8_t(i), 0}, {255, uint8_t(4 * i)}, {uint8_t(3 * i), 255}}}));
  }
  std::vector<std::vector<uint8_t>> expected;
  for (const auto& d : drawings) expected.push_back(qd::rasterize(d));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      qd::RasterOptions o;
      o.side = t % 2 == 0 ? 28 : 64;  // switching sizes re-creates this thread's surface
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < drawings.size(); ++i) {
          (void)qd::rasterize(drawings[i], o);
          if (qd::rasterize(drawings[i]) != expected[i]) ++mismatches[t];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(std::accumulate(mismatches.begin(), mismatches.end(), 0) == 0);
}

TEST_CASE("a contact sheet is a PNG") {
  std::vector<uint8_t> images(10 * 28 * 28, 0);
  images[5] = 255;
  qd::ContactSheet sheet;
  sheet.images = images.data();
  sheet.count = 10;
  const std::string png = qd::encode_contact_sheet_png(sheet);
  CHECK(png.substr(1, 3) == "PNG");
  sheet.count = 0;
  CHECK_THROWS(qd::encode_contact_sheet_png(sheet));
}

TEST_CASE("a contact sheet holds what fits in Cairo's 32767 pixels a side, and refuses more") {
  qd::ContactSheet sheet;
  sheet.side = 100;
  sheet.scale = 3;  // cells of 300 pixels and gaps of 2: 108 of them in 32767 (32618 used)
  sheet.columns = 1;
  CHECK(qd::contact_sheet_capacity(sheet) == 108);
  sheet.columns = 8;
  CHECK(qd::contact_sheet_capacity(sheet) == 8 * 108);
  sheet.columns = 200;  // wider than a sheet: only a single row of fewer fits
  CHECK(qd::contact_sheet_capacity(sheet) == 108);
  sheet.columns = 0;  // as square as possible
  CHECK(qd::contact_sheet_capacity(sheet) == 108 * 108);
  sheet.side = 40000;
  CHECK(qd::contact_sheet_capacity(sheet) == 0);

  // A column of 108 is drawn; 109 are refused up front, saying why, not by Cairo's surface.
  sheet.side = 100;
  sheet.columns = 1;
  std::vector<uint8_t> images(109 * 100 * 100, 0);
  sheet.images = images.data();
  sheet.count = 108;
  CHECK(qd::encode_contact_sheet_png(sheet).substr(1, 3) == "PNG");
  sheet.count = 109;
  CHECK_THROWS_WITH_AS(qd::encode_contact_sheet_png(sheet),
                       "contact sheet: 109 images, more than the 108 that fit in 32767 pixels a "
                       "side",
                       std::invalid_argument);
}
