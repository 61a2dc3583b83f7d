// Dataset: every input shape it reads, labels, and a clear error for each kind of bad input.
#include "qd/data/dataset.h"

#include <fstream>

#include "data_fixtures.h"
#include "qd/data/loader.h"
#include "qd/store/npy.h"
#include "test_support.h"
#include "torch_doctest.h"  // first: LibTorch's glog must not replace doctest's CHECK

using namespace qd::train;
using qd::test::image_tag;
using qd::test::ScratchDir;
using qd::test::write_category_dir;
using qd::test::write_tagged_npy;
using qd::test::fs::path;

namespace {

// The message of the DatasetError that opening `inputs` throws ("" if it opens).
std::string error_of(const std::vector<std::string>& inputs, const DatasetOptions& options = {}) {
  try {
    Dataset::open(inputs, options);
  } catch (const DatasetError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<uint32_t> tags(const Dataset& d) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < d.size(); ++i) out.push_back(image_tag(d.image(i)));
  return out;
}

void overwrite_byte(const path& file, std::streamoff offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(offset);
  f.put('\x7f');
}

}  // namespace

TEST_CASE("dataset: .npy files of each shape Google and qd_prepare use") {
  ScratchDir dir("dataset_npy_shapes");
  write_tagged_npy(dir / "flat.npy", 0, 5, {784});     // Google's [N,784]
  write_tagged_npy(dir / "chan.npy", 5, 4, {1, 784});  // Google's [N,1,784]
  write_tagged_npy(dir / "square.npy", 9, 3, {28, 28});
  const Dataset d = Dataset::open(
      {(dir / "flat.npy").string(), (dir / "chan.npy").string(), (dir / "square.npy").string()});
  CHECK(d.size() == 12);
  CHECK(d.side() == 28);
  CHECK(d.categories() == std::vector<std::string>{"flat", "chan", "square"});
  std::vector<uint32_t> expected(12);
  for (uint32_t i = 0; i < 12; ++i) expected[i] = i;
  CHECK(tags(d) == expected);
  CHECK(d.label(4) == 0);
  CHECK(d.label(5) == 1);
  CHECK(d.label(11) == 2);
  REQUIRE(d.sources().size() == 3);
  CHECK(d.sources()[1].images == 4);
  CHECK(d.sources()[1].category == "chan");
  CHECK(d.sources()[1].manifest_json.empty());

  write_tagged_npy(dir / "big.npy", 0, 2, {64, 64});
  CHECK(Dataset::open({(dir / "big.npy").string()}).side() == 64);
}

TEST_CASE("dataset: Google's numpy_bitmap files, byte for byte") {
  QD_REQUIRE_SHARED(shared);
  const path cat = shared / "numpy_bitmap" / "cat.npy";
  const Dataset d = Dataset::open({cat.string()});
  const qd::MappedNpy npy(cat.string());
  CHECK(d.size() == npy.rows());
  CHECK(d.side() == 28);
  CHECK(d.categories() == std::vector<std::string>{"cat"});
  CHECK(std::equal(d.image(d.size() - 1), d.image(d.size() - 1) + 784, npy.row(npy.rows() - 1)));
}

TEST_CASE("dataset: a qd_prepare directory, by split") {
  ScratchDir dir("dataset_shard_dir");
  write_category_dir(dir / "cat", "cat", 28, {5, 3}, {2}, 100);
  const Dataset train = Dataset::open({(dir / "cat").string()});
  CHECK(train.size() == 8);
  CHECK(tags(train) == std::vector<uint32_t>{100, 101, 102, 103, 104, 105, 106, 107});
  CHECK(train.categories() == std::vector<std::string>{"cat"});
  REQUIRE(train.sources().size() == 1);
  CHECK(contains(train.sources()[0].manifest_json, "\"category\": \"cat\""));
  CHECK(train.sources()[0].images == 8);

  DatasetOptions val;
  val.split = qd::SplitSelection::kVal;
  CHECK(tags(Dataset::open({(dir / "cat").string()}, val)) == std::vector<uint32_t>{108, 109});
  DatasetOptions all;
  all.split = qd::SplitSelection::kAll;
  CHECK(Dataset::open({(dir / "cat").string()}, all).size() == 10);
}

TEST_CASE("dataset: a parent of several categories labels them in name order") {
  ScratchDir dir("dataset_parent");
  // Created in the opposite order to their names: labels must not follow creation order.
  write_category_dir(dir / "fish", "fish", 28, {3}, {1}, 0);
  write_category_dir(dir / "cat", "cat", 28, {2}, {1}, 10);
  const Dataset d = Dataset::open({dir.path().string()});
  CHECK(d.categories() == std::vector<std::string>{"cat", "fish"});
  CHECK(tags(d) == std::vector<uint32_t>{10, 11, 0, 1, 2});
  CHECK(d.label(1) == 0);
  CHECK(d.label(2) == 1);

  // Inputs of one category share its label; labels follow first appearance.
  write_tagged_npy(dir / "cat.npy", 50, 2, {784});
  const Dataset mixed =
      Dataset::open({(dir / "fish").string(), (dir / "cat.npy").string(), (dir / "cat").string()});
  CHECK(mixed.categories() == std::vector<std::string>{"fish", "cat"});
  CHECK(mixed.label(3) == 1);
  CHECK(mixed.label(mixed.size() - 1) == 1);
}

TEST_CASE("dataset: bad inputs are errors naming the file") {
  ScratchDir dir("dataset_errors");
  const auto cat_dir = [&](const std::string& name) {
    write_category_dir(dir / name, "cat", 28, {4, 4}, {2}, 0);
    return (dir / name).string();
  };

  SUBCASE("a shard whose bytes changed") {
    const std::string d = cat_dir("crc");
    overwrite_byte(dir / "crc" / "train-00001.npy", 200);
    const std::string e = error_of({d});
    CHECK(contains(e, "train-00001.npy"));
    CHECK(contains(e, "CRC-32"));
    DatasetOptions no_crc;
    no_crc.verify_crc = false;
    CHECK(error_of({d}, no_crc).empty());
  }
  SUBCASE("a missing shard") {
    const std::string d = cat_dir("missing");
    qd::test::fs::remove(dir / "missing" / "train-00000.npy");
    const std::string e = error_of({d});
    CHECK(contains(e, "train-00000.npy: missing"));
  }
  SUBCASE("shards of another side than the manifest's") {
    qd::Manifest m = write_category_dir(dir / "side", "cat", 32, {3}, {1}, 0);
    m.settings.size = 28;
    qd::write_file_atomically((dir / "side" / "manifest.json").string(), qd::to_json(m));
    const std::string e = error_of({(dir / "side").string()});
    CHECK(contains(e, "train-00000.npy: images are not 28x28"));
  }
  SUBCASE("a manifest whose counts disagree with its shards") {
    qd::Manifest m = write_category_dir(dir / "counts", "cat", 28, {3}, {1}, 0);
    m.counts.train = 4;
    m.shards[0].count = 4;
    qd::write_file_atomically((dir / "counts" / "manifest.json").string(), qd::to_json(m));
    const std::string e = error_of({(dir / "counts").string()});
    CHECK(contains(e, "train-00000.npy: holds 3 images"));
  }
  SUBCASE("an unknown manifest version") {
    qd::Manifest m = write_category_dir(dir / "version", "cat", 28, {3}, {1}, 0);
    m.format_version = 2;
    qd::write_file_atomically((dir / "version" / "manifest.json").string(), qd::to_json(m));
    const std::string e = error_of({(dir / "version").string()});
    CHECK(contains(e, "manifest.json"));
    CHECK(contains(e, "format_version 2"));
  }
  SUBCASE("a manifest that is not JSON") {
    const std::string d = cat_dir("json");
    qd::write_file_atomically((dir / "json" / "manifest.json").string(), "{\"format_version\": ");
    CHECK(contains(error_of({d}), "json/manifest.json"));
  }
  SUBCASE("an .npy that is not uint8") {
    write_tagged_npy(dir / "float.npy", 0, 3, {196}, "<f4");
    const std::string e = error_of({(dir / "float.npy").string()});
    CHECK(contains(e, "float.npy: dtype <f4"));
  }
  SUBCASE("an .npy whose rows are not square images") {
    write_tagged_npy(dir / "odd.npy", 0, 3, {28, 27});
    CHECK(contains(error_of({(dir / "odd.npy").string()}), "odd.npy: shape [3,28,27]"));
  }
  SUBCASE("a file that is not .npy at all") {
    qd::write_file_atomically((dir / "notes.npy").string(), "hello");
    CHECK(contains(error_of({(dir / "notes.npy").string()}), "notes.npy"));
  }
  SUBCASE("inputs of different sizes") {
    write_tagged_npy(dir / "a28.npy", 0, 3, {784});
    write_tagged_npy(dir / "b64.npy", 0, 3, {64, 64});
    const std::string e = error_of({(dir / "a28.npy").string(), (dir / "b64.npy").string()});
    CHECK(contains(e, "b64.npy: images are 64x64 grey but"));
    CHECK(contains(e, "a28.npy has 28x28 grey"));
  }
  SUBCASE("paths that hold nothing usable") {
    CHECK(contains(error_of({(dir / "nowhere").string()}), "nowhere: no such file"));
    qd::test::fs::create_directories(dir / "empty");
    CHECK(contains(error_of({(dir / "empty").string()}), "empty: no manifest.json"));
    CHECK(contains(error_of({}), "no inputs"));
  }
  SUBCASE("a split with no images") {
    write_category_dir(dir / "noval", "cat", 28, {3}, {0}, 0);
    DatasetOptions val;
    val.split = qd::SplitSelection::kVal;
    CHECK(contains(error_of({(dir / "noval").string()}, val), "no images in split val"));
  }
}

TEST_CASE("dataset: RGB .npy [N,S,S,3] keeps HWC bytes, the loader hands the networks CHW") {
  ScratchDir dir("dataset_rgb_npy");
  {
    // Image i, pixel p: (i, p % 256, 200) in R, G, B.
    qd::NpyWriter writer((dir / "rgb.npy").string(), "|u1", {4, 4, 3});
    for (uint8_t i = 0; i < 6; ++i) {
      std::vector<uint8_t> image;
      for (int p = 0; p < 16; ++p) image.insert(image.end(), {i, static_cast<uint8_t>(p), 200});
      writer.append(image.data(), 1);
    }
    writer.commit();
  }
  const Dataset d = Dataset::open({(dir / "rgb.npy").string()});
  CHECK(d.size() == 6);
  CHECK(d.shape() == ImageShape{4, 3});
  CHECK(d.image_bytes() == 48);
  CHECK(d.image(5)[0] == 5);
  CHECK(d.image(5)[3 * 7 + 1] == 7);  // pixel 7's green

  LoaderOptions o;
  o.batch_size = 6;
  o.workers = 1;
  PrefetchLoader loader(d, o);
  loader.start_epoch(0);
  const auto batch = loader.next();
  REQUIRE(batch.has_value());
  REQUIRE(batch->images.sizes() == torch::IntArrayRef({6, 3, 4, 4}));
  for (int64_t j = 0; j < 6; ++j) {
    const int64_t id = batch->images[j][0][0][0].item<int64_t>();  // red plane: the image's id
    CHECK(batch->images[j][0].eq(id).all().item<bool>());
    CHECK(batch->images[j][1].flatten().equal(torch::arange(16).to(torch::kUInt8)));
    CHECK(batch->images[j][2].eq(200).all().item<bool>());
  }
}

TEST_CASE("dataset: inputs of one size but other channels are refused, naming both") {
  ScratchDir dir("dataset_mixed_channels");
  write_tagged_npy(dir / "grey.npy", 0, 3, {8, 8});
  write_tagged_npy(dir / "rgb.npy", 0, 3, {8, 8, 3});
  const std::string error = error_of({(dir / "grey.npy").string(), (dir / "rgb.npy").string()});
  CHECK(contains(error, "rgb.npy: images are 8x8 RGB but"));
  CHECK(contains(error, "grey.npy has 8x8 grey"));
  write_tagged_npy(dir / "four.npy", 0, 3, {8, 8, 4});
  CHECK(contains(error_of({(dir / "four.npy").string()}), "[N,side,side,3]"));
}

TEST_CASE("dataset: --classes and --class-names need inputs with classes of their own") {
  ScratchDir dir("dataset_classes_shards");
  write_tagged_npy(dir / "cat.npy", 0, 3, {784});
  DatasetOptions classes;
  classes.classes = "0,1";
  CHECK(contains(error_of({(dir / "cat.npy").string()}, classes),
                 "--classes 0,1: only IDX, CIFAR-10 and image-folder inputs"));
  DatasetOptions names;
  names.class_names = "names.txt";
  CHECK(contains(error_of({(dir / "cat.npy").string()}, names), "--class-names names.txt"));
  std::ofstream((dir / "notes.txt").string()) << "not images\n";
  CHECK(contains(error_of({(dir / "notes.txt").string()}),
                 "notes.txt: is not an image dataset qd reads"));
}

TEST_CASE("dataset: Fashion-MNIST's IDX files, classes chosen and named, shown as light") {
  const path root("/usr/share/datasets/fashion-mnist");
  if (!qd::test::fs::exists(root / "t10k-images-idx3-ubyte.gz")) {
    MESSAGE(
        "skipped: Fashion-MNIST is absent (apt-get install dataset-fashion-mnist, as "
        "scripts/setup.sh does)");
    return;
  }
  ScratchDir dir("dataset_fashion");
  std::ofstream(dir / "names.txt") << "T-shirt/top\nTrouser\nPullover\nDress\nCoat\nSandal\nShirt\n"
                                      "Sneaker\nBag\nAnkle boot\n";
  DatasetOptions o;
  o.classes = "9,Trouser";
  o.class_names = (dir / "names.txt").string();
  const Dataset d = Dataset::open({(root / "t10k-images-idx3-ubyte.gz").string()}, o);
  CHECK(d.size() == 2000);  // 1,000 of each class in the test set
  CHECK(d.shape() == ImageShape{28, 1});
  CHECK_FALSE(d.ink());
  CHECK(d.categories() == std::vector<std::string>{"Ankle boot", "Trouser"});
  REQUIRE(d.sources().size() == 2);
  CHECK(d.sources()[0].format == "idx");
  CHECK(d.sources()[0].images == 1000);
  CHECK(d.label(0) == 0);
  CHECK(d.label(1999) == 1);
  DatasetOptions unknown;
  unknown.classes = "12";
  CHECK(contains(error_of({(root / "t10k-images-idx3-ubyte.gz").string()}, unknown),
                 "--classes 12: " + (root / "t10k-images-idx3-ubyte.gz").string() +
                     " has the classes 0, 1, 2"));
}
