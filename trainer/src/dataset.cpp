#include "qd/trainer/dataset.h"

#include <algorithm>
#include <filesystem>

#include "image_array.h"
#include "qd/store/shard_set.h"

namespace qd::train {
namespace fs = std::filesystem;
namespace {

bool has_manifest(const fs::path& dir) {
  return fs::is_regular_file(dir / "manifest.json");
}

// The inputs as a flat list of shard directories and .npy files: a parent directory stands for
// its subdirectories holding a manifest, in name order (so labels do not depend on the file
// system's listing order).
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const std::string& input : inputs) {
    const fs::path p(input);
    std::error_code error;
    const fs::file_status status = fs::status(p, error);
    if (!fs::exists(status)) throw DatasetError(input + ": no such file or directory");
    if (!fs::is_directory(status) || has_manifest(p)) {
      out.push_back(input);
      continue;
    }
    std::vector<std::string> children;
    for (const fs::directory_entry& e : fs::directory_iterator(p)) {
      if (e.is_directory() && has_manifest(e.path())) children.push_back(e.path().string());
    }
    if (children.empty()) {
      throw DatasetError(input +
                         ": no manifest.json here or in its subdirectories (give directories "
                         "written by qd_prepare, their parent, or uint8 .npy files)");
    }
    std::sort(children.begin(), children.end());
    out.insert(out.end(), children.begin(), children.end());
  }
  if (out.empty()) throw DatasetError("no inputs given");
  return out;
}

}  // namespace

Dataset::Dataset(Dataset&&) noexcept = default;
Dataset& Dataset::operator=(Dataset&&) noexcept = default;
Dataset::~Dataset() = default;

Dataset Dataset::open(const std::vector<std::string>& inputs, const DatasetOptions& options) {
  Dataset d;
  std::string side_from;  // the input that fixed the side, for the error message
  const auto add = [&](std::unique_ptr<MappedNpy> npy, int side, int label) {
    if (d.side_ == 0) {
      d.side_ = side;
      side_from = npy->path();
    } else if (side != d.side_) {
      throw DatasetError(npy->path() + ": images are " + std::to_string(side) + "x" +
                         std::to_string(side) + " but " + side_from + " has " +
                         std::to_string(d.side_) + "x" + std::to_string(d.side_) +
                         ": all inputs must have one size");
    }
    const uint64_t rows = npy->rows();
    if (rows == 0) return;  // nothing to index; the source still records it
    d.parts_.push_back({std::move(npy), d.size_, label});
    d.size_ += rows;
    d.part_ends_.push_back(d.size_);
  };
  const auto label_of = [&](const std::string& category) {
    const auto it = std::find(d.categories_.begin(), d.categories_.end(), category);
    if (it != d.categories_.end()) return static_cast<int>(it - d.categories_.begin());
    d.categories_.push_back(category);
    return static_cast<int>(d.categories_.size() - 1);
  };

  for (const std::string& input : expand_inputs(inputs)) {
    DatasetSource source;
    source.path = input;
    const uint64_t before = d.size_;
    if (fs::is_directory(input)) {
      ShardDirectory dir;
      try {
        dir = open_shard_directory(input, options.split, options.verify_crc);
      } catch (const StoreError& e) {
        throw DatasetError(e.what());
      }
      source.category = dir.manifest.category;
      source.label = label_of(source.category);
      source.manifest_json = std::move(dir.manifest_json);
      for (auto& shard : dir.shards)
        add(std::move(shard), dir.manifest.settings.size, source.label);
    } else {
      auto npy = map_image_array(input);
      const int side = square_image_side(*npy);
      source.category = fs::path(input).stem().string();
      source.label = label_of(source.category);
      add(std::move(npy), side, source.label);
    }
    source.images = d.size_ - before;
    d.sources_.push_back(std::move(source));
  }
  if (d.size_ == 0) {
    throw DatasetError("the inputs hold no images" +
                       (options.split == SplitSelection::kAll
                            ? std::string()
                            : std::string(" in split ") + to_string(options.split)));
  }
  if (d.size_ > UINT32_MAX) throw DatasetError("more than 2^32 images: not supported");
  return d;
}

size_t Dataset::part_of(size_t i) const {
  return static_cast<size_t>(std::upper_bound(part_ends_.begin(), part_ends_.end(), i) -
                             part_ends_.begin());
}

const uint8_t* Dataset::image(size_t i) const {
  const Part& part = parts_[part_of(i)];
  return part.npy->data() + (i - part.first) * static_cast<size_t>(side_) * side_;
}

int Dataset::label(size_t i) const {
  return parts_[part_of(i)].label;
}

}  // namespace qd::train
