#include "qd/eval/sampler.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace qd::train {

SampleInputs sample_inputs(const ModelConfig& model, int64_t count, uint64_t seed, int64_t label) {
  SampleInputs inputs;
  if (model.conditional()) {
    inputs.labels = label >= 0 ? torch::full({count}, label, torch::kLong)
                               : torch::arange(count, torch::kLong).remainder(model.classes);
  }
  torch::manual_seed(seed);
  inputs.noise = torch::randn({count, model.latent_dim});
  return inputs;
}

torch::Tensor draw(GanTrainer& trainer, const SampleInputs& inputs, bool last_weights,
                   const std::atomic<bool>& stop) {
  const int64_t count = inputs.noise.size(0);
  std::vector<torch::Tensor> images;
  constexpr int64_t kChunk = 1024;
  for (int64_t first = 0; first < count; first += kChunk) {
    if (stop) throw std::runtime_error("interrupted while drawing");
    const int64_t n = std::min(kChunk, count - first);
    const torch::Tensor labels =
        inputs.labels.defined() ? inputs.labels.narrow(0, first, n) : inputs.labels;
    images.push_back(trainer.sample(inputs.noise.narrow(0, first, n), labels, last_weights));
  }
  return torch::cat(images);
}

}  // namespace qd::train
