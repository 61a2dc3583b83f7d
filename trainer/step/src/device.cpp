#include "qd/step/device.h"

#include <sched.h>
#include <torch/cuda.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "qd/step/enum_names.h"

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

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  // cgroup v2: "max 100000" (no quota) or "<quota> <period>", in microseconds.
  std::ifstream cpu_max("/sys/fs/cgroup/cpu.max");
  std::string quota;
  double period = 0;
  if (cpu_max >> quota >> period && quota != "max" && period > 0) {
    const int allowed = static_cast<int>(std::ceil(std::stod(quota) / period));
    cores = std::min(cores, std::max(allowed, 1));
  }
  return std::max(cores, 1);
}

}  // namespace qd::train
