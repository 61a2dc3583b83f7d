#include "qd/model/spectral_norm.h"

namespace qd::train {

namespace F = torch::nn::functional;

namespace {

torch::Tensor normalized(const torch::Tensor& x) {
  return F::normalize(x, F::NormalizeFuncOptions().dim(0).eps(1e-12));
}

const torch::Tensor& weight_of(const torch::nn::Conv2d& conv, const torch::nn::Linear& linear) {
  return conv ? conv->weight : linear->weight;
}

}  // namespace

SpectralNormImpl::SpectralNormImpl(torch::nn::Conv2d conv)
    : conv_(register_module("layer", std::move(conv))) {
  init_vectors(conv_->weight);
}

SpectralNormImpl::SpectralNormImpl(torch::nn::Linear linear)
    : linear_(register_module("layer", std::move(linear))) {
  init_vectors(linear_->weight);
}

void SpectralNormImpl::init_vectors(const torch::Tensor& weight) {
  const auto options = weight.options().requires_grad(false);
  u_ = register_buffer("u", normalized(torch::randn({weight.size(0)}, options)));
  v_ = register_buffer("v", normalized(torch::randn({weight.numel() / weight.size(0)}, options)));
}

torch::Tensor SpectralNormImpl::normalized_weight() {
  const torch::Tensor& weight = weight_of(conv_, linear_);
  const torch::Tensor matrix = weight.reshape({weight.size(0), -1});
  if (is_training()) {
    torch::NoGradGuard no_grad;
    v_.copy_(normalized(matrix.t().mv(u_)));
    u_.copy_(normalized(matrix.mv(v_)));
  }
  // u and v are constants here; the gradient flows through the weight alone. Copies, because
  // the next forward pass (the fakes', after the reals') updates u and v in place.
  const torch::Tensor sigma = u_.clone().dot(matrix.mv(v_.clone()));
  return weight / sigma;
}

torch::Tensor SpectralNormImpl::forward(const torch::Tensor& x) {
  const torch::Tensor weight = normalized_weight();
  if (linear_) return F::linear(x, weight, linear_->bias);
  const auto& o = conv_->options;
  return F::conv2d(x, weight,
                   F::Conv2dFuncOptions()
                       .bias(conv_->bias)
                       .stride(o.stride())
                       .padding(o.padding())
                       .dilation(o.dilation())
                       .groups(o.groups()));
}

void apply_spectral_norm(Network& network) {
  torch::nn::Sequential body;
  for (const auto& item : *network->body()) {
    const auto module = item.ptr();
    if (module->as<torch::nn::Conv2d>() != nullptr) {  // the presets pad by numbers, not "same"
      body->push_back(SpectralNorm(
          torch::nn::Conv2d(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(module))));
    } else if (module->as<torch::nn::Linear>() != nullptr) {
      body->push_back(SpectralNorm(
          torch::nn::Linear(std::dynamic_pointer_cast<torch::nn::LinearImpl>(module))));
    } else {
      body->push_back(item);
    }
  }
  network->body() = network->replace_module("body", body);
}

}  // namespace qd::train
