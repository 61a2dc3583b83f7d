#include "qd/model/standing_statistics.h"

#include <ATen/CPUGeneratorImpl.h>

#include <utility>
#include <vector>

namespace qd::train {

namespace {

namespace nn = torch::nn;

// Collects the batch norms of type Norm with their momentum, set aside during the estimate.
template <typename Norm>
bool visit(nn::Module& m, std::vector<std::pair<Norm*, c10::optional<double>>>& out) {
  auto* norm = m.as<Norm>();
  if (norm == nullptr) return false;
  out.emplace_back(norm, norm->options.momentum());
  return true;
}

}  // namespace

void estimate_standing_statistics(Network& generator, const ModelConfig& model,
                                  torch::Device device) {
  std::vector<std::pair<nn::BatchNorm1dImpl*, c10::optional<double>>> norms1;
  std::vector<std::pair<nn::BatchNorm2dImpl*, c10::optional<double>>> norms2;
  for (const auto& m : generator->modules(/*include_self=*/false)) {
    if (!visit(*m, norms1)) visit(*m, norms2);
  }
  // No momentum: the running statistics become the plain mean over the batches (PyTorch's
  // cumulative average).
  const auto start = [](auto& norms) {
    for (auto& [norm, momentum] : norms) {
      norm->options.momentum(c10::nullopt);
      norm->reset_running_stats();
    }
  };
  const auto restore = [](auto& norms) {
    for (auto& [norm, momentum] : norms) norm->options.momentum(momentum);
  };
  start(norms1);
  start(norms2);
  {
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
  restore(norms1);
  restore(norms2);
}

}  // namespace qd::train
