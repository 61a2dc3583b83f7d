// The real qd_train and qd_sample on other projects' formats: CIFAR-10 binary files and folders
// of PNGs made here, Fashion-MNIST's IDX files when Debian's package is installed; colour runs
// resumed; bad inputs refused before training.
#include <cairo.h>
#include <gif_lib.h>
#include <zlib.h>

#include <array>
#include <cstring>
#include <fstream>

#include "qd/run/run_directory.h"
#include "test_support.h"
#include "torch_doctest.h"  // first: LibTorch's glog must not replace doctest's CHECK
#include "train_e2e_support.h"

using namespace qd::test::train_e2e;

namespace {

const path kFashion("/usr/share/datasets/fashion-mnist");

// `image` (HWC bytes, RGB or grey) as a PNG file written by Cairo.
void write_png(const path& file, const std::vector<uint8_t>& image, int side, int channels) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side);
  cairo_surface_flush(s);
  uint8_t* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < side; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < side; ++x) {
      const uint8_t* p = image.data() + (static_cast<size_t>(y) * side + x) * channels;
      const uint32_t r = p[0], g = p[channels == 3 ? 1 : 0], b = p[channels == 3 ? 2 : 0];
      row[x] = (r << 16) | (g << 8) | b;
    }
  }
  cairo_surface_mark_dirty(s);
  REQUIRE(cairo_surface_write_to_png(s, file.c_str()) == CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(s);
}

// An ImageFolder: red/ and blue/ with `per_class` 32x32 PNGs each.
void write_png_folder(const path& dir, int per_class) {
  for (int c = 0; c < 2; ++c) {
    const path sub = dir / (c == 0 ? "red" : "blue");
    fs::create_directories(sub);
    for (int i = 0; i < per_class; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "%03d.png", i);
      write_png(sub / name, square_image(c, i, 32), 32, 3);
    }
  }
}

// Whether a PNG has a pixel whose red, green and blue differ (Cairo reads any PNG as RGB).
bool png_has_colour(const path& file) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(file.c_str());
  REQUIRE(cairo_surface_status(s) == CAIRO_STATUS_SUCCESS);
  cairo_surface_flush(s);
  const uint8_t* data = cairo_image_surface_get_data(s);
  bool colour = false;
  for (int y = 0; y < cairo_image_surface_get_height(s) && !colour; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(
        data + static_cast<size_t>(y) * cairo_image_surface_get_stride(s));
    for (int x = 0; x < cairo_image_surface_get_width(s); ++x) {
      const uint32_t r = (row[x] >> 16) & 0xff, g = (row[x] >> 8) & 0xff, b = row[x] & 0xff;
      if (r != g || g != b) colour = true;
    }
  }
  cairo_surface_destroy(s);
  return colour;
}

// Whether every frame of a GIF has its own palette holding a colour that is not grey.
bool gif_frames_in_colour(const path& file) {
  int error = 0;
  GifFileType* gif = DGifOpenFileName(file.c_str(), &error);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  bool colour = gif->ImageCount > 0;
  for (int f = 0; f < gif->ImageCount; ++f) {
    const ColorMapObject* map = gif->SavedImages[f].ImageDesc.ColorMap;
    bool found = false;
    for (int i = 0; map != nullptr && i < map->ColorCount; ++i) {
      const GifColorType c = map->Colors[i];
      found = found || c.Red != c.Green || c.Green != c.Blue;
    }
    colour = colour && found;
  }
  DGifCloseFile(gif, &error);
  return colour;
}

// A big-endian 32-bit number, as IDX headers hold them.
void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// An IDX images file of `count` side x side images and a labels file of `labels` labels.
void write_idx(const path& dir, uint32_t count, uint32_t labels, int side) {
  std::string images;
  put_u32(images, 0x803);
  put_u32(images, count);
  put_u32(images, static_cast<uint32_t>(side));
  put_u32(images, static_cast<uint32_t>(side));
  images.append(static_cast<size_t>(count) * side * side, '\x40');
  std::ofstream(dir / "train-images-idx3-ubyte", std::ios::binary) << images;
  std::string label_bytes;
  put_u32(label_bytes, 0x801);
  put_u32(label_bytes, labels);
  for (uint32_t i = 0; i < labels; ++i) label_bytes.push_back(static_cast<char>(i % 2));
  std::ofstream(dir / "train-labels-idx1-ubyte", std::ios::binary) << label_bytes;
}

}  // namespace

TEST_CASE(
    "CIFAR-10 binary: a colour run named from batches.meta.txt, colour pictures and samples") {
  qd::test::ScratchDir dir("train_cifar");
  write_cifar(dir / "cifar-10-batches-bin", 64);
  const auto r = run_command(qd_train("--shards " + quoted(dir / "cifar-10-batches-bin") + kQuick +
                                      "--conditional --epochs 2 --out " + quoted(dir / "run")));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto saved = qd::train::read_run_config((dir / "run").string());
  CHECK(saved.image == qd::train::ImageShape{32, 3});
  CHECK(saved.categories == std::vector<std::string>{"airplane", "automobile"});
  CHECK(saved.images == 128);
  CHECK(png_has_colour(dir / "run" / "samples" / "real.png"));
  CHECK(png_has_colour(dir / "run" / "samples" / "epoch-0002.png"));
  CHECK(gif_frames_in_colour(dir / "run" / "progress.gif"));

  const auto sample = run_command(
      qd_sample("--run " + quoted(dir / "run") + " --count 6 --category automobile --npy " +
                quoted(dir / "s.npy") + " --grid " + quoted(dir / "s.png")));
  REQUIRE_MESSAGE(sample.exit_code == 0, sample.output);
  CHECK(numpy_says(dir / "s.npy", "a.shape, a.dtype") == "(6, 32, 32, 3) uint8");
  CHECK(png_has_colour(dir / "s.png"));

  if (const auto shared = qd::test::shared_quickdraw()) {
    const auto judged = run_command(
        qd_train("--shards " + quoted(dir / "cifar-10-batches-bin") + kQuick + "--classifier " +
                 quoted(*shared / "models" / "doodlenet") + " --out " + quoted(dir / "judged")));
    CHECK(judged.exit_code == 2);
    CHECK_MESSAGE(judged.output.find("--classifier: it reads 28x28 grey images, the data is 32x32 "
                                     "RGB") != std::string::npos,
                  judged.output);
  }

  // Its samples read back as a colour input: [N, 32, 32, 3] is one of the shapes qd_train takes.
  const auto again =
      run_command(qd_train("--summary --arch small --shards " + quoted(dir / "s.npy")));
  REQUIRE_MESSAGE(again.exit_code == 0, again.output);
  CHECK(again.output.find("(None, 3, 32, 32)") != std::string::npos);
}

TEST_CASE("a folder of RGB PNGs: 2 epochs straight = 1 + --resume + 1, other-shaped data refused") {
  qd::test::ScratchDir dir("train_png_folder");
  write_png_folder(dir / "pngs", 48);
  train_straight_and_resumed("--shards " + quoted(dir / "pngs") + kQuick + "--seed 3 --out ",
                             dir.path());
  auto a = final_state(dir / "straight");
  auto b = final_state(dir / "halves");
  CHECK(a.steps_done() == 6);
  CHECK(b.steps_done() == 6);
  CHECK(same_tensors(*a.generator(), *b.generator()));
  CHECK(same_tensors(*a.discriminator(), *b.discriminator()));
  CHECK(losses_of(dir / "straight" / "metrics.csv") == losses_of(dir / "halves" / "metrics.csv"));
  const auto saved = qd::train::read_run_config((dir / "halves").string());
  CHECK(saved.categories == std::vector<std::string>{"blue", "red"});  // sub-folders in name order
  CHECK(png_has_colour(dir / "halves" / "samples" / "epoch-0002.png"));

  // The same folders in grey: as many images, the same categories, another shape.
  for (const char* c : {"red", "blue"}) {
    fs::create_directories(dir / "grey" / c);
    for (int i = 0; i < 48; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "%03d.png", i);
      const auto rgb = square_image(c[0] == 'r' ? 0 : 1, i, 32);
      std::vector<uint8_t> grey(32 * 32);
      for (size_t p = 0; p < grey.size(); ++p) grey[p] = rgb[p * 3];
      // Cairo writes an A8 surface as an 8-bit grey PNG (colour type 0).
      cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_A8, 32, 32);
      cairo_surface_flush(s);
      for (int y = 0; y < 32; ++y) {
        std::memcpy(cairo_image_surface_get_data(s) + y * cairo_image_surface_get_stride(s),
                    grey.data() + y * 32, 32);
      }
      cairo_surface_mark_dirty(s);
      REQUIRE(cairo_surface_write_to_png(s, (dir / "grey" / c / name).c_str()) ==
              CAIRO_STATUS_SUCCESS);
      cairo_surface_destroy(s);
    }
  }
  const auto other = run_command(qd_train("--resume --epochs 3 --shards " + quoted(dir / "grey") +
                                          " --out " + quoted(dir / "halves")));
  CHECK(other.exit_code == 1);
  CHECK_MESSAGE(other.output.find("was trained on 32x32 RGB images") != std::string::npos,
                other.output);
}

TEST_CASE(
    "bad IDX, CIFAR-10 and image-folder inputs are refused before training, naming the file") {
  qd::test::ScratchDir dir("train_bad_image_inputs");
  const auto refused = [&](const path& input, const std::string& expected,
                           const std::string& extra = "") {
    const auto r = run_command(
        qd_train("--shards " + quoted(input) + kQuick + extra + " --out " + quoted(dir / "run")));
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.output.find(expected) != std::string::npos, r.output);
    CHECK_FALSE(fs::exists(dir / "run"));
  };

  fs::create_directories(dir / "idx");
  write_idx(dir / "idx", 40, 39, 28);  // one label short
  refused(dir / "idx" / "train-images-idx3-ubyte", "train-labels-idx1-ubyte");

  fs::create_directories(dir / "magic");
  write_idx(dir / "magic", 40, 40, 28);
  {  // magic 0x00000804: not an IDX images file of bytes in three dimensions
    std::fstream f(dir / "magic" / "train-images-idx3-ubyte",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3);
    f.put('\x04');
  }
  refused(dir / "magic" / "train-images-idx3-ubyte",
          "train-images-idx3-ubyte: is not an image dataset qd reads: expected an IDX images file");

  fs::create_directories(dir / "cut");
  write_idx(dir / "cut", 40, 40, 28);
  {  // the images file gzipped and cut short
    const std::string bytes = qd::test::read_file(dir / "cut" / "train-images-idx3-ubyte");
    gzFile gz = gzopen((dir / "cut" / "train-images-idx3-ubyte.gz").c_str(), "wb");
    REQUIRE(gz != nullptr);
    gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(gz);
    const std::string packed = qd::test::read_file(dir / "cut" / "train-images-idx3-ubyte.gz");
    std::ofstream(dir / "cut" / "train-images-idx3-ubyte.gz", std::ios::binary)
        << packed.substr(0, packed.size() / 2);
    fs::remove(dir / "cut" / "train-images-idx3-ubyte");
  }
  refused(dir / "cut" / "train-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz");

  fs::create_directories(dir / "nolabels");
  write_idx(dir / "nolabels", 40, 40, 28);
  fs::remove(dir / "nolabels" / "train-labels-idx1-ubyte");
  refused(dir / "nolabels" / "train-images-idx3-ubyte", "train-labels-idx1-ubyte");

  write_png_folder(dir / "mixed", 4);
  write_png(dir / "mixed" / "red" / "999.png", std::vector<uint8_t>(28 * 28 * 3, 9), 28, 3);
  refused(dir / "mixed", "999.png");

  write_cifar(dir / "cifar", 40);
  refused(dir / "cifar", "--classes 11", " --classes 11");
  refused(dir / "cifar" / "batches.meta.txt", "batches.meta.txt: is not an image dataset qd reads");

  // Colour and grey inputs of one size together.
  {
    qd::NpyWriter grey((dir / "grey.npy").string(), "|u1", {32, 32});
    std::vector<uint8_t> blank(32 * 32 * 40);
    grey.append(blank.data(), 40);
    grey.commit();
  }
  const auto mixed =
      run_command(qd_train("--shards " + quoted(dir / "cifar") + "," + quoted(dir / "grey.npy") +
                           kQuick + "--out " + quoted(dir / "run")));
  CHECK(mixed.exit_code == 1);
  CHECK_MESSAGE(mixed.output.find("grey.npy: images are 32x32 grey but") != std::string::npos,
                mixed.output);
}

TEST_CASE("Fashion-MNIST's IDX files: a conditional run of chosen, named classes") {
  if (!fs::exists(kFashion / "t10k-images-idx3-ubyte.gz")) {
    MESSAGE(
        "skipped: Fashion-MNIST is absent (apt-get install dataset-fashion-mnist, as "
        "scripts/setup.sh does)");
    return;
  }
  qd::test::ScratchDir dir("train_fashion");
  std::ofstream(dir / "names.txt") << "T-shirt/top\nTrouser\nPullover\nDress\nCoat\nSandal\nShirt\n"
                                      "Sneaker\nBag\nAnkle boot\n";
  const auto r =
      run_command(qd_train("--shards " + quoted(kFashion / "t10k-images-idx3-ubyte.gz") + kQuick +
                           "--conditional --classes Trouser,8 --class-names " +
                           quoted(dir / "names.txt") + " --epochs 1 --out " + quoted(dir / "run")));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto saved = qd::train::read_run_config((dir / "run").string());
  CHECK(saved.categories == std::vector<std::string>{"Trouser", "Bag"});
  CHECK(saved.images == 2000);
  CHECK(saved.image == qd::train::ImageShape{28, 1});
  CHECK_FALSE(saved.ink);
  CHECK(saved.options.classes == "Trouser,8");
  CHECK(is_png(dir / "run" / "samples" / "epoch-0001.png"));
  // doodleNet reads Quick, Draw! bitmaps (255 = ink): a light 28x28 grey run is not for it.
  if (const auto shared = qd::test::shared_quickdraw()) {
    const auto score = run_command(qd_score("--run " + quoted(dir / "run") + " --classifier " +
                                            quoted(*shared / "models" / "doodlenet")));
    CHECK(score.exit_code == 2);
    CHECK_MESSAGE(score.output.find("it reads Quick, Draw! bitmaps") != std::string::npos,
                  score.output);
  }
  // The same command with --resume and the options it began with continues (here: is complete).
  const auto resumed = run_command(
      qd_train("--shards " + quoted(kFashion / "t10k-images-idx3-ubyte.gz") + kQuick +
               "--conditional --classes Trouser,8 --class-names " + quoted(dir / "names.txt") +
               " --epochs 1 --resume --out " + quoted(dir / "run")));
  CHECK_MESSAGE(resumed.exit_code == 0, resumed.output);
}
