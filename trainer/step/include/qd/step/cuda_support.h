#pragma once
// What qd_train needs from CUDA beyond LibTorch's device-neutral API: CUDA graphs and memory
// figures. Two implementations: cuda_support.cpp when LibTorch has CUDA (target torch_cuda), and
// cuda_support_absent.cpp otherwise, so no other file includes a CUDA header.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace qd::train {

// True when this build links a CUDA LibTorch (not whether a GPU is present).
bool built_with_cuda();

// A training step captured once and replayed. warmup() and capture() run `step` on a side
// stream, as CUDA graph capture requires; replay() launches the captured kernels on the current
// stream. Every tensor the step reads or writes must keep its memory between replays.
class StepGraph {
 public:
  virtual ~StepGraph() = default;
  virtual void warmup(const std::function<void()>& step) = 0;   // runs it eagerly
  virtual void capture(const std::function<void()>& step) = 0;  // records it, runs nothing
  virtual void replay() = 0;
  virtual bool captured() const = 0;
};

// Throws std::invalid_argument when the build has no CUDA.
std::unique_ptr<StepGraph> make_step_graph();

// The current CUDA device: its name, free memory, peak memory allocated by LibTorch since the
// last reset, and a wait for all its work. Without CUDA: "", 0, 0 and nothing.
std::string cuda_device_name();
int64_t cuda_free_memory_bytes();
int64_t cuda_peak_allocated_bytes();
void cuda_reset_peak_allocated();
void cuda_synchronize();

}  // namespace qd::train
