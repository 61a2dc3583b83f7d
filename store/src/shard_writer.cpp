#include <cstdio>

#include "qd/store/shard_set.h"

namespace qd {

double split_unit(uint64_t key_id) {
  // splitmix64's finaliser: every bit of the key reaches every bit of the hash.
  uint64_t z = key_id + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;  // uniform in [0, 1)
}

Split split_of(uint64_t key_id, double val_fraction) {
  return split_unit(key_id) < val_fraction ? Split::kVal : Split::kTrain;
}

struct ShardSetWriter::OpenShard {
  std::string stem;
  NpyWriter images;
  NpyWriter keys;

  OpenShard(const std::string& directory, std::string name, int side)
      : stem(std::move(name)),
        images(directory + "/" + stem + ".npy", "|u1",
               {static_cast<uint64_t>(side), static_cast<uint64_t>(side)}),
        keys(directory + "/" + stem + ".keys.npy", "<u8", {}) {}
};

ShardSetWriter::ShardSetWriter(std::string directory, int side, uint64_t images_per_shard)
    : directory_(std::move(directory)),
      side_(side),
      images_per_shard_(images_per_shard == 0 ? 1 : images_per_shard) {}

ShardSetWriter::~ShardSetWriter() = default;

void ShardSetWriter::open_shard(Split split) {
  const auto s = static_cast<size_t>(split);
  char name[32];
  std::snprintf(name, sizeof name, "%s-%05u", to_string(split), next_index_[s]++);
  open_[s] = std::make_unique<OpenShard>(directory_, name, side_);
}

void ShardSetWriter::close_shard(Split split) {
  const auto s = static_cast<size_t>(split);
  OpenShard& shard = *open_[s];
  ShardInfo info;
  info.file = shard.stem + ".npy";
  info.keys = shard.stem + ".keys.npy";
  info.split = split;
  info.count = shard.images.rows();
  info.bytes = shard.images.file_size();
  info.keys_bytes = shard.keys.file_size();
  info.crc32 = shard.images.commit();
  info.keys_crc32 = shard.keys.commit();
  done_[s].push_back(info);
  open_[s].reset();
}

void ShardSetWriter::append(Split split, const uint8_t* image, uint64_t key_id) {
  const auto s = static_cast<size_t>(split);
  if (!open_[s]) open_shard(split);
  open_[s]->images.append(image, 1);
  open_[s]->keys.append(&key_id, 1);
  if (open_[s]->images.rows() == images_per_shard_) close_shard(split);
}

std::vector<ShardInfo> ShardSetWriter::finish() {
  std::vector<ShardInfo> all;
  for (const Split split : {Split::kTrain, Split::kVal}) {
    const auto s = static_cast<size_t>(split);
    if (open_[s] || done_[s].empty()) {
      if (!open_[s]) open_shard(split);
      close_shard(split);
    }
    all.insert(all.end(), done_[s].begin(), done_[s].end());
  }
  return all;
}

}  // namespace qd
