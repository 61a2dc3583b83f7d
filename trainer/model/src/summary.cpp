#include "qd/model/summary.h"

#include <cctype>
#include <iomanip>
#include <map>
#include <sstream>

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

}  // namespace

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
  if (network->classes() > 0) {
    x = network->condition(x, labels);
    row("conditioning (one-hot label)", shape_text(x), "0");
  }
  std::map<std::string, int> seen;
  for (auto& layer : *network->body()) {
    x = layer.forward(x);
    const std::string type = type_name(*layer.ptr());
    std::string name = snake_case(type);
    if (const int n = seen[name]++; n > 0) name += "_" + std::to_string(n);
    row(name + " (" + type + ")", shape_text(x),
        with_commas(count_parameters(*layer.ptr()).total()));
  }
  const ParameterCounts counts = count_parameters(*network);
  out << double_rule << '\n'
      << "Total params: " << with_commas(counts.total()) << '\n'
      << "Trainable params: " << with_commas(counts.trainable) << '\n'
      << "Non-trainable params: " << with_commas(counts.non_trainable) << '\n'
      << rule << '\n';
  network->train(was_training);
  return out.str();
}

}  // namespace qd::train
