#pragma once
// Batch-norm statistics for a generator whose weights were not trained as they are: an average
// of a generator's weights (--ema-decay) has no running statistics of its own, and the trained
// generator's describe other weights' activations. BigGAN's "standing statistics" (Brock et al.,
// 2019): run the generator in training mode over fresh noise and keep the plain average of the
// batches' statistics.

#include <torch/torch.h>

#include <cstdint>

#include "qd/model/networks.h"
#include "qd/model/presets.h"

namespace qd::train {

// Images the statistics are estimated from, and the batches they are drawn in.
inline constexpr int64_t kStandingImages = 1024;
inline constexpr int64_t kStandingBatch = 256;

// Replaces the running mean and variance of every batch norm in `generator` (on `device`) by
// their averages over kStandingImages generated from noise of a fixed seed (conditional: the
// categories in turn), so they are a function of the weights alone. Weights are not changed;
// the generator is left in inference mode.
void estimate_standing_statistics(Network& generator, const ModelConfig& model,
                                  torch::Device device);

}  // namespace qd::train
