#pragma once
// Image datasets in other projects' formats, decoded into memory: MNIST's IDX files, CIFAR-10's
// binary batches and folders of PNG files (torchvision's ImageFolder layout). Each is recognised
// by its content (magic numbers, sizes), not its name, and read gzipped or not. Free of torch, so
// that tools can inspect inputs without it; qd_train's Dataset builds on it.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace qd {

// An input that cannot be read as the format it claims or seems to be; the message names the
// file (and the record or image where there is one) and says what is wrong.
class ImageInputError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Square uint8 images with one label each.
struct ImageSet {
  std::string format;  // "idx", "cifar-10" or "image folder"
  int side = 0;        // images are side x side
  int channels = 0;    // 1 (grey) or 3 (RGB)
  // Image i is the side*side*channels bytes at i * image_bytes(): rows top to bottom, pixels left
  // to right, channels interleaved (HWC, R G B), as in a PNG or numpy's [N, H, W, C].
  std::vector<uint8_t> pixels;
  std::vector<int> labels;               // one per image, an index into class_names
  std::vector<std::string> class_names;  // label -> name
  std::vector<std::string> files;        // the files read, in order

  size_t image_bytes() const { return static_cast<size_t>(side) * side * channels; }
  size_t size() const { return labels.size(); }
};

enum class ImageInputKind {
  kUnknown,      // none of the formats below
  kIdx,          // an IDX images file (magic 0x00000803), gzipped or not
  kCifar10,      // a CIFAR-10 binary batch file, or a folder holding data_batch_*.bin
  kImageFolder,  // a folder whose sub-folders hold PNG files
};

// What `path` holds, judged by its content: the first bytes of a file (after gunzipping), the
// files in a folder. Never throws for an unrecognised input (kUnknown); throws ImageInputError
// when the path cannot be read at all.
//   - A file starting with 0x00000803 is IDX images. Any other IDX magic of unsigned bytes
//     (0x000008xx: an MNIST labels file above all) is kUnknown, not CIFAR-10, which it could pass
//     for: its bytes are all 0 to 9.
//   - CIFAR-10 has no magic number, so a file is taken for it by a heuristic: its (decompressed)
//     size is a positive multiple of 3073 bytes and every 3073rd byte from the first (each
//     record's label) is 0 to 9. A gzipped file is decompressed whole to judge it. Random data
//     passes with odds of about 1 in 3073 x (256/10)^records; a real batch always does.
//   - A folder holding data_batch_*.bin (or .bin.gz) is CIFAR-10; else a folder with a
//     non-hidden sub-folder holding a .png file is an image folder.
ImageInputKind detect_image_input(const std::string& path);

// MNIST's IDX format: `images_path` (magic 0x00000803, [N, H, W] with H = W) and its labels file
// beside it, named as MNIST names it (`train-images-idx3-ubyte[.gz]` ->
// `train-labels-idx1-ubyte[.gz]`; also `images.idx3` -> `labels.idx1`), magic 0x00000801, N
// labels. Class names: one per line from `class_names_file` when given (every label must have
// one), else the label values "0", "1", ... up to the largest label.
ImageSet read_idx(const std::string& images_path, const std::string& class_names_file = "");

// CIFAR-10's binary version: records of 1 label byte and 3072 pixel bytes (the 1024 red, then
// green, then blue bytes of a 32x32 image, rows top to bottom), 10,000 per file. `path` is one
// such file or a folder (e.g. cifar-10-batches-bin/), which stands for its data_batch_*.bin files
// in name order (test_batch.bin only when named itself). Class names from `class_names_file`, or
// batches.meta.txt beside the files, or "0" ... "9".
ImageSet read_cifar10(const std::string& path, const std::string& class_names_file = "");

// A folder of PNG files, one sub-folder per class (torchvision's ImageFolder), sub-folders and
// files in name order; files not ending in .png (any case) are ignored, hidden ones too. Read with
// Cairo. Grey PNGs (colour types 0 and 4) give 1 channel, RGB, RGBA and palette PNGs 3;
// transparency is composited onto white. All images must be square, of one size and one channel
// count, or the error names the first that differs and the one it differs from (no resizing).
ImageSet read_image_folder(const std::string& dir);

// Reads `path` as detect_image_input judges it; throws ImageInputError for kUnknown.
ImageSet read_image_input(const std::string& path, const std::string& class_names_file = "");

}  // namespace qd
