#include "qd/trainer/sampler.h"

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

LoadedRun load_run(const SampleRequest& request) {
  LoadedRun loaded;
  loaded.run = read_run_config(request.run);
  const TrainOptions& o = loaded.run.options;
  const ModelConfig model =
      model_config(o.arch, o.conditional, o.latent_dim,
                   static_cast<int64_t>(loaded.run.categories.size()), loaded.run.image);
  loaded.trainer = std::make_unique<GanTrainer>(model, o.step, choose_device(request.device));
  loaded.checkpoint = resolve_checkpoint(request.run, request.checkpoint);
  loaded.trainer->load(loaded.checkpoint);
  return loaded;
}

int64_t category_label(const LoadedRun& loaded, const std::string& category) {
  if (category.empty()) return -1;
  if (!loaded.trainer->model().conditional()) {
    throw std::invalid_argument("--category: " + loaded.run.options.out +
                                " is not a conditional run");
  }
  const auto& categories = loaded.run.categories;
  const auto it = std::find(categories.begin(), categories.end(), category);
  if (it == categories.end()) {
    std::string known;
    for (const auto& c : categories) known += (known.empty() ? "" : ", ") + c;
    throw std::invalid_argument("--category " + category + ": the run knows " + known);
  }
  return it - categories.begin();
}

torch::Tensor sample_run(const SampleRequest& request, const std::atomic<bool>& stop) {
  const LoadedRun loaded = load_run(request);
  const int64_t label = category_label(loaded, request.category);
  return draw(*loaded.trainer,
              sample_inputs(loaded.trainer->model(), request.count, request.seed, label),
              request.last_weights, stop);
}

}  // namespace qd::train
