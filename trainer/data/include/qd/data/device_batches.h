#pragma once
// The whole dataset copied once to the training device (a 100,000-image category of 28x28 is
// 78 MB), each batch gathered there by one index_select: no host thread, no per-step transfer.
// Same batches, same order as PrefetchLoader.

#include <torch/torch.h>

#include <cstdint>
#include <optional>

#include "qd/data/batch_source.h"
#include "qd/data/dataset.h"

namespace qd::train {

class DeviceBatches : public BatchSource {
 public:
  DeviceBatches(const Dataset& data, int64_t batch_size, uint64_t seed, torch::Device device);

  int64_t batches_per_epoch() const override;
  void start_epoch(int64_t epoch, int64_t first_batch = 0) override;
  std::optional<Batch> next() override;
  double wait_seconds() const override { return 0; }

  // What the data takes on the device, in bytes.
  static int64_t device_bytes(const Dataset& data);

 private:
  torch::Tensor images_;  // uint8 [N,1,S,S] on the device
  torch::Tensor labels_;  // int64 [N] on the device
  torch::Tensor order_;   // int64 [N] on the device: this epoch's permutation
  int64_t batch_size_;
  uint64_t seed_;
  int64_t next_ = 0;
  int64_t end_ = 0;
};

}  // namespace qd::train
