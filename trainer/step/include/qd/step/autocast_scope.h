#pragma once
// bfloat16 autocast for the forward passes of a step, on the CPU or CUDA, over LibTorch 1.13's
// and 2.x's different autocast APIs. Backward passes run outside it, as PyTorch advises.

#include <torch/torch.h>

namespace qd::train {

class AutocastScope {
 public:
  // Does nothing unless `enabled`.
  AutocastScope(bool enabled, torch::Device device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
  bool cuda_;
};

}  // namespace qd::train
