// The memorisation check: copies of training rows are found, new rows from the same distribution
// sit as far from the training set as held-out ones.
#include "qd/eval/memorisation.h"

#include "torch_doctest.h"

using namespace qd::train;

TEST_CASE("memorisation: nearest distances match a brute-force search, in any block") {
  torch::manual_seed(1);
  const auto training = torch::randn({300, 8});
  const auto rows = torch::randn({1100, 8});  // three blocks
  torch::Tensor index;
  const auto nearest = nearest_distances(rows, training, &index);
  const auto brute = torch::cdist(rows.to(torch::kFloat64), training.to(torch::kFloat64));
  const auto [expected, which] = brute.min(1);
  CHECK(torch::allclose(nearest, expected, 1e-9, 1e-9));
  CHECK(torch::equal(index, which));
}

TEST_CASE("memorisation: copies of training rows are copies, fresh rows are not") {
  torch::manual_seed(2);
  const auto training = torch::randn({2000, 16});
  const auto held_out = torch::randn({1000, 16});
  const auto fresh = torch::randn({1000, 16});
  const Memorisation honest = memorisation(training, held_out, fresh);
  CHECK(honest.ratio == doctest::Approx(1.0).epsilon(0.05));
  CHECK(honest.held_out_copies == doctest::Approx(0.01).epsilon(0.2));
  CHECK(honest.copies < 0.03);

  // Half the generated rows are training rows with a little noise: the median halves, and about
  // half are copies.
  auto copied = fresh.clone();
  copied.narrow(0, 0, 600).copy_(training.narrow(0, 0, 600) + 0.01 * torch::randn({600, 16}));
  const Memorisation copier = memorisation(training, held_out, copied);
  CHECK(copier.ratio < 0.5);
  CHECK(copier.copies == doctest::Approx(0.6).epsilon(0.05));
  CHECK(copier.generated == 1000);
  CHECK(copier.held_out == 1000);
}

TEST_CASE("memorisation: empty sides and different widths are refused") {
  CHECK_THROWS_AS(memorisation(torch::zeros({0, 4}), torch::zeros({3, 4}), torch::zeros({3, 4})),
                  std::invalid_argument);
  CHECK_THROWS_WITH(memorisation(torch::zeros({5, 4}), torch::zeros({3, 4}), torch::zeros({3, 5})),
                    "memorisation: generated rows are 5 wide, the training rows 4");
}
