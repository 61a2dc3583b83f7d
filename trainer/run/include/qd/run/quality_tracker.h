#pragma once
// Quality as a run trains (qd_train --classifier): every --eval-every epochs the generator draws
// a fixed set of images (noise from seed 0, as qd_score's default; a set per category when
// conditional; from the averaged weights when there are some), scored against the run's real
// images as qd_score scores them. The rows go to quality.csv and quality.png, and the checkpoint
// with the lowest FID of all categories together is linked as checkpoints/best.pt. When the run
// has held-out images (the val split of shard directories, --holdout on .npy inputs) each
// evaluation also checks memorisation as qd_score does, in the classifier's features: the
// generated images' median distance to their nearest training image over the held-out images'
// (ratio), and the share of each nearer than 99% of the held-out images are (copies).

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "qd/data/dataset.h"
#include "qd/eval/run_score.h"
#include "qd/eval/sketch_classifier.h"
#include "qd/report/quality_log.h"
#include "qd/run/train_options.h"
#include "qd/step/gan_trainer.h"

namespace qd::train {

class QualityTracker {
 public:
  // Loads the classifier and scores the real side once, before the run writes anything. Throws
  // std::invalid_argument for a classifier that does not know a category or draws another
  // size, and what SketchClassifier throws.
  QualityTracker(const TrainOptions& options, const Dataset& data);

  // Opens quality.csv, dropping rows after `resumed_step`, and points best.pt at the best row
  // that is left (removing it when none is).
  void open(const std::string& run_dir, int64_t resumed_step);

  // Whether the end of epoch `epoch` (0-based) of `epochs` is evaluated.
  bool due(int64_t epoch, int64_t epochs) const;
  // Whether quality.csv has the evaluation of `step`.
  bool evaluated(int64_t step) const;

  // Scores the generator at the end of epoch `epoch`, appends its rows, redraws quality.png and
  // links the step's checkpoint (written before) as best.pt when its FID is the lowest yet.
  // Returns the row of all categories. A stop request waits for it (a second or two).
  QualityRow evaluate(GanTrainer& trainer, int64_t epoch);

  double seconds() const { return seconds_; }  // spent in evaluate() by this process
  // Of those, spent on the memorisation check; and the check's setup in the constructor.
  double memorisation_seconds() const { return memorisation_seconds_; }
  double memorisation_setup_seconds() const { return memorisation_setup_seconds_; }
  // Why evaluations do not check memorisation (no held-out images); empty when they do.
  const std::string& memorisation_skipped() const { return memorisation_skipped_; }

  QualityTracker(const QualityTracker&) = delete;
  QualityTracker& operator=(const QualityTracker&) = delete;

 private:
  SketchClassifier classifier_;
  ScoreReference reference_;
  int64_t eval_every_;
  size_t categories_;
  std::string run_dir_;
  std::optional<QualityLog> log_;
  double seconds_ = 0;
  double memorisation_seconds_ = 0;
  double memorisation_setup_seconds_ = 0;

  // The memorisation check's fixed side, found once: up to kMaxTrainingCompared training images'
  // features, and each of up to kMaxHeldOutCompared held-out images' distance to its nearest.
  struct HeldOut {
    torch::Tensor training;   // features, float64 [T, D]
    torch::Tensor distances;  // float64 [H]
    torch::Tensor labels;     // of the held-out images, int64 [H]
  };
  std::optional<HeldOut> held_out_;
  std::string memorisation_skipped_;
};

}  // namespace qd::train
