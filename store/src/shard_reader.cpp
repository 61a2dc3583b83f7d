#include <zlib.h>

#include <algorithm>
#include <filesystem>

#include "qd/store/atomic_file.h"
#include "qd/store/json.h"
#include "qd/store/shard_set.h"

namespace qd {
namespace fs = std::filesystem;
namespace {

const char* const kRerun = " (run qd_prepare again to rebuild this category)";

uint32_t file_crc32(const MappedNpy& npy) {
  // zlib's crc32 takes a uInt length: feed large files in pieces.
  uLong crc = crc32(0L, Z_NULL, 0);
  const uint8_t* p = npy.file_bytes();
  for (uint64_t left = npy.file_size(); left > 0;) {
    const auto n = static_cast<uInt>(std::min<uint64_t>(left, 1U << 30));
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  npy.release_pages();
  return static_cast<uint32_t>(crc);
}

[[noreturn]] void damaged(const std::string& path, const std::string& what) {
  throw StoreError(path + ": " + what + kRerun);
}

// One file of a shard against its manifest entry: dtype, shape and count, and the size and CRC-32
// if asked. `side` 0: the key_ids file, uint64 [count].
void check_file(const MappedNpy& npy, int side, uint64_t count, uint64_t bytes, uint32_t crc,
                const std::string& manifest_path, bool verify_crc) {
  const bool keys = side == 0;
  const auto s = static_cast<uint64_t>(side);
  const std::vector<uint64_t> shape =
      keys ? std::vector<uint64_t>{count} : std::vector<uint64_t>{count, s, s};
  if (npy.descr() != (keys ? "<u8" : "|u1") || npy.shape().size() != shape.size()) {
    damaged(npy.path(), std::string("not ") +
                            (keys ? "uint64 [N] key_ids" : "uint8 [N, side, side]") + " as " +
                            manifest_path + " says");
  }
  if (!keys && (npy.shape()[1] != s || npy.shape()[2] != s)) {
    damaged(npy.path(), "images are not " + std::to_string(side) + "x" + std::to_string(side) +
                            " as " + manifest_path + " says");
  }
  if (npy.shape()[0] != count) {
    damaged(npy.path(), "holds " + std::to_string(npy.shape()[0]) +
                            (keys ? " keys, " : " images, ") + manifest_path + " says " +
                            std::to_string(count));
  }
  if (!verify_crc) return;
  if (npy.file_size() != bytes) {
    damaged(npy.path(), std::to_string(npy.file_size()) + " bytes, " + manifest_path + " says " +
                            std::to_string(bytes));
  }
  const uint32_t actual = file_crc32(npy);
  if (actual != crc) {
    damaged(npy.path(), "CRC-32 " + hex32(actual) + " differs from " + hex32(crc) + " in " +
                            manifest_path + ": the file is damaged");
  }
}

// Every file the manifest lists is part of the directory, read or not: one missing means the
// directory is not what qd_prepare wrote.
void require_listed(const std::string& dir, const std::string& name,
                    const std::string& manifest_path) {
  const std::string path = (fs::path(dir) / name).string();
  if (!fs::is_regular_file(path)) damaged(path, "missing, but listed in " + manifest_path);
}

std::unique_ptr<MappedNpy> map_listed(const std::string& dir, const std::string& name,
                                      const std::string& manifest_path) {
  require_listed(dir, name, manifest_path);
  const std::string path = (fs::path(dir) / name).string();
  try {
    return std::make_unique<MappedNpy>(path);
  } catch (const StoreError& e) {
    throw StoreError(e.what() + std::string(kRerun));
  }
}

}  // namespace

void verify_shard(const std::string& directory, const ShardInfo& info, int side) {
  const std::string manifest_path = (fs::path(directory) / "manifest.json").string();
  const auto images = map_listed(directory, info.file, manifest_path);
  check_file(*images, side, info.count, info.bytes, info.crc32, manifest_path, true);
  const auto keys = map_listed(directory, info.keys, manifest_path);
  check_file(*keys, 0, info.count, info.keys_bytes, info.keys_crc32, manifest_path, true);
}

ShardDirectory open_shard_directory(const std::string& dir, SplitSelection selection,
                                    bool verify_crc) {
  const std::string manifest_path = (fs::path(dir) / "manifest.json").string();
  ShardDirectory d;
  if (!fs::is_regular_file(manifest_path)) {
    throw StoreError(manifest_path + ": cannot read (is this a directory written by qd_prepare?)");
  }
  d.manifest_json = read_file(manifest_path);
  try {
    d.manifest = parse_manifest(d.manifest_json, manifest_path);
  } catch (const StoreError& e) {
    throw StoreError(e.what() + std::string(kRerun));
  }
  const Manifest& m = d.manifest;
  if (!has_output_format(m.settings.format, "bitmap")) {
    throw StoreError(manifest_path + ": this category holds sketch-rnn's stroke-3 file only (" +
                     m.category + ".npz, qd_prepare --format " + m.settings.format +
                     "): no images to read (prepare it with --format bitmap,stroke3)");
  }

  uint64_t train = 0;
  uint64_t val = 0;
  for (const ShardInfo& info : m.shards) {
    (info.split == Split::kTrain ? train : val) += info.count;
    if (selection != SplitSelection::kAll && to_string(selection) != to_string(info.split)) {
      require_listed(dir, info.file, manifest_path);
      require_listed(dir, info.keys, manifest_path);
      continue;
    }
    auto npy = map_listed(dir, info.file, manifest_path);
    check_file(*npy, m.settings.size, info.count, info.bytes, info.crc32, manifest_path,
               verify_crc);
    if (verify_crc) {
      const auto keys = map_listed(dir, info.keys, manifest_path);
      check_file(*keys, 0, info.count, info.keys_bytes, info.keys_crc32, manifest_path, true);
    }
    d.shards.push_back(std::move(npy));
  }
  if (train != m.counts.train || val != m.counts.val) {
    damaged(manifest_path, "its shards hold " + std::to_string(train) + " train and " +
                               std::to_string(val) + " val images, its counts say " +
                               std::to_string(m.counts.train) + " and " +
                               std::to_string(m.counts.val));
  }
  return d;
}

}  // namespace qd
