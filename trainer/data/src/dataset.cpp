#include "qd/data/dataset.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "image_array.h"
#include "qd/images/image_set.h"
#include "qd/store/shard_set.h"

namespace qd::train {
namespace fs = std::filesystem;
namespace {

bool has_manifest(const fs::path& dir) {
  return fs::is_regular_file(dir / "manifest.json");
}

bool is_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[6] = {};
  in.read(magic, sizeof magic);
  return in && std::string(magic, sizeof magic) == "\x93NUMPY";
}

// What an input other than a shard directory or .npy is, by its content (kUnknown: none).
ImageInputKind image_input_kind(const std::string& path) {
  try {
    return detect_image_input(path);
  } catch (const ImageInputError& e) {
    throw DatasetError(e.what());
  }
}

const char* const kAccepted =
    "give directories written by qd_prepare or their parent, uint8 .npy files, IDX images files "
    "(MNIST), CIFAR-10 binary files or folders, or folders of PNGs with one sub-folder per class";

// The inputs as a flat list: a parent directory of shard directories stands for those holding a
// manifest, in name order (so labels do not depend on the file system's listing order).
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
      if (image_input_kind(input) != ImageInputKind::kUnknown) {
        out.push_back(input);
        continue;
      }
      throw DatasetError(input + ": no manifest.json here or in its subdirectories, and not a " +
                         "CIFAR-10 folder or a folder of PNGs (" + kAccepted + ")");
    }
    std::sort(children.begin(), children.end());
    out.insert(out.end(), children.begin(), children.end());
  }
  if (out.empty()) throw DatasetError("no inputs given");
  return out;
}

// --classes "0,3,dog" as its items.
std::vector<std::string> split_classes(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// The labels of `set` that --classes keeps, in its order (when empty: those with images, in
// label order: CIFAR-10's meta file names ten classes whatever a file holds).
std::vector<int> chosen_labels(const ImageSet& set, const std::vector<std::string>& wanted,
                               const std::string& path) {
  std::vector<bool> present(set.class_names.size(), false);
  for (const int l : set.labels) present[static_cast<size_t>(l)] = true;
  std::vector<int> labels;
  if (wanted.empty()) {
    for (int l = 0; l < static_cast<int>(present.size()); ++l) {
      if (present[static_cast<size_t>(l)]) labels.push_back(l);
    }
    return labels;
  }
  for (const std::string& w : wanted) {
    const auto named = std::find(set.class_names.begin(), set.class_names.end(), w);
    int label = -1;
    if (named != set.class_names.end()) {
      label = static_cast<int>(named - set.class_names.begin());
    } else if (!w.empty() && w.find_first_not_of("0123456789") == std::string::npos &&
               w.size() < 9 && std::stoi(w) < static_cast<int>(set.class_names.size())) {
      label = std::stoi(w);
    }
    if (label < 0) {
      throw DatasetError("--classes " + w + ": " + path + " has the classes " +
                         joined(set.class_names) + " (names or label numbers 0 to " +
                         std::to_string(set.class_names.size() - 1) + ")");
    }
    if (!present[static_cast<size_t>(label)]) {
      throw DatasetError("--classes " + w + ": " + path + " holds no images of class " +
                         set.class_names[static_cast<size_t>(label)]);
    }
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  }
  return labels;
}

}  // namespace

// Adds inputs' images to a Dataset, checking that they share one shape.
class Dataset::Builder {
 public:
  explicit Builder(Dataset& d) : d_(d) {}

  int label_of(const std::string& category) {
    const auto it = std::find(d_.categories_.begin(), d_.categories_.end(), category);
    if (it != d_.categories_.end()) return static_cast<int>(it - d_.categories_.begin());
    d_.categories_.push_back(category);
    return static_cast<int>(d_.categories_.size() - 1);
  }

  // `part` holds `rows` images of `shape` from `from`.
  void add(Part part, uint64_t rows, const ImageShape& shape, const std::string& from) {
    if (shape_from_.empty()) {
      d_.shape_ = shape;
      shape_from_ = from;
    } else if (shape != d_.shape_) {
      throw DatasetError(from + ": images are " + to_string(shape) + " but " + shape_from_ +
                         " has " + to_string(d_.shape_) +
                         ": all inputs must share one size and colour type");
    }
    if (rows == 0) return;  // nothing to index; the source still records it
    part.first = d_.size_;
    d_.size_ += rows;
    d_.parts_.push_back(std::move(part));
    d_.part_ends_.push_back(d_.size_);
  }

  // Rows [first, first + rows) of `npy` (all of them by default).
  void add_npy(std::unique_ptr<MappedNpy> npy, const ImageShape& shape, int label,
               uint64_t first = 0, uint64_t rows = UINT64_MAX) {
    rows = std::min(rows, npy->rows() - first);
    const std::string from = npy->path();
    Part part;
    part.pixels =
        npy->data() + first * static_cast<uint64_t>(shape.side * shape.side * shape.channels);
    part.npy = std::move(npy);
    part.label = label;
    add(std::move(part), rows, shape, from);
  }

  // Every chosen class of `set` as one category (and source) each.
  void add_image_set(const ImageSet& set, const std::string& path,
                     const std::vector<std::string>& wanted) {
    d_.ink_ = false;
    const ImageShape shape{set.side, set.channels};
    const size_t bytes = set.image_bytes();
    for (const int l : chosen_labels(set, wanted, path)) {
      DatasetSource source;
      source.path = path;
      source.format = set.format;
      source.category = set.class_names[static_cast<size_t>(l)];
      source.label = label_of(source.category);
      Part part;
      part.label = source.label;
      for (size_t i = 0; i < set.size(); ++i) {
        if (set.labels[i] != l) continue;
        const uint8_t* image = set.pixels.data() + i * bytes;
        part.decoded.insert(part.decoded.end(), image, image + bytes);
      }
      part.pixels = part.decoded.data();
      source.images = part.decoded.size() / bytes;
      add(std::move(part), source.images, shape, path);
      d_.sources_.push_back(std::move(source));
    }
  }

 private:
  Dataset& d_;
  std::string shape_from_;  // the input that fixed the shape, for the error message
};

Dataset::Dataset(Dataset&&) noexcept = default;
Dataset& Dataset::operator=(Dataset&&) noexcept = default;
Dataset::~Dataset() = default;

Dataset Dataset::open(const std::vector<std::string>& inputs, const DatasetOptions& options) {
  Dataset d;
  Builder builder(d);
  const std::vector<std::string> wanted = split_classes(options.classes);
  bool labelled_input = false;

  for (const std::string& input : expand_inputs(inputs)) {
    DatasetSource source;
    source.path = input;
    const uint64_t before = d.size_;
    if (fs::is_directory(input) && has_manifest(input)) {
      ShardDirectory dir;
      try {
        dir = open_shard_directory(input, options.split, options.verify_crc);
      } catch (const StoreError& e) {
        throw DatasetError(e.what());
      }
      source.format = "shards";
      source.category = dir.manifest.category;
      source.label = builder.label_of(source.category);
      source.manifest_json = std::move(dir.manifest_json);
      for (auto& shard : dir.shards) {
        builder.add_npy(std::move(shard), {dir.manifest.settings.size, 1}, source.label);
      }
    } else if (fs::is_regular_file(input) && is_npy(input)) {
      auto npy = map_image_array(input);
      const ImageShape shape = npy_image_shape(*npy);
      source.format = "npy";
      source.category = fs::path(input).stem().string();
      source.label = builder.label_of(source.category);
      const uint64_t rows = npy->rows();
      if (options.holdout >= rows && options.holdout > 0) {
        throw DatasetError(input + ": --holdout " + std::to_string(options.holdout) +
                           " leaves none of its " + std::to_string(rows) + " images to train on");
      }
      const uint64_t train = rows - options.holdout;
      switch (options.split) {
        case SplitSelection::kTrain:
          builder.add_npy(std::move(npy), shape, source.label, 0, train);
          break;
        case SplitSelection::kVal:
          builder.add_npy(std::move(npy), shape, source.label, train, options.holdout);
          break;
        case SplitSelection::kAll:
          builder.add_npy(std::move(npy), shape, source.label);
          break;
      }
    } else {
      try {
        builder.add_image_set(read_image_input(input, options.class_names), input, wanted);
      } catch (const ImageInputError& e) {
        // qd::images says what it expected of its formats; qd_train reads two more.
        const bool unknown = image_input_kind(input) == ImageInputKind::kUnknown;
        throw DatasetError(e.what() + std::string(unknown ? "; or a directory written by "
                                                            "qd_prepare, or a uint8 .npy file"
                                                          : ""));
      }
      labelled_input = true;
      continue;  // add_image_set recorded its sources
    }
    source.images = d.size_ - before;
    d.sources_.push_back(std::move(source));
  }
  if (!options.class_names.empty() && !labelled_input) {
    throw DatasetError("--class-names " + options.class_names +
                       ": only IDX and CIFAR-10 inputs have label numbers to name");
  }
  if (!wanted.empty() && !labelled_input) {
    throw DatasetError("--classes " + options.classes +
                       ": only IDX, CIFAR-10 and image-folder inputs have classes to choose "
                       "from; choose shard directories and .npy files by naming them");
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
  return part.pixels + (i - part.first) * image_bytes();
}

int Dataset::label(size_t i) const {
  return parts_[part_of(i)].label;
}

}  // namespace qd::train
