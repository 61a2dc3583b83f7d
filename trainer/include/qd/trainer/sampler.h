#pragma once
// Drawing images from a generator: from a trained run (qd_sample, qd_score) or from the one being
// trained (evaluation during training), with the same noise for the same seed everywhere.

#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "qd/trainer/device.h"
#include "qd/trainer/gan_trainer.h"
#include "qd/trainer/run_directory.h"

namespace qd::train {

struct SampleRequest {
  std::string run;  // the run directory
  int64_t count = 64;
  uint64_t seed = 0;
  std::string category;    // conditional runs: draw only this one; empty: categories in turn
  std::string checkpoint;  // best, latest (also when empty) or a checkpoint file
  DeviceChoice device = DeviceChoice::kAuto;
  bool last_weights = false;  // runs with --ema-decay: not the averaged weights but the last
};

// The generator's inputs for `count` images from `seed`: noise [count, latent] and, for a
// conditional model, labels [count]: all `label`, or the categories in turn when label < 0.
struct SampleInputs {
  torch::Tensor noise;
  torch::Tensor labels;  // undefined when unconditional
};
SampleInputs sample_inputs(const ModelConfig& model, int64_t count, uint64_t seed,
                           int64_t label = -1);

// The generator's images for `inputs` as GanTrainer::sample gives them, drawn in chunks so that
// any count fits in memory. Throws std::runtime_error when `stop` is raised between chunks.
torch::Tensor draw(GanTrainer& trainer, const SampleInputs& inputs, bool last_weights,
                   const std::atomic<bool>& stop);

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

// `count` images (as GanTrainer::sample gives them) from the generator of the run in request.run.
// Throws what load_run and category_label throw, and std::runtime_error when `stop` is raised.
torch::Tensor sample_run(const SampleRequest& request, const std::atomic<bool>& stop);

}  // namespace qd::train
