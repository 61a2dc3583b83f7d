// Every preset's layers: output shapes, parameter counts (Keras's way) and the layer table.
#include "qd/model/networks.h"

#include "qd/model/summary.h"
#include "torch_doctest.h"

using namespace qd::train;

namespace {

struct Counts {
  int64_t generator;
  int64_t discriminator;
};

Counts counts(Arch arch, int64_t classes) {
  ModelConfig m;
  m.arch = arch;
  m.classes = classes;
  auto g = make_generator(m);
  auto d = make_discriminator(m);
  return {count_parameters(*g).total(), count_parameters(*d).total()};
}

// Runs both networks on a batch of 3 and checks the shapes at both ends.
void check_shapes(Arch arch, int64_t classes, ImageShape image = {}) {
  ModelConfig m;
  m.arch = arch;
  m.classes = classes;
  m.image = image;
  auto g = make_generator(m);
  auto d = make_discriminator(m);
  const auto labels = torch::tensor({0, classes > 1 ? 1 : 0, 0}, torch::kLong);
  const auto images = g->forward(torch::randn({3, m.latent_dim}), labels);
  CHECK(images.sizes() == torch::IntArrayRef({3, image.channels, image.side, image.side}));
  const auto logits = d->forward(images, labels);
  CHECK(logits.sizes() == torch::IntArrayRef({3, 1}));
  if (pixel_range(arch) == PixelRange::kSigned) {
    CHECK(images.min().item<float>() >= -1.0F);
  } else {
    CHECK(images.min().item<float>() >= 0.0F);
  }
  CHECK(images.max().item<float>() <= 1.0F);
}

}  // namespace

TEST_CASE("keras-dcgan has Keras's parameter counts: 3,574,977 and 662,721") {
  const Counts c = counts(Arch::kKerasDcgan, 0);
  CHECK(c.generator == 3574977);
  CHECK(c.discriminator == 662721);
}

TEST_CASE("tf-dcgan has the TensorFlow tutorial's parameter counts: 2,330,944 and 212,865") {
  const Counts c = counts(Arch::kTfDcgan, 0);
  CHECK(c.generator == 2330944);
  CHECK(c.discriminator == 212865);
}

TEST_CASE("small is pytorch/examples cpp/dcgan: no biases, 838,400 and 660,224 parameters") {
  // G: 100*256*16 + 256*128*9 + 128*64*16 + 64*16 weights, BN 4*(256+128+64); D likewise.
  const Counts c = counts(Arch::kSmall, 0);
  CHECK(c.generator == 409600 + 294912 + 131072 + 1024 + 4 * (256 + 128 + 64));
  CHECK(c.discriminator == 1024 + 131072 + 524288 + 2304 + 4 * (128 + 256));
}

TEST_CASE("conditioning adds the one-hot inputs: C rows to G's first layer, C channels to D's") {
  const int64_t classes = 6;
  const Counts plain = counts(Arch::kKerasDcgan, 0);
  const Counts cond = counts(Arch::kKerasDcgan, classes);
  CHECK(cond.generator - plain.generator == classes * 8192);
  CHECK(cond.discriminator - plain.discriminator == classes * 64 * 16);
  const Counts small = counts(Arch::kSmall, 0);
  const Counts small_cond = counts(Arch::kSmall, classes);
  CHECK(small_cond.generator - small.generator == classes * 256 * 16);
  CHECK(small_cond.discriminator - small.discriminator == classes * 64 * 16);
}

TEST_CASE("every preset, plain and conditional, maps noise to 28x28 images and images to a logit") {
  for (Arch arch :
       {Arch::kKerasDcgan, Arch::kTfDcgan, Arch::kSmall, Arch::kSuperdeep, Arch::kResnet}) {
    CAPTURE(arch_name(arch));
    check_shapes(arch, 0);
    check_shapes(arch, 6);
  }
}

TEST_CASE("every preset builds for 16, 32 and 64 sides, grey and RGB, plain and conditional") {
  for (Arch arch :
       {Arch::kKerasDcgan, Arch::kTfDcgan, Arch::kSmall, Arch::kSuperdeep, Arch::kResnet}) {
    for (const ImageShape image : {ImageShape{32, 3}, ImageShape{32, 1}, ImageShape{28, 3},
                                   ImageShape{64, 3}, ImageShape{16, 1}}) {
      CAPTURE(arch_name(arch));
      CAPTURE(to_string(image));
      check_shapes(arch, 0, image);
      check_shapes(arch, 4, image);
    }
  }
}

TEST_CASE("tf-dcgan on CIFAR-10's 32x32 RGB: the tutorial's layers from an 8x8 start") {
  ModelConfig m;
  m.arch = Arch::kTfDcgan;
  m.image = {32, 3};
  auto g = make_generator(m);
  auto d = make_discriminator(m);
  // G: dense 100 -> 8*8*256 (no bias) + BN1d; 256->128 5x5; 128->64 5x5; 64->3 5x5; BN 128, 64.
  CHECK(count_parameters(*g).total() ==
        100 * 16384 + 4 * 16384 + 256 * 128 * 25 + 128 * 64 * 25 + 64 * 3 * 25 + 4 * (128 + 64));
  // D: 3->64 5x5 + bias; 64->128 5x5 + bias; dense 8*8*128 -> 1.
  CHECK(count_parameters(*d).total() == 3 * 64 * 25 + 64 + 64 * 128 * 25 + 128 + 8 * 8 * 128 + 1);
}

TEST_CASE("sides a preset cannot draw are refused, saying which it can") {
  CHECK_THROWS_WITH_AS(check_image_shape(Arch::kSmall, {30, 1}),
                       doctest::Contains("--arch small draws 28x28 images or 16x16, 32x32"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(check_image_shape(Arch::kKerasDcgan, {48, 3}),
                       doctest::Contains("the data is 48x48 RGB"), std::invalid_argument);
  CHECK_NOTHROW(check_image_shape(Arch::kTfDcgan, {48, 3}));  // a quarter of 48 is 12
  CHECK_THROWS_WITH_AS(check_image_shape(Arch::kTfDcgan, {30, 1}),
                       doctest::Contains("divisible by 4"), std::invalid_argument);
  CHECK_THROWS_AS(model_config("small", false, 100, 1, {512, 1}, kDefaultResnetWidth),
                  std::invalid_argument);
  CHECK_THROWS_WITH_AS(check_image_shape(Arch::kResnet, {48, 3}),
                       doctest::Contains("--arch resnet draws 28x28 images or 16x16"),
                       std::invalid_argument);
}

TEST_CASE(
    "cdcgan is conditional keras-dcgan, qd is small, unknown names are refused with the list") {
  bool conditional = false;
  CHECK(parse_arch("cdcgan", &conditional) == Arch::kKerasDcgan);
  CHECK(conditional);
  CHECK(parse_arch("small", &conditional) == Arch::kSmall);
  CHECK_FALSE(conditional);
  CHECK(parse_arch("qd", &conditional) == Arch::kSmall);
  CHECK_FALSE(conditional);
  CHECK_THROWS_WITH_AS(parse_arch("big"), doctest::Contains("known: keras-dcgan"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_arch("big"), doctest::Contains("cdcgan, qd"), std::invalid_argument);
}

TEST_CASE("training defaults: small's batches and smoothing, qd's recipe on top, the rest off") {
  const TrainingDefaults small = training_defaults("small");
  CHECK(small.batch_size == 16);
  CHECK(small.label_smoothing == doctest::Approx(0.1));
  CHECK(small.augment == "off");
  CHECK(small.ema_decay == 0);
  CHECK(small.r1 == 0);
  const TrainingDefaults qd = training_defaults("qd");
  CHECK(qd.batch_size == 16);
  CHECK(qd.label_smoothing == doctest::Approx(0.1));
  CHECK(qd.augment == "flip,translation,cutout");
  CHECK(qd.ema_decay == doctest::Approx(0.999));
  CHECK(qd.r1 == doctest::Approx(0.1));
  CHECK(qd.r1_every == 16);
  const TrainingDefaults keras = training_defaults("keras-dcgan");
  CHECK(keras.batch_size == 64);
  CHECK(keras.augment == "off");
}

TEST_CASE("weights start as DCGAN prescribes: N(0, 0.02), batch-norm scales N(1, 0.02)") {
  ModelConfig m;
  torch::manual_seed(1);
  auto g = make_generator(m);
  const auto w = g->body()->ptr(0)->named_parameters()["weight"];
  CHECK(std::abs(w.mean().item<double>()) < 0.001);
  CHECK(w.std().item<double>() == doctest::Approx(0.02).epsilon(0.02));
  const auto bn =
      g->body()->ptr(4)->named_parameters()["weight"];  // after dense, reshape, leaky, convT
  CHECK(bn.mean().item<double>() == doctest::Approx(1.0).epsilon(0.01));
}

TEST_CASE("the layer table lists each layer with its output shape and the totals") {
  ModelConfig m;
  auto g = make_generator(m);
  const std::string table = layer_summary(g, "generator", {100});
  CAPTURE(table);
  CHECK(table.find("linear (Linear)") != std::string::npos);
  CHECK(table.find("(None, 8192)") != std::string::npos);
  CHECK(table.find("(None, 512, 4, 4)") != std::string::npos);
  CHECK(table.find("transposed_conv2d_3 (TransposedConv2d)  (None, 1, 33, 33)") !=
        std::string::npos);
  CHECK(table.find("(None, 1, 28, 28)") != std::string::npos);
  CHECK(table.find("Total params: 3,574,977") != std::string::npos);
  CHECK(table.find("Non-trainable params: 896") != std::string::npos);
}

TEST_CASE("TransposedConv2d computes ConvTranspose2d's values and gradients") {
  struct Shape {
    int64_t in, out, kernel, stride, padding, side;
    bool bias;
  };
  for (const Shape s : {Shape{100, 256, 4, 1, 0, 1, false}, Shape{256, 128, 3, 2, 1, 4, false},
                        Shape{128, 64, 4, 2, 1, 7, true}, Shape{64, 16, 5, 2, 1, 7, false},
                        Shape{64, 1, 4, 1, 1, 32, true}, Shape{32, 16, 5, 1, 2, 7, true}}) {
    CAPTURE(s.in);
    CAPTURE(s.kernel);
    CAPTURE(s.stride);
    TransposedConv2d layer(s.in, s.out, s.kernel, s.stride, s.padding, s.bias);
    torch::nn::init::normal_(layer->weight);
    if (s.bias) torch::nn::init::normal_(layer->bias);
    const auto x = torch::randn({3, s.in, s.side, s.side}, torch::requires_grad());
    const auto ours = layer->forward(x);
    const auto reference =
        torch::conv_transpose2d(x, layer->weight, layer->bias, s.stride, s.padding);
    REQUIRE(ours.sizes() == reference.sizes());
    CHECK(torch::allclose(ours, reference, 1e-4, 1e-3));
    const auto g = torch::randn_like(ours);
    const auto ours_grads = torch::autograd::grad({ours}, {x, layer->weight}, {g});
    const auto ref_grads = torch::autograd::grad({reference}, {x, layer->weight}, {g});
    CHECK(torch::allclose(ours_grads[0], ref_grads[0], 1e-4, 1e-3));
    CHECK(torch::allclose(ours_grads[1], ref_grads[1], 1e-4, 1e-3));
  }
}
