#include "qd/trainer/run_score.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "qd/trainer/dataset.h"
#include "qd/trainer/presets.h"
#include "qd/trainer/run_directory.h"

namespace qd::train {

namespace {

// The first `count` images of `label` in the data, uint8 [n, S, S].
torch::Tensor real_images(const Dataset& data, int label, int64_t count) {
  const int64_t side = data.side();
  std::vector<const uint8_t*> rows;
  for (size_t i = 0; i < data.size() && static_cast<int64_t>(rows.size()) < count; ++i) {
    if (data.label(i) == label) rows.push_back(data.image(i));
  }
  torch::Tensor out = torch::empty({static_cast<int64_t>(rows.size()), side, side}, torch::kUInt8);
  for (size_t r = 0; r < rows.size(); ++r) {
    std::memcpy(out[static_cast<int64_t>(r)].data_ptr<uint8_t>(), rows[r],
                static_cast<size_t>(side * side));
  }
  return out;
}

// The metrics between `real` and `other`, or n = 0 when there are too few rows for them.
Distribution distribution(const torch::Tensor& real, const torch::Tensor& other) {
  Distribution d;
  if (real.size(0) < 4) return d;
  d.n = real.size(0);
  d.fid = frechet_distance(real, other);
  d.kid = kernel_distance(real, other);
  d.pr = precision_recall(real, other);
  return d;
}

}  // namespace

RunScore score_run(const SketchClassifier& classifier, const SampleRequest& request,
                   const std::atomic<bool>& stop) {
  const std::string& run_dir = request.run;
  const SavedRun run = read_run_config(run_dir);
  const bool conditional =
      model_config(run.options.arch, run.options.conditional, run.options.latent_dim,
                   static_cast<int64_t>(run.categories.size()))
          .conditional();
  if (!conditional && run.categories.size() > 1) {
    throw std::invalid_argument(run_dir +
                                " is an unconditional run over several categories: its "
                                "drawings have no category to check");
  }
  std::vector<std::string> categories = run.categories;
  if (!request.category.empty()) {
    if (std::find(categories.begin(), categories.end(), request.category) == categories.end()) {
      throw std::invalid_argument("--category " + request.category + ": not a category of " +
                                  run_dir);
    }
    categories = {request.category};
  }
  for (const auto& c : categories) {
    if (classifier.class_index(c) < 0) {
      throw std::invalid_argument("the classifier has no class " + c);
    }
  }
  DatasetOptions options;
  options.split = run.options.split;
  const Dataset data = Dataset::open(run.options.shards, options);

  std::vector<int64_t> candidates;  // the run's categories, as the classifier numbers them
  for (const auto& c : run.categories) {
    if (classifier.class_index(c) >= 0) candidates.push_back(classifier.class_index(c));
  }
  RunScore scores;
  std::vector<torch::Tensor> all_a, all_b, all_generated;
  for (const auto& c : categories) {
    const auto label = std::find(data.categories().begin(), data.categories().end(), c) -
                       data.categories().begin();
    SampleRequest r = request;
    r.category = conditional ? c : "";
    CategoryScore s;
    s.category = c;
    s.among_of = static_cast<int64_t>(candidates.size());
    const int64_t index = classifier.class_index(c);
    const torch::Tensor generated = sample_run(r, stop);
    s.generated = recognition(classifier, generated, index, candidates);
    const torch::Tensor real = real_images(data, static_cast<int>(label), request.count);
    s.real_images = real.size(0);
    if (s.real_images > 0) s.real = recognition(classifier, real, index, candidates);
    const int64_t n = std::min(s.real_images / 2, generated.size(0));
    if (n > 0) {
      const torch::Tensor real_features = classifier.features(real);
      all_a.push_back(real_features.narrow(0, 0, n));
      all_b.push_back(real_features.narrow(0, n, n));
      all_generated.push_back(classifier.features(generated.narrow(0, 0, n)));
      s.distance = distribution(all_a.back(), all_generated.back());
      s.floor = distribution(all_a.back(), all_b.back());
    }
    scores.categories.push_back(s);
  }
  if (!all_a.empty()) {
    const torch::Tensor a = torch::cat(all_a);
    scores.distance = distribution(a, torch::cat(all_generated));
    scores.floor = distribution(a, torch::cat(all_b));
  }
  return scores;
}

}  // namespace qd::train
