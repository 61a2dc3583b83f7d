// Standing statistics: an averaged generator's batch norms get the statistics of its own
// activations, from fresh noise, whatever they held before.
#include "qd/model/standing_statistics.h"

#include "torch_doctest.h"

using namespace qd::train;
namespace nn = torch::nn;

namespace {

// noise [B, 100] -> Linear(100, 8) -> BatchNorm1d(8): the norm sees W z + b, z ~ N(0, I), whose
// mean is b and whose variance is the squared norm of W's rows.
struct Tiny {
  nn::Linear linear{100, 8};
  nn::BatchNorm1d norm{nn::BatchNorm1dOptions(8).momentum(0.1)};
  Network network{nullptr};
  ModelConfig model;

  Tiny() {
    torch::manual_seed(3);
    nn::Sequential body(linear, norm);
    network = Network(body, 0);
    torch::NoGradGuard no_grad;
    linear->weight.normal_(0.0, 0.3);
    linear->bias.uniform_(-2.0, 2.0);
    model.latent_dim = 100;
  }
};

}  // namespace

TEST_CASE("standing statistics are the activations' own mean and variance, not a blend") {
  Tiny t;
  // What a momentum blend of 4 batches would keep 0.9^4 = 66% of.
  t.norm->running_mean.fill_(50.0);
  t.norm->running_var.fill_(100.0);
  const auto weight = t.linear->weight.detach().clone();
  t.network->train();

  estimate_standing_statistics(t.network, t.model, torch::kCPU);

  const auto expected_mean = t.linear->bias.detach();
  const auto expected_var = weight.pow(2).sum(1);
  for (int64_t i = 0; i < 8; ++i) {
    CAPTURE(i);
    // 1,024 draws: the mean within 4 standard errors, the variance within 20%.
    const double sd = std::sqrt(expected_var[i].item<double>());
    CHECK(std::abs(t.norm->running_mean[i].item<double>() - expected_mean[i].item<double>()) <
          4 * sd / 32);
    CHECK(t.norm->running_var[i].item<double>() ==
          doctest::Approx(expected_var[i].item<double>()).epsilon(0.2));
  }
  CHECK(torch::equal(t.linear->weight, weight));  // weights untouched
  CHECK_FALSE(t.network->is_training());
  REQUIRE(t.norm->options.momentum().has_value());
  CHECK(*t.norm->options.momentum() == 0.1);
}

TEST_CASE("standing statistics depend on the weights alone: the same from any previous state") {
  Tiny t;
  estimate_standing_statistics(t.network, t.model, torch::kCPU);
  const auto mean = t.norm->running_mean.clone();
  const auto var = t.norm->running_var.clone();
  t.norm->running_mean.fill_(-7.0);
  t.norm->running_var.fill_(0.01);
  torch::manual_seed(99);  // the global generator plays no part
  estimate_standing_statistics(t.network, t.model, torch::kCPU);
  CHECK(torch::equal(t.norm->running_mean, mean));
  CHECK(torch::equal(t.norm->running_var, var));
}

TEST_CASE(
    "standing statistics of a conditional resnet generator: every batch norm, every category") {
  ModelConfig m;
  m.arch = Arch::kResnet;
  m.classes = 3;
  auto g = make_generator(m);
  std::vector<torch::Tensor> before;
  for (const auto& b : g->buffers()) before.push_back(b.clone());
  estimate_standing_statistics(g, m, torch::kCPU);
  size_t changed = 0;
  const auto after = g->buffers();
  for (size_t i = 0; i < after.size(); ++i) {
    CHECK(torch::isfinite(after[i]).all().item<bool>());
    if (!torch::equal(after[i], before[i])) ++changed;
  }
  CHECK(changed == after.size());  // every mean, variance and batch count
  const auto images = g->forward(torch::randn({3, 100}), torch::arange(3));
  CHECK(images.sizes() == torch::IntArrayRef({3, 1, 28, 28}));
}
