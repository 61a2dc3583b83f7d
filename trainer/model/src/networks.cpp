// The presets' layers. Keras and TensorFlow designs are reproduced with their defaults
// (BatchNormalization momentum 0.99 = PyTorch's 0.01, epsilon 1e-3) and their "same" padding,
// which for even kernels or stride 2 puts the extra row at the bottom: explicit ZeroPad2d/Crop2d
// layers reproduce that exactly. Layer tables: docs/training.md.

#include "qd/model/networks.h"

#include "qd/model/resnet.h"

namespace qd::train {

namespace nn = torch::nn;

namespace {

TransposedConv2d conv_t(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                        bool bias) {
  return TransposedConv2d(in, out, kernel, stride, padding, bias);
}

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                bool bias) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(bias));
}

nn::BatchNorm2d keras_bn(int64_t channels) {
  return nn::BatchNorm2d(nn::BatchNorm2dOptions(channels).momentum(0.01).eps(1e-3));
}

nn::LeakyReLU leaky(double slope) {
  return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(slope));
}

nn::Unflatten to_maps(int64_t channels, int64_t side) {
  return nn::Unflatten(nn::UnflattenOptions(1, {channels, side, side}));
}

// Keras's Conv2D(padding="same") with an odd kernel and stride 2 pads 1 before, 2 after.
nn::ZeroPad2d tf_same_pad() {
  return nn::ZeroPad2d(nn::ZeroPad2dOptions({1, 2, 1, 2}));
}

// How many stride-2 steps lie between 4x4 and a canvas of `side` (28 is drawn on 32 and cropped,
// or reached by one odd step): 3 for 28 and 32, 4 for 64.
int64_t doublings(int64_t side) {
  int64_t n = 0;
  for (int64_t s = side == 28 ? 32 : side; s > 4; s /= 2) ++n;
  return n;
}

// The keras-dcgan design: a 4x4x512 start, stride-2 upsampling steps halving the channels to
// 32x32 (or 64x64 ...), cropped to 28 for 28x28 images.
nn::Sequential keras_generator(int64_t in, const ImageShape& out) {
  nn::Sequential s;
  s->push_back(nn::Linear(nn::LinearOptions(in, 4 * 4 * 512).bias(false)));
  s->push_back(to_maps(512, 4));
  s->push_back(leaky(0.2));
  int64_t c = 512;
  for (int64_t i = 0; i < doublings(out.side); ++i, c /= 2) {
    s->push_back(conv_t(c, c / 2, 4, 2, 1, true));
    s->push_back(keras_bn(c / 2));
    s->push_back(leaky(0.2));
  }
  // Conv2DTranspose(C, 4, padding="same") = the full (n+3)x(n+3) output's rows 1..n; PyTorch's
  // padding 1 keeps rows 1..n+1: the first n of ours. Cropping2D(2) of a 32x32 for 28x28 images
  // is then rows 2..29 of ours.
  s->push_back(conv_t(c, out.channels, 4, 1, 1, true));
  s->push_back(nn::Tanh());
  const int64_t margin = out.side == 28 ? 2 : 0;
  s->push_back(Crop2d(margin, margin, out.side, out.side));
  return s;
}

nn::Sequential keras_discriminator(int64_t in, const ImageShape& image) {
  nn::Sequential s;
  if (image.side == 28) s->push_back(nn::ZeroPad2d(nn::ZeroPad2dOptions({2, 2, 2, 2})));
  int64_t a = in;
  int64_t b = 64;
  for (int64_t i = 0; i < doublings(image.side); ++i, a = b, b *= 2) {
    s->push_back(conv(a, b, 4, 2, 1, true));  // "same" for kernel 4, stride 2: 1 before, 1 after
    s->push_back(keras_bn(b));
    s->push_back(leaky(0.2));
  }
  s->push_back(nn::Flatten());
  s->push_back(nn::Dropout(0.3));
  s->push_back(nn::Linear(4 * 4 * a, 1));
  return s;
}

// tensorflow.org/tutorials/generative/dcgan, layer for layer (Keras's LeakyReLU slope 0.3), from
// a start of a quarter of the side: 7x7 for MNIST's 28x28 as the tutorial, 8x8 for CIFAR-10's 32.
nn::Sequential tf_generator(int64_t in, const ImageShape& out) {
  const int64_t start = out.side / 4;
  nn::Sequential s;
  s->push_back(nn::Linear(nn::LinearOptions(in, start * start * 256).bias(false)));
  s->push_back(
      nn::BatchNorm1d(nn::BatchNorm1dOptions(start * start * 256).momentum(0.01).eps(1e-3)));
  s->push_back(leaky(0.3));
  s->push_back(to_maps(256, start));
  s->push_back(conv_t(256, 128, 5, 1, 2, false));
  s->push_back(keras_bn(128));
  s->push_back(leaky(0.3));
  // "same" with stride 2 and kernel 5 keeps the full output's rows 1..2n: padding 1, then crop.
  s->push_back(conv_t(128, 64, 5, 2, 1, false));
  s->push_back(Crop2d(0, 0, 2 * start, 2 * start));
  s->push_back(keras_bn(64));
  s->push_back(leaky(0.3));
  s->push_back(conv_t(64, out.channels, 5, 2, 1, false));
  s->push_back(Crop2d(0, 0, out.side, out.side));
  s->push_back(nn::Tanh());
  return s;
}

nn::Sequential tf_discriminator(int64_t in, const ImageShape& image) {
  const int64_t end = image.side / 4;
  nn::Sequential s;
  s->push_back(tf_same_pad());
  s->push_back(conv(in, 64, 5, 2, 0, true));
  s->push_back(leaky(0.3));
  s->push_back(nn::Dropout(0.3));
  s->push_back(tf_same_pad());
  s->push_back(conv(64, 128, 5, 2, 0, true));
  s->push_back(leaky(0.3));
  s->push_back(nn::Dropout(0.3));
  s->push_back(nn::Flatten());
  s->push_back(nn::Linear(end * end * 128, 1));
  return s;
}

// pytorch/examples cpp/dcgan (MNIST): 1 -> 4 -> 7 -> 14 -> 28, no biases; for 32 the second step
// takes a 4 kernel (4 -> 8), and larger sides add steps from 512 channels as its Python
// DCGAN does for 64x64.
nn::Sequential small_generator(int64_t in, const ImageShape& out) {
  const int64_t steps = doublings(out.side);
  nn::Sequential s;
  s->push_back(to_maps(in, 1));
  int64_t c = int64_t{64} << (steps - 1);  // 256 for 28 and 32, 512 for 64
  s->push_back(conv_t(in, c, 4, 1, 0, false));
  s->push_back(nn::BatchNorm2d(c));
  s->push_back(nn::ReLU());
  for (int64_t i = 1; i < steps; ++i, c /= 2) {
    s->push_back(conv_t(c, c / 2, i == 1 && out.side == 28 ? 3 : 4, 2, 1, false));
    s->push_back(nn::BatchNorm2d(c / 2));
    s->push_back(nn::ReLU());
  }
  s->push_back(conv_t(c, out.channels, 4, 2, 1, false));
  s->push_back(nn::Tanh());
  return s;
}

// Its discriminator, ending in the logit (the example's sigmoid is inside the BCE-with-logits).
nn::Sequential small_discriminator(int64_t in, const ImageShape& image) {
  const int64_t steps = doublings(image.side);
  nn::Sequential s;
  s->push_back(conv(in, 64, 4, 2, 1, false));
  s->push_back(leaky(0.2));
  int64_t c = 64;
  for (int64_t i = 1; i < steps; ++i, c *= 2) {
    s->push_back(conv(c, c * 2, 4, 2, 1, false));
    s->push_back(nn::BatchNorm2d(c * 2));
    s->push_back(leaky(0.2));
  }
  s->push_back(conv(c, 1, image.side == 28 ? 3 : 4, 1, 0, false));  // 3x3 or 4x4 -> 1x1
  s->push_back(nn::Flatten());
  return s;
}

// Four transposed convolutions halving the channels (1 -> 7 -> 14 -> 28 -> 28 for 28x28: a start
// of a quarter of the side), sigmoid out.
nn::Sequential superdeep_generator(int64_t in, const ImageShape& out) {
  nn::Sequential s;
  s->push_back(to_maps(in, 1));
  s->push_back(conv_t(in, 256, out.side / 4, 1, 0, false));
  for (int64_t c : {256, 128}) {
    s->push_back(nn::BatchNorm2d(c));
    s->push_back(nn::ReLU());
    s->push_back(nn::Dropout(0.25));
    s->push_back(conv_t(c, c / 2, 4, 2, 1, false));
  }
  s->push_back(nn::BatchNorm2d(64));
  s->push_back(nn::ReLU());
  s->push_back(nn::Dropout(0.25));
  s->push_back(conv_t(64, out.channels, 3, 1, 1, true));
  s->push_back(nn::Sigmoid());
  return s;
}

// Four convolutions (28 -> 28 -> 14 -> 7 -> 4) with batch norm, then two dense layers.
nn::Sequential superdeep_discriminator(int64_t in, const ImageShape& image) {
  const int64_t end = (image.side / 4 + 1) / 2;  // the last stride-2, kernel-3 step rounds up
  nn::Sequential s;
  s->push_back(conv(in, 64, 3, 1, 1, false));
  s->push_back(nn::BatchNorm2d(64));
  s->push_back(leaky(0.2));
  s->push_back(conv(64, 128, 4, 2, 1, false));
  s->push_back(nn::BatchNorm2d(128));
  s->push_back(leaky(0.2));
  s->push_back(conv(128, 256, 4, 2, 1, false));
  s->push_back(nn::BatchNorm2d(256));
  s->push_back(leaky(0.2));
  s->push_back(conv(256, 512, 3, 2, 1, false));
  s->push_back(nn::BatchNorm2d(512));
  s->push_back(leaky(0.2));
  s->push_back(nn::Flatten());
  s->push_back(nn::Linear(end * end * 512, 256));
  s->push_back(leaky(0.2));
  s->push_back(nn::Linear(256, 1));
  return s;
}

void init_dcgan_weights(nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& m : module.modules(/*include_self=*/false)) {
    const bool weighted = m->as<nn::Conv2d>() != nullptr || m->as<TransposedConv2d>() != nullptr ||
                          m->as<nn::Linear>() != nullptr;
    const bool norm = m->as<nn::BatchNorm2d>() != nullptr || m->as<nn::BatchNorm1d>() != nullptr;
    if (!weighted && !norm) continue;
    for (auto& p : m->named_parameters(/*recurse=*/false)) {
      if (p.key() == "weight") {
        p.value().normal_(norm ? 1.0 : 0.0, 0.02);
      } else {
        p.value().zero_();
      }
    }
  }
}

Network finish(nn::Sequential body, int64_t classes) {
  Network network(std::move(body), classes);
  init_dcgan_weights(*network);
  return network;
}

}  // namespace

TransposedConv2dImpl::TransposedConv2dImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                           int64_t padding, bool with_bias)
    : stride(stride), padding(padding) {
  TORCH_CHECK(padding < kernel, "TransposedConv2d: padding must be smaller than the kernel");
  weight = register_parameter("weight", torch::empty({in, out, kernel, kernel}));
  if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor TransposedConv2dImpl::forward(const torch::Tensor& x) {
  const int64_t out = weight.size(1);
  const int64_t k = weight.size(2);
  if (x.is_cuda() || out < 8) {
    return torch::conv_transpose2d(x, weight, bias, stride, padding);
  }
  if (x.size(2) == 1 && x.size(3) == 1 && padding == 0) {
    // From 1x1, every output pixel is one dot product: a matrix product.
    torch::Tensor y =
        x.flatten(1).matmul(weight.reshape({weight.size(0), -1})).view({x.size(0), out, k, k});
    return bias.defined() ? y + bias.view({1, out, 1, 1}) : y;
  }
  torch::Tensor spread = x;
  if (stride > 1) {
    spread = torch::zeros(
        {x.size(0), x.size(1), (x.size(2) - 1) * stride + 1, (x.size(3) - 1) * stride + 1},
        x.options());
    spread.slice(2, 0, spread.size(2), stride).slice(3, 0, spread.size(3), stride).copy_(x);
  }
  return torch::conv2d(spread, weight.flip({2, 3}).transpose(0, 1), bias, 1, k - 1 - padding);
}

NetworkImpl::NetworkImpl(nn::Sequential body, int64_t classes, Conditioning conditioning)
    : body_(register_module("body", std::move(body))),
      classes_(classes),
      conditioning_(conditioning) {}

torch::Tensor NetworkImpl::condition(torch::Tensor input, const torch::Tensor& labels) const {
  if (classes_ == 0) return input;
  TORCH_CHECK(labels.defined() && labels.size(0) == input.size(0),
              "a conditional network needs one label per input");
  if (conditioning_ == Conditioning::kLayers) return input;
  auto one_hot = torch::one_hot(labels.to(input.device()), classes_).to(input.dtype());
  if (input.dim() == 4) {
    one_hot = one_hot.view({input.size(0), classes_, 1, 1})
                  .expand({input.size(0), classes_, input.size(2), input.size(3)});
  }
  return torch::cat({input, one_hot}, 1);
}

torch::Tensor NetworkImpl::forward_layer(size_t index, const torch::Tensor& x,
                                         const torch::Tensor& labels) {
  if (auto* labelled = dynamic_cast<LabelledLayer*>(body_->ptr(index).get())) {
    return labelled->forward(x, classes_ > 0 ? labels : torch::Tensor());
  }
  return (body_->begin() + static_cast<std::ptrdiff_t>(index))->forward(x);
}

torch::Tensor NetworkImpl::forward(torch::Tensor input, const torch::Tensor& labels) {
  torch::Tensor x = condition(std::move(input), labels);
  if (conditioning_ == Conditioning::kOneHotInput) return body_->forward(x);
  for (size_t i = 0; i < body_->size(); ++i) x = forward_layer(i, x, labels);
  return x;
}

namespace {

// Each preset's two networks, in Arch's order: body builders taking the input channel count.
struct PresetBuilders {
  nn::Sequential (*generator)(int64_t in, const ImageShape& out);
  nn::Sequential (*discriminator)(int64_t in, const ImageShape& image);
};
constexpr PresetBuilders kPresets[] = {{keras_generator, keras_discriminator},
                                       {tf_generator, tf_discriminator},
                                       {small_generator, small_discriminator},
                                       {superdeep_generator, superdeep_discriminator}};

}  // namespace

Network make_generator(const ModelConfig& c) {
  check_image_shape(c.arch, c.image);
  if (c.arch == Arch::kResnet) {  // initialised as SNGAN is, by its layers
    return Network(resnet_generator(c.latent_dim, c.classes, c.image, c.width), c.classes,
                   Conditioning::kLayers);
  }
  return finish(kPresets[static_cast<size_t>(c.arch)].generator(c.latent_dim + c.classes, c.image),
                c.classes);
}

Network make_discriminator(const ModelConfig& c) {
  check_image_shape(c.arch, c.image);
  if (c.arch == Arch::kResnet) {
    return Network(resnet_discriminator(c.classes, c.image, c.width), c.classes,
                   Conditioning::kLayers);
  }
  return finish(
      kPresets[static_cast<size_t>(c.arch)].discriminator(c.image.channels + c.classes, c.image),
      c.classes);
}

}  // namespace qd::train
