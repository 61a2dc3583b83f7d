#pragma once
// Drawing images from a trained run (qd_sample).

#include <torch/types.h>

#include <cstdint>
#include <string>

namespace qd::train {

struct SampleRequest {
  int64_t count = 64;
  uint64_t seed = 0;
  std::string category;    // conditional runs: draw only this one; empty: categories in turn
  std::string checkpoint;  // empty: the run's latest
  std::string device = "auto";
  bool last_weights = false;  // runs with --ema-decay: not the averaged weights but the last
};

// `count` images uint8 [count, S, S] (255 = ink) from the generator of the run in `run_dir`.
// Throws RunDirectoryError (no run), std::invalid_argument (unknown category, or --category for
// an unconditional run) or std::runtime_error (no or unreadable checkpoint).
torch::Tensor sample_run(const std::string& run_dir, const SampleRequest& request);

}  // namespace qd::train
