#include "qd/eval/run_score.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "qd/model/presets.h"

namespace qd::train {

namespace {

// The first `count` images of `label` in the data, uint8 [n, S, S].
torch::Tensor real_images(const Dataset& data, int64_t label, int64_t count) {
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

// The metrics between `real` (whose FID statistics are `stats`) and `other`, or n = 0 when
// there are too few rows for them.
Distribution distribution(const torch::Tensor& real, const GaussianStats& stats,
                          const torch::Tensor& other) {
  Distribution d;
  if (real.size(0) < 4) return d;
  d.n = real.size(0);
  d.fid = frechet_distance(stats, other);
  d.kid = kernel_distance(real, other);
  d.pr = precision_recall(real, other);
  return d;
}

}  // namespace

ScoreReference::ScoreReference(const SketchClassifier& classifier, const Dataset& data,
                               const std::vector<std::string>& scored, int64_t count)
    : classifier_(classifier), count_(count) {
  const ImageShape reads{classifier.side(), 1};
  if (data.shape() != reads) {
    throw std::invalid_argument("--classifier: it reads " + to_string(reads) +
                                " images, the data is " + to_string(data.shape()) +
                                ": it cannot judge these images");
  }
  if (!data.ink()) {
    throw std::invalid_argument(
        "--classifier: it reads Quick, Draw! bitmaps (255 = ink); this run's data comes from IDX, "
        "CIFAR-10 or PNG inputs, whose 255 is light: it cannot judge these images");
  }
  for (const auto& c : data.categories()) {
    if (classifier.class_index(c) >= 0) candidates_.push_back(classifier.class_index(c));
  }
  for (const auto& name : scored) {
    if (classifier.class_index(name) < 0) {
      throw std::invalid_argument("the classifier has no class " + name);
    }
    const auto at = std::find(data.categories().begin(), data.categories().end(), name);
    if (at == data.categories().end()) {
      throw std::invalid_argument(name + ": not a category of the data");
    }
    Category c;
    c.name = name;
    c.label = at - data.categories().begin();
    c.classifier_index = classifier.class_index(name);
    const torch::Tensor real = real_images(data, c.label, count);
    c.real_images = real.size(0);
    if (c.real_images == 0) {
      categories_.push_back(std::move(c));
      continue;
    }
    const SketchClassifier::Outputs outputs = classifier.classify(real);
    c.real = recognition(outputs.probabilities, c.classifier_index, candidates_);
    const int64_t n = c.real_images / 2;
    if (n >= 4) {
      c.half_a = outputs.features.narrow(0, 0, n);
      c.half_b = outputs.features.narrow(0, n, n);
      c.stats_a = gaussian_stats(c.half_a);
      c.floor = distribution(c.half_a, c.stats_a, c.half_b);
    }
    categories_.push_back(std::move(c));
  }
  // The floors depend on the real images alone: computed once, however often a run is scored.
  std::vector<torch::Tensor> all_a, all_b;
  for (const Category& c : categories_) {
    if (c.half_a.defined()) {
      all_a.push_back(c.half_a);
      all_b.push_back(c.half_b);
    }
  }
  if (categories_.size() == 1) {
    all_a_ = categories_[0].half_a;
    all_stats_a_ = categories_[0].stats_a;
    floor_ = categories_[0].floor;
  } else if (!all_a.empty()) {
    all_a_ = torch::cat(all_a);
    all_stats_a_ = gaussian_stats(all_a_);
    floor_ = distribution(all_a_, all_stats_a_, torch::cat(all_b));
  }
}

int64_t ScoreReference::half() const {
  int64_t n = 0;
  for (const Category& c : categories_) {
    if (c.half_a.defined()) n = std::max(n, c.half_a.size(0));
  }
  return n;
}

RunScore ScoreReference::score(const Generate& generate, int64_t generated_count) const {
  RunScore scores;
  if (generated_count == 0) generated_count = count_;
  std::vector<torch::Tensor> all_generated;
  for (const Category& c : categories_) {
    CategoryScore s;
    s.category = c.name;
    s.among_of = static_cast<int64_t>(candidates_.size());
    s.real = c.real;
    s.real_images = c.real_images;
    const torch::Tensor generated = generate(c.label, generated_count);
    const SketchClassifier::Outputs outputs = classifier_.classify(generated);
    s.generated = recognition(outputs.probabilities, c.classifier_index, candidates_);
    if (c.half_a.defined()) {
      all_generated.push_back(outputs.features.narrow(0, 0, c.half_a.size(0)));
      s.generated_features = all_generated.back();
      s.distance = distribution(c.half_a, c.stats_a, all_generated.back());
      s.floor = c.floor;
    }
    scores.categories.push_back(s);
  }
  scores.floor = floor_;
  if (categories_.size() == 1) {
    scores.distance = scores.categories[0].distance;
  } else if (!all_generated.empty()) {
    scores.distance = distribution(all_a_, all_stats_a_, torch::cat(all_generated));
  }
  return scores;
}

}  // namespace qd::train
