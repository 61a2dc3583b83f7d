#include "qd/model/resnet.h"

namespace qd::train {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

namespace {

// SNGAN's initialisation: Glorot-uniform weights, zero biases (the same for dense layers).
template <class Layer>
Layer glorot(Layer layer) {
  torch::NoGradGuard no_grad;
  nn::init::xavier_uniform_(layer->weight);
  if (layer->bias.defined()) layer->bias.zero_();
  return layer;
}

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel) {
  return glorot(nn::Conv2d(nn::Conv2dOptions(in, out, kernel).padding(kernel / 2)));
}

nn::Linear dense(int64_t in, int64_t out) {
  return glorot(nn::Linear(in, out));
}

torch::Tensor upsample(const torch::Tensor& x) {
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .scale_factor(std::vector<double>{2.0, 2.0})
                               .mode(torch::kNearest));
}

torch::Tensor pool(const torch::Tensor& x) {
  return F::avg_pool2d(x, F::AvgPool2dFuncOptions(2));
}

// How many doublings lie between the start (7x7 for 28, else 4x4) and `side`.
int64_t blocks_for(int64_t side) {
  int64_t n = 0;
  for (int64_t s = side == 28 ? 7 : 4; s < side; s *= 2) ++n;
  return n;
}

}  // namespace

ConditionalBatchNormImpl::ConditionalBatchNormImpl(int64_t channels, int64_t classes)
    : norm(register_module(
          "norm", nn::BatchNorm2d(nn::BatchNorm2dOptions(channels).affine(classes == 0)))) {
  if (classes > 0) {
    gain = register_module("gain", nn::Embedding(classes, channels));
    bias = register_module("bias", nn::Embedding(classes, channels));
    torch::NoGradGuard no_grad;
    gain->weight.zero_();  // every category starts from plain batch norm
    bias->weight.zero_();
  }
}

torch::Tensor ConditionalBatchNormImpl::forward(const torch::Tensor& x,
                                                const torch::Tensor& labels) {
  torch::Tensor y = norm->forward(x);
  if (!gain) return y;
  const auto shape = std::vector<int64_t>{x.size(0), x.size(1), 1, 1};
  return y * (1 + gain->forward(labels).view(shape)) + bias->forward(labels).view(shape);
}

UpBlockImpl::UpBlockImpl(int64_t in, int64_t out, int64_t classes)
    : norm1(register_module("norm1", ConditionalBatchNorm(in, classes))),
      norm2(register_module("norm2", ConditionalBatchNorm(out, classes))),
      conv1(register_module("conv1", conv(in, out, 3))),
      conv2(register_module("conv2", conv(out, out, 3))),
      shortcut(register_module("shortcut", conv(in, out, 1))) {}

torch::Tensor UpBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  torch::Tensor h = conv1->forward(upsample(torch::relu(norm1->forward(x, labels))));
  h = conv2->forward(torch::relu(norm2->forward(h, labels)));
  return h + shortcut->forward(upsample(x));
}

DownBlockImpl::DownBlockImpl(int64_t in, int64_t out, bool down, bool first)
    : conv1(register_module("conv1", SpectralNorm(conv(in, out, 3)))),
      conv2(register_module("conv2", SpectralNorm(conv(out, out, 3)))),
      shortcut(register_module("shortcut", SpectralNorm(conv(in, out, 1)))),
      down(down),
      first(first) {}

torch::Tensor DownBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = conv1->forward(first ? x : torch::relu(x));
  h = conv2->forward(torch::relu(h));
  if (down) h = pool(h);
  // Pooling first is the same function for a 1x1 convolution, on a quarter of the pixels.
  return h + shortcut->forward(down ? pool(x) : x);
}

ProjectionHeadImpl::ProjectionHeadImpl(int64_t channels, int64_t classes)
    : linear(register_module("linear", SpectralNorm(dense(channels, 1)))) {
  if (classes > 0) {
    embed = register_module("embed", nn::Embedding(classes, channels));
    torch::NoGradGuard no_grad;
    nn::init::xavier_uniform_(embed->weight);
  }
}

torch::Tensor ProjectionHeadImpl::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  const torch::Tensor h = torch::relu(x).sum({2, 3});
  torch::Tensor logit = linear->forward(h);
  if (embed) logit = logit + (embed->forward(labels) * h).sum(1, /*keepdim=*/true);
  return logit;
}

nn::Sequential resnet_generator(int64_t latent, int64_t classes, const ImageShape& out,
                                int64_t width) {
  const int64_t blocks = blocks_for(out.side);
  const int64_t start = out.side == 28 ? 7 : 4;
  int64_t c = width << std::min<int64_t>(blocks, 3);
  nn::Sequential s;
  s->push_back(dense(latent, start * start * c));
  s->push_back(nn::Unflatten(nn::UnflattenOptions(1, {c, start, start})));
  for (int64_t i = 0; i < blocks; ++i) {
    const int64_t next = std::max(width, c / 2);
    s->push_back(UpBlock(c, next, classes));
    c = next;
  }
  s->push_back(nn::BatchNorm2d(c));
  s->push_back(nn::ReLU());
  s->push_back(conv(c, out.channels, 3));
  s->push_back(nn::Tanh());
  return s;
}

nn::Sequential resnet_discriminator(int64_t classes, const ImageShape& image, int64_t width) {
  nn::Sequential s;
  int64_t c = width;
  s->push_back(DownBlock(image.channels, c, /*down=*/true, /*first=*/true));
  // Down to 7x7 (28) or 4x4, then one block at that size, as SNGAN's 32x32 discriminator.
  for (int64_t side = image.side / 2; side > (image.side == 28 ? 7 : 4); side /= 2) {
    const int64_t next = std::min(2 * width, 2 * c);
    s->push_back(DownBlock(c, next, /*down=*/true, /*first=*/false));
    c = next;
  }
  s->push_back(DownBlock(c, c, /*down=*/false, /*first=*/false));
  s->push_back(ProjectionHead(c, classes));
  return s;
}

}  // namespace qd::train
