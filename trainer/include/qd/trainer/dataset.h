#pragma once
// The images qd_train learns from: qd_prepare's shard directories or plain .npy files, all
// validated up front and memory-mapped. Deliberately free of torch, so tools can inspect inputs
// without it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "qd/store/manifest.h"
#include "qd/store/npy.h"

namespace qd::train {

// Anything wrong with the inputs; the message names the file and says what to do.
class DatasetError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DatasetOptions {
  SplitSelection split = SplitSelection::kTrain;  // of shard directories
  bool verify_crc = true;                         // CRC-32 of every shard against its manifest
};

// One input, as recorded in config.json.
struct DatasetSource {
  std::string path;           // shard directory or .npy file
  std::string category;       // the manifest's "category", or the .npy file's stem
  int label = 0;              // index into Dataset::categories()
  uint64_t images = 0;        // images taken from this input (after the split)
  std::string manifest_json;  // the manifest text for shard directories, empty for .npy
};

class Dataset {
 public:
  // inputs: shard directories written by qd_prepare (with manifest.json), a parent directory
  // holding several (its subdirectories with a manifest, in name order), or plain uint8 .npy
  // files shaped [N,784], [N,1,784] or [N,H,W] (Google's numpy_bitmap). Everything is validated
  // before returning: dtype, shapes, one side for all, manifest format_version/side/shard counts,
  // CRC-32 of every shard against the manifest; any problem throws DatasetError naming the file.
  // Inputs of the same category share a label; labels follow the order of first appearance.
  static Dataset open(const std::vector<std::string>& inputs, const DatasetOptions& options = {});

  Dataset(Dataset&&) noexcept;
  Dataset& operator=(Dataset&&) noexcept;
  ~Dataset();

  size_t size() const { return size_; }
  int side() const { return side_; }
  const std::vector<std::string>& categories() const { return categories_; }
  const uint8_t* image(size_t i) const;  // side*side bytes, 255 = ink; i < size()
  int label(size_t i) const;
  const std::vector<DatasetSource>& sources() const { return sources_; }

 private:
  // One memory-mapped array of images, and where its rows start in the dataset's numbering.
  struct Part {
    std::unique_ptr<MappedNpy> npy;
    uint64_t first = 0;
    int label = 0;
  };
  Dataset() = default;
  size_t part_of(size_t i) const;

  std::vector<Part> parts_;
  std::vector<uint64_t> part_ends_;  // part_ends_[p]: one past the last image of part p
  std::vector<std::string> categories_;
  std::vector<DatasetSource> sources_;
  size_t size_ = 0;
  int side_ = 0;
};

}  // namespace qd::train
