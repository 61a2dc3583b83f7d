// Squared Euclidean distances between two sets of rows, reduced a block of rows at a time: the
// one place precision/recall (distribution_metrics.cpp) and the memorisation check
// (memorisation.cpp) compare feature sets. Private to qd::eval.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace qd::train::pairwise {

// Squared distances between the rows of `a` and of `b`, [N_a, N_b].
inline torch::Tensor squared_distances(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor aa = (a * a).sum(1, true);
  const torch::Tensor bb = (b * b).sum(1, true).t();
  return (aa + bb - 2 * a.matmul(b.t())).clamp_min(0);
}

// Distances handled at a time: 64 MiB of doubles. The whole [N, N] matrix of seventeen
// categories' 21,250 drawings a side is 3.6 GB a copy, and its temporaries ran a 24 GiB
// machine out of memory.
inline constexpr int64_t kBlockElements = int64_t{8} << 20;

// `reduce` of each row of `a`'s squared distances to the rows of `b` (one value per row), a
// block of rows at a time; `reduce` sees the blocks in order.
template <class Reduce>
torch::Tensor reduce_distances(const torch::Tensor& a, const torch::Tensor& b, Reduce reduce) {
  const int64_t rows = std::max<int64_t>(1, kBlockElements / std::max<int64_t>(1, b.size(0)));
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < a.size(0); start += rows) {
    parts.push_back(
        reduce(squared_distances(a.narrow(0, start, std::min(rows, a.size(0) - start)), b)));
  }
  return torch::cat(parts);
}

}  // namespace qd::train::pairwise
