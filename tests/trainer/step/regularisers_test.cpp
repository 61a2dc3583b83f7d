// Regularisers for training on little data: the augmentation probability and ADA's rule, the
// geometric transforms, LeCam and bCR, each on what it promises, then all of them through a
// checkpoint (recipe_options_test.cpp has the older recipe options).
#include <cmath>

#include "drawings.h"
#include "qd/model/networks.h"
#include "qd/step/augment.h"
#include "qd/step/gan_losses.h"
#include "qd/step/gan_trainer.h"
#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;
using qd::test::drawings;

namespace {

// Per image: whether any pixel differs.
torch::Tensor changed(const torch::Tensor& a, const torch::Tensor& b) {
  return (a != b).flatten(1).any(1);
}

double scalar(const torch::Tensor& t) {
  return t.item<double>();
}

}  // namespace

TEST_CASE("ADA's rule: p rises while D calls reals real more than the target, falls otherwise") {
  const double target = 0.6;
  const double speed = 160;  // 16 images move p by 0.1
  torch::Tensor p = torch::full({}, 0.5);
  torch::Tensor sums = torch::tensor({8.0, 16.0});  // r = 0.5 < 0.6: D is not overconfident
  const torch::Tensor now = torch::ones({}, torch::kBool);
  adapt_augment_probability(p, sums, now, target, speed);
  CHECK(scalar(p) == doctest::Approx(0.4));
  CHECK(torch::equal(sums, torch::zeros({2})));  // a new interval starts
  sums.copy_(torch::tensor({16.0, 16.0}));       // r = 1: every real called real
  adapt_augment_probability(p, sums, now, target, speed);
  CHECK(scalar(p) == doctest::Approx(0.5));
  // Not an adjusting step: p stays, the sums keep accumulating.
  sums.copy_(torch::tensor({12.0, 16.0}));
  adapt_augment_probability(p, sums, torch::zeros({}, torch::kBool), target, speed);
  CHECK(scalar(p) == doctest::Approx(0.5));
  CHECK(torch::equal(sums, torch::tensor({12.0, 16.0})));
  // Clamped to 0..1: 64 images would move p by 0.4.
  p.fill_(0.9);
  sums.copy_(torch::tensor({64.0, 64.0}));
  adapt_augment_probability(p, sums, now, target, speed);
  CHECK(scalar(p) == 1.0);
  p.fill_(0.1);
  sums.copy_(torch::tensor({-64.0, 64.0}));
  adapt_augment_probability(p, sums, now, target, speed);
  CHECK(scalar(p) == 0.0);
  // r exactly on the target: p stays.
  p.fill_(0.3);
  sums.copy_(torch::tensor({6.0, 10.0}));
  adapt_augment_probability(p, sums, now, target, speed);
  CHECK(scalar(p) == doctest::Approx(0.3));
}

TEST_CASE("--augment-p: a probability in 0..1 or auto, anything else refused naming the option") {
  CHECK(parse_augment_probability("auto").adaptive);
  CHECK(parse_augment_probability("0.25").fixed == 0.25);
  CHECK_FALSE(parse_augment_probability("1").adaptive);
  CHECK(parse_augment_probability("0").fixed == 0.0);
  for (const char* bad : {"1.5", "-0.1", "often", "", "nan", "0.5x"}) {
    CHECK_THROWS_WITH_AS(parse_augment_probability(bad), doctest::Contains("--augment-p"),
                         std::invalid_argument);
  }
  CHECK_THROWS_WITH(parse_augment_probability("2"), doctest::Contains("or auto"));
  const AugmentPolicy geometric = parse_augment_policy("rotation,scale");
  CHECK((geometric.rotation && geometric.scale && geometric.any() && !geometric.flip));
  CHECK_THROWS_WITH(parse_augment_policy("shear"), doctest::Contains("rotation and scale"));
}

TEST_CASE("augment with p: 0 leaves every image as it is, whatever the policy") {
  torch::manual_seed(1);
  const AugmentPolicy all = parse_augment_policy("flip,translation,scale,rotation,cutout");
  const torch::Tensor x = drawings(32) + 0.01 * torch::randn({32, 1, 28, 28});
  CHECK(torch::equal(augment(x, all, -1.0, torch::zeros({})), x));
  CHECK_FALSE(torch::equal(augment(x, all, -1.0, torch::ones({})), x));
}

TEST_CASE("augment without p (--augment-p 1): today's transforms with today's draws, no others") {
  // Today's augment applies flip, translation and cutout in turn, each drawing its own values:
  // the same as one transform at a time from the same seed, and leaving torch's generator where
  // those draws leave it (a mask drawn per transform would move it further).
  const torch::Tensor x = drawings(16);
  const AugmentPolicy policy = parse_augment_policy("translation,cutout,flip");
  torch::manual_seed(9);
  const torch::Tensor together = augment(x, policy, -1.0);
  const torch::Tensor next_draw = torch::rand({4});
  torch::manual_seed(9);
  torch::Tensor one_by_one = augment(x, parse_augment_policy("flip"), -1.0);
  one_by_one = augment(one_by_one, parse_augment_policy("translation"), -1.0);
  one_by_one = augment(one_by_one, parse_augment_policy("cutout"), -1.0);
  CHECK(torch::equal(together, one_by_one));
  CHECK(torch::equal(torch::rand({4}), next_draw));
  // The draws of today's transforms, written out: flip's coin, translation's two shifts,
  // cutout's two corners, each a [B] tensor of int64.
  torch::manual_seed(9);
  torch::randint(0, 2, {16, 1, 1, 1}, torch::kLong);
  for (int i = 0; i < 2; ++i) torch::randint(-4, 5, {16, 1, 1}, torch::kLong);
  for (int i = 0; i < 2; ++i) torch::randint(0, 29, {16, 1, 1}, torch::kLong);
  CHECK(torch::equal(torch::rand({4}), next_draw));
}

TEST_CASE("augment with p = 0.5: each image transformed or not, about half of them") {
  torch::manual_seed(2);
  const torch::Tensor x = drawings(400);
  // Rotation changes an image's pixels for every angle but exactly 0.
  const torch::Tensor out =
      augment(x, parse_augment_policy("rotation"), -1.0, torch::full({}, 0.5));
  const torch::Tensor moved = changed(out, x);
  const int64_t n = moved.sum().item<int64_t>();
  MESSAGE(n << " of 400 rotated");
  CHECK(n > 160);
  CHECK(n < 240);
  // The others are exactly as they were.
  const torch::Tensor kept = ~moved;
  CHECK(torch::equal(out.index({kept}), x.index({kept})));
  // Independent per transform: with two transforms, some images get one, some both, some none.
  torch::manual_seed(3);
  const torch::Tensor shifted_and_cut =
      augment(x, parse_augment_policy("translation,cutout"), -1.0, torch::full({}, 0.5));
  const int64_t touched = changed(shifted_and_cut, x).sum().item<int64_t>();
  CHECK(touched > 200);  // 1 - 0.25 of them, less the zero shifts and cuts beside the ink
  CHECK(touched < 330);
}

TEST_CASE(
    "rotation and scale: shapes kept, background fills in, differentiable, blank stays blank") {
  torch::manual_seed(5);
  const AugmentPolicy rotation = parse_augment_policy("rotation");
  const AugmentPolicy scale = parse_augment_policy("scale");
  const AugmentPolicy both = parse_augment_policy("rotation,scale");
  // Colour, 32x32: the shape is kept.
  const torch::Tensor colour = torch::rand({6, 3, 32, 32}) * 2 - 1;
  CHECK(augment(colour, both, -1.0).sizes() == colour.sizes());
  // A blank page stays blank (-1, and 0 for [0, 1] networks), exactly.
  for (const double background : {-1.0, 0.0}) {
    const torch::Tensor blank = torch::full({8, 1, 28, 28}, background);
    CHECK(torch::equal(augment(blank, both, background), blank));
  }
  // A page all ink: turning it brings paper in at the corners, never anything outside -1..1.
  const torch::Tensor ink = torch::ones({64, 1, 28, 28});
  const torch::Tensor turned = augment(ink, rotation, -1.0);
  CHECK(turned.min().item<double>() >= -1.0 - 1e-6);
  CHECK(turned.max().item<double>() <= 1.0 + 1e-6);
  CHECK(turned.select(2, 0).select(2, 0).min().item<double>() < -0.9);  // a corner is paper
  // Zooming out brings paper in at the edges; zooming in keeps the page inked: about half each.
  const torch::Tensor zoomed = augment(ink, scale, -1.0);
  const torch::Tensor edge_inked = zoomed.select(2, 0).select(2, 0).squeeze(1) > 0.99;
  const int64_t in = edge_inked.sum().item<int64_t>();
  CHECK(in > 16);
  CHECK(in < 48);
  // Up to 15 degrees: a bar across the middle, 12 pixels from the centre at its ends, moves at
  // most 12 tan(15) = 3.2 pixels up or down there.
  torch::Tensor bar = torch::full({200, 1, 28, 28}, -1.0);
  bar.narrow(2, 13, 2).narrow(3, 2, 24).fill_(1.0);
  const torch::Tensor bars = augment(bar, rotation, -1.0);
  CHECK((bars.narrow(2, 0, 8) < -0.99).all().item<bool>());
  CHECK((bars.narrow(2, 20, 8) < -0.99).all().item<bool>());
  CHECK_FALSE((bars.narrow(2, 10, 8) < -0.99).all().item<bool>());
  // Differentiable: the gradient reaches the images.
  const torch::Tensor x = drawings(8).requires_grad_(true);
  augment(x, both, -1.0, torch::full({}, 0.5)).sum().backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().abs().sum().item<double>() > 0);
}

TEST_CASE("LeCam: the penalty on known logits, and its moving averages") {
  const torch::Tensor real = torch::tensor({2.0, -1.0}).requires_grad_(true);
  const torch::Tensor fake = torch::tensor({0.5, -3.0});
  const torch::Tensor ema = torch::tensor({0.4, 1.0});  // on real, on fake
  // 0.3 * (mean(relu([2, -1] - 1)^2) + mean(relu(0.4 - [0.5, -3])^2)) = 0.3 * (0.5 + 3.4^2 / 2)
  const torch::Tensor penalty = lecam_penalty(real, fake, ema, 0.3);
  CHECK(penalty.item<double>() == doctest::Approx(0.3 * (0.5 + 3.4 * 3.4 / 2)));
  penalty.backward();
  // d/d real[0] of 0.3 * (2 - 1)^2 / 2; the anchors take no gradient.
  CHECK(real.grad()[0].item<double>() == doctest::Approx(0.3));
  CHECK(real.grad()[1].item<double>() == 0.0);
  CHECK(lecam_penalty(real, fake, ema, 0.0).item<double>() == 0.0);

  torch::Tensor averages = ema.clone();
  const torch::Tensor means = mean_logits(real, fake);
  CHECK(torch::allclose(means, torch::tensor({0.5, -1.25})));
  CHECK_FALSE(means.requires_grad());
  update_lecam_averages(averages, means, 0.9);
  CHECK(averages[0].item<double>() == doctest::Approx(0.9 * 0.4 + 0.1 * 0.5));
  CHECK(averages[1].item<double>() == doctest::Approx(0.9 * 1.0 + 0.1 * -1.25));
}

TEST_CASE("bCR: the penalty on known logits, zero when both augmentations are the identity") {
  const torch::Tensor ra = torch::tensor({1.0, 2.0});
  const torch::Tensor rb = torch::tensor({1.5, 2.0});
  const torch::Tensor fa = torch::tensor({0.0, -1.0});
  const torch::Tensor fb = torch::tensor({-2.0, -1.0});
  CHECK(consistency_penalty(ra, rb, fa, fb, 10).item<double>() ==
        doctest::Approx(10 * (0.25 / 2 + 4.0 / 2)));

  // As the step computes it: D on two independent augmentations of the same images.
  ModelConfig model;
  model.arch = Arch::kSmall;
  torch::manual_seed(6);
  Network d = make_discriminator(model);
  const torch::Tensor real = drawings(8);
  const torch::Tensor fake = torch::rand({8, 1, 28, 28}) * 2 - 1;
  const AugmentPolicy policy = parse_augment_policy("flip,translation,rotation,cutout");
  const auto bcr = [&](const torch::Tensor& p) {
    torch::NoGradGuard no_grad;
    const auto logits = [&](const torch::Tensor& x) {
      return d->forward(augment(x, policy, -1.0, p)).view({-1});
    };
    return consistency_penalty(logits(real), logits(real), logits(fake), logits(fake), 10)
        .item<double>();
  };
  CHECK(bcr(torch::zeros({})) == 0.0);
  CHECK(bcr(torch::ones({})) > 0.0);
}

TEST_CASE("bCR and LeCam in the step: nothing added when their terms vanish, else D learns more") {
  const auto images = torch::randint(0, 256, {16, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
  const auto labels = torch::zeros({16}, torch::kLong);
  ModelConfig m;
  m.arch = Arch::kSmall;
  TrainSettings s;
  s.seed = 5;
  s.augment = "translation,cutout";
  s.augment_p = "0";  // both augmentations the identity: bCR's penalty and its gradient are 0
  const auto d_weights = [&](const TrainSettings& settings) {
    GanTrainer t(m, settings, torch::kCPU);
    t.step(images, labels);
    return t.discriminator()->parameters();
  };
  const auto plain = d_weights(s);
  TrainSettings with_bcr = s;
  with_bcr.bcr = 10;
  const auto identity = d_weights(with_bcr);
  for (size_t i = 0; i < plain.size(); ++i) CHECK(torch::equal(plain[i], identity[i]));
  with_bcr.augment_p = "1";
  TrainSettings without = with_bcr;
  without.bcr = 0;
  CHECK_FALSE(torch::equal(d_weights(with_bcr)[0], d_weights(without)[0]));
  // LeCam's averages start at 0 and follow D's mean logits.
  TrainSettings lecam = s;
  lecam.lecam = 0.3;
  lecam.lecam_decay = 0.5;
  GanTrainer t(m, lecam, torch::kCPU);
  CHECK(torch::equal(t.lecam_averages(), torch::zeros({2})));
  t.step(images, labels);
  CHECK(t.lecam_averages().abs().sum().item<double>() > 0);
  CHECK(t.take_metrics().augment_p == 0.0);
}

TEST_CASE("--augment-p auto: p starts at 0, moves every 4 steps, and metrics report it") {
  const auto images = torch::randint(0, 256, {16, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
  const auto labels = torch::zeros({16}, torch::kLong);
  ModelConfig m;
  m.arch = Arch::kSmall;
  TrainSettings s;
  s.seed = 2;
  s.augment = "translation";
  s.augment_p = "auto";
  s.ada_target = 0.0;  // any majority of reals called real raises p
  s.ada_speed = 640;   // 64 images (4 steps) move it by 0.1
  GanTrainer t(m, s, torch::kCPU);
  CHECK(t.augment_probability().item<double>() == 0.0);
  for (int i = 0; i < 3; ++i) t.step(images, labels);
  CHECK(t.augment_probability().item<double>() == 0.0);  // not yet 4 steps
  t.step(images, labels);
  CHECK(t.augment_probability().item<double>() == doctest::Approx(0.1));
  CHECK(t.take_metrics().augment_p == doctest::Approx(0.1));
  TrainSettings fixed = s;
  fixed.augment_p = "0.25";
  GanTrainer f(m, fixed, torch::kCPU);
  for (int i = 0; i < 4; ++i) f.step(images, labels);
  CHECK(f.take_metrics().augment_p == 0.25);
}

TEST_CASE("every regulariser through a checkpoint: p, its sums and LeCam's averages continue") {
  qd::test::ScratchDir dir("regularisers_checkpoint");
  const auto images = torch::randint(0, 256, {16, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
  const auto labels = torch::zeros({16}, torch::kLong);
  TrainSettings s;
  s.seed = 4;
  s.augment = "flip,translation,scale,rotation,cutout";
  s.augment_p = "auto";
  s.ada_target = 0.0;
  s.ada_speed = 320;  // 4 steps of 16 move p by 0.2
  s.lecam = 0.3;
  s.bcr = 10;
  s.r1 = 0.1;
  s.r1_every = 2;
  s.ema_decay = 0.9;
  ModelConfig m;
  m.arch = Arch::kSmall;
  GanTrainer straight(m, s, torch::kCPU);
  for (int i = 0; i < 10; ++i) straight.step(images, labels);
  // Checkpointed at step 6: between two adjustments of p, its sums half full.
  GanTrainer first(m, s, torch::kCPU);
  for (int i = 0; i < 6; ++i) first.step(images, labels);
  const double p_at_6 = first.augment_probability().item<double>();
  MESSAGE("p at step 6: " << p_at_6);
  REQUIRE(p_at_6 > 0);  // p moved, so the augmentations since were drawn with it
  first.save((dir / "step-6.pt").string());
  GanTrainer resumed(m, s, torch::kCPU);
  resumed.load((dir / "step-6.pt").string());
  CHECK(resumed.augment_probability().item<double>() == p_at_6);
  CHECK(torch::equal(resumed.lecam_averages(), first.lecam_averages()));
  for (int i = 0; i < 4; ++i) resumed.step(images, labels);
  CHECK(torch::equal(resumed.augment_probability(), straight.augment_probability()));
  CHECK(torch::equal(resumed.lecam_averages(), straight.lecam_averages()));
  CHECK(torch::equal(weights_fingerprint(resumed), weights_fingerprint(straight)));
  const auto dp = resumed.discriminator()->named_parameters();
  for (const auto& p : straight.discriminator()->named_parameters()) {
    CHECK_MESSAGE(torch::equal(p.value(), dp[p.key()]), p.key());
  }
  const auto gp = resumed.generator()->named_parameters();
  for (const auto& p : straight.generator()->named_parameters()) {
    CHECK_MESSAGE(torch::equal(p.value(), gp[p.key()]), p.key());
  }
  // Without the checkpoint's state (p back at 0, no sums, LeCam's averages at 0) the run differs:
  // the state is what makes it continue exactly.
  GanTrainer restarted(m, s, torch::kCPU);
  restarted.load((dir / "step-6.pt").string());
  restarted.augment_probability().fill_(0.0);
  restarted.step(images, labels);
  GanTrainer again(m, s, torch::kCPU);
  again.load((dir / "step-6.pt").string());
  again.step(images, labels);
  CHECK_FALSE(torch::equal(weights_fingerprint(restarted), weights_fingerprint(again)));
}
