#pragma once
// Where the training loop takes its batches from: the prefetching loader (host memory, background
// threads) or the whole dataset resident on the device. Both give the same batches in the same
// order for a (dataset, batch size, seed).

#include <torch/torch.h>

#include <cstdint>
#include <optional>

namespace qd::train {

struct Batch {
  torch::Tensor images;  // uint8 [B,C,S,S]
  torch::Tensor labels;  // int64 [B]
  int64_t index = 0;     // batch index in the epoch
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual int64_t batches_per_epoch() const = 0;  // full batches only (the remainder is dropped)
  // Starts epoch `epoch` at batch `first_batch` (> 0: resuming mid-epoch), dropping whatever was
  // left of the previous one.
  virtual void start_epoch(int64_t epoch, int64_t first_batch = 0) = 0;
  // The next batch in order; nullopt at the end of the epoch (or before any start_epoch).
  virtual std::optional<Batch> next() = 0;
  virtual double wait_seconds() const = 0;  // total time next() spent blocked
};

}  // namespace qd::train
