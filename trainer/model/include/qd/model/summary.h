#pragma once
// A Keras-like summary of a network: one row per layer with its output shape and parameters.

#include <cstdint>
#include <string>

#include "qd/model/networks.h"

namespace qd::train {

// Parameters counted as Keras counts them: the trainable ones, and batch norm's running mean and
// variance as non-trainable (its step counter is not a parameter).
struct ParameterCounts {
  int64_t trainable = 0;
  int64_t non_trainable = 0;
  int64_t total() const { return trainable + non_trainable; }
};
ParameterCounts count_parameters(const torch::nn::Module& module);

// The multiply-adds of one image through `layer` (a body's layer: dense, convolution, transposed
// convolution, spectral norm of those, the resnet blocks), given its input and output; 0 for
// the layers whose cost is negligible beside those (norms, activations, reshapes).
int64_t multiply_adds(const torch::nn::Module& layer, const torch::Tensor& in,
                      const torch::Tensor& out);

// The layer table, e.g. for the generator, `input_shape` = {latent_dim}; for the discriminator
// {1, side, side} (the batch dimension is left out, printed as "None" like Keras).
std::string layer_summary(Network& network, const std::string& title,
                          const std::vector<int64_t>& input_shape);

}  // namespace qd::train
