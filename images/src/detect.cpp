// Which format an input is, by its content; and reading it as that format.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cifar10.h"
#include "gz_file.h"
#include "idx.h"
#include "qd/images/image_set.h"

namespace qd {
namespace {

namespace fs = std::filesystem;

bool is_png_name(const std::string& name) {
  if (name.size() < 4) return false;
  std::string ext = name.substr(name.size() - 4);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png";
}

ImageInputKind detect_folder(const std::string& path) {
  if (!images::cifar10_batch_files(path).empty()) return ImageInputKind::kCifar10;
  for (const auto& sub : fs::directory_iterator(path)) {
    if (sub.path().filename().string().rfind('.', 0) == 0) continue;
    std::error_code ec;
    if (!sub.is_directory(ec)) continue;
    for (const auto& file : fs::directory_iterator(sub.path(), ec)) {
      const std::string name = file.path().filename().string();
      if (name.rfind('.', 0) != 0 && is_png_name(name)) return ImageInputKind::kImageFolder;
    }
  }
  return ImageInputKind::kUnknown;
}

ImageInputKind detect_file(const std::string& path, uint64_t file_size) {
  images::GzFileInput in(path);
  uint8_t magic[4] = {};
  const size_t got = in.read(magic, sizeof magic);
  if (got == 4 && magic[0] == 0 && magic[1] == 0 && magic[2] == 0x08) {
    // Any IDX file of bytes (labels, or images of another rank): only [N, H, W] images are an
    // input, and an MNIST labels file can pass the CIFAR-10 test below (its bytes are all 0 to 9).
    return magic[3] == 3 ? ImageInputKind::kIdx : ImageInputKind::kUnknown;
  }
  // A plain file of the wrong size needs no reading.
  if (!in.gzipped() && (file_size == 0 || file_size % images::kCifarRecordBytes != 0)) {
    return ImageInputKind::kUnknown;
  }
  images::GzFileInput again(path);
  return images::looks_like_cifar10(again) ? ImageInputKind::kCifar10 : ImageInputKind::kUnknown;
}

// Why `path` is no input, where a likely mistake explains it.
std::string unknown_reason(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return "is not an image dataset qd reads";
  try {
    images::GzFileInput in(path);
    uint8_t magic[4] = {};
    if (in.read(magic, 4) == 4 && magic[0] == 0 && magic[1] == 0 && magic[2] == 8 &&
        magic[3] == 1) {
      return "is an IDX labels file (magic 0x00000801), not images; give the images file (e.g. "
             "train-images-idx3-ubyte.gz): its labels are read from beside it";
    }
  } catch (const ImageInputError& e) {
    return std::string("is not an image dataset qd reads (") + e.what() + ")";
  }
  return "is not an image dataset qd reads";
}

}  // namespace

ImageInputKind detect_image_input(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw ImageInputError(path + ": cannot read: " + std::strerror(errno));
  }
  try {
    if (S_ISDIR(st.st_mode)) return detect_folder(path);
    if (S_ISREG(st.st_mode)) return detect_file(path, static_cast<uint64_t>(st.st_size));
  } catch (const fs::filesystem_error& e) {
    throw ImageInputError(path + ": cannot read: " + e.code().message());
  } catch (const ImageInputError&) {
    // A damaged gzip stream or an unreadable file: not a format qd recognises. Unreadable
    // files (permissions) are reported by the reading, which names the cause.
    if (::access(path.c_str(), R_OK) != 0) {
      throw ImageInputError(path + ": cannot read: " + std::strerror(errno));
    }
    return ImageInputKind::kUnknown;
  }
  return ImageInputKind::kUnknown;
}

ImageSet read_image_input(const std::string& path, const std::string& class_names_file) {
  switch (detect_image_input(path)) {
    case ImageInputKind::kIdx:
      return read_idx(path, class_names_file);
    case ImageInputKind::kCifar10:
      return read_cifar10(path, class_names_file);
    case ImageInputKind::kImageFolder:
      if (!class_names_file.empty()) {
        throw ImageInputError(class_names_file +
                              ": an image folder's classes are named after its sub-folders; a "
                              "class names file is for IDX and CIFAR-10 inputs only");
      }
      return read_image_folder(path);
    case ImageInputKind::kUnknown:
      break;
  }
  const std::string what = unknown_reason(path);
  throw ImageInputError(path + ": " + what +
                        ": expected an IDX images file (MNIST's train-images-idx3-ubyte[.gz], "
                        "magic 0x00000803), a CIFAR-10 binary batch (data_batch_1.bin, 3073-byte "
                        "records with labels 0 to 9) or a folder holding them, or a folder of "
                        "class sub-folders holding PNG files");
}

}  // namespace qd
