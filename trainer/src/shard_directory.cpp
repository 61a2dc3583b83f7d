#include "shard_directory.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "image_array.h"
#include "qd/trainer/dataset.h"

namespace qd::train {
namespace fs = std::filesystem;
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError(path + ": cannot read (is this a directory written by qd_prepare?)");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

uint32_t file_crc32(const MappedNpy& npy) {
  // zlib's crc32 takes a uInt length: feed large files in pieces.
  uLong crc = crc32(0L, Z_NULL, 0);
  const uint8_t* p = npy.file_bytes();
  for (uint64_t left = npy.file_size(); left > 0;) {
    const auto n = static_cast<uInt>(std::min<uint64_t>(left, 1u << 30));
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(crc);
}

const char* const kRerun = " (run qd_prepare again to rebuild this category)";

// One shard of the manifest, mapped and checked against its entry.
std::unique_ptr<MappedNpy> open_shard(const std::string& dir, const std::string& manifest_path,
                                      const ShardInfo& info, int side, bool verify_crc) {
  const std::string path = (fs::path(dir) / info.file).string();
  if (!fs::exists(path)) {
    throw DatasetError(path + ": missing, but listed in " + manifest_path + kRerun);
  }
  auto npy = map_image_array(path);
  if (square_image_side(*npy) != side || npy->shape().size() != 3) {
    throw DatasetError(path + ": images are not " + std::to_string(side) + "x" +
                       std::to_string(side) + " as " + manifest_path + " says" + kRerun);
  }
  if (npy->rows() != info.count) {
    throw DatasetError(path + ": holds " + std::to_string(npy->rows()) + " images, " +
                       manifest_path + " says " + std::to_string(info.count) + kRerun);
  }
  if (verify_crc) {
    const uint32_t crc = file_crc32(*npy);
    if (crc != info.crc32) {
      throw DatasetError(path + ": CRC-32 " + hex32(crc) + " differs from " + hex32(info.crc32) +
                         " in " + manifest_path + ": the file is damaged" + kRerun);
    }
  }
  return npy;
}

}  // namespace

ShardDirectory open_shard_directory(const std::string& dir, const std::string& split,
                                    bool verify_crc) {
  if (split != "train" && split != "val" && split != "all") {
    throw DatasetError("split \"" + split + "\": expected train, val or all");
  }
  const std::string manifest_path = (fs::path(dir) / "manifest.json").string();
  ShardDirectory d;
  d.manifest_json = read_text(manifest_path);
  try {
    d.manifest = parse_manifest(d.manifest_json, manifest_path);
  } catch (const std::runtime_error& e) {
    throw DatasetError(std::string(e.what()) + kRerun);
  }
  const Manifest& m = d.manifest;
  const int side = m.settings.size;

  uint64_t train = 0;
  uint64_t val = 0;
  for (const ShardInfo& info : m.shards) {
    (info.split == Split::kTrain ? train : val) += info.count;
    if (split != "all" && split != to_string(info.split)) continue;
    d.shards.push_back(open_shard(dir, manifest_path, info, side, verify_crc));
  }
  if (train != m.counts.train || val != m.counts.val) {
    throw DatasetError(manifest_path + ": its shards hold " + std::to_string(train) +
                       " train and " + std::to_string(val) + " val images, its counts say " +
                       std::to_string(m.counts.train) + " and " + std::to_string(m.counts.val) +
                       kRerun);
  }
  return d;
}

}  // namespace qd::train
