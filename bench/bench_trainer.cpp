// Training throughput of qd_train's step beside the same model and step in Python (Debian's
// python3-torch, the same LibTorch 1.13 underneath), measured in the same run with the same
// torch threads and batch, and the prefetching loader's throughput alone.
//
//   bench_trainer [--steps N] [--threads T] [--rounds R] [--python /usr/bin/python3]
// Each measurement is taken R times (default 2), alternating C++ and Python so both see the
// same machine; the best counts. Data: the first rows of ../shared/quickdraw/numpy_bitmap/
// cat.npy (or $QD_SHARED_QUICKDRAW), random bytes when absent.

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "qd/data/dataset.h"
#include "qd/data/loader.h"
#include "qd/step/gan_trainer.h"
#include "qd/store/npy.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int steps = 20;
  int threads = 2;
  int rounds = 2;
  std::string python = "/usr/bin/python3";
};

fs::path shared_quickdraw() {
  const char* env = std::getenv("QD_SHARED_QUICKDRAW");
  return env != nullptr ? fs::path(env) : fs::path(QD_SOURCE_DIR) / ".." / "shared" / "quickdraw";
}

// batch * 8 images, uint8 [N, 1, 28, 28].
torch::Tensor bench_images(int64_t batch) {
  const fs::path cats = shared_quickdraw() / "numpy_bitmap" / "cat.npy";
  if (fs::exists(cats)) {
    const qd::MappedNpy npy(cats.string());
    return torch::from_blob(const_cast<uint8_t*>(npy.data()), {batch * 8, 1, 28, 28}, torch::kUInt8)
        .clone();
  }
  std::printf("(%s absent: random images)\n", cats.c_str());
  return torch::randint(0, 256, {batch * 8, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
}

double cpp_images_per_s(const std::string& arch, const torch::Tensor& data, int64_t batch,
                        int steps) {
  qd::train::ModelConfig model;
  model.arch = qd::train::parse_arch(arch);
  qd::train::GanTrainer trainer(model, {}, torch::kCPU);
  const torch::Tensor labels = torch::zeros({batch}, torch::kLong);
  const auto run = [&](int i) { trainer.step(data.narrow(0, (i % 8) * batch, batch), labels); };
  for (int i = 0; i < 3; ++i) run(i);
  trainer.take_metrics();
  const auto start = Clock::now();
  for (int i = 0; i < steps; ++i) run(i);
  trainer.take_metrics();  // waits for the device, as reading the metrics would
  return steps * batch / std::chrono::duration<double>(Clock::now() - start).count();
}

double python_images_per_s(const Args& a, const std::string& arch, int64_t batch) {
  const fs::path cats = shared_quickdraw() / "numpy_bitmap" / "cat.npy";
  std::string cmd = a.python + " " +
                    (fs::path(QD_SOURCE_DIR) / "bench/python/dcgan_step.py").string() + " --arch " +
                    arch + " --steps " + std::to_string(a.steps) + " --threads " +
                    std::to_string(a.threads) + " --batch-size " + std::to_string(batch);
  if (fs::exists(cats)) cmd += " --data " + cats.string();
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  double value = 0;
  if (!pipe || std::fscanf(pipe.get(), "images_per_s %lf", &value) != 1) {
    std::fprintf(stderr, "bench_trainer: '%s' gave no result (python3-torch installed?)\n",
                 cmd.c_str());
    std::exit(1);
  }
  return value;
}

// Batches of 64 from the loader alone, as fast as it makes them, over `epochs` epochs.
double loader_images_per_s(const std::vector<std::string>& inputs, int epochs) {
  const qd::train::Dataset data = qd::train::Dataset::open(inputs);
  qd::train::LoaderOptions options;
  qd::train::PrefetchLoader loader(data, options);
  int64_t images = 0;
  const auto start = Clock::now();
  for (int e = 0; e < epochs; ++e) {
    loader.start_epoch(e);
    while (auto batch = loader.next()) images += batch->images.size(0);
  }
  return images / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--steps")
      a.steps = std::atoi(argv[i + 1]);
    else if (key == "--threads")
      a.threads = std::atoi(argv[i + 1]);
    else if (key == "--rounds")
      a.rounds = std::atoi(argv[i + 1]);
    else if (key == "--python")
      a.python = argv[i + 1];
    else {
      std::fprintf(stderr,
                   "usage: bench_trainer [--steps N] [--threads T] [--rounds R] "
                   "[--python PATH]\n");
      return 2;
    }
  }
  torch::set_num_threads(a.threads);
  const int64_t batch = 64;
  const torch::Tensor data = bench_images(batch);
  std::printf("training step, batch %lld, CPU, %d torch threads, %d timed steps, best of %d\n",
              static_cast<long long>(batch), a.threads, a.steps, a.rounds);
  std::printf("| preset | Python images/s | C++ images/s | C++ / Python |\n|---|---:|---:|---:|\n");
  double small_cpp = 0;
  for (const std::string arch : {"small", "keras-dcgan"}) {
    double cpp = 0;
    double py = 0;
    for (int r = 0; r < a.rounds; ++r) {
      cpp = std::max(cpp, cpp_images_per_s(arch, data, batch, a.steps));
      py = std::max(py, python_images_per_s(a, arch, batch));
    }
    if (arch == "small") small_cpp = cpp;
    std::printf("| %s | %.0f | %.0f | %.2f |\n", arch.c_str(), py, cpp, cpp / py);
    std::fflush(stdout);
  }

  const fs::path bitmaps = shared_quickdraw() / "numpy_bitmap";
  if (!fs::is_directory(bitmaps)) {
    std::printf("(%s absent: no loader figure)\n", bitmaps.c_str());
    return 0;
  }
  std::vector<std::string> inputs;
  for (const char* c : {"apple", "bicycle", "cat", "diamond", "eye", "fish"}) {
    inputs.push_back((bitmaps / (std::string(c) + ".npy")).string());
  }
  double loader = 0;
  for (int r = 0; r < a.rounds; ++r) loader = std::max(loader, loader_images_per_s(inputs, 20));
  std::printf(
      "\nloader alone (6 numpy_bitmap files, 18,000 images, batch 64, 2 workers): "
      "%.0f images/s = %.0fx what the small step consumes on this CPU (%.0f images/s)\n",
      loader, loader / small_cpp, small_cpp);
  return 0;
}
