#pragma once
// Differentiable augmentation of everything the discriminator sees (DiffAugment, Zhao et al.,
// NeurIPS 2020): real and generated images alike, in both networks' steps, so the discriminator
// cannot memorise a small training set while the generator still learns the true distribution.
// Each transform may be applied with a probability p per image, fixed or adapted as training goes
// (ADA, Karras et al., NeurIPS 2020), so that augmentations that would otherwise leak into the
// generator's drawings (cutout, rotation) do not.

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace qd::train {

// Which transforms, each drawn anew per image from torch's generator (so a step's augmentation
// is fixed by its seed).
struct AugmentPolicy {
  bool translation = false;  // shift by up to 1/8 of the side in x and y, background filling in
  bool cutout = false;       // blank a square of half the side at a random place
  bool flip = false;         // mirror left to right, half of the images
  bool rotation = false;  // rotate by up to kMaxRotationDegrees either way, background filling in
  bool scale = false;     // zoom in or out, lognormal (ADA's), background filling in
  bool any() const { return translation || cutout || flip || rotation || scale; }
};

// rotation: a doodle turned a little is still a doodle of its category; ADA turns by anything,
// which only works while p stays low enough that upside-down drawings do not leak.
inline constexpr double kMaxRotationDegrees = 15.0;
// scale: the zoom factor is 2^(N(0, 1) * this), ADA's isotropic scaling.
inline constexpr double kScaleStdLog2 = 0.2;

// "off", or transforms joined by commas: "translation", "cutout", "flip", "rotation", "scale".
// Throws std::invalid_argument naming an unknown one.
AugmentPolicy parse_augment_policy(std::string_view text);

// --augment-p: the probability that each transform is applied to each image, a number in 0..1,
// or "auto" (ADA: adapted to the discriminator's overfitting, starting at 0).
struct AugmentProbability {
  bool adaptive = false;
  double fixed = 1.0;  // when not adaptive
};
// Throws std::invalid_argument naming --augment-p and the text.
AugmentProbability parse_augment_probability(std::string_view text);

// `images` [B, C, H, W] with `background` the value of an empty pixel (-1 or 0: a drawing's
// paper; DiffAugment's zero would be grey ink in [-1, 1]), transformed by `policy`: every
// transform applied to every image. Differentiable with respect to `images`.
torch::Tensor augment(const torch::Tensor& images, const AugmentPolicy& policy, double background);

// The same with each transform applied to each image with probability `p` (a scalar tensor on
// the images' device, read without waiting for it), drawn independently per image and transform
// besides the transforms' own draws: p = 0 returns the images as they are, p = 1 applies every
// transform (with more draws than the function above, so other images).
torch::Tensor augment(const torch::Tensor& images, const AugmentPolicy& policy, double background,
                      const torch::Tensor& p);

// ADA adjusts p every this many steps (as StyleGAN2-ADA's ada_interval).
inline constexpr int64_t kAdaInterval = 4;

// ADA's rule (Karras et al. 2020, section 3): given the sums over some steps of sign(D(x)) on
// the real images and of the images counted [2], moves p [scalar] by sign(r - target) * images /
// speed, r = the mean sign, clamped to 0..1, in place, where `now` (a boolean scalar) is true;
// then zeroes the sums where `now`. All on the device: nothing waits for it.
void adapt_augment_probability(torch::Tensor& p, torch::Tensor& sums, const torch::Tensor& now,
                               double target, double speed);

}  // namespace qd::train
