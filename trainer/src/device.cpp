#include "qd/trainer/device.h"

#include <torch/cuda.h>

#include <stdexcept>

#include "enum_names.h"

namespace qd::train {
namespace {
constexpr std::array<const char*, 3> kNames = {"auto", "cpu", "cuda"};
}  // namespace

const char* to_string(DeviceChoice choice) {
  return kNames[static_cast<size_t>(choice)];
}

DeviceChoice parse_device_choice(std::string_view name) {
  return enum_of_name<DeviceChoice>(kNames, name, "--device");
}

torch::Device choose_device(DeviceChoice choice) {
  if (choice == DeviceChoice::kCpu) return torch::kCPU;
  if (torch::cuda::is_available()) return torch::kCUDA;
  if (choice == DeviceChoice::kAuto) return torch::kCPU;
  throw std::invalid_argument("--device cuda: no CUDA device is available to this LibTorch");
}

}  // namespace qd::train
