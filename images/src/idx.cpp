#include "idx.h"

#include <cstdio>
#include <filesystem>

#include "class_names.h"
#include "gz_file.h"
#include "qd/images/image_set.h"
#include "read_bytes.h"

namespace qd::images {
namespace {

namespace fs = std::filesystem;

uint32_t big_endian(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

std::string hex(uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08X", value);
  return text;
}

// What a magic number other than the expected one is, for the error: the usual mistakes are
// the other file of the pair and a file that is not IDX at all.
std::string describe_magic(uint32_t magic) {
  if (magic == kIdxImagesMagic) return "the magic of an IDX images file";
  if (magic == kIdxLabelsMagic) return "the magic of an IDX labels file";
  const uint32_t type = (magic >> 8) & 0xff;
  const bool idx_type = type == 0x08 || type == 0x09 || (type >= 0x0B && type <= 0x0E);
  if ((magic >> 16) == 0 && idx_type) {
    const char* names[] = {"unsigned bytes",  "signed bytes", "?",      "16-bit integers",
                           "32-bit integers", "floats",       "doubles"};
    return "an IDX file of " + std::string(names[type - 0x08]) + " in " +
           std::to_string(magic & 0xff) + " dimensions";
  }
  if ((magic >> 16) == 0x1f8b) return "not IDX (a gzip stream inside a gzip stream?)";
  return "not an IDX magic number";
}

// Reads the header (magic and `dims` sizes); too few bytes or the wrong magic is an error.
std::vector<uint32_t> read_header(ByteInput& in, uint32_t expected_magic, const char* kind,
                                  const char* hint) {
  const size_t dims = expected_magic & 0xff;
  uint8_t header[4 + 4 * 3] = {};
  const size_t header_size = 4 + 4 * dims;
  const size_t got = in.read(header, header_size);
  if (got >= 4 && big_endian(header) != expected_magic) {
    const uint32_t magic = big_endian(header);
    throw ImageInputError(in.name() + ": starts with " + hex(magic) + " (" + describe_magic(magic) +
                          "), not " + hex(expected_magic) + ", the magic of " + kind + hint);
  }
  if (got < header_size) {
    throw ImageInputError(in.name() + ": ends early: " + std::to_string(got) +
                          " bytes, fewer than the " + std::to_string(header_size) +
                          "-byte header of " + kind);
  }
  std::vector<uint32_t> sizes;
  for (size_t i = 0; i < dims; ++i) sizes.push_back(big_endian(header + 4 + 4 * i));
  return sizes;
}

void read_data(ByteInput& in, uint64_t bytes, const std::string& promised,
               std::vector<uint8_t>& out) {
  const uint64_t got = append_bytes(in, bytes, out);
  if (got < bytes) {
    throw ImageInputError(in.name() + ": ends early (truncated): its header promises " + promised +
                          " (" + std::to_string(bytes) + " bytes after the header) but only " +
                          std::to_string(got) + " follow");
  }
  if (has_more(in)) {
    throw ImageInputError(in.name() + ": has extra bytes after the " + promised +
                          " its header promises: not one IDX file as MNIST writes them (two files "
                          "joined, or a header that was edited?)");
  }
}

}  // namespace

IdxImages parse_idx_images(ByteInput& in) {
  const auto sizes =
      read_header(in, kIdxImagesMagic, "an IDX images file (unsigned bytes, [N, rows, columns])",
                  "; an images file such as train-images-idx3-ubyte.gz is expected");
  const uint32_t count = sizes[0];
  const uint32_t rows = sizes[1];
  const uint32_t columns = sizes[2];
  if (count == 0) throw ImageInputError(in.name() + ": holds no images (its header says 0)");
  if (rows == 0 || columns == 0) {
    throw ImageInputError(in.name() + ": its images are " + std::to_string(rows) + "x" +
                          std::to_string(columns) + ": no pixels");
  }
  if (rows != columns) {
    throw ImageInputError(in.name() + ": its images are " + std::to_string(rows) + "x" +
                          std::to_string(columns) +
                          " (rows x columns): qd_train trains on square images; crop or pad them "
                          "to a square first");
  }
  // Each factor is below 2^32 and their product is checked before the next multiplication, so
  // nothing wraps in 64 bits.
  const uint64_t image_bytes = uint64_t{rows} * columns;
  if (image_bytes > kMaxPixelBytes || count > kMaxPixelBytes / image_bytes) {
    throw ImageInputError(in.name() + ": its header promises " + std::to_string(count) +
                          " images of " + std::to_string(rows) + "x" + std::to_string(columns) +
                          ", more than the " + std::to_string(kMaxPixelBytes) +
                          " bytes of pixels qd reads from one file (a damaged header?)");
  }
  IdxImages images;
  images.count = count;
  images.side = static_cast<int>(rows);
  read_data(
      in, count * image_bytes,
      std::to_string(count) + " images of " + std::to_string(rows) + "x" + std::to_string(columns),
      images.pixels);
  return images;
}

std::vector<uint8_t> parse_idx_labels(ByteInput& in) {
  const auto sizes =
      read_header(in, kIdxLabelsMagic, "an IDX labels file (unsigned bytes, [N])", "");
  const uint32_t count = sizes[0];
  if (count > kMaxPixelBytes) {
    throw ImageInputError(in.name() + ": its header promises " + std::to_string(count) +
                          " labels, more than qd reads from one file (a damaged header?)");
  }
  std::vector<uint8_t> labels;
  read_data(in, count, std::to_string(count) + " labels", labels);
  return labels;
}

std::string find_idx_labels(const std::string& images_path) {
  const fs::path path(images_path);
  std::string name = path.filename().string();
  const size_t images_at = name.find("images");
  if (images_at == std::string::npos) {
    throw ImageInputError(images_path +
                          ": cannot tell which file holds its labels: they are read from beside "
                          "it, named as MNIST names them (train-images-idx3-ubyte[.gz] -> "
                          "train-labels-idx1-ubyte[.gz], images.idx3 -> labels.idx1); rename the "
                          "pair that way");
  }
  name.replace(images_at, 6, "labels");
  const size_t idx3_at = name.find("idx3");
  if (idx3_at != std::string::npos) name.replace(idx3_at, 4, "idx1");
  const bool gz = name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0;
  const fs::path first = path.parent_path() / name;
  // The pair may have been gunzipped one file at a time.
  const fs::path second =
      path.parent_path() / (gz ? name.substr(0, name.size() - 3) : name + ".gz");
  for (const auto& candidate : {first, second}) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  throw ImageInputError(images_path + ": its labels file " + first.string() + " (or " +
                        second.string() +
                        ") does not exist: IDX labels are read from beside the images file, named "
                        "as MNIST names them");
}

}  // namespace qd::images

namespace qd {

ImageSet read_idx(const std::string& images_path, const std::string& class_names_file) {
  using namespace images;
  if (std::filesystem::is_directory(images_path)) {
    throw ImageInputError(images_path +
                          ": is a folder; give the IDX images file (e.g. "
                          "train-images-idx3-ubyte.gz), its labels are found beside it");
  }
  IdxImages images;
  {
    GzFileInput in(images_path);
    images = parse_idx_images(in);
  }
  const std::string labels_path = find_idx_labels(images_path);
  std::vector<uint8_t> label_bytes;
  {
    GzFileInput in(labels_path);
    label_bytes = parse_idx_labels(in);
  }
  if (label_bytes.size() != images.count) {
    throw ImageInputError(labels_path + ": holds " + std::to_string(label_bytes.size()) +
                          " labels but " + images_path + " holds " + std::to_string(images.count) +
                          " images: the two files must be a pair, one label per image");
  }
  ImageSet set;
  set.format = "idx";
  set.side = images.side;
  set.channels = 1;
  set.pixels = std::move(images.pixels);
  set.labels.assign(label_bytes.begin(), label_bytes.end());
  set.files = {images_path, labels_path};
  if (class_names_file.empty()) {
    int largest = 0;
    for (const int label : set.labels) largest = std::max(largest, label);
    set.class_names = numeric_class_names(largest + 1);
  } else {
    set.class_names = read_class_names(class_names_file);
    check_labels_named(set.labels, set.class_names, class_names_file, labels_path);
  }
  return set;
}

}  // namespace qd
