// torchvision's ImageFolder layout: one sub-folder per class, PNG files in each.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "byte_input.h"
#include "png.h"
#include "qd/images/image_set.h"

namespace qd {
namespace {

namespace fs = std::filesystem;

bool hidden(const fs::path& p) {
  return p.filename().string().rfind('.', 0) == 0;
}

bool is_png_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png";
}

std::string describe(const images::DecodedPng& png) {
  return std::to_string(png.width) + "x" + std::to_string(png.height) + " " +
         (png.channels == 1 ? "grey" : "RGB");
}

std::vector<fs::path> sorted_entries(const fs::path& dir) {
  std::vector<fs::path> entries;
  try {
    for (const auto& entry : fs::directory_iterator(dir)) entries.push_back(entry.path());
  } catch (const fs::filesystem_error& e) {
    throw ImageInputError(dir.string() + ": cannot list: " + e.code().message());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

}  // namespace

ImageSet read_image_folder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw ImageInputError(dir +
                          ": is not a folder (an image folder holds one sub-folder of PNG "
                          "files per class)");
  }
  ImageSet set;
  set.format = "image folder";
  std::string first_file;
  images::DecodedPng first;
  for (const auto& class_dir : sorted_entries(dir)) {
    if (hidden(class_dir) || !fs::is_directory(class_dir, ec)) continue;
    const int label = static_cast<int>(set.class_names.size());
    set.class_names.push_back(class_dir.filename().string());
    size_t in_class = 0;
    for (const auto& file : sorted_entries(class_dir)) {
      if (hidden(file) || !is_png_name(file) || fs::is_directory(file, ec)) continue;
      const std::string path = file.string();
      images::DecodedPng png = images::read_png(path);
      if (png.width != png.height) {
        throw ImageInputError(path + ": is " + describe(png) +
                              ": qd_train trains on square images; crop or pad it to a square");
      }
      if (first_file.empty()) {
        first_file = path;
        first = png;
        first.pixels.clear();
        set.side = png.width;
        set.channels = png.channels;
      } else if (png.width != first.width || png.channels != first.channels) {
        throw ImageInputError(path + ": is " + describe(png) + " but " + first_file + " is " +
                              describe(first) +
                              ": all images must share one size and colour type (qd does not "
                              "resize or convert them)");
      }
      if (set.pixels.size() + png.pixels.size() > images::kMaxPixelBytes) {
        throw ImageInputError(path + ": more than the " + std::to_string(images::kMaxPixelBytes) +
                              " bytes of pixels qd reads from one image folder");
      }
      set.pixels.insert(set.pixels.end(), png.pixels.begin(), png.pixels.end());
      set.labels.push_back(label);
      set.files.push_back(path);
      ++in_class;
    }
    if (in_class == 0) {
      throw ImageInputError(class_dir.string() +
                            ": holds no PNG files: every sub-folder of an image folder is a class "
                            "and needs at least one .png image (remove the folder, or hide it "
                            "with a leading dot)");
    }
  }
  if (set.class_names.empty()) {
    throw ImageInputError(dir +
                          ": holds no sub-folders: an image folder holds one sub-folder "
                          "of PNG files per class, named after the class");
  }
  return set;
}

}  // namespace qd
