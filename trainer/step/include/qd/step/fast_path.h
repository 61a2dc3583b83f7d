#pragma once
// How a training step runs rather than what it computes (bf16 aside): speedups, each switchable so
// that its effect can be measured alone. On the CPU only channels_last and bf16 apply.

namespace qd::train {

struct FastPath {
  bool cudnn_benchmark = true;  // CUDA: cuDNN times its algorithms for these shapes once
  bool channels_last = false;   // NHWC weights and images
  bool bf16 = false;            // bfloat16 autocast of the forward passes
  bool cuda_graph = false;      // CUDA: the whole step captured once and replayed
};

}  // namespace qd::train
