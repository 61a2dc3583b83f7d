// The prefetching loader alone, on Google's real numpy_bitmap files: images per second delivered
// in order as uint8 batches, and then converted to float [-1,1] as the trainer does, beside a
// baseline measured in the same run: the same batches gathered synchronously on the consumer's
// thread (what a loop without a loader would do). Then a consumer that sleeps a fixed time per
// batch, as a GPU step leaves the CPU free: how long it still waits on the loader.
//
//   bench_loader [FILE.npy ...] [--epochs N]
// Without files: every .npy in ../shared/quickdraw/numpy_bitmap beside the source tree (or in
// $QD_SHARED_QUICKDRAW/numpy_bitmap).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "qd/data/dataset.h"
#include "qd/data/loader.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using qd::train::Dataset;
using qd::train::LoaderOptions;
using qd::train::PrefetchLoader;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::string> default_inputs() {
  const char* env = std::getenv("QD_SHARED_QUICKDRAW");
  const fs::path dir =
      (env != nullptr ? fs::path(env) : fs::path(QD_SOURCE_DIR) / ".." / "shared" / "quickdraw") /
      "numpy_bitmap";
  std::vector<std::string> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".npy") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Scales a uint8 batch to float [-1,1] (255 = ink -> 1), as the trainer does on its device.
torch::Tensor to_unit_range(const torch::Tensor& images) {
  return images.to(torch::kFloat32).div_(127.5).sub_(1.0);
}

struct Result {
  double images_per_s = 0;
  double wait_s = 0;
  double checksum = 0;  // consumed, so the conversion cannot be skipped
};

// Batches gathered on this thread, one after the other: the baseline.
Result synchronous(const Dataset& data, int64_t batch_size, int epochs, bool convert) {
  const int64_t batches = static_cast<int64_t>(data.size()) / batch_size;
  const int64_t side = data.side();
  const size_t bytes = static_cast<size_t>(side * side);
  Result r;
  const auto start = Clock::now();
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const std::vector<uint32_t> order = qd::train::epoch_order(data.size(), 1, epoch);
    for (int64_t b = 0; b < batches; ++b) {
      torch::Tensor images = torch::empty({batch_size, 1, side, side}, torch::kUInt8);
      torch::Tensor labels = torch::empty({batch_size}, torch::kInt64);
      uint8_t* out = images.data_ptr<uint8_t>();
      int64_t* label = labels.data_ptr<int64_t>();
      for (int64_t j = 0; j < batch_size; ++j) {
        const uint32_t id = order[b * batch_size + j];
        std::memcpy(out + j * bytes, data.image(id), bytes);
        label[j] = data.label(id);
      }
      r.checksum += convert ? to_unit_range(images)[0][0][14][14].item<double>() : out[400] * 1.0;
    }
  }
  r.images_per_s = static_cast<double>(batches * batch_size * epochs) / seconds_since(start);
  return r;
}

// step_s > 0: the consumer sleeps that long per batch, standing in for a training step.
Result prefetched(const Dataset& data, int64_t batch_size, int workers, int epochs, bool convert,
                  double step_s = 0) {
  LoaderOptions options;
  options.batch_size = batch_size;
  options.seed = 1;
  options.workers = workers;
  PrefetchLoader loader(data, options);
  Result r;
  int64_t images = 0;
  const auto start = Clock::now();
  for (int epoch = 0; epoch < epochs; ++epoch) {
    loader.start_epoch(epoch);
    while (auto batch = loader.next()) {
      r.checksum += convert ? to_unit_range(batch->images)[0][0][14][14].item<double>()
                            : batch->images.data_ptr<uint8_t>()[400] * 1.0;
      images += batch->images.size(0);
      if (step_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(step_s));
    }
  }
  r.images_per_s = static_cast<double>(images) / seconds_since(start);
  r.wait_s = loader.wait_seconds();
  return r;
}

}  // namespace

int run(int argc, char** argv) {
  std::vector<std::string> inputs;
  int epochs = 50;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--epochs" && i + 1 < argc) {
      epochs = std::max(1, std::atoi(argv[++i]));
    } else {
      inputs.push_back(arg);
    }
  }
  if (inputs.empty()) inputs = default_inputs();
  if (inputs.empty()) {
    std::fprintf(stderr,
                 "bench_loader: no inputs (give .npy files, or put ../shared/quickdraw "
                 "beside the source tree)\n");
    return 1;
  }
  const auto open_start = Clock::now();
  const Dataset data = Dataset::open(inputs);
  const double open_s = seconds_since(open_start);
  std::printf(
      "loader benchmark: %zu images %dx%d in %zu files, %zu categories (opened in %.3f s)\n",
      data.size(), data.side(), data.side(), inputs.size(), data.categories().size(), open_s);
  std::printf("%d epochs per row, %u hardware threads, torch intra-op threads %d\n\n", epochs,
              std::thread::hardware_concurrency(), torch::get_num_threads());
  synchronous(data, 64, 1, false);  // warm the page cache

  std::printf("%-6s %-22s %14s %10s %16s\n", "batch", "loader", "images/s", "vs sync",
              "next() wait s");
  for (const bool convert : {false, true}) {
    std::printf("-- %s\n", convert ? "then converted to float [-1,1]" : "uint8 batches");
    for (const int64_t batch : {64, 256}) {
      const Result base = synchronous(data, batch, epochs, convert);
      std::printf("%-6lld %-22s %14.0f %9.2fx %16s\n", static_cast<long long>(batch),
                  "synchronous (baseline)", base.images_per_s, 1.0, "-");
      for (const int workers : {1, 2}) {
        const Result r = prefetched(data, batch, workers, epochs, convert);
        const std::string name =
            "prefetch, " + std::to_string(workers) + (workers == 1 ? " worker" : " workers");
        std::printf("%-6lld %-22s %14.0f %9.2fx %16.3f\n", static_cast<long long>(batch),
                    name.c_str(), r.images_per_s, r.images_per_s / base.images_per_s, r.wait_s);
      }
    }
  }

  // 15.6 us per image (1 ms per batch of 64): 64,000 images/s, over 10x what qd_train consumes
  // on this CPU, still hidden entirely if the loader keeps ahead.
  const double per_image_s = 1e-3 / 64;
  std::printf("\nconsumer sleeping %.1f us per image (a %.0f images/s step), 1 epoch:\n",
              per_image_s * 1e6, 1 / per_image_s);
  std::printf("%-6s %-22s %14s %16s %16s\n", "batch", "loader", "images/s", "next() wait s",
              "wait per batch");
  for (const int64_t batch : {64, 256}) {
    for (const int workers : {1, 2}) {
      const Result r =
          prefetched(data, batch, workers, 1, true, per_image_s * static_cast<double>(batch));
      const int64_t batches = static_cast<int64_t>(data.size()) / batch;
      const std::string name =
          "prefetch, " + std::to_string(workers) + (workers == 1 ? " worker" : " workers");
      std::printf("%-6lld %-22s %14.0f %16.4f %13.1f us\n", static_cast<long long>(batch),
                  name.c_str(), r.images_per_s, r.wait_s,
                  r.wait_s / static_cast<double>(batches) * 1e6);
    }
  }
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_loader: %s\n", e.what());
    return 1;
  }
}
