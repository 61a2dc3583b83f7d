// The training recipe's options: DiffAugment, spectral normalisation, the hinge loss and R1, each
// checked on what it promises, then all of them through a checkpoint.
#include <cmath>

#include "drawings.h"
#include "qd/model/spectral_norm.h"
#include "qd/step/augment.h"
#include "qd/step/gan_losses.h"
#include "qd/step/gan_trainer.h"
#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;
using qd::test::drawings;

TEST_CASE("augment: translation moves the ink whole, cutout blanks it, both differentiable") {
  torch::manual_seed(3);
  const torch::Tensor x = drawings(64).requires_grad_(true);
  AugmentPolicy translation;
  translation.translation = true;
  const torch::Tensor moved = augment(x, translation, -1.0);
  // Up to 4 pixels each way: the 6x6 block stays inside, so every image keeps its 36 inked pixels.
  CHECK(torch::equal((moved > 0).sum({1, 2, 3}), torch::full({64}, 36, torch::kLong)));
  CHECK(torch::equal(moved.min(), torch::tensor(-1.0)));
  CHECK_FALSE(torch::equal(moved, x));  // some moved
  const torch::Tensor blank = torch::full({8, 1, 28, 28}, -1.0);
  CHECK(torch::equal(augment(blank, translation, -1.0), blank));  // background fills in, not 0

  AugmentPolicy cutout;
  cutout.cutout = true;
  const torch::Tensor cut = augment(x, cutout, -1.0);
  const torch::Tensor ink = (cut > 0).sum({1, 2, 3});
  CHECK((ink <= 36).all().item<bool>());
  CHECK((ink < 36).any().item<bool>());  // some squares fall on the ink
  CHECK(torch::equal(cut.min(), torch::tensor(-1.0)));

  const AugmentPolicy both = parse_augment_policy("translation,cutout");
  CHECK((both.translation && both.cutout));
  CHECK_FALSE(parse_augment_policy("off").any());
  CHECK_THROWS_WITH_AS(parse_augment_policy("translation,colour"), doctest::Contains("'colour'"),
                       std::invalid_argument);
  augment(x, both, -1.0).sum().backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().abs().sum().item<double>() > 0);  // the gradient reaches the input
  CHECK(x.grad().max().item<double>() <= 1.0);     // each output pixel comes from one input pixel

  // A step's augmentation is fixed by torch's generator.
  torch::manual_seed(5);
  const torch::Tensor a = augment(drawings(4), both, -1.0);
  torch::manual_seed(5);
  CHECK(torch::equal(a, augment(drawings(4), both, -1.0)));
}

TEST_CASE("augment: flip mirrors about half of the images left to right, differentiably") {
  torch::manual_seed(4);
  // Ink in the left third of each image only.
  torch::Tensor x = torch::full({200, 1, 28, 28}, -1.0);
  x.narrow(3, 2, 6).narrow(2, 5, 10).fill_(1.0);
  x.requires_grad_(true);
  const AugmentPolicy flip = parse_augment_policy("flip");
  CHECK((flip.flip && flip.any() && !flip.translation && !flip.cutout));
  const torch::Tensor out = augment(x, flip, -1.0);
  const auto inked = [&](int64_t column) {
    return (out.narrow(3, column, 6) > 0).any(3).any(2).any(1);
  };
  const torch::Tensor mirrored = inked(20);  // columns 2..7 mirrored are 20..25
  CHECK(torch::equal(mirrored, ~inked(2)));  // each image either mirrored or left as it was
  const int64_t n = mirrored.sum().item<int64_t>();
  CHECK(n > 70);
  CHECK(n < 130);
  CHECK(torch::equal((out > 0).sum({1, 2, 3}), (x > 0).sum({1, 2, 3})));  // the same ink, moved
  out.narrow(3, 20, 6).clamp_min(0).sum().backward();  // only mirrored images' ink lands there
  REQUIRE(x.grad().defined());
  CHECK(x.grad().sum().item<double>() == doctest::Approx(60.0 * static_cast<double>(n)));
}

TEST_CASE("spectral norm: the normalised weight's largest singular value converges to 1") {
  torch::manual_seed(1);
  SpectralNorm conv(torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).padding(1)));
  SpectralNorm dense(torch::nn::Linear(20, 5));
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 50; ++i) {
    conv->forward(torch::randn({2, 3, 8, 8}));
    dense->forward(torch::randn({2, 20}));
  }
  for (SpectralNorm* layer : {&conv, &dense}) {
    const torch::Tensor w = (*layer)->normalized_weight();
    const double sigma = torch::linalg_svdvals(w.reshape({w.size(0), -1})).max().item<double>();
    CHECK(sigma == doctest::Approx(1.0).epsilon(1e-3));
  }
  // In eval mode the estimate is left as it is.
  conv->eval();
  const torch::Tensor u = conv->named_buffers()["u"].clone();
  conv->forward(torch::randn({2, 3, 8, 8}));
  CHECK(torch::equal(u, conv->named_buffers()["u"]));
}

TEST_CASE("hinge and BCE losses on known logits") {
  const torch::Tensor real = torch::tensor({2.0, 0.5});
  const torch::Tensor fake = torch::tensor({-2.0, 0.5});
  const torch::Tensor ones = torch::ones({2});
  const torch::Tensor zeros = torch::zeros({2});
  // mean(max(0, 1 - [2, .5])) + mean(max(0, 1 + [-2, .5])) = 0.25 + 0.75
  CHECK(discriminator_loss(GanLoss::kHinge, real, fake, ones, zeros).item<double>() ==
        doctest::Approx(1.0));
  CHECK(generator_loss(GanLoss::kHinge, fake).item<double>() == doctest::Approx(0.75));
  // BCE: softplus(-x) for real targets 1, softplus(x) for 0.
  const auto softplus = [](double v) { return std::log1p(std::exp(v)); };
  CHECK(discriminator_loss(GanLoss::kBce, real, fake, ones, zeros).item<double>() ==
        doctest::Approx((softplus(-2) + softplus(-0.5)) / 2 + (softplus(-2) + softplus(0.5)) / 2));
  CHECK(generator_loss(GanLoss::kBce, fake).item<double>() ==
        doctest::Approx((softplus(2) + softplus(-0.5)) / 2));
  CHECK(parse_gan_loss("hinge") == GanLoss::kHinge);
  CHECK_THROWS_AS(parse_gan_loss("wasserstein"), std::invalid_argument);
}

TEST_CASE("R1 on a known function: gamma / 2 |w|^2 for D(x) = w.x + x0^2") {
  const torch::Tensor w = torch::tensor({1.0, -2.0, 3.0});
  const torch::Tensor x = torch::tensor({{0.0, 1.0, 2.0}, {2.0, 0.0, 0.0}}).requires_grad_(true);
  const torch::Tensor logits = (x * w).sum(1) + x.select(1, 0).pow(2);
  // grad = w + (2 x0, 0, 0): rows (1, -2, 3) and (5, -2, 3); squared norms 14 and 38.
  const torch::Tensor penalty = r1_penalty(logits, x, 0.5);
  CHECK(penalty.item<double>() == doctest::Approx(0.5 / 2 * (14 + 38) / 2));
  penalty.backward();  // differentiable: d/dx0 of gamma/2 mean (1 + 2 x0)^2 ... = gamma (1 + 2 x0)
  CHECK(x.grad()[1][0].item<double>() == doctest::Approx(0.5 / 2 * 2 * 5 * 2 / 2));
}

TEST_CASE("every recipe option through a checkpoint: training continues bit for bit") {
  qd::test::ScratchDir dir("recipe_checkpoint");
  const auto images = torch::randint(0, 256, {16, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
  const auto labels = torch::zeros({16}, torch::kLong);
  TrainSettings s;
  s.seed = 4;
  s.augment = "translation,cutout";
  s.loss = GanLoss::kHinge;
  s.spectral_norm = true;
  s.r1 = 0.2;
  s.r1_every = 2;
  ModelConfig m;
  m.arch = Arch::kSmall;
  GanTrainer straight(m, s, torch::kCPU);
  for (int i = 0; i < 5; ++i) straight.step(images, labels);
  GanTrainer first(m, s, torch::kCPU);
  for (int i = 0; i < 3; ++i) first.step(images, labels);
  first.save((dir / "step-3.pt").string());
  GanTrainer resumed(m, s, torch::kCPU);
  resumed.load((dir / "step-3.pt").string());
  for (int i = 0; i < 2; ++i) resumed.step(images, labels);
  const auto dp = resumed.discriminator()->named_parameters();
  for (const auto& p : straight.discriminator()->named_parameters()) {
    CHECK_MESSAGE(torch::equal(p.value(), dp[p.key()]), p.key());
  }
  const auto db = resumed.discriminator()->named_buffers();
  size_t vectors = 0;
  for (const auto& b : straight.discriminator()->named_buffers()) {
    CHECK_MESSAGE(torch::equal(b.value(), db[b.key()]), b.key());
    vectors += b.key().size() >= 2 && (b.key().substr(b.key().size() - 2) == ".u");
  }
  CHECK(vectors == 4);  // small's D: four convolutions, each normalised
  const auto gp = resumed.generator()->named_parameters();
  for (const auto& p : straight.generator()->named_parameters()) {
    CHECK_MESSAGE(torch::equal(p.value(), gp[p.key()]), p.key());
  }
  // Without spectral norm the checkpoint has no u and v: loading it is refused.
  TrainSettings plain = s;
  plain.spectral_norm = false;
  GanTrainer other(m, plain, torch::kCPU);
  CHECK_THROWS(other.load((dir / "step-3.pt").string()));
}
