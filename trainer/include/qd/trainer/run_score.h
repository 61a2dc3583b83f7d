#pragma once
// How recognisable a run's drawings are (qd_score): a pretrained classifier's verdict on the
// generator's images of each category, beside its verdict on as many of the run's real images.

#include <cstdint>
#include <string>
#include <vector>

#include "qd/trainer/sampler.h"
#include "qd/trainer/sketch_classifier.h"

namespace qd::train {

struct CategoryScore {
  std::string category;
  Recognition generated;
  Recognition real;
  int64_t real_images = 0;  // fewer than asked when the data holds fewer
  int64_t among_of = 0;     // how many of the run's categories Recognition::among chose from
};

// `request.count` generated images per category of the run (request.category: that one only),
// and up to as many real ones from the run's data; `among` is among the run's categories. Throws
// std::invalid_argument for a category the classifier does not know, and what sample_run and
// Dataset::open throw.
std::vector<CategoryScore> score_run(const SketchClassifier& classifier,
                                     const SampleRequest& request, const std::atomic<bool>& stop);

}  // namespace qd::train
