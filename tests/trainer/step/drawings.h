#pragma once
// What the step suites augment and train on: small, known drawings.
#include <torch/torch.h>

#include <cstdint>

namespace qd::test {

// A batch of drawings in [-1, 1]: background -1, a 6x6 block of ink in the middle of each.
inline torch::Tensor drawings(int64_t b) {
  torch::Tensor x = torch::full({b, 1, 28, 28}, -1.0);
  x.narrow(2, 11, 6).narrow(3, 11, 6).fill_(1.0);
  return x;
}

}  // namespace qd::test
