#pragma once
// Spectral normalisation of a discriminator (Miyato et al., ICLR 2018): every convolution's and
// dense layer's weight divided by its largest singular value, estimated by one step of power
// iteration per training forward pass, so the discriminator stays close to 1-Lipschitz.

#include <torch/torch.h>

#include "qd/model/networks.h"

namespace qd::train {

// A Conv2d or Linear layer whose forward pass uses weight / sigma(weight). The layer keeps its
// own parameters (the optimizer trains the unnormalised weight); u and v, the power iteration's
// singular vector estimates, are buffers, so checkpoints carry them.
class SpectralNormImpl : public torch::nn::Module {
 public:
  explicit SpectralNormImpl(torch::nn::Conv2d conv);
  explicit SpectralNormImpl(torch::nn::Linear linear);
  torch::Tensor forward(const torch::Tensor& x);
  // weight / sigma; in training mode, first one power-iteration step (updating u and v).
  torch::Tensor normalized_weight();

 private:
  void init_vectors(const torch::Tensor& weight);

  torch::nn::Conv2d conv_{nullptr};
  torch::nn::Linear linear_{nullptr};
  torch::Tensor u_, v_;
};
TORCH_MODULE(SpectralNorm);

// `network` with every Conv2d and Linear of its body spectrally normalised (the same parameters,
// now under body.N.layer). u and v are drawn from torch's global generator.
void apply_spectral_norm(Network& network);

}  // namespace qd::train
