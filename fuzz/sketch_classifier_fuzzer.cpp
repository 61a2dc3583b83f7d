// The TF.js layers-model reader behind qd_score (SketchClassifier). The input is model.json,
// then the weight file it names (group1-shard1of1.bin, as doodleNet's), then class_names.txt
// (parts, see fuzz_support.h). The reader must throw std::runtime_error naming the file for
// anything it cannot use, or return a classifier that runs: probabilities [N, classes] that sum
// to 1, features [N, feature_size()].

#include <torch/torch.h>

#include <stdexcept>
#include <string>

#include "fuzz_support.h"
#include "qd/eval/sketch_classifier.h"

namespace {

// Larger inputs are accepted models too, but running them would make the fuzzer slow.
constexpr int64_t kMaxSideToRun = 64;

void check_runs(const qd::train::SketchClassifier& c) {
  const auto classes = static_cast<int64_t>(c.class_names().size());
  QD_FUZZ_CHECK(classes > 0, "an accepted classifier has classes");
  QD_FUZZ_CHECK(c.side() > 0, "an accepted classifier has an input side");
  if (c.side() > kMaxSideToRun) return;
  const torch::Tensor images = torch::zeros({2, c.side(), c.side()}, torch::kUInt8);
  try {
    const torch::Tensor p = c.probabilities(images);
    QD_FUZZ_CHECK(p.dim() == 2 && p.size(0) == 2 && p.size(1) == classes,
                  "probabilities are [N, classes]");
    const double total = p.sum(1).sub(1).abs().max().item<double>();
    QD_FUZZ_CHECK(!(total > 1e-3), "probabilities sum to 1");
    if (c.feature_size() > 0) {
      try {
        const torch::Tensor f = c.features(images);
        QD_FUZZ_CHECK(f.dim() == 2 && f.size(0) == 2 && f.size(1) == c.feature_size(),
                      "features are [N, feature_size()]");
      } catch (const std::invalid_argument&) {
        // A model with one Dense layer has no hidden layer: features() says so.
      }
    }
  } catch (const std::exception& e) {
    QD_FUZZ_CHECK(false, std::string("an accepted model does not run: ") + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static qd::fuzz::ScratchDir dir;
  static const bool single_thread = [] {
    torch::set_num_threads(1);  // libFuzzer runs one input at a time; threads only add noise
    return true;
  }();
  (void)single_thread;
  const auto parts = qd::fuzz::split_parts(qd::fuzz::as_text(data, size), 3);
  dir.clear();
  dir.write("model.json", parts[0]);
  if (parts.size() > 1) dir.write("group1-shard1of1.bin", parts[1]);
  if (parts.size() > 2) dir.write("class_names.txt", parts[2]);
  try {
    const qd::train::SketchClassifier classifier(dir.str());
    check_runs(classifier);
  } catch (const std::runtime_error& e) {
    QD_FUZZ_CHECK(std::string(e.what()).rfind(dir.str() + "/", 0) == 0,
                  std::string("the error names a file of the model: ") + e.what());
  }
  return 0;
}
