#pragma once
// The `resnet` preset's layers: SNGAN's residual networks (Miyato et al., ICLR 2018), with
// class-conditional batch norm in the generator and a projection discriminator (Miyato and
// Koyama, ICLR 2018) for conditional runs. Layer tables and the widths: docs/training.md.

#include <torch/torch.h>

#include <cstdint>

#include "qd/model/networks.h"
#include "qd/model/spectral_norm.h"

namespace qd::train {

// Batch norm whose scale and shift are looked up by the category (de Vries et al., 2017; SNGAN's
// and BigGAN's generators): scale 1 + gain[y], shift bias[y], both zero at the start. Without
// classes it is plain batch norm with its own affine map.
class ConditionalBatchNormImpl : public torch::nn::Module, public LabelledLayer {
 public:
  ConditionalBatchNormImpl(int64_t channels, int64_t classes);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& labels) override;

  torch::nn::BatchNorm2d norm{nullptr};
  torch::nn::Embedding gain{nullptr}, bias{nullptr};  // [classes, channels]; null unconditional
};
TORCH_MODULE(ConditionalBatchNorm);

// The generator's block: BN, ReLU, 2x nearest upsampling, 3x3 convolution, BN, ReLU, 3x3
// convolution; plus the upsampled input through a 1x1 convolution.
class UpBlockImpl : public torch::nn::Module, public LabelledLayer {
 public:
  UpBlockImpl(int64_t in, int64_t out, int64_t classes);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& labels) override;

  ConditionalBatchNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, shortcut{nullptr};
};
TORCH_MODULE(UpBlock);

// The discriminator's block, every convolution spectrally normalised: ReLU, 3x3 convolution,
// ReLU, 3x3 convolution, 2x2 average pooling when `down`; plus the input through a 1x1
// convolution (pooled too). The first block sees the image itself: no ReLU before its first
// convolution, and its shortcut pools before the 1x1 convolution (SNGAN's "optimized" block).
class DownBlockImpl : public torch::nn::Module {
 public:
  DownBlockImpl(int64_t in, int64_t out, bool down, bool first);
  torch::Tensor forward(const torch::Tensor& x);

  SpectralNorm conv1{nullptr}, conv2{nullptr}, shortcut{nullptr};
  bool down, first;
};
TORCH_MODULE(DownBlock);

// The discriminator's end: ReLU, the sum over the pixels, then a spectrally normalised dense
// layer to one logit, plus, when conditional, the projection <embed[y], h> of the pooled
// features onto the category's embedding.
class ProjectionHeadImpl : public torch::nn::Module, public LabelledLayer {
 public:
  ProjectionHeadImpl(int64_t channels, int64_t classes);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& labels) override;

  SpectralNorm linear{nullptr};
  torch::nn::Embedding embed{nullptr};  // [classes, channels]; null unconditional
};
TORCH_MODULE(ProjectionHead);

// The preset's bodies: 28x28 from 7x7 (two blocks), 2^k x 2^k from 4x4. `width`: the channels of
// the generator's last block and of the discriminator's first; each step towards 4x4 (or 7x7)
// doubles them, up to 8 x width in the generator and 2 x width in the discriminator.
torch::nn::Sequential resnet_generator(int64_t latent, int64_t classes, const ImageShape& out,
                                       int64_t width);
torch::nn::Sequential resnet_discriminator(int64_t classes, const ImageShape& image, int64_t width);

}  // namespace qd::train
