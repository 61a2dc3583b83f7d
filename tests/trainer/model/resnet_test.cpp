// The resnet preset: SNGAN's residual networks, conditional batch norm, the projection head,
// and what --summary says of their cost.
#include "qd/model/resnet.h"

#include "qd/model/summary.h"
#include "torch_doctest.h"

using namespace qd::train;

namespace {

ModelConfig resnet(int64_t classes, ImageShape image = {}, int64_t width = kDefaultResnetWidth) {
  ModelConfig m;
  m.arch = Arch::kResnet;
  m.classes = classes;
  m.image = image;
  m.width = width;
  return m;
}

int64_t conv_params(int64_t in, int64_t out, int64_t k) {
  return in * out * k * k + out;
}

}  // namespace

TEST_CASE("resnet's generator for 28x28: dense to 7x7x128, two up blocks to 28x28x32, conv out") {
  auto g = make_generator(resnet(0));
  // An up block: two batch norms (affine + running statistics: 4 per channel), 3x3, 3x3, 1x1.
  const auto block = [](int64_t in, int64_t out) {
    return 4 * (in + out) + conv_params(in, out, 3) + conv_params(out, out, 3) +
           conv_params(in, out, 1);
  };
  CHECK(count_parameters(*g).total() ==
        100 * 6272 + 6272 + block(128, 64) + block(64, 32) + 4 * 32 + conv_params(32, 1, 3));
  const auto images = g->forward(torch::randn({2, 100}));
  CHECK(images.sizes() == torch::IntArrayRef({2, 1, 28, 28}));
}

TEST_CASE("resnet's discriminator: 28 -> 14 -> 7 -> 7 residual blocks, then one logit") {
  auto d = make_discriminator(resnet(0));
  const auto block = [](int64_t in, int64_t out) {
    return conv_params(in, out, 3) + conv_params(out, out, 3) + conv_params(in, out, 1);
  };
  CHECK(count_parameters(*d).total() == block(1, 32) + block(32, 64) + block(64, 64) + 64 + 1);
  CHECK(d->forward(torch::randn({2, 1, 28, 28})).sizes() == torch::IntArrayRef({2, 1}));
}

TEST_CASE("--width scales both networks' channels") {
  auto g = make_generator(resnet(0, {}, 16));
  auto d = make_discriminator(resnet(0, {}, 16));
  const std::string gt = layer_summary(g, "g", {100});
  const std::string dt = layer_summary(d, "d", {1, 28, 28});
  CAPTURE(gt);
  CAPTURE(dt);
  CHECK(gt.find("(None, 64, 7, 7)") != std::string::npos);
  CHECK(gt.find("(None, 16, 28, 28)") != std::string::npos);
  CHECK(dt.find("(None, 16, 14, 14)") != std::string::npos);
  CHECK(dt.find("(None, 32, 7, 7)") != std::string::npos);
}

TEST_CASE("conditional resnet: batch norm's scale and shift per category, no one-hot inputs") {
  const int64_t classes = 6;
  auto plain = make_generator(resnet(0));
  auto cond = make_generator(resnet(classes));
  CHECK_FALSE(cond->one_hot_input());
  // Each of the four batch norms in the blocks trades its affine map (2 per channel) for one
  // scale and one shift per category and channel.
  const int64_t channels = 128 + 64 + 64 + 32;
  CHECK(count_parameters(*cond).total() - count_parameters(*plain).total() ==
        (2 * classes - 2) * channels);
  // The same noise, two categories: the same images while the embeddings are zero (every
  // category starts from plain batch norm), different ones once they differ.
  cond->eval();
  const auto z = torch::randn({1, 100}).repeat({2, 1});
  const auto labels = torch::tensor({0, 3}, torch::kLong);
  torch::NoGradGuard no_grad;
  auto x = cond->forward(z, labels);
  CHECK(torch::equal(x[0], x[1]));
  for (auto& p : cond->named_parameters()) {
    if (p.key().find("gain") != std::string::npos) p.value().normal_(0, 0.5);
  }
  x = cond->forward(z, labels);
  CHECK(x[0].sub(x[1]).abs().max().item<float>() > 1e-3F);
}

TEST_CASE("conditional batch norm: normalise, then 1 + gain[y] and bias[y]") {
  ConditionalBatchNorm norm(3, 2);
  {
    torch::NoGradGuard no_grad;
    norm->gain->weight.copy_(torch::tensor({{0.0F, 1.0F, 2.0F}, {-0.5F, 0.0F, 0.5F}}));
    norm->bias->weight.copy_(torch::tensor({{1.0F, 0.0F, 0.0F}, {0.0F, 0.0F, -1.0F}}));
  }
  const auto x = torch::randn({4, 3, 5, 5});
  const auto labels = torch::tensor({0, 1, 1, 0}, torch::kLong);
  const auto normalised = torch::batch_norm(x, {}, {}, {}, {}, true, 0.1, 1e-5, false);
  const auto y = norm->forward(x, labels);
  const auto scale = torch::tensor({{1.0F, 2.0F, 3.0F}, {0.5F, 1.0F, 1.5F}});
  const auto shift = torch::tensor({{1.0F, 0.0F, 0.0F}, {0.0F, 0.0F, -1.0F}});
  const auto expected = normalised * scale.index({labels}).view({4, 3, 1, 1}) +
                        shift.index({labels}).view({4, 3, 1, 1});
  CHECK(torch::allclose(y, expected, 1e-4, 1e-5));
}

TEST_CASE("the projection head adds <embed[y], h> to the dense layer's logit") {
  ProjectionHead head(4, 3);
  head->eval();  // spectral norm's power iteration stands still
  const auto x = torch::randn({2, 4, 3, 3});
  const auto labels = torch::tensor({2, 0}, torch::kLong);
  torch::NoGradGuard no_grad;
  const auto h = torch::relu(x).sum({2, 3});
  const auto plain = head->linear->forward(h);
  const auto projection = (head->embed->weight.index({labels}) * h).sum(1, true);
  CHECK(torch::allclose(head->forward(x, labels), plain + projection, 1e-4, 1e-5));
}

TEST_CASE("resnet's discriminator is spectrally normalised: each weight's top singular value ~1") {
  auto d = make_discriminator(resnet(0));
  d->train();
  const auto images = torch::randn({4, 1, 28, 28});
  for (int i = 0; i < 30; ++i) d->forward(images);  // power iterations converge
  int checked = 0;
  for (const auto& m : d->modules(false)) {
    if (auto* sn = m->as<SpectralNorm>()) {
      const auto w = sn->normalized_weight().detach();
      const auto top = at::linalg_svdvals(w.reshape({w.size(0), -1}))[0];
      CHECK(top.item<double>() == doctest::Approx(1.0).epsilon(0.05));
      ++checked;
    }
  }
  CHECK(checked == 3 * 3 + 1);  // three blocks of three convolutions, the dense layer
}

TEST_CASE("--summary gives each network's forward MFLOPs per image") {
  ModelConfig small;
  small.arch = Arch::kSmall;
  auto g = make_generator(small);
  // small's generator: 100x256x4x4 from 1x1, 4x4 -> 7x7 (3x3, 256 -> 128), 7 -> 14 (4x4,
  // 128 -> 64), 14 -> 28 (4x4, 64 -> 1): multiply-adds per input pixel x in x out x k x k.
  const int64_t mults = 100 * 256 * 16 + 16 * 256 * 128 * 9 + 49 * 128 * 64 * 16 + 196 * 64 * 16;
  CHECK(mults == 11751424);
  const std::string table = layer_summary(g, "generator", {100});
  CAPTURE(table);
  CHECK(table.find("MFLOPs per image: 23.5 ") != std::string::npos);
  auto r = make_generator(resnet(0));
  const std::string resnet_table = layer_summary(r, "generator", {100});
  CAPTURE(resnet_table);
  CHECK(resnet_table.find("up_block (UpBlock)") != std::string::npos);
  CHECK(resnet_table.find("MFLOPs per image: 94.8 ") != std::string::npos);
}

TEST_CASE("resnet trains: one optimiser step of both networks changes them and stays finite") {
  auto g = make_generator(resnet(3));
  auto d = make_discriminator(resnet(3));
  torch::optim::Adam opt_d(d->parameters(), torch::optim::AdamOptions(2e-4));
  const auto labels = torch::tensor({0, 1, 2, 1}, torch::kLong);
  const auto real = torch::rand({4, 1, 28, 28}) * 2 - 1;
  const auto fake = g->forward(torch::randn({4, 100}), labels).detach();
  const auto before = d->parameters()[0].clone();
  const auto loss = torch::relu(1 - d->forward(real, labels)).mean() +
                    torch::relu(1 + d->forward(fake, labels)).mean();
  opt_d.zero_grad();
  loss.backward();
  opt_d.step();
  CHECK(std::isfinite(loss.item<double>()));
  CHECK_FALSE(torch::equal(before, d->parameters()[0]));
}
