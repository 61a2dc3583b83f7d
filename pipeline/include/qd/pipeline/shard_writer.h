#pragma once
// Writes a category's images as train/val shards: `<split>-NNNNN.npy` (uint8 [N, side, side])
// with `<split>-NNNNN.keys.npy` (uint64 [N] key_ids, same order) beside each.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qd/pipeline/npy.h"

namespace qd {

enum class Split : uint8_t { kTrain, kVal };
const char* to_string(Split split);

// The split of a record, from its key_id alone: stable across refreshes and independent of the
// order or the number of records (a 64-bit mix of the key, compared against the fraction).
Split split_of(uint64_t key_id, double val_fraction);

struct ShardInfo {
  std::string file;  // names relative to the category directory
  std::string keys;
  Split split = Split::kTrain;
  uint64_t count = 0;
  uint32_t crc32 = 0;  // zlib's CRC-32 of the whole file, header included
  uint32_t keys_crc32 = 0;
  uint64_t bytes = 0;  // file sizes, to notice a damaged directory cheaply
  uint64_t keys_bytes = 0;
};

class ShardSetWriter {
 public:
  ShardSetWriter(std::string directory, int side, uint64_t images_per_shard);
  ~ShardSetWriter();
  ShardSetWriter(const ShardSetWriter&) = delete;
  ShardSetWriter& operator=(const ShardSetWriter&) = delete;

  void append(Split split, const uint8_t* image, uint64_t key_id);
  // Commits the open shards; every split gets at least one shard, possibly empty, so a reader
  // always finds both. Returns all shards, train first, in file order.
  std::vector<ShardInfo> finish();

 private:
  struct OpenShard;
  void open_shard(Split split);
  void close_shard(Split split);

  std::string directory_;
  int side_;
  uint64_t images_per_shard_;
  std::unique_ptr<OpenShard> open_[2];
  uint32_t next_index_[2] = {0, 0};
  std::vector<ShardInfo> done_[2];
};

// Re-reads a written shard pair and checks it against `info` (CRCs, sizes, shapes, counts).
// Throws std::runtime_error naming the file and the mismatch.
void verify_shard(const std::string& directory, const ShardInfo& info, int side);

}  // namespace qd
