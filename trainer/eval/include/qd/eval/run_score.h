#pragma once
// How good a run's drawings are (qd_score, and qd_train --classifier as it trains): a pretrained
// classifier's verdict on the generator's images of each category beside its verdict on as many
// of the run's real images, and FID, KID and precision/recall in its features.

#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "qd/data/dataset.h"
#include "qd/eval/distribution_metrics.h"
#include "qd/eval/memorisation.h"
#include "qd/eval/sampler.h"
#include "qd/eval/sketch_classifier.h"

namespace qd::train {

// FID, KID and precision/recall between two sets of n images each, in the classifier's features.
struct Distribution {
  int64_t n = 0;  // images on each side; 0: too few to measure
  double fid = 0;
  KernelDistance kid;
  PrecisionRecall pr;
};

struct CategoryScore {
  std::string category;
  Recognition generated;
  Recognition real;
  // The real images are split in two halves A and B of n each: `distance` compares n generated
  // images with A, `floor` compares B with A, what a perfect generator would score.
  Distribution distance;
  Distribution floor;
  int64_t real_images = 0;  // fewer than asked when the data holds fewer
  int64_t among_of = 0;     // how many of the run's categories Recognition::among chose from
  // The classifier's features of the n generated images compared, float [n, D] (undefined when
  // n = 0); not in score.json.
  torch::Tensor generated_features;
};

struct RunScore {
  std::vector<CategoryScore> categories;
  Distribution distance;  // every category's images together
  Distribution floor;
  MemorisationCheck memorisation;  // every category's generated images together
};

// The real side of a score, computed once: the first `count` images of each category scored
// (in file order), the classifier's verdict on them and their features. A run evaluated as it
// trains scores against the same reference every time.
class ScoreReference {
 public:
  // `scored`: the categories to score, each one of data.categories(); those the classifier
  // knows are the candidates of Recognition::among. Throws std::invalid_argument naming a
  // scored category the classifier does not know.
  ScoreReference(const SketchClassifier& classifier, const Dataset& data,
                 const std::vector<std::string>& scored, int64_t count);

  // Scores the generator whose images of a category come from generate(label, count) (label:
  // the category's in the data), uint8 [count, S, S]. `generated`: how many it draws of each,
  // all recognised, the first n compared (at least n; default: count(), as qd_score does).
  using Generate = std::function<torch::Tensor(int64_t label, int64_t count)>;
  RunScore score(const Generate& generate, int64_t generated = 0) const;

  int64_t count() const { return count_; }
  // n: the real images of a half, and the generated images compared with them, per category.
  int64_t half() const;

 private:
  struct Category {
    std::string name;
    int64_t label = 0;             // in the data
    int64_t classifier_index = 0;  // in the classifier's classes
    Recognition real;
    int64_t real_images = 0;
    torch::Tensor half_a, half_b;  // features of the first and second n real images
    GaussianStats stats_a;         // of half_a, for FID
    Distribution floor;            // B against A
  };
  const SketchClassifier& classifier_;
  int64_t count_;
  std::vector<int64_t> candidates_;
  std::vector<Category> categories_;
  torch::Tensor all_a_;  // every category's half A together
  GaussianStats all_stats_a_;
  Distribution floor_;  // every category's halves together
};

}  // namespace qd::train
