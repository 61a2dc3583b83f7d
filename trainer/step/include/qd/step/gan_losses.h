#pragma once
// The adversarial losses on the discriminator's logits, and the R1 penalty.

#include <torch/torch.h>

#include <string_view>

namespace qd::train {

// bce: the original GAN's, with the non-saturating generator loss (DCGAN's); hinge: the
// discriminator's max(0, 1 - D(x)) + max(0, 1 + D(G(z))), the generator's -D(G(z)) (Lim & Ye
// 2017; SAGAN, BigGAN).
enum class GanLoss { kBce, kHinge };
GanLoss parse_gan_loss(std::string_view name);  // throws std::invalid_argument
const char* to_string(GanLoss loss);

// BCE takes the targets (smoothed or flipped); hinge has none and ignores them.
torch::Tensor discriminator_loss(GanLoss loss, const torch::Tensor& logits_real,
                                 const torch::Tensor& logits_fake,
                                 const torch::Tensor& real_targets,
                                 const torch::Tensor& fake_targets);
torch::Tensor generator_loss(GanLoss loss, const torch::Tensor& logits_fake);

// R1 (Mescheder et al., ICML 2018): gamma / 2 times the mean over the batch of the squared norm
// of the gradient of the logits' sum with respect to `inputs` (real images, which must require
// grad and be what the logits were computed from), differentiable itself.
torch::Tensor r1_penalty(const torch::Tensor& logits, const torch::Tensor& inputs, double gamma);

}  // namespace qd::train
