#pragma once
// The images qd_train learns from: qd_prepare's shard directories and plain .npy files
// (memory-mapped), and other projects' formats read by qd::images (IDX, CIFAR-10, folders of
// PNGs; decoded into memory), all validated up front. Deliberately free of torch, so tools can
// inspect inputs without it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "qd/data/image_shape.h"
#include "qd/store/manifest.h"
#include "qd/store/npy.h"

namespace qd::train {

// Anything wrong with the inputs; the message names the file and says what to do.
class DatasetError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DatasetOptions {
  // Of shard directories (qd_prepare's key_id split), and of .npy files with `holdout`.
  SplitSelection split = SplitSelection::kTrain;
  // .npy inputs: their last `holdout` images are their val split, the rest their train split
  // (real images a run never trains on, for the memorisation check). 0: a .npy is all train,
  // and has no val images.
  uint64_t holdout = 0;
  bool verify_crc = true;  // CRC-32 of every shard against its manifest
  // Inputs with labels of their own (IDX, CIFAR-10, image folders): keep only these classes,
  // comma-separated names or label numbers ("0,3,7", "cat,dog"), in this order; empty: all.
  std::string classes;
  std::string class_names;  // a file naming IDX/CIFAR-10 labels, one per line; empty: theirs
};

// One input, as recorded in config.json; inputs with labels of their own give one per class.
struct DatasetSource {
  std::string path;           // shard directory, .npy file, IDX/CIFAR-10 file or folder
  std::string format;         // "shards", "npy", "idx", "cifar-10" or "image folder"
  std::string category;       // the manifest's "category", the .npy file's stem, the class name
  int label = 0;              // index into Dataset::categories()
  uint64_t images = 0;        // images taken from this input (after the split)
  std::string manifest_json;  // the manifest text for shard directories, else empty
};

class Dataset {
 public:
  // inputs: shard directories written by qd_prepare (with manifest.json), a parent directory
  // holding several (its subdirectories with a manifest, in name order), plain uint8 .npy files
  // shaped [N,784], [N,1,784], [N,H,W] (Google's numpy_bitmap) or [N,H,W,3] (RGB), and, judged
  // by their content, IDX images files, CIFAR-10 binary files or folders and folders of PNGs
  // (qd/images/image_set.h), each class of those a category. Everything is validated before
  // returning: dtype, shapes, one size and channel count for all, manifest format_version/side/
  // shard counts, CRC-32 of every shard against the manifest; any problem throws DatasetError
  // naming the file. Inputs of the same category share a label; labels follow the order of first
  // appearance.
  static Dataset open(const std::vector<std::string>& inputs, const DatasetOptions& options = {});

  Dataset(Dataset&&) noexcept;
  Dataset& operator=(Dataset&&) noexcept;
  ~Dataset();

  size_t size() const { return size_; }
  const ImageShape& shape() const { return shape_; }
  int side() const { return static_cast<int>(shape_.side); }
  size_t image_bytes() const {
    return static_cast<size_t>(shape_.side * shape_.side * shape_.channels);
  }
  // Whether 255 means ink (Quick, Draw!: shown dark on white), rather than light (photographs,
  // MNIST, PNGs: shown as they are). True when every input is a shard directory or .npy file.
  bool ink() const { return ink_; }
  const std::vector<std::string>& categories() const { return categories_; }
  // image_bytes() bytes, rows top to bottom, channels interleaved (HWC); i < size()
  const uint8_t* image(size_t i) const;
  int label(size_t i) const;
  const std::vector<DatasetSource>& sources() const { return sources_; }

 private:
  // One array of images of one label, memory-mapped or decoded, and where its rows start in the
  // dataset's numbering.
  struct Part {
    std::unique_ptr<MappedNpy> npy;
    std::vector<uint8_t> decoded;
    const uint8_t* pixels = nullptr;  // npy's data or decoded's
    uint64_t first = 0;
    int label = 0;
  };
  class Builder;
  Dataset() = default;
  size_t part_of(size_t i) const;

  std::vector<Part> parts_;
  std::vector<uint64_t> part_ends_;  // part_ends_[p]: one past the last image of part p
  std::vector<std::string> categories_;
  std::vector<DatasetSource> sources_;
  size_t size_ = 0;
  ImageShape shape_;
  bool ink_ = true;
};

}  // namespace qd::train
