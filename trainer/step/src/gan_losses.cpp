#include "qd/step/gan_losses.h"

#include <array>

#include "qd/step/enum_names.h"

namespace qd::train {

namespace F = torch::nn::functional;

namespace {
constexpr std::array<const char*, 2> kLossNames = {"bce", "hinge"};
}  // namespace

GanLoss parse_gan_loss(std::string_view name) {
  return enum_of_name<GanLoss>(kLossNames, name, "--loss");
}

const char* to_string(GanLoss loss) {
  return kLossNames[static_cast<size_t>(loss)];
}

torch::Tensor discriminator_loss(GanLoss loss, const torch::Tensor& logits_real,
                                 const torch::Tensor& logits_fake,
                                 const torch::Tensor& real_targets,
                                 const torch::Tensor& fake_targets) {
  if (loss == GanLoss::kHinge) {
    return torch::relu(1 - logits_real).mean() + torch::relu(1 + logits_fake).mean();
  }
  return F::binary_cross_entropy_with_logits(logits_real, real_targets) +
         F::binary_cross_entropy_with_logits(logits_fake, fake_targets);
}

torch::Tensor generator_loss(GanLoss loss, const torch::Tensor& logits_fake) {
  if (loss == GanLoss::kHinge) return -logits_fake.mean();
  return F::binary_cross_entropy_with_logits(logits_fake, torch::ones_like(logits_fake));
}

torch::Tensor r1_penalty(const torch::Tensor& logits, const torch::Tensor& inputs, double gamma) {
  const torch::Tensor gradient = torch::autograd::grad({logits.sum()}, {inputs},
                                                       /*grad_outputs=*/{},
                                                       /*retain_graph=*/true,
                                                       /*create_graph=*/true)[0];
  return gamma / 2 * gradient.pow(2).flatten(1).sum(1).mean();
}

torch::Tensor lecam_penalty(const torch::Tensor& logits_real, const torch::Tensor& logits_fake,
                            const torch::Tensor& ema, double lambda) {
  const torch::Tensor anchors = ema.detach();
  return lambda * (torch::relu(logits_real - anchors[1]).pow(2).mean() +
                   torch::relu(anchors[0] - logits_fake).pow(2).mean());
}

torch::Tensor mean_logits(const torch::Tensor& logits_real, const torch::Tensor& logits_fake) {
  return torch::stack({logits_real.detach().mean(), logits_fake.detach().mean()});
}

void update_lecam_averages(torch::Tensor& ema, const torch::Tensor& means, double decay) {
  torch::NoGradGuard no_grad;
  ema.lerp_(means.to(ema.dtype()), 1.0 - decay);
}

torch::Tensor consistency_penalty(const torch::Tensor& real_a, const torch::Tensor& real_b,
                                  const torch::Tensor& fake_a, const torch::Tensor& fake_b,
                                  double lambda) {
  return lambda * ((real_a - real_b).pow(2).mean() + (fake_a - fake_b).pow(2).mean());
}

}  // namespace qd::train
