// FID, KID and precision/recall: closed forms, invariants, and an independent computation (SciPy).
#include "qd/eval/distribution_metrics.h"

#include <cmath>
#include <string>

#include "qd/store/npy.h"
#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;

namespace {

// Four points with mean 0 and the diagonal covariance diag(2/3, 8/3) (unbiased).
torch::Tensor cross_set(double scale, double shift) {
  return torch::tensor({1.0, 0.0, -1.0, 0.0, 0.0, 2.0, 0.0, -2.0}, torch::kDouble).view({4, 2}) *
             scale +
         torch::tensor({shift, 0.0}, torch::kDouble);
}

}  // namespace

TEST_CASE("FID: the closed form for commuting covariances, 0 for a set with itself") {
  // |(3,0)|^2 + (sqrt(2/3) - sqrt(8/3))^2 + (sqrt(8/3) - sqrt(32/3))^2 = 9 + 2/3 + 8/3
  CHECK(frechet_distance(cross_set(1, 0), cross_set(2, 3)) ==
        doctest::Approx(37.0 / 3).epsilon(1e-12));
  torch::manual_seed(1);
  const torch::Tensor a = torch::randn({300, 16}, torch::kDouble);
  CHECK(frechet_distance(a, a) == doctest::Approx(0).epsilon(1e-9));
  CHECK_THROWS_AS(frechet_distance(a.narrow(0, 0, 1), a), std::invalid_argument);
}

TEST_CASE("FID agrees with SciPy's to 4 significant digits") {
  qd::test::ScratchDir dir("fid_scipy");
  torch::manual_seed(2);
  const torch::Tensor a = torch::randn({700, 64}, torch::kDouble);
  const torch::Tensor b = torch::randn({700, 64}, torch::kDouble) * 1.3 + 0.2;
  for (const auto& [name, t] : {std::pair{"a.npy", &a}, std::pair{"b.npy", &b}}) {
    qd::NpyWriter npy((dir / name).string(), "<f8", {64});
    npy.append(t->contiguous().data_ptr<double>(), 700);
    npy.commit();
  }
  const std::string script =
      "import numpy as np, scipy.linalg as L\n"
      "a = np.load('" +
      (dir / "a.npy").string() + "'); b = np.load('" + (dir / "b.npy").string() +
      "')\n"
      "m1, m2 = a.mean(0), b.mean(0); s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)\n"
      "r = L.sqrtm(s1 @ s2).real\n"
      "print(repr(float(((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * r))))\n";
  qd::test::write_file(dir / "fid.py", script);
  const auto r = qd::test::run_command(std::string(QD_PYTHON) + " " + (dir / "fid.py").string());
  if (r.exit_code != 0 && r.output.find("No module named 'scipy'") != std::string::npos) {
    MESSAGE("skipped: python3-scipy is not installed (scripts/setup.sh installs it)");
    return;
  }
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const double scipy = std::stod(r.output);
  const double ours = frechet_distance(a, b);
  MESSAGE("FID: qd " << ours << ", SciPy " << scipy);
  CHECK(std::abs(ours - scipy) <= 1e-4 * std::abs(scipy));
}

TEST_CASE("KID: near 0 for two samples of one distribution, large for different ones") {
  torch::manual_seed(3);
  const torch::Tensor a = torch::randn({400, 32}, torch::kDouble);
  const torch::Tensor same = torch::randn({400, 32}, torch::kDouble);
  const torch::Tensor other = torch::randn({400, 32}, torch::kDouble) + 1.0;
  const KernelDistance near = kernel_distance(a, same, 20, 200, 7);
  const KernelDistance far = kernel_distance(a, other, 20, 200, 7);
  CHECK(std::abs(near.mean) < 0.05);
  CHECK(far.mean > 20 * std::abs(near.mean) + 0.1);
  CHECK(near.std > 0);  // subsets of 200 of 400 differ
  // Deterministic for a seed.
  CHECK(kernel_distance(a, other, 20, 200, 7).mean == far.mean);
}

TEST_CASE("precision and recall: 1 for a set with itself, 0 for one far away, one-sided cases") {
  torch::manual_seed(4);
  const torch::Tensor a = torch::randn({200, 8}, torch::kDouble);
  const PrecisionRecall self = precision_recall(a, a);
  CHECK(self.precision == 1.0);
  CHECK(self.recall == 1.0);
  const PrecisionRecall far = precision_recall(a, a + 100.0);
  CHECK(far.precision == 0.0);
  CHECK(far.recall == 0.0);
  // Generated images all on a few real ones: precise, but they cover little of the real set.
  const PrecisionRecall collapsed = precision_recall(a, a.narrow(0, 0, 5).repeat({40, 1}));
  CHECK(collapsed.precision == 1.0);
  CHECK(collapsed.recall < 0.3);
}

TEST_CASE("precision and recall: sets larger than one block of distances give the whole matrix's") {
  // 3,000 a side is two blocks of rows (at most 8M distances each): the k-th-neighbour radii and
  // the coverage must not depend on where a block ends.
  torch::manual_seed(5);
  const torch::Tensor real = torch::randn({3000, 4}, torch::kDouble);
  const torch::Tensor generated = 0.7 * torch::randn({2900, 4}, torch::kDouble) + 0.3;
  const auto radius = [](const torch::Tensor& x) {
    return std::get<0>(torch::cdist(x, x).pow(2).topk(4, 1, /*largest=*/false)).select(1, 3);
  };
  const torch::Tensor cross = torch::cdist(generated, real).pow(2);
  const double precision =
      (cross <= radius(real).unsqueeze(0)).any(1).to(torch::kDouble).mean().item<double>();
  const double recall =
      (cross.t() <= radius(generated).unsqueeze(0)).any(1).to(torch::kDouble).mean().item<double>();
  const PrecisionRecall pr = precision_recall(real, generated);
  CHECK(pr.precision == doctest::Approx(precision).epsilon(1e-3));
  CHECK(pr.recall == doctest::Approx(recall).epsilon(1e-3));
  CHECK(pr.precision > 0.5);
  CHECK(pr.recall < pr.precision);  // the narrower generated set covers less of the real one
}
