#pragma once
// Walks through a generator's latent space by spherical interpolation (slerp), as qd_sample
// --interpolate animates them: the noise is normal, so its points lie near a sphere, and walking
// along great circles keeps every frame's noise as typical as the points it joins (a straight
// line between two of them passes nearer the centre, where the generator saw little noise).

#include <torch/types.h>

#include <cstdint>

namespace qd::train {

// Row by row, the point a fraction t of the way from a to b (both [n, latent]) along the great
// circle through them, their lengths interpolated linearly; straight-line interpolation where
// the two are (anti)parallel.
torch::Tensor slerp(const torch::Tensor& a, const torch::Tensor& b, double t);

// A closed loop through `keys` [K, walks, latent]: `between` frames from each key towards the
// next, and from the last back to the first, [K * between, walks, latent]; frame k * between is
// key k, so the last frame leads smoothly into the first.
torch::Tensor latent_loop(const torch::Tensor& keys, int64_t between);

}  // namespace qd::train
