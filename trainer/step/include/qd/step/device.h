#pragma once
// Where a run computes: --device as the tools parse it, and the torch device it stands for.

#include <torch/types.h>

#include <string_view>

namespace qd::train {

enum class DeviceChoice { kAuto, kCpu, kCuda };
const char* to_string(DeviceChoice choice);
// "auto", "cpu" or "cuda"; throws std::invalid_argument otherwise.
DeviceChoice parse_device_choice(std::string_view name);

// kAuto: CUDA when available, else the CPU. Throws std::invalid_argument for kCuda without a GPU.
torch::Device choose_device(DeviceChoice choice);

// The cores this process may run on: its CPU affinity, capped by a cgroup CPU quota (cpu.max)
// when there is one. At least 1.
int usable_cores();

}  // namespace qd::train
