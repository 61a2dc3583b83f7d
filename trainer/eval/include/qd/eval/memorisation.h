#pragma once
// Whether a generator copies its training images: each generated image's distance to its
// nearest training image, against the same distance for real images the run never trained on
// (held out). A generator that draws new images sits as far from the training set as held-out
// people's drawings do; one that copies sits nearer. On a few thousand training images a low FID
// alone cannot tell the two apart.

#include <torch/types.h>

#include <cstdint>
#include <string>

#include "qd/data/dataset.h"
#include "qd/eval/sketch_classifier.h"

namespace qd::train {

struct Memorisation {
  int64_t training = 0;  // rows compared with
  int64_t generated = 0;
  int64_t held_out = 0;
  double median_generated = 0;  // median distance to the nearest training row
  double median_held_out = 0;
  // median_generated / median_held_out: at least about 1 for a generator that does not copy.
  double ratio = 0;
  // The distance below which 1% of the held-out rows lie: nearer than that is "a copy".
  double copy_threshold = 0;
  double copies = 0;           // share of generated rows below copy_threshold
  double held_out_copies = 0;  // the same share of held-out rows (about 0.01 by construction)
};

// Distances are Euclidean between rows (float [N, D]: classifier features, or pixels scaled to
// [0, 1] and flattened). Throws std::invalid_argument for an empty side or widths that differ.
Memorisation memorisation(const torch::Tensor& training, const torch::Tensor& held_out,
                          const torch::Tensor& generated);

// The figures from distances already found: each held-out and each generated row's distance to
// its nearest of `training` rows (float64 [N], as nearest_distances gives them). Throws
// std::invalid_argument for an empty side. A run evaluated as it trains finds the held-out
// distances once.
Memorisation memorisation_of_distances(const torch::Tensor& to_held_out,
                                       const torch::Tensor& to_generated, int64_t training);

// Each row's distance to its nearest row of `training`, float64 [N], and (when `index` is given)
// which row that is, int64 [N]. Computed in blocks, so any N fits in memory.
torch::Tensor nearest_distances(const torch::Tensor& rows, const torch::Tensor& training,
                                torch::Tensor* index = nullptr);

// The check as qd_score makes it, in the classifier's features and in pixels.
struct MemorisationCheck {
  std::string skipped;  // why there is no check (no held-out images); empty when made
  Memorisation features;
  Memorisation pixels;  // bytes / 255, flattened
  // uint8 [48, S, S]: three pairs of rows, 8 generated images (those nearest to a training image
  // in features, nearest first) above their nearest training images.
  torch::Tensor nearest_pairs;
};
inline constexpr int64_t kMaxTrainingCompared = 20000;  // evenly spaced when the data has more
inline constexpr int64_t kMaxHeldOutCompared = 5000;

// The classifier's features of up to `limit` of the data's images, evenly spaced (the rows
// check_memorisation compares with), float [n, D]; their labels, int64 [n], when `labels` is given.
torch::Tensor memorisation_features(const SketchClassifier& classifier, const Dataset& data,
                                    int64_t limit, torch::Tensor* labels = nullptr);

// `generated`: uint8 [N, S, S] (255 = ink), as GanTrainer::sample draws them.
MemorisationCheck check_memorisation(const SketchClassifier& classifier, const Dataset& training,
                                     const Dataset& held_out, const torch::Tensor& generated);

}  // namespace qd::train
