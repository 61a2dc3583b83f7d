#pragma once
// Drawing images from a generator, the one being trained (evaluation during training) or a trained
// run's (qd_sample, qd_score: qd/run/trained_run.h), with the same noise for the same seed
// everywhere.

#include <torch/types.h>

#include <atomic>
#include <cstdint>

#include "qd/model/presets.h"
#include "qd/step/gan_trainer.h"

namespace qd::train {

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

}  // namespace qd::train
