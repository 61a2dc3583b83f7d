#pragma once
// How close a set of generated images is to the real ones, as the field measures it, in a
// classifier's feature space (float64 [N, D] rows): the Fréchet distance (FID), the kernel
// distance (KID) and precision/recall (Kynkäänniemi et al., 2019).

#include <torch/types.h>

#include <cstdint>

namespace qd::train {

// |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2), in float64, the matrix square
// roots through symmetric eigendecompositions (eigenvalues below 0 from rounding count as 0).
// Throws std::invalid_argument for fewer than 2 rows or a result that is not finite.
double frechet_distance(const torch::Tensor& a, const torch::Tensor& b);

// What FID needs of one side, float64: the mean, the covariance and its square root. Computed
// once for a set compared with many (the real images of a run evaluated as it trains).
struct GaussianStats {
  torch::Tensor mean, covariance, root;
};
GaussianStats gaussian_stats(const torch::Tensor& features);  // throws for fewer than 2 rows
double frechet_distance(const GaussianStats& a, const torch::Tensor& b);

struct KernelDistance {
  double mean = 0;
  double std = 0;  // over the subsets
};
// The unbiased squared MMD with the kernel (x.y / D + 1)^3, over `subsets` random subsets of
// min(N_a, N_b, subset_size) rows of each (drawn with `seed`): its mean and standard deviation
// (one subset, std 0, when that is every row of both).
KernelDistance kernel_distance(const torch::Tensor& a, const torch::Tensor& b, int subsets = 100,
                               int64_t subset_size = 1000, uint64_t seed = 0);

struct PrecisionRecall {
  double precision = 0;  // share of generated rows inside the real set's k-NN balls
  double recall = 0;     // share of real rows inside the generated set's k-NN balls
};
// Each row's ball reaches its k-th nearest neighbour within its own set.
PrecisionRecall precision_recall(const torch::Tensor& real, const torch::Tensor& generated,
                                 int k = 3);

}  // namespace qd::train
