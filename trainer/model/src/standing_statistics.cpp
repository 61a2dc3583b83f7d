#include "qd/model/standing_statistics.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/ScopeExit.h>

#include <functional>
#include <vector>

namespace qd::train {

void estimate_standing_statistics(Network& generator, const ModelConfig& model,
                                  torch::Device device) {
  // No momentum while estimating: the running statistics become the plain mean over the
  // batches (PyTorch's cumulative average). Each norm's own momentum is put back afterwards,
  // also when the forward pass throws.
  std::vector<std::function<void()>> restore;
  const auto restart = [&restore](auto* norm) {
    if (norm == nullptr) return;
    restore.emplace_back(
        [norm, momentum = norm->options.momentum()] { norm->options.momentum(momentum); });
    norm->options.momentum(c10::nullopt);
    norm->reset_running_stats();
  };
  const auto restore_all = c10::make_scope_exit([&restore] {
    for (const auto& r : restore) r();
  });
  for (const auto& m : generator->modules(/*include_self=*/false)) {
    restart(m->as<torch::nn::BatchNorm1dImpl>());
    restart(m->as<torch::nn::BatchNorm2dImpl>());
  }
  torch::NoGradGuard no_grad;
  at::Generator noise_source = at::detail::createCPUGenerator(/*seed_in=*/0x5eed);
  generator->train();
  for (int64_t first = 0; first < kStandingImages; first += kStandingBatch) {
    const torch::Tensor noise =
        torch::randn({kStandingBatch, model.latent_dim}, noise_source).to(device);
    torch::Tensor labels;
    if (model.conditional()) {
      labels = torch::arange(first, first + kStandingBatch, torch::kLong)
                   .remainder(model.classes)
                   .to(device);
    }
    generator->forward(noise, labels);
  }
  generator->eval();
}

}  // namespace qd::train
