// Stands in for collectives_gloo.cpp when LibTorch came without Gloo's headers (PyTorch's pip
// wheels ship none): one process trains as always; a data-parallel run is refused, saying why.
#include <stdexcept>

#include "qd/step/distributed.h"

namespace qd::train {

bool data_parallel_available() {
  return false;
}

struct Collectives::Group {};

Collectives::Collectives(const WorldInfo& world, int /*timeout_s*/) : world_(world) {
  throw std::runtime_error(
      "a data-parallel run (" + std::to_string(world.size) +
      " processes) needs a qd_train built against a LibTorch with Gloo's headers (Debian's "
      "libtorch-dev has them; PyTorch's pip wheels do not): rebuild against one, or run one "
      "process");
}

Collectives::~Collectives() = default;

// Never reached: no Collectives can be made in this build.

void Collectives::average(const std::vector<torch::Tensor>& /*tensors*/) {}
bool Collectives::any(bool flag) {
  return flag;
}
bool Collectives::same_everywhere(const torch::Tensor& /*values*/) {
  return true;
}

}  // namespace qd::train
