// Latent walks: spherical interpolation between points, and a closed loop through them.
#include "qd/eval/latent_walk.h"

#include "torch_doctest.h"

using namespace qd::train;

TEST_CASE("slerp: the ends, the great circle between, lengths between theirs") {
  torch::manual_seed(1);
  const torch::Tensor a = torch::randn({5, 100});
  const torch::Tensor b = torch::randn({5, 100});
  CHECK(torch::allclose(slerp(a, b, 0), a, 1e-5, 1e-5));
  CHECK(torch::allclose(slerp(a, b, 1), b, 1e-5, 1e-5));
  // Halfway: the direction bisects the two, at equal angles to each.
  const torch::Tensor mid = slerp(a, b, 0.5);
  const auto cosine = [](const torch::Tensor& x, const torch::Tensor& y) {
    return (x * y).sum(-1) / (x.norm(2, -1) * y.norm(2, -1));
  };
  CHECK(torch::allclose(cosine(mid, a), cosine(mid, b), 1e-4, 1e-4));
  CHECK(torch::allclose(mid.norm(2, -1), (a.norm(2, -1) + b.norm(2, -1)) / 2, 1e-4, 1e-4));
  // Not the straight line: its midpoint is shorter than the ends.
  CHECK((mid.norm(2, -1) > ((a + b) / 2).norm(2, -1)).all().item<bool>());
  // Parallel points: along the line, no division by zero.
  const torch::Tensor twice = slerp(a, 2 * a, 0.5);
  CHECK(torch::allclose(twice, 1.5 * a, 1e-4, 1e-4));
  CHECK_FALSE(twice.isnan().any().item<bool>());
}

TEST_CASE("latent_loop: every key on its frame, small steps, back to the start") {
  torch::manual_seed(2);
  const torch::Tensor keys = torch::randn({4, 3, 100});  // 4 points, 3 walks
  const torch::Tensor loop = latent_loop(keys, 10);
  REQUIRE(loop.sizes() == torch::IntArrayRef({40, 3, 100}));
  for (int64_t k = 0; k < 4; ++k) CHECK(torch::allclose(loop[k * 10], keys[k], 1e-5, 1e-5));
  // Neighbouring frames (the last and the first included) are nearer than the keys are.
  const torch::Tensor next = torch::roll(loop, -1, 0);
  const float largest_step = (next - loop).norm(2, -1).max().item<float>();
  const float smallest_key_gap = (torch::roll(keys, -1, 0) - keys).norm(2, -1).min().item<float>();
  CHECK(largest_step < smallest_key_gap / 5);
  CHECK_THROWS_AS(latent_loop(keys.narrow(0, 0, 1), 10), std::invalid_argument);
}
