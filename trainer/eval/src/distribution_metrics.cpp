#include "qd/eval/distribution_metrics.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "pairwise_distances.h"

namespace qd::train {
namespace {

torch::Tensor covariance(const torch::Tensor& x, const torch::Tensor& mean) {
  const torch::Tensor centred = x - mean;
  return centred.t().matmul(centred) / static_cast<double>(x.size(0) - 1);
}

// The square root of a symmetric positive semi-definite matrix.
torch::Tensor sqrt_psd(const torch::Tensor& s) {
  const auto [values, vectors] = torch::linalg_eigh(s, "L");
  return vectors.matmul(torch::diag(values.clamp_min(0).sqrt())).matmul(vectors.t());
}

using pairwise::reduce_distances;

// Each row's squared distance to its k-th nearest other row.
torch::Tensor kth_radius(const torch::Tensor& x, int k) {
  return reduce_distances(x, x, [k](const torch::Tensor& d) {
    // The smallest k + 1 include the row itself (distance 0).
    return std::get<0>(d.topk(k + 1, 1, /*largest=*/false)).select(1, k);
  });
}

// The share of rows of `a` within the radius of some row of `b`.
double share_covered(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& radius) {
  return reduce_distances(
             a, b, [&radius](const torch::Tensor& d) { return (d <= radius.unsqueeze(0)).any(1); })
      .to(torch::kDouble)
      .mean()
      .item<double>();
}

void check_rows(const torch::Tensor& a, const torch::Tensor& b, int64_t at_least) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1)) {
    throw std::invalid_argument("feature sets of different shapes");
  }
  if (a.size(0) < at_least || b.size(0) < at_least) {
    throw std::invalid_argument("need at least " + std::to_string(at_least) +
                                " feature rows on each side");
  }
}

}  // namespace

GaussianStats gaussian_stats(const torch::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2) {
    throw std::invalid_argument("need at least 2 feature rows");
  }
  GaussianStats g;
  const torch::Tensor x = features.to(torch::kDouble);
  g.mean = x.mean(0);
  g.covariance = covariance(x, g.mean);
  g.root = sqrt_psd(g.covariance);
  return g;
}

double frechet_distance(const GaussianStats& a, const torch::Tensor& b_in) {
  if (b_in.dim() != 2 || b_in.size(1) != a.mean.size(0)) {
    throw std::invalid_argument("feature sets of different shapes");
  }
  if (b_in.size(0) < 2) throw std::invalid_argument("need at least 2 feature rows on each side");
  const torch::Tensor b = b_in.to(torch::kDouble);
  const torch::Tensor mu_b = b.mean(0);
  const torch::Tensor s_b = covariance(b, mu_b);
  torch::Tensor middle = a.root.matmul(s_b).matmul(a.root);
  middle = (middle + middle.t()) / 2;  // symmetric up to rounding
  const torch::Tensor eigenvalues = torch::linalg_eigvalsh(middle, "L");
  const double trace_root = eigenvalues.clamp_min(0).sqrt().sum().item<double>();
  const double fid = (a.mean - mu_b).pow(2).sum().item<double>() +
                     a.covariance.trace().item<double>() + s_b.trace().item<double>() -
                     2 * trace_root;
  if (!std::isfinite(fid)) throw std::invalid_argument("the Fréchet distance is not finite");
  return std::max(fid, 0.0);
}

double frechet_distance(const torch::Tensor& a, const torch::Tensor& b) {
  check_rows(a, b, 2);
  return frechet_distance(gaussian_stats(a), b);
}

KernelDistance kernel_distance(const torch::Tensor& a_in, const torch::Tensor& b_in, int subsets,
                               int64_t subset_size, uint64_t seed) {
  check_rows(a_in, b_in, 2);
  const torch::Tensor a = a_in.to(torch::kDouble);
  const torch::Tensor b = b_in.to(torch::kDouble);
  const int64_t m = std::min({a.size(0), b.size(0), subset_size});
  const double d = static_cast<double>(a.size(1));
  const auto kernel = [d](const torch::Tensor& x, const torch::Tensor& y) {
    return (x.matmul(y.t()) / d + 1).pow(3);
  };
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  // Subsets as large as both sets are all the whole sets: one is enough.
  if (m == a.size(0) && m == b.size(0)) subsets = 1;
  std::vector<double> values;
  for (int s = 0; s < subsets; ++s) {
    const torch::Tensor x =
        a.index_select(0, torch::randperm(a.size(0), generator).narrow(0, 0, m));
    const torch::Tensor y =
        b.index_select(0, torch::randperm(b.size(0), generator).narrow(0, 0, m));
    const torch::Tensor kxx = kernel(x, x);
    const torch::Tensor kyy = kernel(y, y);
    const double pairs = static_cast<double>(m * (m - 1));
    const double mmd = (kxx.sum() - kxx.trace()).item<double>() / pairs +
                       (kyy.sum() - kyy.trace()).item<double>() / pairs -
                       2 * kernel(x, y).mean().item<double>();
    values.push_back(mmd);
  }
  KernelDistance k;
  for (const double v : values) k.mean += v / static_cast<double>(values.size());
  for (const double v : values) {
    k.std += (v - k.mean) * (v - k.mean) / static_cast<double>(values.size());
  }
  k.std = std::sqrt(k.std);
  return k;
}

PrecisionRecall precision_recall(const torch::Tensor& real_in, const torch::Tensor& generated_in,
                                 int k) {
  check_rows(real_in, generated_in, k + 1);
  const torch::Tensor real = real_in.to(torch::kDouble);
  const torch::Tensor generated = generated_in.to(torch::kDouble);
  PrecisionRecall pr;
  pr.precision = share_covered(generated, real, kth_radius(real, k));
  pr.recall = share_covered(real, generated, kth_radius(generated, k));
  return pr;
}

}  // namespace qd::train
