// Google's own 28x28 renderings against ours, byte for byte, on the real data in ../shared.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <string>

#include "qd/pipeline/drawing_parser.h"
#include "qd/rasterizer/rasterizer.h"
#include "qd/store/npy.h"
#include "test_support.h"

TEST_CASE("the first 25 drawings of each category match Google's numpy_bitmap byte for byte") {
  QD_REQUIRE_SHARED(shared);
  const char* categories[] = {"apple", "bicycle", "cat",      "diamond", "eye",
                              "fish",  "bowtie",  "lollipop", "rainbow"};
  int identical = 0;
  int compared = 0;
  qd::DrawingParser parser;
  qd::Drawing drawing;
  for (const std::string category : categories) {
    const auto npy_path = shared / "numpy_bitmap" / (category + ".npy");
    if (!qd::test::fs::exists(npy_path)) continue;
    const qd::MappedNpy google(npy_path.string());
    REQUIRE(google.row_bytes() == 784);
    std::ifstream in(shared / "simplified" / (category + ".ndjson"));
    REQUIRE(in);
    std::string line;
    for (int row = 0; row < 25 && std::getline(in, line); ++row) {
      REQUIRE_FALSE(parser.parse_unpadded(line, drawing).has_value());
      const auto ours = qd::rasterize(drawing);
      ++compared;
      if (std::memcmp(ours.data(), google.row(row), 784) == 0) {
        ++identical;
      } else {
        int differing = 0;
        for (int i = 0; i < 784; ++i) differing += ours[i] != google.row(row)[i];
        FAIL_CHECK(category << " row " << row << " (key_id " << drawing.key_id << "): " << differing
                            << " of 784 pixels differ");
      }
    }
  }
  MESSAGE(identical << " of " << compared << " golden pairs are byte-identical");
  CHECK(compared >= 150);
  CHECK(identical == compared);
}
