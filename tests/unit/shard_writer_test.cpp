#include <doctest/doctest.h>

#include <vector>

#include "qd/store/manifest.h"
#include "qd/store/shard_set.h"
#include "test_support.h"

TEST_CASE("split_of is stable, depends on the key only, and honours the fraction") {
  CHECK(qd::split_of(5, 0.0) == qd::Split::kTrain);
  CHECK(qd::split_of(5, 1.0) == qd::Split::kVal);
  size_t val = 0;
  for (uint64_t key = 4500000000000000ULL; key < 4500000000100000ULL; ++key) {
    val += qd::split_of(key, 0.05) == qd::Split::kVal;
    CHECK(qd::split_of(key, 0.05) == qd::split_of(key, 0.05));
  }
  CHECK(val > 4700);  // 5% of 100,000, within a few standard deviations
  CHECK(val < 5300);
}

TEST_CASE("ShardSetWriter rotates shards, writes keys beside images, and verifies them") {
  qd::test::ScratchDir dir("shard_writer");
  const std::string d = dir.path().string();
  std::vector<qd::ShardInfo> shards;
  {
    qd::ShardSetWriter writer(d, 2, 3);
    for (uint8_t i = 0; i < 7; ++i) {
      const uint8_t image[4] = {i, i, i, i};
      writer.append(i == 4 ? qd::Split::kVal : qd::Split::kTrain, image, 1000 + i);
    }
    shards = writer.finish();
  }
  // Train: 0 1 2 | 3 5 6 (the second shard filled up exactly: no empty third one); val: 4.
  REQUIRE(shards.size() == 3);
  CHECK(shards[0].file == "train-00000.npy");
  CHECK(shards[0].keys == "train-00000.keys.npy");
  CHECK(shards[0].count == 3);
  CHECK(shards[1].count == 3);
  CHECK(shards[2].file == "val-00000.npy");
  CHECK(shards[2].split == qd::Split::kVal);
  CHECK(shards[2].count == 1);
  for (const auto& s : shards) CHECK_NOTHROW(qd::verify_shard(d, s, 2));

  const qd::MappedNpy images(d + "/train-00001.npy");
  const qd::MappedNpy keys(d + "/train-00001.keys.npy");
  CHECK(images.shape() == std::vector<uint64_t>{3, 2, 2});
  CHECK(images.row(0)[0] == 3);  // train got 0, 1, 2 | 3, 5, 6 (4 went to val)
  CHECK(images.row(1)[0] == 5);
  CHECK(reinterpret_cast<const uint64_t*>(keys.data())[2] == 1006);

  qd::ShardInfo wrong = shards[1];
  wrong.crc32 ^= 1;
  CHECK_THROWS_WITH_AS(qd::verify_shard(d, wrong, 2), doctest::Contains("train-00001.npy: CRC-32"),
                       std::runtime_error);
  CHECK_THROWS_AS(qd::verify_shard(d, shards[1], 3), std::runtime_error);  // wrong side
}

TEST_CASE("manifest.json round-trips and names the file and field when it is bad") {
  qd::Manifest m;
  m.category = "The Eiffel Tower";
  m.generator = "qd_prepare test";
  m.created_at = "2026-11-24T00:00:00Z";
  m.settings.val_fraction = 0.1;
  m.settings.keep_unrecognized = true;
  m.source.location = "https://example.invalid/The%20Eiffel%20Tower.ndjson";
  m.source.size = 1234;
  m.source.etag = "\"abc\"";
  m.counts.read = 10;
  m.counts.kept = 7;
  m.counts.train = 6;
  m.counts.val = 1;
  m.counts.rejected.add(qd::RejectReason::kUnrecognized, 2);
  m.counts.rejected.add(qd::RejectReason::kDuplicate, 1);
  qd::ShardInfo s;
  s.file = "train-00000.npy";
  s.keys = "train-00000.keys.npy";
  s.count = 6;
  s.crc32 = 0x0a0b0c0d;
  s.keys_crc32 = 0xffffffff;
  s.bytes = 4832;
  s.keys_bytes = 176;
  m.shards.push_back(s);

  const std::string json = qd::to_json(m);
  CHECK(json.find("\"crc32\": \"0a0b0c0d\"") != std::string::npos);
  CHECK(json.find("\"val_fraction\": 0.1,") != std::string::npos);
  const qd::Manifest back = qd::parse_manifest(json, "m.json");
  CHECK(back.category == m.category);
  CHECK(back.settings == m.settings);
  CHECK(back.source.etag == m.source.etag);
  CHECK(back.counts.rejected[qd::RejectReason::kUnrecognized] == 2);
  CHECK(back.counts.rejected.total() == 3);
  REQUIRE(back.shards.size() == 1);
  CHECK(back.shards[0].crc32 == 0x0a0b0c0d);
  CHECK(back.shards[0].keys_crc32 == 0xffffffff);
  CHECK(qd::to_json(back) == json);

  CHECK_THROWS_WITH(qd::parse_manifest("{", "m.json"), doctest::Contains("m.json: bad manifest"));
  std::string old = json;
  old.replace(old.find("\"format_version\": 1"), 19, "\"format_version\": 9");
  CHECK_THROWS_WITH(qd::parse_manifest(old, "m.json"), doctest::Contains("format_version 9"));
  std::string no_count = json;
  no_count.replace(no_count.find("\"count\""), 7, "\"cuont\"");
  CHECK_THROWS_WITH(qd::parse_manifest(no_count, "m.json"), doctest::Contains("no \"count\""));
}

TEST_CASE("a split with no drawings still gets one empty shard, so readers find both") {
  qd::test::ScratchDir dir("shard_writer_empty");
  qd::ShardSetWriter writer(dir.path().string(), 28, 10);
  const auto shards = writer.finish();
  REQUIRE(shards.size() == 2);
  CHECK(shards[0].count == 0);
  CHECK(shards[1].file == "val-00000.npy");
  CHECK_NOTHROW(qd::verify_shard(dir.path().string(), shards[1], 28));
}

TEST_CASE("a manifest's shard names must be plain file names in the category directory") {
  qd::Manifest m;
  m.category = "cat";
  qd::ShardInfo info;
  info.file = "train-00000.npy";
  info.keys = "train-00000.keys.npy";
  m.shards = {info};
  CHECK_NOTHROW(qd::parse_manifest(qd::to_json(m), "m.json"));
  for (const std::string bad : {"../../../etc/passwd", "..", "sub/train.npy", ""}) {
    m.shards[0].file = bad;
    CHECK_THROWS_WITH_AS(qd::parse_manifest(qd::to_json(m), "m.json"),
                         doctest::Contains("is not a plain file name"), qd::StoreError);
  }
}

TEST_CASE("manifests written before the record limits read as the largest limits, and back") {
  qd::Manifest m;
  std::string json = qd::to_json(m);
  for (const char* key : {"max_record_bytes", "max_points", "max_strokes", "too_large"}) {
    // `,\n    "key": value`: none of these keys comes first in its object.
    const size_t at = json.find(std::string("\"") + key + "\"");
    REQUIRE(at != std::string::npos);
    const size_t comma = json.rfind(',', at);
    const size_t end = json.find_first_of(",\n}", json.find(':', at));
    json.erase(comma, end - comma);
  }
  const qd::Manifest old = qd::parse_manifest(json, "old.json");
  CHECK(old.settings.max_points == UINT32_MAX);
  CHECK(old.settings.max_record_bytes == uint64_t{1} << 30);  // --max-record-bytes' largest
  CHECK(old.settings != qd::PrepareSettings{});  // so the next refresh rebuilds it with limits
  // Written back, it reads again (manifest_fuzzer's finding: UINT64_MAX was out of range).
  CHECK(qd::to_json(qd::parse_manifest(qd::to_json(old), "again.json")) == qd::to_json(old));
}
