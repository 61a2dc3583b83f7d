#pragma once
// Differentiable augmentation of everything the discriminator sees (DiffAugment, Zhao et al.,
// NeurIPS 2020): real and generated images alike, in both networks' steps, so the discriminator
// cannot memorise a small training set while the generator still learns the true distribution.

#include <torch/torch.h>

#include <string>
#include <string_view>

namespace qd::train {

// Which transforms, each drawn anew per image from torch's generator (so a step's augmentation
// is fixed by its seed).
struct AugmentPolicy {
  bool translation = false;  // shift by up to 1/8 of the side in x and y, background filling in
  bool cutout = false;       // blank a square of half the side at a random place
  bool flip = false;         // mirror left to right, half of the images
  bool any() const { return translation || cutout || flip; }
};

// "off", or transforms joined by commas: "translation", "cutout", "flip". Throws
// std::invalid_argument naming an unknown one.
AugmentPolicy parse_augment_policy(std::string_view text);

// `images` [B, C, H, W] with `background` the value of an empty pixel (-1 or 0: a drawing's
// paper; DiffAugment's zero would be grey ink in [-1, 1]), transformed by `policy`.
// Differentiable with respect to `images`.
torch::Tensor augment(const torch::Tensor& images, const AugmentPolicy& policy, double background);

}  // namespace qd::train
