#pragma once
// Batches for the training loop, assembled ahead of time on background threads. The order of
// every epoch depends only on (dataset size, seed, epoch), so a resumed run sees exactly the
// batches an uninterrupted one would have.

#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "qd/data/batch_source.h"
#include "qd/data/dataset.h"

namespace qd::train {

struct LoaderOptions {
  int64_t batch_size = 64;
  uint64_t seed = 0;
  int workers = 2;          // background threads assembling batches
  int queue_depth = 8;      // batches assembled ahead of the consumer, at most
  bool pin_memory = false;  // page-locked host memory (only used when CUDA is available)
};

// The order of epoch `epoch`: a permutation of 0..n-1 that depends only on (n, seed, epoch), the
// same with every compiler and standard library (splitmix64 and Fisher-Yates, no std::shuffle).
std::vector<uint32_t> epoch_order(size_t n, uint64_t seed, int64_t epoch);

// Batches' images are on the CPU, pinned if asked.
class PrefetchLoader : public BatchSource {
 public:
  // `data` must outlive the loader.
  PrefetchLoader(const Dataset& data, LoaderOptions options);
  ~PrefetchLoader() override;  // stops and joins its threads, even mid-epoch
  PrefetchLoader(const PrefetchLoader&) = delete;
  PrefetchLoader& operator=(const PrefetchLoader&) = delete;

  int64_t batches_per_epoch() const override;
  void start_epoch(int64_t epoch, int64_t first_batch = 0) override;
  std::optional<Batch> next() override;
  double wait_seconds() const override;

 private:
  void work();
  void stop_workers();
  Batch assemble(int64_t index, const std::vector<uint32_t>& order) const;

  const Dataset& data_;
  LoaderOptions options_;
  bool pin_ = false;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;                  // workers wait here for a batch to claim
  std::condition_variable batch_ready_;                 // next() waits here for the batch it wants
  std::shared_ptr<const std::vector<uint32_t>> order_;  // the current epoch's permutation
  uint64_t generation_ = 0;         // bumped by start_epoch; stale work is dropped
  int64_t next_to_claim_ = 0;       // the next batch index a worker may assemble
  int64_t next_to_deliver_ = 0;     // the batch index next() returns next
  int64_t end_ = 0;                 // one past the last batch of the epoch
  std::map<int64_t, Batch> ready_;  // assembled, waiting to be delivered in order
  bool stopping_ = false;
  std::exception_ptr failure_;  // a worker's error, rethrown by next()
  double wait_seconds_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace qd::train
