#pragma once
// A category directory written by qd_prepare: its manifest, and its image shards verified
// against it.

#include <memory>
#include <string>
#include <vector>

#include "qd/pipeline/manifest.h"
#include "qd/pipeline/npy.h"

namespace qd::train {

struct ShardDirectory {
  std::string manifest_json;
  Manifest manifest;
  std::vector<std::unique_ptr<MappedNpy>> shards;  // the shards of the split asked for, in order
};

// Reads <dir>/manifest.json and maps the shards of `split` ("train", "val" or "all"), checking
// each one's shape, side, count and (if verify_crc) CRC-32 against the manifest, and the
// manifest's counts against its shards. Throws DatasetError naming the file at fault.
ShardDirectory open_shard_directory(const std::string& dir, const std::string& split,
                                    bool verify_crc);

}  // namespace qd::train
