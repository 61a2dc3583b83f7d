// cuda_support.h for a LibTorch without CUDA (Debian's libtorch-dev).
#include <stdexcept>

#include "qd/step/cuda_support.h"

namespace qd::train {

bool built_with_cuda() {
  return false;
}

std::unique_ptr<StepGraph> make_step_graph() {
  throw std::invalid_argument(
      "--cuda-graph needs a CUDA build: this qd_train was built against a LibTorch without CUDA "
      "(see 'GPU' in the README)");
}

std::string cuda_device_name() {
  return "";
}
int64_t cuda_free_memory_bytes() {
  return 0;
}
int64_t cuda_peak_allocated_bytes() {
  return 0;
}
void cuda_reset_peak_allocated() {}
void cuda_synchronize() {}

}  // namespace qd::train
