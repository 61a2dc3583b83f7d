#pragma once
// Adam (Kingma and Ba, as torch::optim::Adam computes it, without weight decay or AMSGrad) whose
// step count and bias corrections live on the parameters' device. A step therefore reads no host
// scalar that changes between steps, and can be captured once in a CUDA graph and replayed; its
// moment buffers are allocated up front so their addresses never change.

#include <torch/torch.h>

#include <vector>

namespace qd::train {

struct AdamSettings {
  double lr = 2e-4;
  double beta1 = 0.5;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class DeviceAdam {
 public:
  DeviceAdam(std::vector<torch::Tensor> parameters, AdamSettings settings);

  void zero_grad();  // in place, so the gradients keep their memory
  void step();

  // Step count and both moments of every parameter, in order.
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);  // copies into the existing buffers

  int64_t steps_taken() const;  // reads the device: not for inside a step

 private:
  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> exp_avg_;
  std::vector<torch::Tensor> exp_avg_sq_;
  torch::Tensor step_;  // float32 scalar on the device (exact up to 2^24 steps)
  AdamSettings settings_;
};

}  // namespace qd::train
