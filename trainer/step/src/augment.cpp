#include "qd/step/augment.h"

#include <stdexcept>

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
    } else {
      throw std::invalid_argument("--augment: unknown transform '" + std::string(name) +
                                  "' (off, or any of translation, cutout and flip, "
                                  "comma-separated)");
    }
    start = comma + 1;
  }
  return policy;
}

torch::Tensor augment(const torch::Tensor& images, const AugmentPolicy& policy, double background) {
  torch::Tensor x = images;
  if (policy.flip) x = mirror(x);
  // DiffAugment's strengths for its translation,cutout policy.
  if (policy.translation) x = translate(x, 1.0 / 8, background);
  if (policy.cutout) x = cut_out(x, 0.5, background);
  return x;
}

}  // namespace qd::train
