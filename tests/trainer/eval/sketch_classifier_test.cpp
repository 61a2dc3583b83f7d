// The classifier behind qd_score: a TensorFlow.js layers model read and run as Keras runs it.
#include "qd/eval/sketch_classifier.h"

#include <fstream>

#include "qd/eval/distribution_metrics.h"
#include "qd/store/npy.h"
#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;
using qd::test::fs::path;

namespace {

void write(const path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string floats(const std::vector<float>& values) {
  return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)};
}

// A 2x2 model: Conv2D 1x1 into the channels (x, -x), Flatten (channels last: x00, -x00, x01,
// -x01, ...), Dense picking -x00 as class "first" and x01 as class "second", softmax.
void write_tiny_model(const path& dir, const std::string& layer_kind = "Dense",
                      size_t weight_bytes_cut = 0, const std::string& names = "first\nsecond\n") {
  write(dir / "model.json", R"({"format": "layers-model", "modelTopology": {"model_config": {
    "class_name": "Sequential", "config": {"layers": [
      {"class_name": "Conv2D", "config": {"name": "conv", "filters": 2, "kernel_size": [1, 1],
        "strides": [1, 1], "padding": "same", "activation": "linear",
        "batch_input_shape": [null, 2, 2, 1]}},
      {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.5}},
      {"class_name": "Flatten", "config": {"name": "flat"}},
      {"class_name": ")" + layer_kind +
                                R"(", "config": {"name": "out", "units": 2,
        "activation": "softmax"}}]}}},
    "weightsManifest": [{"paths": ["weights.bin"], "weights": [
      {"name": "conv/kernel", "shape": [1, 1, 1, 2], "dtype": "float32"},
      {"name": "conv/bias", "shape": [2], "dtype": "float32"},
      {"name": "out/kernel", "shape": [8, 2], "dtype": "float32"},
      {"name": "out/bias", "shape": [2], "dtype": "float32"}]}]})");
  std::vector<float> dense(16, 0.0F);
  dense[1 * 2 + 0] = 1.0F;  // element 1 (-x00) -> class 0
  dense[2 * 2 + 1] = 1.0F;  // element 2 (x01) -> class 1
  std::string bytes =
      floats({1.0F, -1.0F}) + floats({0.0F, 0.0F}) + floats(dense) + floats({0.0F, 0.0F});
  write(dir / "weights.bin", bytes.substr(0, bytes.size() - weight_bytes_cut));
  write(dir / "class_names.txt", names);
}

}  // namespace

TEST_CASE("a tiny hand-made model: Keras's layer order, channels-last flattening, softmax") {
  qd::test::ScratchDir dir("sketch_classifier_tiny");
  write_tiny_model(dir.path());
  const SketchClassifier c(dir.path().string());
  CHECK(c.side() == 2);
  CHECK(c.class_names() == std::vector<std::string>{"first", "second"});
  // x00 = 1, x01 = 0: logits (-1, 0).
  const auto image = torch::tensor({255, 0, 0, 0}, torch::kUInt8).view({1, 2, 2});
  const auto p = c.probabilities(image);
  const double expected = std::exp(-1.0) / (std::exp(-1.0) + 1.0);
  CHECK(p[0][0].item<double>() == doctest::Approx(expected).epsilon(1e-6));
  // x00 = 0, x01 = 1: logits (0, 1).
  const auto other = torch::tensor({0, 255, 0, 0}, torch::kUInt8).view({1, 2, 2});
  CHECK(c.probabilities(other)[0][1].item<double>() ==
        doctest::Approx(std::exp(1.0) / (1.0 + std::exp(1.0))).epsilon(1e-6));
  CHECK_THROWS_WITH(c.probabilities(torch::zeros({1, 3, 3}, torch::kUInt8)),
                    doctest::Contains("2x2"));
}

TEST_CASE("what the classifier cannot read is an error naming the file and the layer") {
  qd::test::ScratchDir dir("sketch_classifier_bad");
  write_tiny_model(dir.path(), "LSTM");
  CHECK_THROWS_WITH(SketchClassifier(dir.path().string()),
                    doctest::Contains("layer out (LSTM): this layer type is not supported"));
  write_tiny_model(dir.path(), "Dense", 4);
  CHECK_THROWS_WITH(SketchClassifier(dir.path().string()),
                    doctest::Contains("the weight files end inside out/bias"));
  write_tiny_model(dir.path(), "Dense", 0, "first\n");
  CHECK_THROWS_WITH(SketchClassifier(dir.path().string()),
                    doctest::Contains("1 names, but the model's last layer has 2 outputs"));
  CHECK_THROWS_WITH(SketchClassifier((dir / "absent").string()),
                    doctest::Contains("absent/model.json"));
  // A description that disagrees with the weights is refused, not run.
  for (const auto& [from, to, says] :
       {std::tuple{"\"units\": 2", "\"units\": 3", "layer out (Dense): declares units 3"},
        std::tuple{"\"filters\": 2", "\"filters\": 4",
                   "layer conv (Conv2D): declares filters 4"}}) {
    write_tiny_model(dir.path());
    std::string json = qd::test::read_file(dir / "model.json");
    json.replace(json.find(from), std::string(from).size(), to);
    write(dir / "model.json", json);
    CHECK_THROWS_WITH(SketchClassifier(dir.path().string()), doctest::Contains(says));
  }
}

TEST_CASE("doodleNet recognises most of Google's own cats and knows names with spaces") {
  QD_REQUIRE_SHARED(shared);
  const SketchClassifier c((shared / "models" / "doodlenet").string());
  REQUIRE(c.class_names().size() == 345);
  CHECK(c.class_index("The Eiffel Tower") >= 0);
  CHECK(c.class_index("The Eiffel Tower") == c.class_index("The_Eiffel_Tower"));
  CHECK(c.class_index("unicorn-pony") == -1);
  const qd::MappedNpy npy((shared / "numpy_bitmap" / "cat.npy").string());
  const auto cats =
      torch::from_blob(const_cast<uint8_t*>(npy.data()), {500, 28, 28}, torch::kUInt8).clone();
  const Recognition r = recognition(c, cats, c.class_index("cat"));
  MESSAGE("doodleNet on the first 500 real cats: top-1 " << r.top1 << ", top-5 " << r.top5);
  CHECK(r.top1 > 0.7);
  CHECK(r.top5 > r.top1);
  CHECK(r.among == r.top1);  // no candidates: all classes
  // Cat or apple? An easier question than cat or any of 344 others.
  const Recognition two =
      recognition(c, cats, c.class_index("cat"), {c.class_index("apple"), c.class_index("cat")});
  MESSAGE("among cat and apple: " << two.among);
  CHECK(two.among > r.top1);
  CHECK(two.among > 0.95);
  CHECK(two.top1 == r.top1);
  // Blank pages are not cats.
  CHECK(recognition(c, torch::zeros({8, 28, 28}, torch::kUInt8), c.class_index("cat")).top1 == 0);
}

TEST_CASE("in doodleNet's features, two halves of Google's cats are close, cats and fish far") {
  QD_REQUIRE_SHARED(shared);
  const SketchClassifier c((shared / "models" / "doodlenet").string());
  CHECK(c.feature_size() == 512);
  const auto images = [&](const char* category) {
    const qd::MappedNpy npy((shared / "numpy_bitmap" / (std::string(category) + ".npy")).string());
    return torch::from_blob(const_cast<uint8_t*>(npy.data()), {1000, 28, 28}, torch::kUInt8)
        .clone();
  };
  const torch::Tensor cats = c.features(images("cat"));
  const torch::Tensor fish = c.features(images("fish"));
  CHECK(cats.sizes() == torch::IntArrayRef({1000, 512}));
  CHECK(cats.dtype() == torch::kDouble);
  const torch::Tensor a = cats.narrow(0, 0, 500);
  const torch::Tensor b = cats.narrow(0, 500, 500);
  const double halves = frechet_distance(a, b);
  const double cat_fish = frechet_distance(a, fish.narrow(0, 0, 500));
  MESSAGE("FID: cats' halves " << halves << ", cats against fish " << cat_fish);
  CHECK(cat_fish > 4 * halves);
  CHECK(kernel_distance(a, fish.narrow(0, 0, 500)).mean > 10 * kernel_distance(a, b).mean);
  // The same images give the same figures; one side's statistics computed once give them too.
  CHECK(frechet_distance(a, b) == halves);
  CHECK(frechet_distance(gaussian_stats(a), b) == halves);
  // classify(): features and probabilities in one pass, as the two calls give them.
  const torch::Tensor few = images("cat").narrow(0, 0, 64);
  const SketchClassifier::Outputs both = c.classify(few);
  CHECK(torch::equal(both.features, c.features(few)));
  CHECK(torch::allclose(both.probabilities, c.probabilities(few), 1e-6, 1e-7));
}

TEST_CASE(
    "a model whose layers do not fit together, or whose paths leave its directory, is refused") {
  // sketch_classifier_fuzzer's findings: each loaded, then failed on its first batch (or read a
  // file outside the model's directory).
  qd::test::ScratchDir dir("sketch_classifier_shapes");
  const auto refused = [&](const std::string& from, const std::string& to) {
    write_tiny_model(dir.path());
    std::ifstream in(dir / "model.json");
    std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(json.find(from) != std::string::npos);
    json.replace(json.find(from), from.size(), to);
    write(dir / "model.json", json);
    try {
      SketchClassifier c(dir.path().string());
      return std::string("accepted");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
  };
  // Dense takes 8 inputs (2x2 pixels, 2 channels): 1x1 images give it 2.
  CHECK(refused(R"([null, 2, 2, 1])", R"([null, 1, 1, 1])")
            .find("layer out: takes 8 inputs but gets 2") != std::string::npos);
  CHECK(refused(R"("strides": [1, 1])", R"("strides": [0, 1])")
            .find("strides is not two positive whole numbers") != std::string::npos);
  CHECK(refused(R"("kernel_size": [1, 1])", R"("kernel_size": [1])")
            .find("kernel_size is not two positive whole numbers") != std::string::npos);
  CHECK(refused(R"("shape": [1, 1, 1, 2])", R"("shape": [1, 1, -1, -2])")
            .find("shape is not sizes the weight files can hold") != std::string::npos);
  CHECK(refused(R"(["weights.bin"])", R"(["../weights.bin"])")
            .find("is not a plain file name beside model.json") != std::string::npos);
  CHECK(refused(R"("activation": "linear")", R"("activation": "relu")") == "accepted");
  // Images until Flatten, vectors after: a second Flatten, or a Dense layer before any.
  const std::string flatten = R"({"class_name": "Flatten", "config": {"name": "flat"}},)";
  CHECK(refused(flatten, flatten + R"({"class_name": "Flatten", "config": {"name": "again"}},)")
            .find("layer again: a flatten layer after Flatten") != std::string::npos);
  const std::string no_flatten = refused(flatten, "");
  CHECK_MESSAGE(no_flatten.find("layer out (Dense): Dense before Flatten") != std::string::npos,
                no_flatten);
}
