#include "qd/data/loader.h"

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "image_array.h"

namespace qd::train {

PrefetchLoader::PrefetchLoader(const Dataset& data, LoaderOptions options)
    : data_(data), options_(options) {
  if (options_.batch_size < 1) throw std::invalid_argument("loader: batch size must be >= 1");
  if (options_.workers < 1) throw std::invalid_argument("loader: workers must be >= 1");
  if (options_.queue_depth < 1) throw std::invalid_argument("loader: queue depth must be >= 1");
  pin_ = options_.pin_memory && torch::cuda::is_available();
  workers_.reserve(options_.workers);
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
}

PrefetchLoader::~PrefetchLoader() {
  stop_workers();
}

void PrefetchLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

int64_t PrefetchLoader::batches_per_epoch() const {
  return static_cast<int64_t>(data_.size()) / options_.batch_size;
}

void PrefetchLoader::start_epoch(int64_t epoch, int64_t first_batch) {
  const int64_t end = batches_per_epoch();
  if (first_batch < 0 || first_batch > end) {
    throw std::out_of_range("loader: batch " + std::to_string(first_batch) + " of an epoch of " +
                            std::to_string(end));
  }
  auto order = std::make_shared<const std::vector<uint32_t>>(
      epoch_order(data_.size(), options_.seed, epoch));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    order_ = std::move(order);
    ++generation_;
    next_to_claim_ = first_batch;
    next_to_deliver_ = first_batch;
    end_ = end;
    ready_.clear();
  }
  work_ready_.notify_all();
}

std::optional<Batch> PrefetchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (next_to_deliver_ >= end_) return std::nullopt;
  const auto available = [this] { return failure_ || ready_.count(next_to_deliver_) > 0; };
  if (!available()) {
    const auto start = std::chrono::steady_clock::now();
    batch_ready_.wait(lock, available);
    wait_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  if (failure_) std::rethrow_exception(failure_);
  auto it = ready_.find(next_to_deliver_);
  Batch batch = std::move(it->second);
  ready_.erase(it);
  ++next_to_deliver_;
  lock.unlock();
  work_ready_.notify_all();  // room in the queue
  return batch;
}

double PrefetchLoader::wait_seconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return wait_seconds_;
}

void PrefetchLoader::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    // The queue is bounded by counting batches claimed but not yet taken by next().
    work_ready_.wait(lock, [this] {
      return stopping_ ||
             (next_to_claim_ < end_ && next_to_claim_ < next_to_deliver_ + options_.queue_depth);
    });
    if (stopping_) return;
    const int64_t index = next_to_claim_++;
    const uint64_t generation = generation_;
    const std::shared_ptr<const std::vector<uint32_t>> order = order_;
    lock.unlock();
    std::optional<Batch> batch;
    std::exception_ptr failure;
    try {
      batch = assemble(index, *order);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (generation != generation_) continue;  // start_epoch moved on while we worked
    if (failure) {
      failure_ = failure;
    } else {
      ready_.emplace(index, std::move(*batch));
    }
    batch_ready_.notify_all();
  }
}

Batch PrefetchLoader::assemble(int64_t index, const std::vector<uint32_t>& order) const {
  const int64_t b = options_.batch_size;
  const ImageShape& shape = data_.shape();
  const size_t image_bytes = data_.image_bytes();
  Batch batch;
  batch.index = index;
  batch.images = torch::empty({b, shape.channels, shape.side, shape.side},
                              torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(pin_));
  batch.labels = torch::empty({b}, torch::TensorOptions().dtype(torch::kInt64));
  uint8_t* images = batch.images.data_ptr<uint8_t>();
  int64_t* labels = batch.labels.data_ptr<int64_t>();
  const uint32_t* ids = order.data() + index * b;
  for (int64_t j = 0; j < b; ++j) {
    copy_to_chw(data_.image(ids[j]), shape, images + j * image_bytes);
    labels[j] = data_.label(ids[j]);
  }
  return batch;
}

}  // namespace qd::train
