#include "qd/step/autocast_scope.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace qd::train {

namespace {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
void set_bf16_autocast(bool cuda, bool on) {
  const at::DeviceType type = cuda ? at::kCUDA : at::kCPU;
  at::autocast::set_autocast_dtype(type, at::kBFloat16);
  at::autocast::set_autocast_enabled(type, on);
}
#else
void set_bf16_autocast(bool cuda, bool on) {
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(on);
  } else {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(on);
  }
}
#endif

}  // namespace

AutocastScope::AutocastScope(bool enabled, torch::Device device)
    : enabled_(enabled), cuda_(device.is_cuda()) {
  if (!enabled_) return;
  // Cached casts of the weights would outlive a CUDA graph capture; casting each time is cheap.
  at::autocast::set_autocast_cache_enabled(false);
  set_bf16_autocast(cuda_, true);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!enabled_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_bf16_autocast(cuda_, false);
}

}  // namespace qd::train
