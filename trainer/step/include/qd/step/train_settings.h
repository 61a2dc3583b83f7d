#pragma once
// What one training step computes, beyond the model: optimizers, targets, noise, averaging, seed.

#include <cstdint>
#include <string>

#include "qd/step/gan_losses.h"

namespace qd::train {

struct TrainSettings {
  double lr_g = 2e-4;
  double lr_d = 2e-4;
  double beta1 = 0.5;
  double beta2 = 0.999;
  // One-sided: the discriminator's target for real images is 1 - this.
  double label_smoothing = 0.0;
  // The probability that each of the discriminator's targets is flipped.
  double label_noise = 0.0;
  // Std-dev of Gaussian noise added to D's inputs at step 0, decaying linearly to 0 at step
  // instance_noise_steps, whatever the run's length (so extending a run changes nothing before).
  double instance_noise = 0.0;
  int64_t instance_noise_steps = 1000;
  // > 0: keep an exponential moving average of the generator's weights (this decay per step,
  // smaller during the first steps) and draw samples from it; GAN samples from averaged weights
  // are markedly cleaner than from the last step's (Yazici et al., ICLR 2019).
  double ema_decay = 0.0;
  // What the discriminator sees of every image, real and generated: "off" or DiffAugment
  // transforms (augment.h).
  std::string augment = "off";
  // The probability that each transform is applied to each image: "0".."1", or "auto" (ADA:
  // from 0, moved every kAdaInterval steps towards D's sign(logits) on reals averaging
  // ada_target, by the images of those steps / ada_speed).
  std::string augment_p = "1";
  double ada_target = 0.6;
  int64_t ada_speed = 100000;
  // > 0: LeCam's lambda (Tseng et al. 2021), anchoring D's logits to moving averages (this decay
  // per step) of its mean logits on the other side.
  double lecam = 0.0;
  double lecam_decay = 0.99;
  // > 0: balanced consistency regularisation's lambda (Zhao et al. 2021): D's logits on two
  // augmentations of the same image, real or fake, pulled together.
  double bcr = 0.0;
  GanLoss loss = GanLoss::kBce;
  bool spectral_norm = false;  // on the discriminator's convolutions and dense layers
  // > 0: R1's gamma, the penalty on the discriminator's gradient at real images, computed every
  // r1_every steps and weighted by r1_every (lazy regularisation, StyleGAN2).
  double r1 = 0.0;
  int64_t r1_every = 1;
  uint64_t seed = 0;
};

}  // namespace qd::train
