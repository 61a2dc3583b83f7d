#include "qd/step/augment.h"

#include <stdexcept>

#include "qd/store/value_range.h"

namespace qd::train {

namespace F = torch::nn::functional;
using torch::indexing::Slice;

namespace {

// Shifts each image by whole pixels, up to ratio * side each way; what moves in is background.
torch::Tensor translate(const torch::Tensor& x, double ratio, double background) {
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  const auto shift = [&](int64_t side) {
    const auto most = static_cast<int64_t>(static_cast<double>(side) * ratio + 0.5);
    return torch::randint(-most, most + 1, {b, 1, 1}, x.options().dtype(torch::kLong));
  };
  const torch::Tensor shift_y = shift(h);
  const torch::Tensor shift_x = shift(w);
  const auto long_options = x.options().dtype(torch::kLong);
  const auto grid = torch::meshgrid({torch::arange(b, long_options), torch::arange(h, long_options),
                                     torch::arange(w, long_options)},
                                    "ij");
  // One pixel of background around the image: a shifted index past the edge lands on it.
  const torch::Tensor padded =
      F::pad(x, F::PadFuncOptions({1, 1, 1, 1}).value(background)).permute({0, 2, 3, 1});
  const torch::Tensor ys = (grid[1] + shift_y + 1).clamp(0, h + 1);
  const torch::Tensor xs = (grid[2] + shift_x + 1).clamp(0, w + 1);
  return padded.index({grid[0], ys, xs}).permute({0, 3, 1, 2});
}

// Blanks a square of ratio * side at a random centre in each image (it may reach past an edge).
torch::Tensor cut_out(const torch::Tensor& x, double ratio, double background) {
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  const auto size_y = static_cast<int64_t>(static_cast<double>(h) * ratio + 0.5);
  const auto size_x = static_cast<int64_t>(static_cast<double>(w) * ratio + 0.5);
  const auto long_options = x.options().dtype(torch::kLong);
  const torch::Tensor top =
      torch::randint(0, h + (1 - size_y % 2), {b, 1, 1}, long_options) - size_y / 2;
  const torch::Tensor left =
      torch::randint(0, w + (1 - size_x % 2), {b, 1, 1}, long_options) - size_x / 2;
  const torch::Tensor rows = torch::arange(h, long_options).view({1, h, 1});
  const torch::Tensor cols = torch::arange(w, long_options).view({1, 1, w});
  const torch::Tensor inside =
      (rows >= top) & (rows < top + size_y) & (cols >= left) & (cols < left + size_x);
  const torch::Tensor keep = (~inside).unsqueeze(1).to(x.dtype());  // [B, 1, H, W]
  return x * keep + background * (1 - keep);
}

// Mirrors each image left to right with probability 1/2. A mirrored doodle is still a doodle of
// its category, so unlike colour or cutout this may leak into what the generator draws without
// harm; it is how StyleGAN's --mirror doubles a small dataset, here on real and fake alike.
torch::Tensor mirror(const torch::Tensor& x) {
  const torch::Tensor flipped =
      torch::randint(0, 2, {x.size(0), 1, 1, 1}, x.options().dtype(torch::kLong)).to(torch::kBool);
  return torch::where(flipped, x.flip({3}), x);
}

// Rotates each image about its centre by `degrees` [B] and zooms it by `zoom` [B] (> 1: larger),
// resampled bilinearly; what comes in from past the edges is background. Differentiable.
torch::Tensor turn_and_zoom(const torch::Tensor& x, const torch::Tensor& degrees,
                            const torch::Tensor& zoom, double background) {
  const torch::Tensor radians = degrees * (3.14159265358979323846 / 180.0);
  // affine_grid maps each output pixel to where it is read from: the inverse of the transform.
  const torch::Tensor c = torch::cos(radians) / zoom;
  const torch::Tensor s = torch::sin(radians) / zoom;
  const torch::Tensor zero = torch::zeros_like(c);
  const torch::Tensor theta =
      torch::stack({torch::stack({c, s, zero}, 1), torch::stack({-s, c, zero}, 1)}, 1);
  const torch::Tensor grid = F::affine_grid(theta.to(x.dtype()), x.sizes(), false);
  // grid_sample fills with zeros past the edges: sampled about the background, they are paper.
  const torch::Tensor sampled = F::grid_sample(x - background, grid,
                                               F::GridSampleFuncOptions()
                                                   .mode(torch::kBilinear)
                                                   .padding_mode(torch::kZeros)
                                                   .align_corners(false));
  return (sampled + background).to(x.dtype());  // bf16 autocast samples in float
}

// Per image [B]: whether a transform applies, with probability p; undefined when p is (every
// image, and no draw).
torch::Tensor chosen(const torch::Tensor& x, const torch::Tensor& p) {
  if (!p.defined()) return {};
  return torch::rand({x.size(0)}, x.options().dtype(torch::kFloat)) < p;
}

// `transformed` where `mask` says so, `x` elsewhere (everywhere `transformed` without a mask).
torch::Tensor gated(const torch::Tensor& x, const torch::Tensor& transformed,
                    const torch::Tensor& mask) {
  if (!mask.defined()) return transformed;
  return torch::where(mask.view({-1, 1, 1, 1}), transformed, x);
}

torch::Tensor augment_with(const torch::Tensor& images, const AugmentPolicy& policy,
                           double background, const torch::Tensor& p) {
  torch::Tensor x = images;
  // Each mask is drawn before its transform's own draws; with p undefined there are none, and
  // the draws are exactly those of the policy before p existed.
  if (policy.flip) {
    const torch::Tensor mask = chosen(x, p);
    x = gated(x, mirror(x), mask);
  }
  // DiffAugment's strengths for its translation,cutout policy.
  if (policy.translation) {
    const torch::Tensor mask = chosen(x, p);
    x = gated(x, translate(x, 1.0 / 8, background), mask);
  }
  // Scale and rotation in one resampling (each bilinear pass blurs thin lines a little), each
  // with its own probability: an image not chosen for one gets the identity for it.
  if (policy.scale || policy.rotation) {
    const int64_t b = x.size(0);
    const auto float_options = x.options().dtype(torch::kFloat);
    torch::Tensor zoom = torch::ones({b}, float_options);
    torch::Tensor degrees = torch::zeros({b}, float_options);
    torch::Tensor either;  // images chosen for at least one; undefined: all
    if (policy.scale) {
      const torch::Tensor mask = chosen(x, p);
      const torch::Tensor drawn = torch::exp2(torch::randn({b}, float_options) * kScaleStdLog2);
      zoom = mask.defined() ? torch::where(mask, drawn, zoom) : drawn;
      if (mask.defined()) either = mask;
    }
    if (policy.rotation) {
      const torch::Tensor mask = chosen(x, p);
      const torch::Tensor drawn = (torch::rand({b}, float_options) * 2 - 1) * kMaxRotationDegrees;
      degrees = mask.defined() ? torch::where(mask, drawn, degrees) : drawn;
      if (mask.defined()) either = either.defined() ? (either | mask) : mask;
    }
    // Images left alone keep their exact pixels, not an identity resampling's roundings.
    x = gated(x, turn_and_zoom(x, degrees, zoom, background), either);
  }
  if (policy.cutout) {
    const torch::Tensor mask = chosen(x, p);
    x = gated(x, cut_out(x, 0.5, background), mask);
  }
  return x;
}

}  // namespace

AugmentPolicy parse_augment_policy(std::string_view text) {
  AugmentPolicy policy;
  if (text == "off") return policy;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view name = text.substr(start, comma - start);
    if (name == "translation") {
      policy.translation = true;
    } else if (name == "cutout") {
      policy.cutout = true;
    } else if (name == "flip") {
      policy.flip = true;
    } else if (name == "rotation") {
      policy.rotation = true;
    } else if (name == "scale") {
      policy.scale = true;
    } else {
      throw std::invalid_argument("--augment: unknown transform '" + std::string(name) +
                                  "' (off, or any of translation, cutout, flip, rotation and "
                                  "scale, comma-separated)");
    }
    start = comma + 1;
  }
  return policy;
}

AugmentProbability parse_augment_probability(std::string_view text) {
  AugmentProbability p;
  if (text == "auto") {
    p.adaptive = true;
    return p;
  }
  try {
    p.fixed = between(0.0, 1.0).parse("--augment-p", text);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(e.what()) + " (a probability, or auto)");
  }
  return p;
}

torch::Tensor augment(const torch::Tensor& images, const AugmentPolicy& policy, double background) {
  return augment_with(images, policy, background, {});
}

torch::Tensor augment(const torch::Tensor& images, const AugmentPolicy& policy, double background,
                      const torch::Tensor& p) {
  TORCH_CHECK(p.defined() && p.dim() == 0, "augment: p must be a scalar tensor");
  return augment_with(images, policy, background, p);
}

void adapt_augment_probability(torch::Tensor& p, torch::Tensor& sums, const torch::Tensor& now,
                               double target, double speed) {
  torch::NoGradGuard no_grad;
  const torch::Tensor images = sums[1];
  const torch::Tensor r = sums[0] / images.clamp_min(1);
  const torch::Tensor moved = (p + torch::sign(r - target) * images / speed).clamp(0.0, 1.0);
  p.copy_(torch::where(now, moved, p));
  sums.mul_(torch::logical_not(now).to(sums.dtype()));
}

}  // namespace qd::train
