#pragma once
// A category directory of shards: `<split>-NNNNN.npy` (uint8 [N, side, side]) with
// `<split>-NNNNN.keys.npy` (uint64 [N] key_ids, same order) beside each, and manifest.json. The
// writer that makes one and the one reader that checks it against its manifest.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qd/store/manifest.h"
#include "qd/store/npy.h"
#include "qd/store/store_error.h"

namespace qd {

// The split of a record, from its key_id alone: stable across refreshes and independent of the
// order or the number of records (a 64-bit mix of the key, compared against the fraction).
Split split_of(uint64_t key_id, double val_fraction);
// The hash split_of compares with the fraction: uniform in [0, 1), from the key_id alone.
double split_unit(uint64_t key_id);

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
// Throws StoreError naming the file and the mismatch.
void verify_shard(const std::string& directory, const ShardInfo& info, int side);

// A category directory opened for reading.
struct ShardDirectory {
  std::string manifest_json;
  Manifest manifest;
  std::vector<std::unique_ptr<MappedNpy>> shards;  // the selected split's image files, in order
};

// Reads <dir>/manifest.json and maps the image shards of `selection`, checking each one's shape,
// side, count and (if verify_crc) CRC-32 against the manifest, and the manifest's counts against
// its shards. Throws StoreError naming the file at fault and saying how to repair it.
ShardDirectory open_shard_directory(const std::string& dir, SplitSelection selection,
                                    bool verify_crc);

}  // namespace qd
