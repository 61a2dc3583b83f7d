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

// LeCam regularisation (Tseng et al., "Regularizing Generative Adversarial Networks under
// Limited Data", CVPR 2021): lambda * (mean(relu(D(x) - ema_fake)^2) + mean(relu(ema_real -
// D(G(z)))^2)), `ema` [2] holding the moving averages of D's mean logit on real and on fake
// images. Differentiable with respect to the logits.
torch::Tensor lecam_penalty(const torch::Tensor& logits_real, const torch::Tensor& logits_fake,
                            const torch::Tensor& ema, double lambda);
// D's mean logit on real and on fake images [2], without gradient.
torch::Tensor mean_logits(const torch::Tensor& logits_real, const torch::Tensor& logits_fake);
// ema = decay * ema + (1 - decay) * means (mean_logits'), in place.
void update_lecam_averages(torch::Tensor& ema, const torch::Tensor& means, double decay);

// Balanced consistency regularisation (bCR, Zhao et al., "Improved Consistency Regularization
// for GANs", AAAI 2021): lambda * (mean((D(x_a) - D(x_b))^2) over real images + the same over
// fake ones), the logits of two augmentations a and b of each image.
torch::Tensor consistency_penalty(const torch::Tensor& real_a, const torch::Tensor& real_b,
                                  const torch::Tensor& fake_a, const torch::Tensor& fake_b,
                                  double lambda);

}  // namespace qd::train
