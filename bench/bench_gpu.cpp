// keras-dcgan on a GPU: the same step in PyTorch eager (Python, the machine's own torch), then
// qd_train's step with each speedup added in turn, all in this one run; then a whole epoch over
// 100,000 images with every speedup on, and the peak GPU memory of each configuration.
//
//   bench_gpu [--batch-sizes 256,1024] [--steps N] [--python python3] [--device cuda|cpu]
//
// Images: Google's numpy_bitmap files in ../shared/quickdraw (or $QD_SHARED_QUICKDRAW) repeated to
// 100,000, random bytes when absent. --device cpu runs the rows that need no GPU, to check the
// program itself on a machine without one.

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "qd/data/dataset.h"
#include "qd/data/device_batches.h"
#include "qd/data/loader.h"
#include "qd/step/cuda_support.h"
#include "qd/step/gan_trainer.h"
#include "qd/store/npy.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace qd::train;

namespace {

constexpr uint64_t kEpochImages = 100000;
constexpr int kWarmupSteps = 10;  // the CUDA graph is captured after 3 of them

struct Args {
  std::vector<int64_t> batch_sizes{256, 1024};
  int steps = 200;
  std::string python = "python3";
  std::string device = "cuda";
};

struct Measured {
  double images_per_s = 0;
  double peak_mib = 0;
};

fs::path shared_quickdraw() {
  const char* env = std::getenv("QD_SHARED_QUICKDRAW");
  return env != nullptr ? fs::path(env) : fs::path(QD_SOURCE_DIR) / ".." / "shared" / "quickdraw";
}

// 100,000 real images (the numpy_bitmap files over and over) as one .npy file.
fs::path write_epoch_file(const fs::path& dir) {
  std::vector<uint8_t> pool;
  const fs::path bitmaps = shared_quickdraw() / "numpy_bitmap";
  if (fs::is_directory(bitmaps)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(bitmaps)) {
      if (e.path().extension() == ".npy") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const qd::MappedNpy npy(f.string());
      pool.insert(pool.end(), npy.data(), npy.data() + npy.rows() * 784);
    }
  }
  if (pool.empty()) {
    std::printf("(%s absent: random images)\n", bitmaps.c_str());
    torch::manual_seed(0);
    const torch::Tensor noise =
        torch::randint(0, 256, {int64_t{1000} * 784}, torch::kLong).to(torch::kUInt8);
    pool.assign(noise.data_ptr<uint8_t>(), noise.data_ptr<uint8_t>() + noise.numel());
  }
  fs::create_directories(dir);
  fs::path path = dir / "epoch.npy";
  qd::NpyWriter out(path.string(), "|u1", {28, 28});
  const uint64_t pool_images = pool.size() / 784;
  for (uint64_t written = 0; written < kEpochImages;) {
    const uint64_t n = std::min(pool_images, kEpochImages - written);
    out.append(pool.data(), n);
    written += n;
  }
  out.commit();
  return path;
}

void synchronize(torch::Device device) {
  if (device.is_cuda()) cuda_synchronize();
}

std::unique_ptr<BatchSource> batches(const Dataset& data, int64_t batch, bool on_device,
                                     torch::Device device) {
  if (on_device) return std::make_unique<DeviceBatches>(data, batch, 0, device);
  LoaderOptions o;
  o.batch_size = batch;
  o.pin_memory = device.is_cuda();
  return std::make_unique<PrefetchLoader>(data, o);
}

ModelConfig keras_dcgan() {
  ModelConfig m;
  m.arch = Arch::kKerasDcgan;
  return m;
}

// `steps` timed steps after the warm-up, batches taken from the source as qd_train takes them.
Measured cpp_step(const Dataset& data, int64_t batch, int steps, bool on_device,
                  const FastPath& fast, torch::Device device) {
  if (device.is_cuda()) cuda_reset_peak_allocated();
  GanTrainer trainer(keras_dcgan(), {}, device, fast);
  const auto source = batches(data, batch, on_device, device);
  int64_t epoch = 0;
  source->start_epoch(epoch);
  const auto take = [&] {
    auto b = source->next();
    if (!b) {
      source->start_epoch(++epoch);
      b = source->next();
    }
    trainer.step(b->images, b->labels);
  };
  for (int i = 0; i < kWarmupSteps; ++i) take();
  trainer.take_metrics();
  synchronize(device);
  const auto start = Clock::now();
  for (int i = 0; i < steps; ++i) take();
  const StepMetrics m = trainer.take_metrics();  // waits for the device
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!(m.loss_d > 0)) std::fprintf(stderr, "bench_gpu: suspicious loss_d %f\n", m.loss_d);
  return {static_cast<double>(steps) * static_cast<double>(batch) / seconds,
          static_cast<double>(cuda_peak_allocated_bytes()) / (1 << 20)};
}

// One whole epoch over the 100,000 images, as qd_train runs it (without its reports).
double epoch_seconds(const Dataset& data, int64_t batch, bool on_device, const FastPath& fast,
                     torch::Device device) {
  GanTrainer trainer(keras_dcgan(), {}, device, fast);
  const auto source = batches(data, batch, on_device, device);
  synchronize(device);
  const auto start = Clock::now();
  source->start_epoch(0);
  while (auto b = source->next()) trainer.step(b->images, b->labels);
  trainer.take_metrics();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Measured python_step(const Args& a, const fs::path& data, int64_t batch, const char* extra) {
  const std::string cmd =
      a.python + " " + (fs::path(QD_SOURCE_DIR) / "bench/python/dcgan_step.py").string() +
      " --arch keras-dcgan --device " + a.device + " --batch-size " + std::to_string(batch) +
      " --steps " + std::to_string(a.steps) + " --warmup " + std::to_string(kWarmupSteps) +
      " --threads " + std::to_string(torch::get_num_threads()) + " --data " + data.string() + extra;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  Measured m;
  if (!pipe || std::fscanf(pipe.get(), " images_per_s %lf", &m.images_per_s) != 1) {
    std::fprintf(stderr, "bench_gpu: '%s' gave no result (is torch installed for it?)\n",
                 cmd.c_str());
    std::exit(1);
  }
  if (std::fscanf(pipe.get(), " peak_gpu_mib %lf", &m.peak_mib) != 1) m.peak_mib = 0;
  // The rest (the device's name) read too: closing the pipe early breaks Python's last print.
  while (std::fgetc(pipe.get()) != EOF) {
  }
  return m;
}

std::vector<int64_t> parse_list(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoll(item));
  return out;
}

void row(const char* name, const Measured& m, double python, bool cuda) {
  std::printf("| %s | %.0f | %.2fx |", name, m.images_per_s, m.images_per_s / python);
  if (cuda) {
    std::printf(" %.0f MiB |\n", m.peak_mib);
  } else {
    std::printf(" - |\n");
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    const bool has_value = i + 1 < argc;
    if (key == "--batch-sizes" && has_value) {
      a.batch_sizes = parse_list(argv[++i]);
    } else if (key == "--steps" && has_value) {
      a.steps = std::max(1, std::atoi(argv[++i]));
    } else if (key == "--python" && has_value) {
      a.python = argv[++i];
    } else if (key == "--device" && has_value) {
      a.device = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: bench_gpu [--batch-sizes 256,1024] [--steps N] [--python python3] "
                   "[--device cuda|cpu]\n");
      return 2;
    }
  }
  const bool cuda = a.device == "cuda";
  if (cuda && !torch::cuda::is_available()) {
    std::fprintf(stderr, "bench_gpu: no CUDA device (run it on a GPU machine, or --device cpu)\n");
    return 1;
  }
  const torch::Device device = cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  const fs::path dir = fs::temp_directory_path() / "qd-bench-gpu";
  const fs::path file = write_epoch_file(dir);
  const Dataset data = Dataset::open({file.string()});

  std::printf("keras-dcgan training step on %s; %s; %d timed steps after %d warm-up steps\n",
              cuda ? cuda_device_name().c_str() : "the CPU",
              cuda && built_with_cuda() ? "LibTorch with CUDA" : "LibTorch without CUDA", a.steps,
              kWarmupSteps);
  for (const int64_t batch : a.batch_sizes) {
    std::printf(
        "\nbatch %lld\n\n| configuration | images/s | vs Python eager | peak GPU memory |\n"
        "|---|---:|---:|---:|\n",
        static_cast<long long>(batch));
    const Measured py = python_step(a, file, batch, "");
    row("Python, PyTorch eager (data on the device)", py, py.images_per_s, cuda);
    if (cuda)
      row("Python, PyTorch eager + bf16 autocast", python_step(a, file, batch, " --amp bf16"),
          py.images_per_s, cuda);

    FastPath fast;
    fast.cudnn_benchmark = false;
    row("qd: plain (prefetching loader, pinned memory)",
        cpp_step(data, batch, a.steps, false, fast, device), py.images_per_s, cuda);
    row("qd: + data on the device", cpp_step(data, batch, a.steps, true, fast, device),
        py.images_per_s, cuda);
    fast.cudnn_benchmark = true;
    if (cuda) {
      row("qd: + cuDNN benchmark", cpp_step(data, batch, a.steps, true, fast, device),
          py.images_per_s, cuda);
    }
    fast.channels_last = true;
    row("qd: + channels-last", cpp_step(data, batch, a.steps, true, fast, device), py.images_per_s,
        cuda);
    fast.bf16 = true;
    row("qd: + bf16 autocast", cpp_step(data, batch, a.steps, true, fast, device), py.images_per_s,
        cuda);
    if (cuda && built_with_cuda()) {
      fast.cuda_graph = true;
      row("qd: + CUDA graph", cpp_step(data, batch, a.steps, true, fast, device), py.images_per_s,
          cuda);
    }
    if (!cuda) continue;  // an epoch of keras-dcgan takes most of an hour on a small CPU
    const double epoch = epoch_seconds(data, batch, true, fast, device);
    std::printf(
        "\nepoch of %llu images, batch %lld, every speedup above on: %.1f s "
        "(Python eager at its rate above: %.1f s)\n",
        static_cast<unsigned long long>(kEpochImages), static_cast<long long>(batch), epoch,
        static_cast<double>(kEpochImages) / py.images_per_s);
  }
  return 0;
}
