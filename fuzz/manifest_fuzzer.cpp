// The manifest reader and the shard directory's verifying reader. The input is manifest.json,
// optionally followed by the bytes of train-00000.npy, train-00000.keys.npy, val-00000.npy and
// val-00000.keys.npy (parts, see fuzz_support.h). A manifest that is accepted must say the same
// when written back out; a directory that is accepted must hold exactly what its manifest says
// (shapes, counts, CRCs); anything else must be a StoreError naming the file at fault.

#include <zlib.h>

#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "qd/store/manifest.h"
#include "qd/store/shard_set.h"

namespace {

constexpr const char* kShardFiles[] = {"train-00000.npy", "train-00000.keys.npy", "val-00000.npy",
                                       "val-00000.keys.npy"};

uint32_t crc_of(const qd::MappedNpy& npy) {
  return static_cast<uint32_t>(crc32_z(0, npy.file_bytes(), npy.file_size()));
}

void check_error(const qd::StoreError& e, const std::string& dir) {
  QD_FUZZ_CHECK(std::string(e.what()).rfind(dir + "/", 0) == 0,
                std::string("the error names a file of the directory: ") + e.what());
}

// What open_shard_directory promises of a directory it returns.
void check_directory(const qd::ShardDirectory& d, qd::SplitSelection selection, bool verify_crc) {
  const qd::Manifest& m = d.manifest;
  uint64_t train = 0;
  uint64_t val = 0;
  size_t selected = 0;
  for (const qd::ShardInfo& info : m.shards) {
    (info.split == qd::Split::kTrain ? train : val) += info.count;
    if (selection != qd::SplitSelection::kAll &&
        std::string(to_string(selection)) != to_string(info.split)) {
      continue;
    }
    QD_FUZZ_CHECK(selected < d.shards.size(), "every selected shard is mapped");
    const qd::MappedNpy& npy = *d.shards[selected++];
    const auto side = static_cast<uint64_t>(m.settings.size);
    QD_FUZZ_CHECK(npy.descr() == "|u1", "images are uint8");
    QD_FUZZ_CHECK(npy.shape() == (std::vector<uint64_t>{info.count, side, side}),
                  "images are [count, side, side] as the manifest says");
    if (verify_crc) {
      QD_FUZZ_CHECK(npy.file_size() == info.bytes, "the size is the manifest's");
      QD_FUZZ_CHECK(crc_of(npy) == info.crc32, "the CRC-32 is the manifest's");
    }
  }
  QD_FUZZ_CHECK(selected == d.shards.size(), "only the selected shards are mapped");
  QD_FUZZ_CHECK(train == m.counts.train && val == m.counts.val, "the counts are the shards'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static qd::fuzz::ScratchDir dir;
  const auto parts = qd::fuzz::split_parts(qd::fuzz::as_text(data, size), 5);
  const std::string text(parts[0]);

  qd::Manifest m;
  try {
    m = qd::parse_manifest(text, "manifest.json");
  } catch (const qd::StoreError& e) {
    QD_FUZZ_CHECK(std::string(e.what()).rfind("manifest.json: ", 0) == 0,
                  "a manifest error names the file");
    return 0;
  }
  const std::string written = qd::to_json(m);
  const qd::Manifest again = qd::parse_manifest(written, "written back");
  QD_FUZZ_CHECK(qd::to_json(again) == written, "an accepted manifest reads back the same");
  for (const qd::ShardInfo& info : m.shards) {
    for (const std::string& name : {info.file, info.keys}) {
      QD_FUZZ_CHECK(
          !name.empty() && name.find('/') == std::string::npos && name != ".." && name != ".",
          "shard files are plain names in the category directory");
    }
  }

  dir.clear();
  dir.write("manifest.json", text);
  for (size_t i = 1; i < parts.size(); ++i) dir.write(kShardFiles[i - 1], parts[i]);
  for (const auto selection : {qd::SplitSelection::kAll, qd::SplitSelection::kTrain}) {
    for (const bool verify_crc : {true, false}) {
      try {
        check_directory(qd::open_shard_directory(dir.str(), selection, verify_crc), selection,
                        verify_crc);
      } catch (const qd::StoreError& e) {
        check_error(e, dir.str());
      }
    }
  }
  for (const qd::ShardInfo& info : m.shards) {
    try {
      qd::verify_shard(dir.str(), info, m.settings.size);
    } catch (const qd::StoreError& e) {
      check_error(e, dir.str());
    }
  }
  return 0;
}
