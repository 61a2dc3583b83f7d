#include "qd/eval/latent_walk.h"

#include <torch/torch.h>

#include <stdexcept>
#include <vector>

namespace qd::train {

torch::Tensor slerp(const torch::Tensor& a, const torch::Tensor& b, double t) {
  const torch::Tensor length_a = a.norm(2, -1, /*keepdim=*/true);
  const torch::Tensor length_b = b.norm(2, -1, /*keepdim=*/true);
  const torch::Tensor unit_a = a / length_a.clamp_min(1e-12);
  const torch::Tensor unit_b = b / length_b.clamp_min(1e-12);
  const torch::Tensor omega = (unit_a * unit_b).sum(-1, true).clamp(-1.0, 1.0).acos();
  const torch::Tensor sin_omega = omega.sin();
  // Along the circle, between unit vectors; where they are (nearly) parallel the circle is
  // undefined and the straight line is as good.
  const torch::Tensor along =
      (((1 - t) * omega).sin() * unit_a + (t * omega).sin() * unit_b) / sin_omega.clamp_min(1e-6);
  const torch::Tensor direction =
      torch::where(sin_omega > 1e-6, along, (1 - t) * unit_a + t * unit_b);
  return direction * ((1 - t) * length_a + t * length_b);
}

torch::Tensor latent_loop(const torch::Tensor& keys, int64_t between) {
  if (keys.dim() != 3 || keys.size(0) < 2 || between < 1) {
    throw std::invalid_argument("latent_loop: need keys [K >= 2, walks, latent] and between >= 1");
  }
  const int64_t count = keys.size(0);
  std::vector<torch::Tensor> frames;
  frames.reserve(static_cast<size_t>(count * between));
  for (int64_t k = 0; k < count; ++k) {
    const torch::Tensor from = keys[k];
    const torch::Tensor to = keys[(k + 1) % count];
    for (int64_t f = 0; f < between; ++f) {
      frames.push_back(slerp(from, to, static_cast<double>(f) / static_cast<double>(between)));
    }
  }
  return torch::stack(frames);
}

}  // namespace qd::train
