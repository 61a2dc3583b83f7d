#pragma once
// How recognisable a run's drawings are (qd_score): a pretrained classifier's verdict on the
// generator's images of each category, beside its verdict on as many of the run's real images.

#include <cstdint>
#include <string>
#include <vector>

#include "qd/trainer/distribution_metrics.h"
#include "qd/trainer/sampler.h"
#include "qd/trainer/sketch_classifier.h"

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
};

// `request.count` generated images per category of the run (request.category: that one only),
// and up to as many real ones from the run's data; `among` is among the run's categories. Throws
// std::invalid_argument for a category the classifier does not know, and what sample_run and
// Dataset::open throw.
struct RunScore {
  std::vector<CategoryScore> categories;
  Distribution distance;  // every category's images together
  Distribution floor;
};
RunScore score_run(const SketchClassifier& classifier, const SampleRequest& request,
                   const std::atomic<bool>& stop);

}  // namespace qd::train
