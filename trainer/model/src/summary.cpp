#include "qd/model/summary.h"

#include <cctype>
#include <iomanip>
#include <map>
#include <sstream>

#include "qd/model/resnet.h"
#include "qd/model/spectral_norm.h"

namespace qd::train {

namespace {

// "torch::nn::ConvTranspose2dImpl" -> "ConvTranspose2d".
std::string type_name(const torch::nn::Module& m) {
  std::string name = m.name();
  if (const auto colon = name.rfind(':'); colon != std::string::npos) name.erase(0, colon + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
    name.resize(name.size() - 4);
  return name;
}

// "ConvTranspose2d" -> "conv_transpose2d", Keras's style of layer name.
std::string snake_case(const std::string& type) {
  std::string out;
  for (size_t i = 0; i < type.size(); ++i) {
    const char c = type[i];
    if (std::isupper(static_cast<unsigned char>(c)) != 0) {
      const bool after_lower = i > 0 && std::islower(static_cast<unsigned char>(type[i - 1]));
      if (after_lower) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

std::string shape_text(const torch::Tensor& t) {
  std::string s = "(None";
  for (int64_t d = 1; d < t.dim(); ++d) s += ", " + std::to_string(t.size(d));
  return s + ")";
}

std::string megaflops(int64_t multiply_adds) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << 2.0 * static_cast<double>(multiply_adds) / 1e6;
  return out.str();
}

// A convolution's multiply-adds for one image: every output pixel of every output channel
// sums in/groups x k x k products.
int64_t conv_multiply_adds(const torch::nn::Conv2dImpl& conv, int64_t out_pixels) {
  const auto& o = conv.options;
  return out_pixels * o.out_channels() * (o.in_channels() / o.groups()) * o.kernel_size()->at(0) *
         o.kernel_size()->at(1);
}

}  // namespace

int64_t multiply_adds(const torch::nn::Module& layer, const torch::Tensor& in,
                      const torch::Tensor& out) {
  const auto pixels = [](const torch::Tensor& t) {
    return t.dim() == 4 ? t.size(2) * t.size(3) : 1;
  };
  if (const auto* l = layer.as<torch::nn::Linear>()) {
    return l->options.in_features() * l->options.out_features();
  }
  if (const auto* l = layer.as<torch::nn::Conv2d>()) return conv_multiply_adds(*l, pixels(out));
  if (const auto* l = layer.as<TransposedConv2d>()) {
    // Every input pixel scatters into k x k outputs of every output channel.
    return pixels(in) * l->weight.size(0) * l->weight.size(1) * l->weight.size(2) *
           l->weight.size(3);
  }
  if (const auto* l = layer.as<SpectralNorm>()) {
    int64_t total = 0;
    for (const auto& child : l->children()) total += multiply_adds(*child, in, out);
    return total;
  }
  if (const auto* l = layer.as<UpBlock>()) {  // all three at the output's size
    const int64_t p = pixels(out);
    return conv_multiply_adds(*l->conv1, p) + conv_multiply_adds(*l->conv2, p) +
           conv_multiply_adds(*l->shortcut, p);
  }
  if (const auto* l = layer.as<DownBlock>()) {  // both 3x3 at the input's size
    const int64_t p = pixels(in);
    const auto conv_of = [](const SpectralNormImpl& sn) {
      return sn.children().front()->as<torch::nn::Conv2d>();
    };
    return conv_multiply_adds(*conv_of(*l->conv1), p) + conv_multiply_adds(*conv_of(*l->conv2), p) +
           conv_multiply_adds(*conv_of(*l->shortcut), l->down ? p / 4 : p);
  }
  if (const auto* l = layer.as<ProjectionHead>()) return in.size(1) * (l->embed ? 2 : 1);
  return 0;
}

ParameterCounts count_parameters(const torch::nn::Module& module) {
  ParameterCounts counts;
  for (const auto& p : module.parameters()) counts.trainable += p.numel();
  for (const auto& b : module.named_buffers()) {
    const auto& key = b.key();
    const auto ends_with = [&](const std::string& suffix) {
      return key.size() >= suffix.size() &&
             key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with("running_mean") || ends_with("running_var")) {
      counts.non_trainable += b.value().numel();
    }
  }
  return counts;
}

std::string layer_summary(Network& network, const std::string& title,
                          const std::vector<int64_t>& input_shape) {
  const bool was_training = network->is_training();
  network->eval();
  torch::NoGradGuard no_grad;
  std::vector<int64_t> shape{2};
  shape.insert(shape.end(), input_shape.begin(), input_shape.end());
  const auto device = network->parameters().front().device();
  torch::Tensor x = torch::zeros(shape, torch::TensorOptions().device(device));
  const torch::Tensor labels = torch::zeros({2}, torch::TensorOptions(torch::kLong).device(device));

  std::ostringstream out;
  const std::string rule(80, '_');
  const std::string double_rule(80, '=');
  const auto row = [&out](const std::string& a, const std::string& b, const std::string& c) {
    out << ' ' << std::left << std::setw(40) << a << std::setw(26) << b << c << '\n';
  };
  out << "Model: \"" << title << "\"\n" << rule << '\n';
  row("Layer (type)", "Output Shape", "Param #");
  out << double_rule << '\n';
  if (network->one_hot_input()) {
    x = network->condition(x, labels);
    row("conditioning (one-hot label)", shape_text(x), "0");
  }
  std::map<std::string, int> seen;
  int64_t total_multiply_adds = 0;
  for (size_t i = 0; i < network->body()->size(); ++i) {
    const auto layer = network->body()->ptr(i);
    const torch::Tensor in = x;
    x = network->forward_layer(i, x, labels);
    total_multiply_adds += multiply_adds(*layer, in, x);
    const std::string type = type_name(*layer);
    std::string name = snake_case(type);
    if (const int n = seen[name]++; n > 0) name += "_" + std::to_string(n);
    row(name + " (" + type + ")", shape_text(x), with_commas(count_parameters(*layer).total()));
  }
  const ParameterCounts counts = count_parameters(*network);
  out << double_rule << '\n'
      << "Total params: " << with_commas(counts.total()) << '\n'
      << "Trainable params: " << with_commas(counts.trainable) << '\n'
      << "Non-trainable params: " << with_commas(counts.non_trainable) << '\n'
      << "MFLOPs per image: " << megaflops(total_multiply_adds)
      << " (forward: 2 x the multiply-adds of the convolutions and dense layers)\n"
      << rule << '\n';
  network->train(was_training);
  return out.str();
}

}  // namespace qd::train
