// qd::images: IDX, CIFAR-10 and PNG-folder inputs read exactly, and every damaged or mismatched
// input refused with an error that names the file. The files are made here, small; the real
// Fashion-MNIST files are read when the machine has them.
#include <cairo.h>
#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "qd/images/image_set.h"
#include "test_support.h"

namespace {

namespace fs = qd::test::fs;
using qd::ImageInputError;
using qd::ImageInputKind;

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// n images of rows x columns; pixel j of image i is i * 16 + j (mod 256).
std::string idx_images(uint32_t n, uint32_t rows, uint32_t columns) {
  std::string bytes = be32(0x803) + be32(n) + be32(rows) + be32(columns);
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t j = 0; j < rows * columns; ++j) bytes += static_cast<char>((i * 16 + j) & 0xff);
  }
  return bytes;
}

std::string idx_labels(const std::vector<uint8_t>& labels) {
  std::string bytes = be32(0x801) + be32(static_cast<uint32_t>(labels.size()));
  for (const uint8_t l : labels) bytes += static_cast<char>(l);
  return bytes;
}

void write_gz(const fs::path& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) ==
          static_cast<int>(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

// One CIFAR-10 record: red plane p, green p + 1, blue p + 2 where p is the pixel's index + seed.
std::string cifar_record(uint8_t label, int seed) {
  std::string r(1, static_cast<char>(label));
  for (int c = 0; c < 3; ++c) {
    for (int p = 0; p < 1024; ++p) r += static_cast<char>((p + seed + c) & 0xff);
  }
  return r;
}

// A PNG of `format` (A8: Cairo writes grey, colour type 0; RGB24: type 2; ARGB32: type 6), every
// pixel the one native-endian 32-bit value (or byte, for A8) given.
void write_png(const fs::path& path, cairo_format_t format, int width, int height, uint32_t value) {
  cairo_surface_t* s = cairo_image_surface_create(format, width, height);
  REQUIRE(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
  cairo_surface_flush(s);
  unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (format == CAIRO_FORMAT_A8) {
        data[y * stride + x] = static_cast<unsigned char>(value + x + y * width);
      } else {
        reinterpret_cast<uint32_t*>(data + y * stride)[x] = value;
      }
    }
  }
  cairo_surface_mark_dirty(s);
  REQUIRE(cairo_surface_write_to_png(s, path.c_str()) == CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(s);
}

std::string png_chunk(const std::string& type, const std::string& data) {
  const std::string body = type + data;
  const auto crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
  return be32(static_cast<uint32_t>(data.size())) + body + be32(crc);
}

// A grey-and-alpha PNG (colour type 4), which Cairo does not write: every pixel grey g, alpha a.
void write_grey_alpha_png(const fs::path& path, int side, uint8_t grey, uint8_t alpha) {
  std::string raw;
  for (int y = 0; y < side; ++y) {
    raw += '\0';  // filter: none
    for (int x = 0; x < side; ++x) {
      raw += static_cast<char>(grey);
      raw += static_cast<char>(alpha);
    }
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  REQUIRE(compress(reinterpret_cast<Bytef*>(&packed[0]), &packed_size,
                   reinterpret_cast<const Bytef*>(raw.data()),
                   static_cast<uLong>(raw.size())) == Z_OK);
  packed.resize(packed_size);
  std::string ihdr = be32(static_cast<uint32_t>(side)) + be32(static_cast<uint32_t>(side));
  ihdr += std::string("\x08\x04\x00\x00\x00", 5);  // depth 8, grey + alpha, no interlace
  qd::test::write_file(path, std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) +
                                 png_chunk("IDAT", packed) + png_chunk("IEND", ""));
}

// The message of the ImageInputError `f` throws ("" when it throws none).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const ImageInputError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("image inputs: IDX images and their labels are read, plain and gzipped") {
  qd::test::ScratchDir dir("image_idx_read");
  const std::string images = idx_images(3, 2, 2);
  const std::string labels = idx_labels({0, 2, 1});
  qd::test::write_file(dir / "train-images-idx3-ubyte", images);
  qd::test::write_file(dir / "train-labels-idx1-ubyte", labels);
  write_gz(dir / "t10k-images-idx3-ubyte.gz", images);
  write_gz(dir / "t10k-labels-idx1-ubyte.gz", labels);
  // A pair gunzipped one file at a time still finds its labels.
  write_gz(dir / "mixed-images-idx3-ubyte.gz", images);
  qd::test::write_file(dir / "mixed-labels-idx1-ubyte", labels);

  for (const char* name :
       {"train-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz", "mixed-images-idx3-ubyte.gz"}) {
    CAPTURE(name);
    const qd::ImageSet set = qd::read_idx((dir / name).string());
    CHECK(set.format == "idx");
    CHECK(set.side == 2);
    CHECK(set.channels == 1);
    CHECK(set.size() == 3);
    CHECK(set.image_bytes() == 4);
    CHECK(set.labels == std::vector<int>{0, 2, 1});
    CHECK(set.class_names == std::vector<std::string>{"0", "1", "2"});
    REQUIRE(set.pixels.size() == 12);
    CHECK(set.pixels[0] == 0);
    CHECK(set.pixels[3] == 3);
    CHECK(set.pixels[4] == 16);   // image 1, pixel 0
    CHECK(set.pixels[11] == 35);  // image 2, pixel 3
    REQUIRE(set.files.size() == 2);
    CHECK(set.files[0] == (dir / name).string());
    CHECK(contains(set.files[1], "labels-idx1-ubyte"));
  }

  qd::test::write_file(dir / "images.idx3", images);
  qd::test::write_file(dir / "labels.idx1", labels);
  CHECK(qd::read_idx((dir / "images.idx3").string()).files[1] == (dir / "labels.idx1").string());
}

TEST_CASE("image inputs: IDX class names come from a names file, every label needing one") {
  qd::test::ScratchDir dir("image_idx_names");
  const auto images = (dir / "train-images-idx3-ubyte").string();
  qd::test::write_file(images, idx_images(3, 2, 2));
  qd::test::write_file(dir / "train-labels-idx1-ubyte", idx_labels({0, 2, 1}));
  const auto names = (dir / "names.txt").string();

  qd::test::write_file(names, "shirt\r\ntrouser\nbag\nboot\n\n\n");
  CHECK(qd::read_idx(images, names).class_names ==
        std::vector<std::string>{"shirt", "trouser", "bag", "boot"});

  qd::test::write_file(names, "shirt\ntrouser\n");
  const std::string missing = error_of([&] { qd::read_idx(images, names); });
  CHECK(contains(missing, names + ": names 2 classes"));
  CHECK(contains(missing, "image 1 of " + (dir / "train-labels-idx1-ubyte").string()));
  CHECK(contains(missing, "has label 2"));

  qd::test::write_file(names, "shirt\n\ntrouser\nbag\n");
  CHECK(contains(error_of([&] { qd::read_idx(images, names); }), names + ": line 2 is blank"));

  CHECK(contains(error_of([&] { qd::read_idx(images, (dir / "none.txt").string()); }),
                 (dir / "none.txt").string() + ": cannot open"));
}

TEST_CASE(
    "image inputs: damaged or mismatched IDX files are refused with an error naming the file") {
  qd::test::ScratchDir dir("image_idx_errors");
  const auto images = (dir / "train-images-idx3-ubyte").string();
  const auto labels = (dir / "train-labels-idx1-ubyte").string();
  const auto read = [&] { return error_of([&] { qd::read_idx(images); }); };
  qd::test::write_file(labels, idx_labels({0, 1, 2}));

  // The labels file given where the images are expected.
  qd::test::write_file(images, idx_labels({0, 1, 2}));
  std::string e = read();
  CHECK(contains(e, images + ": starts with 0x00000801 (the magic of an IDX labels file), not "
                             "0x00000803"));

  qd::test::write_file(images, "P5\n28 28\n255\n");
  CHECK(contains(read(), images + ": starts with 0x50350A32 (not an IDX magic number)"));

  qd::test::write_file(images, be32(0x803) + be32(3));
  CHECK(contains(read(), images + ": ends early: 8 bytes, fewer than the 16-byte header"));

  qd::test::write_file(images, idx_images(3, 2, 3));
  CHECK(contains(read(), images + ": its images are 2x3 (rows x columns): qd_train trains on "
                                  "square images"));

  qd::test::write_file(images, idx_images(0, 2, 2));
  CHECK(contains(read(), images + ": holds no images"));

  // Truncated, plain: fewer bytes than the header promises.
  std::string full = idx_images(3, 2, 2);
  qd::test::write_file(images, full.substr(0, full.size() - 1));
  CHECK(contains(read(), images + ": ends early (truncated): its header promises 3 images of 2x2 "
                                  "(12 bytes after the header) but only 11 follow"));

  // Extra bytes after the data.
  qd::test::write_file(images, full + "x");
  CHECK(contains(read(), images + ": has extra bytes after the 3 images of 2x2"));

  // Counts that disagree: both files and both counts named.
  qd::test::write_file(images, idx_images(4, 2, 2));
  e = read();
  CHECK(contains(e, labels + ": holds 3 labels but " + images + " holds 4 images"));

  // Headers that would overflow or ask for absurd amounts of memory.
  qd::test::write_file(images, be32(0x803) + be32(0xffffffff) + be32(0xffff) + be32(0xffff));
  CHECK(contains(read(), images + ": its header promises 4294967295 images of 65535x65535, more "
                                  "than the 2147483648 bytes"));
  qd::test::write_file(images,
                       be32(0x803) + be32(0xffffffff) + be32(0xffffffff) + be32(0xffffffff));
  CHECK(contains(read(), images + ": its header promises 4294967295 images of "));
  // A plausible header on a tiny file: refused as truncated, without allocating the promise.
  qd::test::write_file(images, be32(0x803) + be32(2000000) + be32(32) + be32(32) + "abc");
  CHECK(contains(read(), images + ": ends early (truncated)"));

  // The labels file itself damaged.
  qd::test::write_file(images, idx_images(3, 2, 2));
  qd::test::write_file(labels, idx_images(3, 2, 2));
  CHECK(contains(read(), labels + ": starts with 0x00000803 (the magic of an IDX images file), "
                                  "not 0x00000801"));
  const std::string label_bytes = idx_labels({0, 1, 2});
  qd::test::write_file(labels, label_bytes.substr(0, 10));
  CHECK(contains(read(), labels + ": ends early (truncated): its header promises 3 labels"));
  qd::test::write_file(labels, label_bytes + "\n");
  CHECK(contains(read(), labels + ": has extra bytes after the 3 labels"));
  qd::test::write_file(labels, be32(0x801) + be32(0xffffffff));
  CHECK(contains(read(), labels + ": its header promises 4294967295 labels"));

  // A missing labels file: the paths looked for are named.
  fs::remove(labels);
  e = read();
  CHECK(contains(
      e, images + ": its labels file " + labels + " (or " + labels + ".gz) does not exist"));
  // A name that says nothing of where the labels are.
  qd::test::write_file(dir / "digits.bin", idx_images(3, 2, 2));
  CHECK(contains(error_of([&] { qd::read_idx((dir / "digits.bin").string()); }),
                 (dir / "digits.bin").string() + ": cannot tell which file holds its labels"));
  CHECK(contains(error_of([&] { qd::read_idx((dir / "absent-images-idx3-ubyte").string()); }),
                 (dir / "absent-images-idx3-ubyte").string() + ": cannot open"));
}

TEST_CASE("image inputs: a gzipped IDX file cut short is an error naming it, not fewer images") {
  qd::test::ScratchDir dir("image_idx_cut_gz");
  const auto images = dir / "train-images-idx3-ubyte.gz";
  const auto labels = dir / "train-labels-idx1-ubyte.gz";
  write_gz(images, idx_images(50, 28, 28));
  write_gz(labels, idx_labels(std::vector<uint8_t>(50, 1)));
  const std::string whole = qd::test::read_file(images);
  // Cut inside the deflate data, and cut inside the 8-byte trailer (all the pixels there).
  for (const size_t cut : {whole.size() / 2, whole.size() - 4}) {
    CAPTURE(cut);
    qd::test::write_file(images, whole.substr(0, cut));
    const std::string e = error_of([&] { qd::read_idx(images.string()); });
    CHECK(contains(e, images.string() + ": ends early"));
    CHECK(contains(e, "truncated"));
  }
  qd::test::write_file(images, whole);
  const std::string label_whole = qd::test::read_file(labels);
  qd::test::write_file(labels, label_whole.substr(0, label_whole.size() - 3));
  CHECK(contains(error_of([&] { qd::read_idx(images.string()); }),
                 labels.string() + ": ends early: the gzip stream is truncated"));
}

TEST_CASE("image inputs: CIFAR-10 records are converted from planar CHW to interleaved HWC") {
  qd::test::ScratchDir dir("image_cifar_hwc");
  const auto path = dir / "data_batch_1.bin";
  qd::test::write_file(path, cifar_record(3, 0) + cifar_record(9, 100));
  const qd::ImageSet set = qd::read_cifar10(path.string());
  CHECK(set.format == "cifar-10");
  CHECK(set.side == 32);
  CHECK(set.channels == 3);
  CHECK(set.labels == std::vector<int>{3, 9});
  CHECK(set.class_names.size() == 10);
  CHECK(set.class_names[9] == "9");
  CHECK(set.files == std::vector<std::string>{path.string()});
  REQUIRE(set.pixels.size() == 2 * 3072);
  for (int image = 0; image < 2; ++image) {
    for (const int p : {0, 1, 31, 32, 33, 500, 1023}) {  // p = y * 32 + x
      for (int c = 0; c < 3; ++c) {
        CAPTURE(image);
        CAPTURE(p);
        CAPTURE(c);
        CHECK(set.pixels[image * 3072 + p * 3 + c] == ((p + image * 100 + c) & 0xff));
      }
    }
  }
  // The same bytes gzipped.
  write_gz(dir / "batch.bin.gz", cifar_record(3, 0) + cifar_record(9, 100));
  CHECK(qd::read_cifar10((dir / "batch.bin.gz").string()).pixels == set.pixels);
}

TEST_CASE(
    "a CIFAR-10 folder is its data_batch_*.bin files in name order, named by "
    "batches.meta.txt") {
  qd::test::ScratchDir dir("image_cifar_folder");
  qd::test::write_file(dir / "data_batch_2.bin", cifar_record(2, 2) + cifar_record(5, 5));
  qd::test::write_file(dir / "data_batch_1.bin", cifar_record(1, 1));
  qd::test::write_file(dir / "test_batch.bin", cifar_record(7, 7));
  qd::test::write_file(dir / "readme.html", "<html>");

  qd::ImageSet set = qd::read_cifar10(dir.path().string());
  CHECK(set.labels == std::vector<int>{1, 2, 5});
  CHECK(set.files == std::vector<std::string>{(dir / "data_batch_1.bin").string(),
                                              (dir / "data_batch_2.bin").string()});
  CHECK(set.class_names ==
        std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  CHECK(set.pixels[3072] == 2);  // the second image is data_batch_2's first

  qd::test::write_file(dir / "batches.meta.txt",
                       "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
  set = qd::read_cifar10(dir.path().string());
  REQUIRE(set.class_names.size() == 10);
  CHECK(set.class_names[0] == "airplane");
  CHECK(set.class_names[9] == "truck");
  // Beside a file given by name, too.
  set = qd::read_cifar10((dir / "test_batch.bin").string());
  CHECK(set.labels == std::vector<int>{7});
  CHECK(set.class_names[7] == "horse");

  // An explicit names file overrides batches.meta.txt, and must name every label.
  const auto names = (dir / "names.txt").string();
  qd::test::write_file(names, "a\nb\nc\nd\ne\nf\n");
  CHECK(qd::read_cifar10(dir.path().string(), names).class_names.size() == 6);
  qd::test::write_file(names, "a\nb\n");
  CHECK(contains(error_of([&] { qd::read_cifar10(dir.path().string(), names); }),
                 names + ": names 2 classes"));
}

TEST_CASE(
    "image inputs: damaged CIFAR-10 inputs are refused with an error naming the file and record") {
  qd::test::ScratchDir dir("image_cifar_errors");
  const auto path = (dir / "data_batch_1.bin").string();
  const auto read = [&] { return error_of([&] { qd::read_cifar10(path); }); };

  qd::test::write_file(path, cifar_record(1, 0) + "abc");
  CHECK(contains(read(), path + ": holds 3076 bytes, not a whole number of CIFAR-10 records: "
                                "CIFAR-10 binary records are 3073 bytes"));
  qd::test::write_file(path, std::string(1000, '\0'));
  CHECK(contains(read(), path + ": holds 1000 bytes"));
  qd::test::write_file(path, "");
  CHECK(contains(read(), path + ": is empty"));

  qd::test::write_file(path, cifar_record(1, 0) + cifar_record(10, 0));
  CHECK(contains(read(), path + ": record 1 (counting from 0) has label 10, and CIFAR-10's labels "
                                "are 0 to 9"));

  const std::string whole = cifar_record(1, 0) + cifar_record(2, 0);
  write_gz(dir / "cut.bin.gz", whole);
  const std::string gz = qd::test::read_file(dir / "cut.bin.gz");
  qd::test::write_file(dir / "cut.bin.gz", gz.substr(0, gz.size() - 5));
  CHECK(contains(error_of([&] { qd::read_cifar10((dir / "cut.bin.gz").string()); }),
                 (dir / "cut.bin.gz").string() + ": ends early"));

  fs::create_directories(dir / "empty");
  qd::test::write_file(dir / "empty" / "test_batch.bin", cifar_record(1, 0));
  CHECK(contains(error_of([&] { qd::read_cifar10((dir / "empty").string()); }),
                 (dir / "empty").string() + ": holds no data_batch_*.bin files"));
  CHECK(contains(error_of([&] { qd::read_cifar10((dir / "absent.bin").string()); }),
                 (dir / "absent.bin").string() + ": does not exist"));
}

TEST_CASE("image inputs: an image folder is read class by class, PNG pixels exactly") {
  qd::test::ScratchDir dir("image_folder_read");
  fs::create_directories(dir / "cat");
  fs::create_directories(dir / "ant");
  fs::create_directories(dir / ".cache");
  write_png(dir / "cat" / "b.png", CAIRO_FORMAT_A8, 4, 4, 100);
  write_png(dir / "cat" / "a.PNG", CAIRO_FORMAT_A8, 4, 4, 50);
  write_png(dir / "ant" / "z.png", CAIRO_FORMAT_A8, 4, 4, 200);
  write_png(dir / "ant" / ".hidden.png", CAIRO_FORMAT_A8, 8, 8, 0);
  write_png(dir / ".cache" / "x.png", CAIRO_FORMAT_A8, 8, 8, 0);
  qd::test::write_file(dir / "ant" / "notes.txt", "not an image");
  qd::test::write_file(dir / "labels.csv", "a file beside the classes");

  const qd::ImageSet set = qd::read_image_folder(dir.path().string());
  CHECK(set.format == "image folder");
  CHECK(set.side == 4);
  CHECK(set.channels == 1);
  CHECK(set.class_names == std::vector<std::string>{"ant", "cat"});
  CHECK(set.labels == std::vector<int>{0, 1, 1});
  CHECK(set.files == std::vector<std::string>{(dir / "ant" / "z.png").string(),
                                              (dir / "cat" / "a.PNG").string(),
                                              (dir / "cat" / "b.png").string()});
  REQUIRE(set.pixels.size() == 3 * 16);
  // write_png's A8 pixel (x, y) is value + x + 4y; A8 is written as a grey PNG (colour type 0).
  for (int p = 0; p < 16; ++p) {
    CAPTURE(p);
    CHECK(set.pixels[p] == 200 + p);
    CHECK(set.pixels[16 + p] == 50 + p);
    CHECK(set.pixels[32 + p] == 100 + p);
  }
}

TEST_CASE("image inputs: RGB PNGs keep their channels and transparency is composited onto white") {
  qd::test::ScratchDir dir("image_folder_rgb");
  fs::create_directories(dir / "opaque");
  fs::create_directories(dir / "clear");
  write_png(dir / "opaque" / "a.png", CAIRO_FORMAT_RGB24, 3, 3, 0x00123456);
  // Premultiplied ARGB: alpha 0x80 over red 0x80 (full red at half opacity) and nothing else.
  write_png(dir / "clear" / "b.png", CAIRO_FORMAT_ARGB32, 3, 3, 0x80800000);
  const qd::ImageSet set = qd::read_image_folder(dir.path().string());
  CHECK(set.channels == 3);
  CHECK(set.side == 3);
  CHECK(set.class_names == std::vector<std::string>{"clear", "opaque"});
  REQUIRE(set.pixels.size() == 2 * 27);
  // Red at half opacity onto white: red stays full, green and blue are the white showing through.
  // (Cairo unpremultiplies to 0xFF at alpha 0x80 when writing, and premultiplies back on reading.)
  for (int p = 0; p < 9; ++p) {
    CAPTURE(p);
    CHECK(set.pixels[3 * p] == 255);
    CHECK(set.pixels[3 * p + 1] == 127);
    CHECK(set.pixels[3 * p + 2] == 127);
    CHECK(set.pixels[27 + 3 * p] == 0x12);
    CHECK(set.pixels[27 + 3 * p + 1] == 0x34);
    CHECK(set.pixels[27 + 3 * p + 2] == 0x56);
  }

  // Grey and alpha (colour type 4) is one channel, composited onto white too.
  qd::test::ScratchDir grey("image_folder_grey_alpha");
  fs::create_directories(grey / "g");
  write_grey_alpha_png(grey / "g" / "a.png", 2, 0, 0);     // transparent: white
  write_grey_alpha_png(grey / "g" / "b.png", 2, 60, 255);  // opaque: itself
  write_grey_alpha_png(grey / "g" / "c.png", 2, 0, 0x80);  // black, half: the white's half
  const qd::ImageSet g = qd::read_image_folder(grey.path().string());
  CHECK(g.channels == 1);
  REQUIRE(g.pixels.size() == 12);
  CHECK(g.pixels[0] == 255);
  CHECK(g.pixels[4] == 60);
  CHECK(g.pixels[8] == 127);
}

TEST_CASE(
    "image inputs: image folders with mismatched, undecodable or missing images are refused by "
    "name") {
  qd::test::ScratchDir dir("image_folder_errors");
  const auto read = [&] { return error_of([&] { qd::read_image_folder(dir.path().string()); }); };
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  const auto first = (dir / "a" / "first.png").string();
  write_png(first, CAIRO_FORMAT_A8, 28, 28, 0);

  // A sub-folder without PNG files.
  qd::test::write_file(dir / "b" / "x.jpg", "not a png");
  CHECK(contains(read(), (dir / "b").string() + ": holds no PNG files"));

  const auto x = (dir / "b" / "x.png").string();
  write_png(x, CAIRO_FORMAT_RGB24, 32, 32, 0);
  CHECK(contains(read(), x + ": is 32x32 RGB but " + first +
                             " is 28x28 grey: all images must share one size and colour type"));
  write_png(x, CAIRO_FORMAT_A8, 32, 32, 0);
  CHECK(contains(read(), x + ": is 32x32 grey but " + first + " is 28x28 grey"));
  write_png(x, CAIRO_FORMAT_RGB24, 28, 28, 0);
  CHECK(contains(read(), x + ": is 28x28 RGB but " + first + " is 28x28 grey"));
  write_png(x, CAIRO_FORMAT_A8, 28, 20, 0);
  CHECK(contains(read(), x + ": is 28x20 grey: qd_train trains on square images"));

  // Not PNG at all, and a PNG cut short (a valid header, then half its data).
  qd::test::write_file(x, "GIF89a, named .png");
  CHECK(contains(read(), x + ": is not a PNG file"));
  write_png(x, CAIRO_FORMAT_A8, 28, 28, 0);
  const std::string png = qd::test::read_file(x);
  qd::test::write_file(x, png.substr(0, 40));
  // Cairo's status follows: "error while reading from input stream".
  CHECK(contains(read(), x + ": Cairo cannot decode it as PNG: "));
  write_png(x, CAIRO_FORMAT_A8, 28, 28, 0);
  CHECK(read().empty());

  qd::test::ScratchDir empty("image_folder_none");
  qd::test::write_file(empty / "x.png", png);
  CHECK(contains(error_of([&] { qd::read_image_folder(empty.path().string()); }),
                 empty.path().string() + ": holds no sub-folders"));
}

TEST_CASE("image inputs: detect_image_input tells the formats apart by content") {
  qd::test::ScratchDir dir("image_detect");
  const auto kind = [&](const std::string& name) {
    return qd::detect_image_input((dir / name).string());
  };
  qd::test::write_file(dir / "digits", idx_images(2, 2, 2));
  write_gz(dir / "digits.gz", idx_images(2, 2, 2));
  qd::test::write_file(dir / "labels", idx_labels({1, 2}));
  // An MNIST labels file sized like CIFAR-10 records passes the CIFAR-10 heuristic but is not.
  qd::test::write_file(dir / "labels-3073", idx_labels(std::vector<uint8_t>(3073 - 8, 1)));
  qd::test::write_file(dir / "batch", cifar_record(1, 0) + cifar_record(9, 3));
  write_gz(dir / "batch.gz", cifar_record(1, 0) + cifar_record(9, 3));
  qd::test::write_file(dir / "not-batch", cifar_record(1, 0) + cifar_record(12, 3));
  qd::test::write_file(dir / "text", "hello");
  qd::test::write_file(dir / "empty", "");
  qd::test::write_file(dir / "bad.gz", "\x1f\x8b\x08 this is no gzip stream");

  CHECK(kind("digits") == ImageInputKind::kIdx);
  CHECK(kind("digits.gz") == ImageInputKind::kIdx);
  CHECK(kind("labels") == ImageInputKind::kUnknown);
  CHECK(kind("labels-3073") == ImageInputKind::kUnknown);
  CHECK(kind("batch") == ImageInputKind::kCifar10);
  CHECK(kind("batch.gz") == ImageInputKind::kCifar10);
  CHECK(kind("not-batch") == ImageInputKind::kUnknown);
  CHECK(kind("text") == ImageInputKind::kUnknown);
  CHECK(kind("empty") == ImageInputKind::kUnknown);
  CHECK(kind("bad.gz") == ImageInputKind::kUnknown);

  fs::create_directories(dir / "cifar");
  qd::test::write_file(dir / "cifar" / "data_batch_1.bin", cifar_record(0, 0));
  CHECK(kind("cifar") == ImageInputKind::kCifar10);
  fs::create_directories(dir / "pngs" / "one");
  write_png(dir / "pngs" / "one" / "a.png", CAIRO_FORMAT_A8, 2, 2, 0);
  CHECK(kind("pngs") == ImageInputKind::kImageFolder);
  fs::create_directories(dir / "nothing" / "sub");
  CHECK(kind("nothing") == ImageInputKind::kUnknown);

  CHECK(contains(error_of([&] { kind("absent"); }), (dir / "absent").string() + ": cannot read"));
}

TEST_CASE(
    "image inputs: read_image_input reads what it detects and says what it expects otherwise") {
  qd::test::ScratchDir dir("image_read_input");
  qd::test::write_file(dir / "train-images-idx3-ubyte", idx_images(2, 2, 2));
  qd::test::write_file(dir / "train-labels-idx1-ubyte", idx_labels({1, 0}));
  qd::test::write_file(dir / "data_batch_1.bin", cifar_record(4, 0));
  fs::create_directories(dir / "pngs" / "one");
  write_png(dir / "pngs" / "one" / "a.png", CAIRO_FORMAT_A8, 2, 2, 0);
  qd::test::write_file(dir / "text", "hello");

  CHECK(qd::read_image_input((dir / "train-images-idx3-ubyte").string()).format == "idx");
  CHECK(qd::read_image_input((dir / "data_batch_1.bin").string()).format == "cifar-10");
  CHECK(qd::read_image_input((dir / "pngs").string()).format == "image folder");

  const auto labels = (dir / "train-labels-idx1-ubyte").string();
  CHECK(contains(error_of([&] { qd::read_image_input(labels); }),
                 labels + ": is an IDX labels file (magic 0x00000801), not images"));
  const auto text = (dir / "text").string();
  const std::string e = error_of([&] { qd::read_image_input(text); });
  CHECK(contains(e, text + ": is not an image dataset qd reads"));
  CHECK(contains(e, "expected an IDX images file"));
  const auto names = (dir / "names.txt").string();
  CHECK(contains(error_of([&] { qd::read_image_input((dir / "pngs").string(), names); }),
                 names + ": an image folder's classes are named after its sub-folders"));
}

TEST_CASE(
    "image inputs: the real Fashion-MNIST files read as 60,000 and 10,000 images of ten classes") {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::is_directory(dir)) {
    MESSAGE("skipped: " << dir.string() << " is absent (Fashion-MNIST's four .gz files)");
    return;
  }
  const struct {
    const char* file;
    size_t count;
  } splits[] = {{"train-images-idx3-ubyte.gz", 60000}, {"t10k-images-idx3-ubyte.gz", 10000}};
  for (const auto& split : splits) {
    const auto path = (dir / split.file).string();
    CAPTURE(path);
    CHECK(qd::detect_image_input(path) == ImageInputKind::kIdx);
    const qd::ImageSet set = qd::read_image_input(path);
    CHECK(set.format == "idx");
    CHECK(set.size() == split.count);
    CHECK(set.side == 28);
    CHECK(set.channels == 1);
    CHECK(set.pixels.size() == split.count * 784);
    CHECK(set.class_names.size() == 10);
    std::vector<size_t> per_class(10, 0);
    size_t out_of_range = 0;
    for (const int label : set.labels) {
      if (label < 0 || label > 9) {
        ++out_of_range;
      } else {
        ++per_class[static_cast<size_t>(label)];
      }
    }
    CHECK(out_of_range == 0);
    CHECK(per_class == std::vector<size_t>(10, split.count / 10));
  }
}
