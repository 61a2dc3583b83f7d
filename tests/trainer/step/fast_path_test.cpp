// The training step's speedups: the device-side Adam against LibTorch's, channels-last and bf16
// against the plain step on the CPU, the refusals of a CUDA graph where there is none; on a CUDA
// machine also the graph against the eager step and checkpoints crossing between GPU and CPU.
#include <cmath>
#include <sstream>

#include "qd/step/gan_trainer.h"
#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;

namespace {

ModelConfig model(Arch arch) {
  ModelConfig m;
  m.arch = arch;
  return m;
}

torch::Tensor random_images(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randint(0, 256, {n, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
}

// Losses of `steps` steps, each as (loss_d, loss_g).
std::vector<std::pair<double, double>> losses(GanTrainer& t, const torch::Tensor& images,
                                              int steps) {
  const auto labels = torch::zeros({images.size(0)}, torch::kLong);
  std::vector<std::pair<double, double>> out;
  for (int i = 0; i < steps; ++i) {
    t.step(images, labels);
    const StepMetrics m = t.take_metrics();
    out.emplace_back(m.loss_d, m.loss_g);
  }
  return out;
}

double max_param_difference(Network& a, Network& b) {
  double worst = 0;
  const auto pb = b->named_parameters();
  for (const auto& p : a->named_parameters()) {
    worst = std::max(worst, (p.value().cpu() - pb[p.key()].cpu()).abs().max().item<double>());
  }
  return worst;
}

// Steps of small on the CPU, plain and with `fast`, from the same seed: the losses must agree
// within `epsilon` (relative). Returns the trainer with `fast`.
GanTrainer check_same_losses(const TrainSettings& s, const FastPath& fast, int steps,
                             double epsilon) {
  const auto images = random_images(32, 5);
  GanTrainer plain(model(Arch::kSmall), s, torch::kCPU);
  GanTrainer variant(model(Arch::kSmall), s, torch::kCPU, fast);
  const auto a = losses(plain, images, steps);
  const auto b = losses(variant, images, steps);
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(std::isfinite(b[i].first));
    CHECK(b[i].first == doctest::Approx(a[i].first).epsilon(epsilon));
    CHECK(b[i].second == doctest::Approx(a[i].second).epsilon(epsilon));
  }
  return variant;
}

bool cuda() {
  if (torch::cuda::is_available()) return true;
  MESSAGE("no CUDA device here: the CUDA part of this test did not run");
  return false;
}

}  // namespace

TEST_CASE("DeviceAdam takes the steps torch::optim::Adam takes") {
  torch::manual_seed(1);
  const torch::Tensor start = torch::randn({40, 7});
  torch::Tensor a = start.clone().requires_grad_(true);
  torch::Tensor b = start.clone().requires_grad_(true);
  torch::optim::Adam reference({a}, torch::optim::AdamOptions(2e-4).betas({0.5, 0.999}));
  AdamSettings settings;
  settings.lr = 2e-4;
  DeviceAdam ours({b}, settings);
  for (int step = 0; step < 50; ++step) {
    const torch::Tensor target = torch::randn({40, 7});
    reference.zero_grad();
    ours.zero_grad();
    (a - target).pow(2).sum().backward();
    (b - target).pow(2).sum().backward();
    reference.step();
    ours.step();
  }
  CHECK(ours.steps_taken() == 50);
  CHECK(torch::allclose(a, b, /*rtol=*/1e-5, /*atol=*/1e-7));
  CHECK_FALSE(torch::equal(a, start));  // it moved
}

TEST_CASE("DeviceAdam's saved state continues exactly, and a wrong one is refused") {
  torch::manual_seed(2);
  torch::Tensor p = torch::randn({5, 3}).requires_grad_(true);
  DeviceAdam first({p}, {});
  for (int i = 0; i < 3; ++i) {
    first.zero_grad();
    p.pow(3).sum().backward();
    first.step();
  }
  torch::serialize::OutputArchive out;
  first.save(out);
  std::ostringstream bytes;
  out.save_to(bytes);

  torch::Tensor q = p.detach().clone().requires_grad_(true);
  DeviceAdam second({q}, {});
  torch::serialize::InputArchive in;
  std::istringstream read(bytes.str());
  in.load_from(read);
  second.load(in);
  CHECK(second.steps_taken() == 3);
  for (auto [opt, t] : {std::pair{&first, p}, std::pair{&second, q}}) {
    opt->zero_grad();
    t.pow(3).sum().backward();
    opt->step();
  }
  CHECK(torch::equal(p, q));

  torch::Tensor other = torch::zeros({4}).requires_grad_(true);
  DeviceAdam wrong({other}, {});
  torch::serialize::InputArchive again;
  std::istringstream reread(bytes.str());
  again.load_from(reread);
  CHECK_THROWS_WITH(wrong.load(again), doctest::Contains("wrong shape"));
}

TEST_CASE("channels-last trains as the plain step does") {
  TrainSettings s;
  s.seed = 9;
  s.instance_noise = 0.1;
  s.label_noise = 0.05;
  FastPath fast;
  fast.channels_last = true;
  check_same_losses(s, fast, 4, 1e-4);
}

TEST_CASE("bf16 autocast trains close to float32, and leaves autocast off afterwards") {
  TrainSettings s;
  s.seed = 4;
  FastPath fast;
  fast.bf16 = true;
  GanTrainer half = check_same_losses(s, fast, 3, 0.05);
  CHECK(torch::mm(torch::ones({2, 2}), torch::ones({2, 2})).dtype() ==
        torch::kFloat);  // autocast off
  // Weights and optimizer stay float32.
  for (const auto& p : half.generator()->parameters()) CHECK(p.dtype() == torch::kFloat);
}

TEST_CASE("a CUDA graph is refused, saying why, where it cannot be used") {
  FastPath fast;
  fast.cuda_graph = true;
  CHECK_THROWS_AS(GanTrainer(model(Arch::kSmall), {}, torch::kCPU, fast), std::invalid_argument);
  try {
    GanTrainer t(model(Arch::kSmall), {}, torch::kCPU, fast);
  } catch (const std::invalid_argument& e) {
    const std::string why = e.what();
    CHECK(why.find(built_with_cuda() ? "--device cuda" : "CUDA build") != std::string::npos);
  }
}

TEST_CASE("CUDA: the captured step gives the eager step's losses") {
  if (!cuda() || !built_with_cuda()) return;
  const auto images = random_images(64, 7).to(torch::kCUDA);
  TrainSettings s;
  s.seed = 11;
  s.instance_noise = 0.1;
  s.label_noise = 0.05;
  FastPath eager_path;
  eager_path.cudnn_benchmark = false;
  FastPath graph_path = eager_path;
  graph_path.cuda_graph = true;
  GanTrainer eager(model(Arch::kKerasDcgan), s, torch::kCUDA, eager_path);
  GanTrainer graphed(model(Arch::kKerasDcgan), s, torch::kCUDA, graph_path);
  const auto a = losses(eager, images, 8);  // 3 warm-up steps, the capture, 4 replays
  const auto b = losses(graphed, images, 8);
  for (size_t i = 0; i < a.size(); ++i) {
    // TF32 convolutions and atomics in cuDNN's backward: not bit-identical, close.
    CHECK(b[i].first == doctest::Approx(a[i].first).epsilon(1e-2));
    CHECK(b[i].second == doctest::Approx(a[i].second).epsilon(1e-2));
  }
  CHECK(max_param_difference(eager.generator(), graphed.generator()) < 1e-2);
}

TEST_CASE("CUDA: a checkpoint written on the GPU resumes on the CPU, and back") {
  if (!cuda()) return;
  const qd::test::ScratchDir dir("fast_path_checkpoint");
  const auto images = random_images(32, 8);
  TrainSettings s;
  s.seed = 12;
  GanTrainer gpu(model(Arch::kSmall), s, torch::kCUDA);
  losses(gpu, images, 2);
  gpu.save((dir / "gpu.pt").string());
  GanTrainer cpu(model(Arch::kSmall), s, torch::kCPU);
  cpu.load((dir / "gpu.pt").string());
  CHECK(cpu.steps_done() == 2);
  CHECK(max_param_difference(gpu.generator(), cpu.generator()) == 0);
  const auto on_gpu = losses(gpu, images, 2);
  const auto on_cpu = losses(cpu, images, 2);
  for (size_t i = 0; i < on_gpu.size(); ++i) {
    CHECK(on_cpu[i].first == doctest::Approx(on_gpu[i].first).epsilon(1e-2));
  }
  cpu.save((dir / "cpu.pt").string());
  GanTrainer back(model(Arch::kSmall), s, torch::kCUDA);
  back.load((dir / "cpu.pt").string());
  CHECK(back.steps_done() == 4);
  CHECK(max_param_difference(back.generator(), cpu.generator()) == 0);
}
