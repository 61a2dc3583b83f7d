// Stroke-3 (sketch-rnn's format): the rows of a drawing, the three splits, and the manifest entry.
#include "qd/store/stroke3.h"

#include <doctest/doctest.h>

#include <vector>

#include "qd/store/manifest.h"
#include "qd/store/shard_set.h"
#include "qd/store/store_error.h"
#include "test_support.h"

TEST_CASE("stroke-3 rows are deltas from the previous point, the pen lifted at each stroke's end") {
  // Two strokes: (10, 20) (13, 18) and (255, 0).
  const uint8_t points[] = {10, 20, 13, 18, 255, 0};
  const uint32_t ends[] = {2, 3};
  std::vector<int16_t> rows;
  qd::append_stroke3(points, ends, 2, rows);
  CHECK(rows == std::vector<int16_t>{10, 20, 0, 3, -2, 1, 242, -18, 1});
}

TEST_CASE("stroke-3's valid split is the bitmaps' val, and test as large again from their train") {
  size_t counts[3] = {0, 0, 0};
  size_t disagree = 0;
  for (uint64_t key = 1; key <= 100000; ++key) {
    const qd::Stroke3Split s = qd::stroke3_split_of(key, 0.05);
    ++counts[static_cast<size_t>(s)];
    disagree += (s == qd::Stroke3Split::kValid) != (qd::split_of(key, 0.05) == qd::Split::kVal);
  }
  CHECK(disagree == 0);
  CHECK(counts[1] > 4500);
  CHECK(counts[1] < 5500);
  CHECK(counts[2] > 4500);
  CHECK(counts[2] < 5500);
  CHECK(qd::stroke3_split_of(12345, 0.0) == qd::Stroke3Split::kTrain);
}

TEST_CASE("--format lists are put in one form, and a manifest must agree with its own") {
  CHECK(qd::canonical_output_formats("stroke3, bitmap") == "bitmap,stroke3");
  CHECK(qd::canonical_output_formats("stroke3") == "stroke3");
  CHECK_THROWS_AS(qd::canonical_output_formats("bitmap,"), std::invalid_argument);
  CHECK_THROWS_AS(qd::canonical_output_formats("png"), std::invalid_argument);

  qd::Manifest m;
  m.category = "cat";
  m.settings.format = "bitmap,stroke3";
  m.stroke3 = qd::Stroke3Info{"cat.npz", 1234, 0xdeadbeef, 90, 5, 5};
  const qd::Manifest back = qd::parse_manifest(qd::to_json(m), "manifest.json");
  REQUIRE(back.stroke3);
  CHECK(back.settings.format == "bitmap,stroke3");
  CHECK(back.stroke3->crc32 == 0xdeadbeef);
  CHECK(back.stroke3->test == 5);
  m.stroke3->file = "../cat.npz";
  CHECK_THROWS_AS(qd::parse_manifest(qd::to_json(m), "manifest.json"), qd::StoreError);
  m.stroke3.reset();  // format says stroke3, the file is not listed
  CHECK_THROWS_AS(qd::parse_manifest(qd::to_json(m), "manifest.json"), qd::StoreError);
  m.settings.format = "svg";
  CHECK_THROWS_AS(qd::parse_manifest(qd::to_json(m), "manifest.json"), qd::StoreError);
}
