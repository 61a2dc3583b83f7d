// cuda_support.h for a LibTorch with CUDA (the PyTorch wheel's, found through
// torch.utils.cmake_prefix_path).
#include "qd/step/cuda_support.h"

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include <stdexcept>

namespace qd::train {

namespace {

class CudaStepGraph : public StepGraph {
 public:
  void warmup(const std::function<void()>& step) override { on_side_stream(step); }

  void capture(const std::function<void()>& step) override {
    on_side_stream([&] {
      graph_.capture_begin();
      step();
      graph_.capture_end();
    });
    captured_ = true;
  }

  void replay() override {
    if (!captured_) throw std::logic_error("StepGraph::replay before capture");
    graph_.replay();
  }

  bool captured() const override { return captured_; }

 private:
  // The side stream starts after the current stream's work and the current stream continues
  // after the side stream's.
  void on_side_stream(const std::function<void()>& step) {
    const at::cuda::CUDAStream current = at::cuda::getCurrentCUDAStream();
    at::cuda::CUDAEvent before;
    before.record(current);
    before.block(side_);
    {
      const c10::cuda::CUDAStreamGuard guard(side_);
      step();
    }
    at::cuda::CUDAEvent after;
    after.record(side_);
    after.block(current);
  }

  at::cuda::CUDAStream side_ = at::cuda::getStreamFromPool();
  at::cuda::CUDAGraph graph_;
  bool captured_ = false;
};

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
  }
}

}  // namespace

bool built_with_cuda() {
  return true;
}

std::unique_ptr<StepGraph> make_step_graph() {
  return std::make_unique<CudaStepGraph>();
}

std::string cuda_device_name() {
  return at::cuda::getCurrentDeviceProperties()->name;
}

int64_t cuda_free_memory_bytes() {
  size_t free_bytes = 0;
  size_t total_bytes = 0;
  check(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  return static_cast<int64_t>(free_bytes);
}

// LibTorch 2's caching allocator has no per-device state until CUDA is first used (its stats
// functions then throw "Invalid device argument"): one small allocation initialises it.
namespace {
void initialise_allocator() {
  (void)at::empty({1}, at::TensorOptions(at::kCUDA));
}
}  // namespace

int64_t cuda_peak_allocated_bytes() {
  initialise_allocator();
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(c10::cuda::current_device());
  return stats.allocated_bytes[0].peak;  // [0]: all pools together
}

void cuda_reset_peak_allocated() {
  initialise_allocator();
  c10::cuda::CUDACachingAllocator::resetPeakStats(c10::cuda::current_device());
}

void cuda_synchronize() {
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

}  // namespace qd::train
