#include "qd/pipeline/prepare_graph.h"

#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <vector>

#include "byte_helpers.h"
#include "test_support.h"

namespace {

struct Run {
  qd::GraphResult result;
  std::vector<qd::ShardInfo> shards;
  std::vector<qd::RejectedRecord> rejected;
};

Run run_graph(const std::string& bytes, const std::string& out_dir, qd::GraphOptions o = {},
              size_t threads = 2) {
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);
  Run run;
  auto source = qd::open_decoded(std::make_unique<qd::test::StringSource>(bytes, 4096));
  qd::ShardSetWriter writer(out_dir, o.render.raster.side, 1000);
  qd::GraphCallbacks callbacks;
  callbacks.rejected = [&](const qd::RejectedRecord& r) { run.rejected.push_back(r); };
  const std::atomic<bool> stop{false};
  run.result = qd::run_prepare_graph(*source, writer, o, callbacks, stop);
  run.shards = writer.finish();
  return run;
}

// All real simplified drawings in one stream, in file-name order.
std::string all_simplified(const qd::test::fs::path& shared) {
  std::vector<qd::test::fs::path> files;
  for (const auto& e : qd::test::fs::directory_iterator(shared / "simplified")) {
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::string all;
  for (const auto& f : files) all += qd::test::read_file(f);
  return all;
}

}  // namespace

TEST_CASE("every kind of bad record is counted under its reason, exactly") {
  qd::test::ScratchDir dir("graph_mixed");
  const std::string text = qd::test::read_file(qd::test::fixtures() / "prepare_mixed.ndjson");
  qd::GraphOptions o;
  o.render.chunk_bytes = 1024;  // several chunks, so order restoration is exercised
  const Run run = run_graph(text, dir.path().string(), o);
  const qd::CategoryCounts& c = run.result.counts;
  CHECK(c.read == 15);
  CHECK(c.kept == 3);
  CHECK(c.train + c.val == 3);
  CHECK(c.rejected[qd::RejectReason::kUnrecognized] == 2);
  CHECK(c.rejected[qd::RejectReason::kMalformed] == 6);
  CHECK(c.rejected[qd::RejectReason::kTruncated] == 3);
  CHECK(c.rejected[qd::RejectReason::kDuplicate] == 1);
  CHECK_FALSE(run.result.interrupted);

  REQUIRE(run.rejected.size() == 9);  // malformed and truncated, with their line numbers
  CHECK(run.rejected[0].line == 4);
  CHECK(run.rejected[0].reason == qd::RejectReason::kMalformed);
  CHECK(run.rejected[1].key_id == 104);
  CHECK(run.rejected[6].line == 10);
  CHECK(run.rejected[6].reason == qd::RejectReason::kTruncated);
  CHECK(run.rejected[8].line == 15);
  CHECK(run.rejected[8].detail.find("no newline") != std::string::npos);

  // The kept keys, in input order, split between the shards.
  std::vector<uint64_t> keys;
  for (const auto& s : run.shards) {
    const qd::MappedNpy k((dir.path() / s.keys).string());
    const auto* p = reinterpret_cast<const uint64_t*>(k.data());
    keys.insert(keys.end(), p, p + k.rows());
  }
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<uint64_t>{101, 102, 111});
}

TEST_CASE("the keep-unrecognized option and max_kept change what is kept") {
  qd::test::ScratchDir dir("graph_options");
  const std::string text = qd::test::read_file(qd::test::fixtures() / "prepare_mixed.ndjson");
  qd::GraphOptions o;
  o.render.filter.keep_unrecognized = true;
  CHECK(run_graph(text, dir.path().string(), o).result.counts.kept == 5);
  o.max_kept = 2;
  const Run capped = run_graph(text, dir.path().string(), o);
  CHECK(capped.result.counts.kept == 2);
  CHECK(capped.result.counts.read == 2);  // stops reading at the cap
}

TEST_CASE("a gzip stream cut inside a record counts the record as truncated") {
  qd::test::ScratchDir dir("graph_cut");
  std::string text;
  for (int i = 1; i <= 2000; ++i) {
    text +=
        "{\"word\":\"cat\",\"countrycode\":\"GB\",\"timestamp\":\"t\",\"recognized\":true,"
        "\"key_id\":\"" +
        std::to_string(i) + "\",\"drawing\":[[[0,255,30],[0," + std::to_string(i % 256) +
        ",255]]]}\n";
  }
  const std::string gz = qd::test::gzip(text);
  const Run run = run_graph(gz.substr(0, gz.size() / 2), dir.path().string());
  CHECK(run.result.source_truncated);
  const auto& c = run.result.counts;
  CHECK(c.read > 100);
  CHECK(c.read < 2000);
  CHECK(c.rejected[qd::RejectReason::kTruncated] == 1);
  CHECK(c.kept == c.read - 1);
}

TEST_CASE("output is byte-identical whatever the number of threads, on real drawings") {
  QD_REQUIRE_SHARED(shared);
  const std::string all = all_simplified(shared);
  qd::test::ScratchDir one("graph_threads_1");
  qd::test::ScratchDir two("graph_threads_2");
  qd::GraphOptions o;
  o.render.chunk_bytes = 64 * 1024;
  const Run a = run_graph(all, one.path().string(), o, 1);
  const Run b = run_graph(all, two.path().string(), o, 2);
  CHECK(a.result.counts.read == 8600);
  CHECK(a.result.counts.rejected[qd::RejectReason::kUnrecognized] == 680);
  CHECK(a.result.counts.kept == 8600 - 680);
  REQUIRE(a.shards.size() == b.shards.size());
  for (size_t i = 0; i < a.shards.size(); ++i) {
    CHECK(a.shards[i].crc32 == b.shards[i].crc32);
    CHECK(a.shards[i].keys_crc32 == b.shards[i].keys_crc32);
  }
}
