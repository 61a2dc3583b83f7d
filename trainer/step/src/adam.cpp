#include "qd/step/adam.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace qd::train {

DeviceAdam::DeviceAdam(std::vector<torch::Tensor> parameters, AdamSettings settings)
    : params_(std::move(parameters)), settings_(settings) {
  if (params_.empty()) throw std::invalid_argument("DeviceAdam: no parameters");
  torch::NoGradGuard no_grad;
  for (const auto& p : params_) {
    exp_avg_.push_back(torch::zeros_like(p));
    exp_avg_sq_.push_back(torch::zeros_like(p));
  }
  step_ = torch::zeros({}, params_.front().options().dtype(torch::kFloat));
}

void DeviceAdam::zero_grad() {
  for (auto& p : params_) {
    if (p.grad().defined()) p.mutable_grad().zero_();
  }
}

void DeviceAdam::step() {
  torch::NoGradGuard no_grad;
  const auto& s = settings_;
  step_.add_(1);
  // lr / (1 - beta1^t) and sqrt(1 - beta2^t), as tensors: no host round trip.
  const torch::Tensor step_size = s.lr / (1 - torch::pow(s.beta1, step_));
  const torch::Tensor correction2_sqrt = (1 - torch::pow(s.beta2, step_)).sqrt();
  for (size_t i = 0; i < params_.size(); ++i) {
    const torch::Tensor& grad = params_[i].grad();
    if (!grad.defined()) continue;
    exp_avg_[i].mul_(s.beta1).add_(grad, 1 - s.beta1);
    exp_avg_sq_[i].mul_(s.beta2).addcmul_(grad, grad, 1 - s.beta2);
    const torch::Tensor denom = exp_avg_sq_[i].sqrt().div_(correction2_sqrt).add_(s.eps);
    params_[i].addcdiv_(exp_avg_[i] * step_size, denom, -1);
  }
}

void DeviceAdam::save(torch::serialize::OutputArchive& archive) const {
  archive.write("step", step_.to(torch::kCPU));
  for (size_t i = 0; i < params_.size(); ++i) {
    archive.write("exp_avg." + std::to_string(i), exp_avg_[i].to(torch::kCPU));
    archive.write("exp_avg_sq." + std::to_string(i), exp_avg_sq_[i].to(torch::kCPU));
  }
}

void DeviceAdam::load(torch::serialize::InputArchive& archive) {
  torch::NoGradGuard no_grad;
  const auto read_into = [&archive](const std::string& key, torch::Tensor& target) {
    torch::Tensor value;
    archive.read(key, value);
    if (!value.sizes().equals(target.sizes())) {
      throw std::runtime_error("optimizer state '" + key + "' has the wrong shape");
    }
    target.copy_(value);
  };
  read_into("step", step_);
  for (size_t i = 0; i < params_.size(); ++i) {
    read_into("exp_avg." + std::to_string(i), exp_avg_[i]);
    read_into("exp_avg_sq." + std::to_string(i), exp_avg_sq_[i]);
  }
}

int64_t DeviceAdam::steps_taken() const {
  return static_cast<int64_t>(std::lround(step_.item<float>()));
}

}  // namespace qd::train
