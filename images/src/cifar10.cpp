#include "cifar10.h"

#include <algorithm>
#include <filesystem>

#include "class_names.h"
#include "gz_file.h"

namespace qd::images {
namespace {

namespace fs = std::filesystem;

// Records are read a few at first, then up to this many at a time (3 MB): a batch is read in
// large reads, a small input without allocating megabytes.
constexpr size_t kChunkRecords = 1024;

void grow(std::vector<uint8_t>& chunk) {
  if (chunk.size() < kChunkRecords * kCifarRecordBytes)
    chunk.resize(std::min(chunk.size() * 4, kChunkRecords * kCifarRecordBytes));
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

void append_cifar10(ByteInput& in, ImageSet& set) {
  std::vector<uint8_t> chunk(16 * kCifarRecordBytes);
  uint64_t records = 0;
  size_t got = 0;
  bool full = false;  // a whole chunk was read: there may be more
  do {
    got = in.read(chunk.data(), chunk.size());
    const size_t whole = got / kCifarRecordBytes;
    if (set.pixels.size() + whole * kCifarPixelBytes > kMaxPixelBytes) {
      throw ImageInputError(in.name() + ": more than the " + std::to_string(kMaxPixelBytes) +
                            " bytes of pixels qd reads (with the files before it)");
    }
    const size_t first_pixel = set.pixels.size();
    set.pixels.resize(first_pixel + whole * kCifarPixelBytes);
    for (size_t r = 0; r < whole; ++r, ++records) {
      const uint8_t* record = chunk.data() + r * kCifarRecordBytes;
      if (record[0] >= kCifarClasses) {
        throw ImageInputError(in.name() + ": record " + std::to_string(records) +
                              " (counting from 0) has label " + std::to_string(record[0]) +
                              ", and CIFAR-10's labels are 0 to 9: not a CIFAR-10 binary batch "
                              "(CIFAR-100's records are 3074 bytes, with two labels)");
      }
      set.labels.push_back(record[0]);
      // Planar (all red, then green, then blue) to interleaved, as PNGs and numpy's [N, H, W, C].
      const uint8_t* planes = record + 1;
      uint8_t* out = set.pixels.data() + first_pixel + r * kCifarPixelBytes;
      constexpr size_t kPlane = kCifarSide * kCifarSide;
      for (size_t p = 0; p < kPlane; ++p) {
        out[3 * p] = planes[p];
        out[3 * p + 1] = planes[kPlane + p];
        out[3 * p + 2] = planes[2 * kPlane + p];
      }
    }
    if (got % kCifarRecordBytes != 0) {
      const uint64_t total = records * kCifarRecordBytes + got % kCifarRecordBytes;
      throw ImageInputError(in.name() + ": holds " + std::to_string(total) +
                            " bytes, not a whole number of CIFAR-10 records: CIFAR-10 binary "
                            "records are 3073 bytes (a label byte, then 32x32x3 pixels)" +
                            (records > 0 ? " (truncated?)" : ""));
    }
    full = got == chunk.size();
    if (full) grow(chunk);
  } while (full);
  if (records == 0) {
    throw ImageInputError(in.name() +
                          ": is empty: a CIFAR-10 binary batch holds records of 3073 bytes");
  }
}

bool looks_like_cifar10(ByteInput& in) {
  std::vector<uint8_t> chunk(16 * kCifarRecordBytes);
  uint64_t records = 0;
  size_t got = 0;
  bool full = false;  // a whole chunk was read: there may be more
  do {
    got = in.read(chunk.data(), chunk.size());
    if (got % kCifarRecordBytes != 0) return false;
    for (size_t at = 0; at < got; at += kCifarRecordBytes) {
      if (chunk[at] >= kCifarClasses) return false;
    }
    records += got / kCifarRecordBytes;
    full = got == chunk.size();
    if (full) grow(chunk);
  } while (full);
  return records > 0;
}

std::vector<std::string> cifar10_batch_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("data_batch_", 0) == 0 &&
        (ends_with(name, ".bin") || ends_with(name, ".bin.gz")) && entry.is_regular_file()) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace qd::images

namespace qd {

ImageSet read_cifar10(const std::string& path, const std::string& class_names_file) {
  using namespace images;
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool folder = fs::is_directory(path, ec);
  if (!folder && !fs::exists(path, ec)) throw ImageInputError(path + ": does not exist");
  ImageSet set;
  set.format = "cifar-10";
  set.side = kCifarSide;
  set.channels = 3;
  if (folder) {
    set.files = cifar10_batch_files(path);
    if (set.files.empty()) {
      throw ImageInputError(path +
                            ": holds no data_batch_*.bin files: a CIFAR-10 folder is the binary "
                            "version's cifar-10-batches-bin/ (data_batch_1.bin ... "
                            "data_batch_5.bin); give test_batch.bin by name to read it");
    }
  } else {
    set.files = {path};
  }
  for (const auto& file : set.files) {
    GzFileInput in(file);
    append_cifar10(in, set);
  }
  const fs::path meta =
      (folder ? fs::path(path) : fs::path(path).parent_path()) / "batches.meta.txt";
  std::string names_file = class_names_file;
  if (names_file.empty() && fs::is_regular_file(meta, ec)) names_file = meta.string();
  if (names_file.empty()) {
    set.class_names = numeric_class_names(kCifarClasses);
  } else {
    set.class_names =
        read_class_names(names_file, /*skip_blank_lines=*/names_file != class_names_file);
    check_labels_named(set.labels, set.class_names, names_file,
                       set.files.size() == 1 ? set.files[0] : path);
  }
  return set;
}

}  // namespace qd
