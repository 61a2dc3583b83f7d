// Raw drawings simplified as Google describes, against Google's own simplified files: the raw/
// excerpts of ../shared are the same drawings, in the same order, as simplified/ (matched by
// key_id). The figures are docs/formats.md's ("Raw drawings"); the test fails if agreement drops.
#include "qd/pipeline/raw_simplifier.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "qd/pipeline/drawing_parser.h"
#include "qd/rasterizer/rasterizer.h"
#include "test_support.h"

namespace {

std::optional<qd::ParseError> parse_raw(qd::DrawingParser& parser, const std::string& line,
                                        qd::Drawing& d, qd::RawDrawing& raw) {
  const std::string padded = line + std::string(qd::DrawingParser::kPadding, ' ');
  return parser.parse_raw(std::string_view(padded).substr(0, line.size()), d, raw);
}

std::vector<std::vector<qd::Point>> strokes_of(const qd::Drawing& d) {
  std::vector<std::vector<qd::Point>> strokes;
  for (size_t s = 0; s < d.stroke_count(); ++s) {
    strokes.emplace_back(d.points.begin() + d.stroke_begin(s), d.points.begin() + d.stroke_ends[s]);
  }
  return strokes;
}

bool same(const std::vector<qd::Point>& a, const std::vector<qd::Point>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto p, auto q) {
           return p.x == q.x && p.y == q.y;
         });
}

}  // namespace

TEST_CASE("a raw stroke is aligned, scaled to 0..255, resampled and simplified") {
  // A straight line drawn with 5 raw points from (100, 50) to (300, 50), and a dot: the line's
  // middle points go (RDP), the dot keeps its point twice (resampling keeps the last raw point).
  qd::RawDrawing raw;
  raw.x = {100, 150, 200, 250, 300, 200};
  raw.y = {50, 50.5, 50, 49.5, 50, 150};
  raw.stroke_ends = {5, 6};
  qd::Drawing d;
  REQUIRE(qd::simplify_raw(raw, {}, d));
  REQUIRE(d.stroke_ends == std::vector<uint32_t>{2, 4});
  // Scale 255 / 200; y: (50 - 49.5) * 255 / 200 = 0.6375 -> 1; the dot's y 100.5 * 1.275 = 128.1.
  CHECK(d.points[0].x == 0);
  CHECK(d.points[0].y == 1);
  CHECK(d.points[1].x == 255);
  CHECK(d.points[2].x == 128);
  CHECK(d.points[2].y == 128);
  CHECK(d.points[3].x == 128);
  // Epsilon 0 keeps the bumps: the points at x 50 and 150 (the line is not straight).
  REQUIRE(qd::simplify_raw(raw, {0.0, 32768}, d));
  CHECK(d.stroke_ends[0] > 2);
  // The work bound: a path of about 255 + 2 x 2 units.
  uint64_t resampled = 0;
  CHECK_FALSE(qd::simplify_raw(raw, {2.0, 100}, d, &resampled));
  CHECK(resampled > 255);
  CHECK(resampled < 300);
}

TEST_CASE("raw drawings of ../shared simplify to Google's simplified strokes and images") {
  QD_REQUIRE_SHARED(shared);
  qd::DrawingParser parser;
  qd::Drawing d;
  qd::Drawing simplified;
  qd::RawDrawing raw;
  size_t drawings = 0, same_drawings = 0, strokes = 0, same_strokes = 0, same_images = 0;
  size_t equal_length = 0, coordinates = 0, pixels_differing = 0;
  double coordinate_error = 0, pixel_error = 0;
  int max_coordinate_error = 0;
  for (const auto& entry : qd::test::fs::directory_iterator(shared / "raw")) {
    std::map<uint64_t, qd::Drawing> google;
    std::ifstream simple(shared / "simplified" / entry.path().filename());
    for (std::string line; std::getline(simple, line);) {
      if (!parser.parse_unpadded(line, simplified)) google[simplified.key_id] = simplified;
    }
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      REQUIRE_FALSE(parse_raw(parser, line, d, raw));
      const auto match = google.find(d.key_id);
      if (match == google.end()) continue;
      REQUIRE(qd::simplify_raw(raw, {}, d));
      ++drawings;
      const auto ours = strokes_of(d);
      const auto theirs = strokes_of(match->second);
      bool all = ours.size() == theirs.size();
      for (size_t s = 0; s < std::max(ours.size(), theirs.size()); ++s) {
        ++strokes;
        const bool equal = s < ours.size() && s < theirs.size() && same(ours[s], theirs[s]);
        same_strokes += equal;
        all &= equal;
        if (!equal && s < ours.size() && s < theirs.size() && ours[s].size() == theirs[s].size()) {
          ++equal_length;
          for (size_t p = 0; p < ours[s].size(); ++p) {
            const int ex = std::abs(ours[s][p].x - theirs[s][p].x);
            const int ey = std::abs(ours[s][p].y - theirs[s][p].y);
            coordinate_error += ex + ey;
            coordinates += 2;
            max_coordinate_error = std::max({max_coordinate_error, ex, ey});
          }
        }
      }
      same_drawings += all;
      const auto a = qd::rasterize(d);
      const auto b = qd::rasterize(match->second);
      same_images += a == b;
      for (size_t i = 0; i < a.size(); ++i) {
        pixels_differing += a[i] != b[i];
        pixel_error += std::abs(a[i] - b[i]);
      }
    }
  }
  char figures[512];
  std::snprintf(figures, sizeof figures,
                "%zu drawings: %zu identical; %zu of %zu strokes identical; 28x28 images: %zu "
                "identical, %zu pixels differ in all (mean |difference| %.3f over all pixels); "
                "strokes of equal length that differ: %zu, mean |coordinate difference| %.3f, "
                "max %d",
                drawings, same_drawings, same_strokes, strokes, same_images, pixels_differing,
                pixel_error / (static_cast<double>(drawings) * 784), equal_length,
                coordinates > 0 ? coordinate_error / static_cast<double>(coordinates) : 0.0,
                max_coordinate_error);
  MESSAGE(figures);
  CHECK(drawings == 239);
  CHECK(same_strokes >= 1298);
  CHECK(same_drawings >= 231);
  CHECK(same_images >= 231);
}
