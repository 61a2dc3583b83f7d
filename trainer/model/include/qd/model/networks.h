#pragma once
// The generator and discriminator of every preset, as one module type: a Sequential body plus the
// conditioning that goes in front of it.

#include <torch/torch.h>

#include <cstdint>

#include "qd/model/presets.h"

namespace qd::train {

// A layer of a body that is given each image's category besides its input: conditional batch
// norm and the blocks holding it, a projection discriminator's head. Sequential cannot pass
// labels along, so NetworkImpl::forward calls these itself.
class LabelledLayer {
 public:
  // `labels`: int64 [B], undefined in an unconditional network.
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& labels) = 0;

 protected:
  LabelledLayer() = default;
  LabelledLayer(const LabelledLayer&) = default;
  LabelledLayer& operator=(const LabelledLayer&) = default;
  ~LabelledLayer() = default;
};

// How a conditional network is told the category.
enum class Conditioning {
  // The 2014 cGAN way: generators get the one-hot label concatenated to the noise [B, latent],
  // discriminators get it as `classes` extra constant channels of the image [B, C, S, S].
  kOneHotInput,
  // Inside the body, by its LabelledLayers (conditional batch norm, a projection head).
  kLayers,
};

// A network whose input may be conditioned on a category. Unconditional networks ignore
// `labels`.
class NetworkImpl : public torch::nn::Module {
 public:
  NetworkImpl(torch::nn::Sequential body, int64_t classes,
              Conditioning conditioning = Conditioning::kOneHotInput);

  torch::Tensor forward(torch::Tensor input, const torch::Tensor& labels = {});
  // The body's input for `input` and `labels`: what the first layer sees.
  torch::Tensor condition(torch::Tensor input, const torch::Tensor& labels) const;
  // Layer `index` of the body applied to `x`, with the labels when it takes them.
  torch::Tensor forward_layer(size_t index, const torch::Tensor& x, const torch::Tensor& labels);

  torch::nn::Sequential& body() { return body_; }
  int64_t classes() const { return classes_; }
  Conditioning conditioning() const { return conditioning_; }
  // Whether the one-hot label is part of the body's input (a conditional kOneHotInput network).
  bool one_hot_input() const { return classes_ > 0 && conditioning_ == Conditioning::kOneHotInput; }

 private:
  torch::nn::Sequential body_;
  int64_t classes_;
  Conditioning conditioning_;
};
TORCH_MODULE(Network);

// Fresh networks of a preset, weights drawn from torch's global generator as DCGAN prescribes:
// convolutions and dense layers N(0, 0.02), biases 0; batch-norm scales N(1, 0.02), shifts 0.
Network make_generator(const ModelConfig& config);
Network make_discriminator(const ModelConfig& config);

// Keeps the rows and columns [top, top + height) x [left, left + width) of [B, C, H, W] maps
// (Keras's Cropping2D, and the trimming of a transposed convolution's "same" padding).
struct Crop2dImpl : torch::nn::Module {
  Crop2dImpl(int64_t top, int64_t left, int64_t height, int64_t width)
      : top(top), left(left), height(height), width(width) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return x.narrow(2, top, height).narrow(3, left, width);
  }
  int64_t top, left, height, width;
};
TORCH_MODULE(Crop2d);

// ConvTranspose2d with the same parameters ([in, out, k, k] weight, optional bias) and the same
// function, computed on the CPU as a stride-1 convolution of the zero-interleaved input with
// the flipped kernel. LibTorch 1.13 has no oneDNN transposed convolution: its fallback's
// backward pass is 5-25x slower than this for the generators' middle layers (measured in
// docs/training.md). Layers with few output channels, and every layer on CUDA, use
// torch::conv_transpose2d, which is faster there.
struct TransposedConv2dImpl : torch::nn::Module {
  TransposedConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                       bool bias);
  torch::Tensor forward(const torch::Tensor& x);

  int64_t stride, padding;
  torch::Tensor weight, bias;
};
TORCH_MODULE(TransposedConv2d);

}  // namespace qd::train
