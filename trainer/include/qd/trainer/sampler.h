#pragma once
// Drawing images from a trained run (qd_sample).

#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "qd/trainer/device.h"

namespace qd::train {

struct SampleRequest {
  std::string run;  // the run directory
  int64_t count = 64;
  uint64_t seed = 0;
  std::string category;    // conditional runs: draw only this one; empty: categories in turn
  std::string checkpoint;  // empty: the run's latest
  DeviceChoice device = DeviceChoice::kAuto;
  bool last_weights = false;  // runs with --ema-decay: not the averaged weights but the last
};

// `count` images uint8 [count, S, S] (255 = ink) from the generator of the run in request.run.
// Throws RunDirectoryError (no run), std::invalid_argument (unknown category, or --category for
// an unconditional run) or std::runtime_error (no or unreadable checkpoint, or `stop` raised
// while drawing).
torch::Tensor sample_run(const SampleRequest& request, const std::atomic<bool>& stop);

}  // namespace qd::train
