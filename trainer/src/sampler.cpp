#include "qd/trainer/sampler.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "qd/trainer/gan_trainer.h"
#include "qd/trainer/run_directory.h"

namespace qd::train {

torch::Tensor sample_run(const SampleRequest& request, const std::atomic<bool>& stop) {
  const std::string& run_dir = request.run;
  const SavedRun run = read_run_config(run_dir);
  const TrainOptions& o = run.options;
  const ModelConfig model = model_config(o.arch, o.conditional, o.latent_dim,
                                         static_cast<int64_t>(run.categories.size()));
  GanTrainer trainer(model, o.step, choose_device(request.device));

  std::string checkpoint = request.checkpoint;
  if (checkpoint.empty()) {
    const auto all = list_checkpoints(run_dir);
    if (all.empty()) throw std::runtime_error(run_dir + " has no checkpoint yet");
    checkpoint = all.back();
  }
  trainer.load(checkpoint);

  torch::Tensor labels;
  if (model.conditional()) {
    labels = torch::arange(request.count, torch::kLong).remainder(model.classes);
    if (!request.category.empty()) {
      const auto it = std::find(run.categories.begin(), run.categories.end(), request.category);
      if (it == run.categories.end()) {
        std::string known;
        for (const auto& c : run.categories) known += (known.empty() ? "" : ", ") + c;
        throw std::invalid_argument("--category " + request.category + ": the run knows " + known);
      }
      labels.fill_(static_cast<int64_t>(it - run.categories.begin()));
    }
  } else if (!request.category.empty()) {
    throw std::invalid_argument("--category: " + run_dir + " is not a conditional run");
  }
  torch::manual_seed(request.seed);
  const torch::Tensor noise = torch::randn({request.count, model.latent_dim});
  std::vector<torch::Tensor> images;  // in chunks, so that any --count fits in memory
  constexpr int64_t kChunk = 1024;
  for (int64_t first = 0; first < request.count; first += kChunk) {
    if (stop) throw std::runtime_error("interrupted while drawing");
    const int64_t n = std::min(kChunk, request.count - first);
    images.push_back(trainer.sample(noise.narrow(0, first, n),
                                    labels.defined() ? labels.narrow(0, first, n) : labels,
                                    request.last_weights));
  }
  return torch::cat(images);
}

}  // namespace qd::train
