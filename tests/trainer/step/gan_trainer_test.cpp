// The training step: it learns, it is reproducible, and a checkpoint continues it exactly.
#include "qd/step/gan_trainer.h"

#include <algorithm>
#include <sstream>

#include "qd/model/standing_statistics.h"
#include "qd/store/npy.h"
#include "qd/store/store_error.h"
#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;

namespace {

// The first `n` of Google's cats, uint8 [n, 1, 28, 28].
torch::Tensor real_cats(const qd::test::fs::path& shared, int64_t n) {
  const qd::MappedNpy npy((shared / "numpy_bitmap" / "cat.npy").string());
  REQUIRE(npy.rows() >= static_cast<uint64_t>(n));
  return torch::from_blob(const_cast<uint8_t*>(npy.data()), {n, 1, 28, 28}, torch::kUInt8).clone();
}

ModelConfig small_model() {
  ModelConfig m;
  m.arch = Arch::kSmall;
  return m;
}

double real_loss(GanTrainer& t, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  const auto logits = t.discriminator()->forward(t.to_pixels(images)).view({-1});
  return torch::nn::functional::binary_cross_entropy_with_logits(logits, torch::ones_like(logits))
      .item<double>();
}

void train(GanTrainer& t, const torch::Tensor& images, int steps) {
  const auto labels = torch::zeros({images.size(0)}, torch::kLong);
  for (int i = 0; i < steps; ++i) t.step(images, labels);
}

// Every parameter and buffer (batch-norm statistics) of both networks, bit for bit.
bool same_weights(GanTrainer& a, GanTrainer& b) {
  const auto same = [](Network& x, Network& y) {
    const auto py = y->named_parameters();
    for (const auto& p : x->named_parameters()) {
      if (!torch::equal(p.value(), py[p.key()])) return false;
    }
    const auto by = y->named_buffers();
    for (const auto& p : x->named_buffers()) {
      if (!torch::equal(p.value(), by[p.key()])) return false;
    }
    return true;
  };
  return same(a.generator(), b.generator()) && same(a.discriminator(), b.discriminator()) &&
         (!a.averaged_generator() || same(a.averaged_generator(), b.averaged_generator()));
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors) out.push_back(t.detach().clone());
  return out;
}

}  // namespace

TEST_CASE("a few steps on real cats lower the discriminator's loss on real images") {
  QD_REQUIRE_SHARED(shared);
  const auto cats = real_cats(shared, 64);
  TrainSettings s;
  s.seed = 3;
  GanTrainer t(small_model(), s, torch::kCPU);
  const double before = real_loss(t, cats);
  train(t, cats, 5);
  const double after = real_loss(t, cats);
  MESSAGE("D's BCE on real images: " << before << " -> " << after);
  CHECK(after < before * 0.5);
  const StepMetrics m = t.take_metrics();
  CHECK(m.steps == 5);
  CHECK(m.d_real > m.d_fake);
  CHECK(t.take_metrics().steps == 0);
}

TEST_CASE("same seed, same steps: identical weights, another seed: different ones") {
  const auto images = torch::randint(0, 256, {16, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
  TrainSettings s;
  s.seed = 7;
  s.label_noise = 0.1;
  s.instance_noise = 0.1;
  s.instance_noise_steps = 4;
  GanTrainer a(small_model(), s, torch::kCPU);
  GanTrainer b(small_model(), s, torch::kCPU);
  train(a, images, 2);
  train(b, images, 2);
  CHECK(same_weights(a, b));
  s.seed = 8;
  GanTrainer c(small_model(), s, torch::kCPU);
  train(c, images, 2);
  CHECK_FALSE(same_weights(a, c));
}

TEST_CASE("a checkpoint restores networks, optimizers and step: training continues bit for bit") {
  qd::test::ScratchDir dir("gan_trainer_checkpoint");
  const auto images = torch::randint(0, 256, {16, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
  TrainSettings s;
  s.seed = 11;
  s.label_noise = 0.05;
  ModelConfig m;
  m.arch = Arch::kTfDcgan;  // dropout in D: its draws must be reproduced too
  m.classes = 2;
  const auto labels = torch::tensor({0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0}, torch::kLong);

  s.ema_decay = 0.99;
  GanTrainer straight(m, s, torch::kCPU);
  for (int i = 0; i < 4; ++i) straight.step(images, labels);

  GanTrainer first(m, s, torch::kCPU);
  for (int i = 0; i < 2; ++i) first.step(images, labels);
  const std::string file = (dir / "step-2.pt").string();
  first.save(file);
  GanTrainer resumed(m, s, torch::kCPU);
  resumed.load(file);
  CHECK(resumed.steps_done() == 2);
  for (int i = 0; i < 2; ++i) resumed.step(images, labels);
  CHECK(same_weights(straight, resumed));

  TrainSettings other = s;
  other.seed = 12;
  GanTrainer wrong_seed(m, other, torch::kCPU);
  CHECK_THROWS_WITH(wrong_seed.load(file), doctest::Contains("seed 11"));
  CHECK_THROWS_WITH(resumed.load((dir / "missing.pt").string()),
                    doctest::Contains("missing.pt: cannot load checkpoint"));

  TrainSettings no_average = s;
  no_average.ema_decay = 0;
  GanTrainer plain(m, no_average, torch::kCPU);
  plain.save((dir / "plain.pt").string());
  CHECK_THROWS_WITH(resumed.load((dir / "plain.pt").string()),
                    doctest::Contains("no averaged generator"));
}

TEST_CASE(
    "the averaged generator: starts at G's weights, then a moving average, and samples use it "
    "with standing statistics") {
  const auto images = torch::randint(0, 256, {16, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
  TrainSettings s;
  s.seed = 4;
  s.ema_decay = 0.5;
  GanTrainer t(small_model(), s, torch::kCPU);
  REQUIRE(t.averaged_generator());
  const auto initial = copies(t.generator()->parameters());
  for (size_t i = 0; i < initial.size(); ++i) {
    CHECK(torch::equal(initial[i], t.averaged_generator()->parameters()[i]));
  }
  // Step 0 keeps 1/10 of the old average (the warm-up's decay, below 0.5); step 1 keeps 2/11.
  train(t, images, 1);
  const auto after_one = copies(t.generator()->parameters());
  std::vector<torch::Tensor> expected;
  for (size_t i = 0; i < initial.size(); ++i) {
    expected.push_back(initial[i] * 0.1 + after_one[i] * 0.9);
  }
  train(t, images, 1);
  const auto g = t.generator()->parameters();
  const auto avg = t.averaged_generator()->parameters();
  for (size_t i = 0; i < g.size(); ++i) {
    CHECK(torch::allclose(avg[i], expected[i] * (2.0 / 11.0) + g[i] * (9.0 / 11.0), 1e-5, 1e-6));
  }
  CHECK_FALSE(torch::equal(avg[0], g[0]));

  const auto noise = torch::randn({4, 100});
  CHECK_FALSE(torch::equal(t.sample(noise, {}), t.sample(noise, {}, /*last_weights=*/true)));
  // Having drawn, the average's batch norms hold its standing statistics (estimated again: the
  // same), not G's.
  const auto standing = copies(t.averaged_generator()->buffers());
  estimate_standing_statistics(t.averaged_generator(), small_model(), torch::kCPU);
  const auto again = t.averaged_generator()->buffers();
  const auto own = t.generator()->buffers();
  for (size_t i = 0; i < standing.size(); ++i) CHECK(torch::equal(standing[i], again[i]));
  CHECK_FALSE(torch::equal(standing[0], own[0]));  // the first batch norm's running mean
  // A step changes the average, and its next drawing has statistics for the new weights.
  train(t, images, 1);
  t.sample(noise, {});
  CHECK_FALSE(torch::equal(standing[0], t.averaged_generator()->buffers()[0]));
  TrainSettings plain = s;
  plain.ema_decay = 0;
  GanTrainer without(small_model(), plain, torch::kCPU);
  train(without, images, 3);
  CHECK_FALSE(without.averaged_generator());
  CHECK(torch::equal(without.sample(noise, {}), t.sample(noise, {}, /*last_weights=*/true)));
}

TEST_CASE("samples are uint8 images, 255 = ink, drawn in inference mode") {
  TrainSettings s;
  GanTrainer t(small_model(), s, torch::kCPU);
  const auto images = t.sample(torch::randn({5, 100}), {});
  CHECK(images.sizes() == torch::IntArrayRef({5, 28, 28}));
  CHECK(images.dtype() == torch::kUInt8);
  CHECK(t.generator()->is_training());
  // The same noise gives the same images: no batch statistics, no dropout.
  const auto noise = torch::randn({3, 100});
  CHECK(torch::equal(t.sample(noise, {}), t.sample(noise, {})));
}

TEST_CASE("colour: a step on [B,3,32,32], samples HWC [N,32,32,3], checkpoints keep the shape") {
  qd::test::ScratchDir dir("gan_trainer_colour");
  ModelConfig m = small_model();
  m.image = {32, 3};
  TrainSettings s;
  GanTrainer t(m, s, torch::kCPU);
  const auto images = torch::randint(0, 256, {8, 3, 32, 32}, torch::kLong).to(torch::kUInt8);
  t.step(images, torch::zeros({8}, torch::kLong));
  const auto drawn = t.sample(torch::randn({5, 100}), {});
  CHECK(drawn.sizes() == torch::IntArrayRef({5, 32, 32, 3}));
  CHECK(drawn.is_contiguous());
  const std::string file = (dir / "colour.pt").string();
  t.save(file);
  GanTrainer same(m, s, torch::kCPU);
  same.load(file);
  CHECK(same.steps_done() == 1);
  ModelConfig grey = m;
  grey.image = {32, 1};
  GanTrainer other(grey, s, torch::kCPU);
  CHECK_THROWS_WITH(other.load(file),
                    doctest::Contains("colour.pt: cannot load checkpoint: its networks draw "
                                      "32x32 RGB images, this run's 32x32 grey"));
}

TEST_CASE("a checkpoint whose bytes changed is refused as corrupt, naming the file") {
  qd::test::ScratchDir dir("gan_trainer_corrupt");
  TrainSettings s;
  GanTrainer saved(small_model(), s, torch::kCPU);
  train(saved, torch::randint(0, 256, {8, 1, 28, 28}, torch::kLong).to(torch::kUInt8), 1);
  const std::string file = (dir / "step-1.pt").string();
  saved.save(file);
  const std::string bytes = qd::test::read_file(file);
  std::vector<qd::test::ZipRecord> tensors;
  for (const auto& r : qd::test::zip_records(bytes)) {
    if (r.name.find("/data/") != std::string::npos) tensors.push_back(r);
  }
  REQUIRE(tensors.size() > 10);
  const auto largest = *std::max_element(
      tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.size < b.size; });

  GanTrainer loader(small_model(), s, torch::kCPU);
  const auto before = copies(loader.generator()->parameters());
  const auto refused = [&](const std::string& name, const std::string& content) {
    const auto path = dir / name;
    qd::test::write_file(path, content);
    std::string message;
    try {
      loader.load(path.string());
    } catch (const qd::CorruptFileError& e) {
      message = e.what();
    }
    CHECK_MESSAGE(message.rfind(path.string() + " is corrupt (", 0) == 0, name, ": ", message);
    return message;
  };
  // One bit of one weight: LibTorch alone loads it as another weight.
  std::string flipped = bytes;
  flipped[largest.data_offset + largest.size / 2] ^= 0x10;
  CHECK(refused("flipped.pt", flipped).find("CRC mismatch in " + largest.name + ")") !=
        std::string::npos);
  // Every tensor: LibTorch alone read the flipped image shape ("its networks draw 28x28x65").
  std::string all = bytes;
  for (const auto& r : tensors) all[r.data_offset] ^= 0x01;
  CHECK(refused("all_flipped.pt", all).find("CRC mismatch") != std::string::npos);
  // Cut short anywhere, emptied, or never a zip archive.
  refused("half.pt", bytes.substr(0, bytes.size() / 2));
  refused("last_byte_lost.pt", bytes.substr(0, bytes.size() - 1));
  refused("empty.pt", "");
  refused("text.pt", "not a checkpoint\n");
  // Refused before anything was loaded.
  CHECK(loader.steps_done() == 0);
  const auto after = loader.generator()->parameters();
  for (size_t i = 0; i < before.size(); ++i) CHECK(torch::equal(before[i], after[i]));

  loader.load(file);  // the file as written verifies and loads
  CHECK(loader.steps_done() == 1);
}
