#pragma once
// A trained run's generator, loaded from its run directory and checkpoint: what qd_sample draws
// and qd_score scores.

#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "qd/eval/run_score.h"
#include "qd/eval/sketch_classifier.h"
#include "qd/run/run_directory.h"
#include "qd/step/device.h"
#include "qd/step/gan_trainer.h"

namespace qd::train {

struct SampleRequest {
  std::string run;  // the run directory
  int64_t count = 64;
  uint64_t seed = 0;
  std::string category;    // conditional runs: draw only this one; empty: categories in turn
  std::string checkpoint;  // best, latest (also when empty) or a checkpoint file
  DeviceChoice device = DeviceChoice::kAuto;
  bool last_weights = false;  // runs with --ema-decay: not the averaged weights but the last
  double truncation = 0;      // > 0: the noise truncated at it (eval/sampler.h's truncate_noise)
};

// A run's networks as its checkpoint `request.checkpoint` left them.
struct LoadedRun {
  SavedRun run;
  std::unique_ptr<GanTrainer> trainer;
  std::string checkpoint;  // the file loaded
};
// Throws RunDirectoryError (no run, or --checkpoint best in a run without one) or
// std::runtime_error (no or unreadable checkpoint).
LoadedRun load_run(const SampleRequest& request);

// The label of `category` in a conditional run; -1 for none. Throws std::invalid_argument for a
// category the run does not know, or any category for an unconditional run.
int64_t category_label(const LoadedRun& loaded, const std::string& category);

// `request.count` images (as GanTrainer::sample gives them) from the generator of the run in
// request.run, handed to `consume` a chunk at a time (eval/sampler.h's draw_each: the same images
// as drawing them all at once, in memory that does not grow with the count). Throws what load_run
// and category_label throw, and std::runtime_error when `stop` is raised.
void sample_run(const SampleRequest& request, const std::atomic<bool>& stop,
                const std::function<void(const torch::Tensor& images)>& consume);

// qd_sample --interpolate: `walks` looping walks through `keys` random latent points each
// (request.seed's, truncated as request.truncation says), `between` frames from one point to the
// next (eval/latent_walk.h). In a conditional run every category walks the same path (or only
// request.category).
struct WalkRequest {
  int64_t keys = 4;
  int64_t between = 16;
  int64_t walks = 4;
};
struct LatentWalk {
  // uint8 [frames, walks * categories, S, S] or [..., S, S, C]: each frame the walks in turn, and
  // within a walk its categories in the run's order (one for unconditional runs or --category).
  torch::Tensor frames;
  int64_t categories = 1;
};
// Throws what sample_run throws.
LatentWalk walk_run(const SampleRequest& request, const WalkRequest& walk,
                    const std::atomic<bool>& stop);

// qd_score: `request.count` generated images per category of the run (request.category: that
// one only) against up to as many real ones from the run's data; `among` is among the run's
// categories. Throws std::invalid_argument for a category the run or the classifier does not
// know, and what load_run and Dataset::open throw.
RunScore score_run(const SketchClassifier& classifier, const SampleRequest& request,
                   const std::atomic<bool>& stop);

}  // namespace qd::train
