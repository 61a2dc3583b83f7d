#include "qd/data/device_batches.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "image_array.h"
#include "qd/data/loader.h"

namespace qd::train {

DeviceBatches::DeviceBatches(const Dataset& data, int64_t batch_size, uint64_t seed,
                             torch::Device device)
    : batch_size_(batch_size), seed_(seed) {
  if (batch_size < 1) throw std::invalid_argument("device batches: batch size must be >= 1");
  const auto n = static_cast<int64_t>(data.size());
  const ImageShape& shape = data.shape();
  torch::Tensor images = torch::empty({n, shape.channels, shape.side, shape.side}, torch::kUInt8);
  torch::Tensor labels = torch::empty({n}, torch::kLong);
  auto* out = images.data_ptr<uint8_t>();
  auto* label = labels.data_ptr<int64_t>();
  const size_t image_bytes = data.image_bytes();
  for (size_t i = 0; i < data.size(); ++i) {
    copy_to_chw(data.image(i), shape, out + i * image_bytes);
    label[i] = data.label(i);
  }
  images_ = images.to(device);
  labels_ = labels.to(device);
}

int64_t DeviceBatches::device_bytes(const Dataset& data) {
  const auto n = static_cast<int64_t>(data.size());
  return n * static_cast<int64_t>(data.image_bytes()) +
         n * static_cast<int64_t>(sizeof(int64_t)) * 2;
}

int64_t DeviceBatches::batches_per_epoch() const {
  return images_.size(0) / batch_size_;
}

void DeviceBatches::start_epoch(int64_t epoch, int64_t first_batch) {
  end_ = batches_per_epoch();
  if (first_batch < 0 || first_batch > end_) {
    throw std::out_of_range("device batches: batch " + std::to_string(first_batch) +
                            " of an epoch of " + std::to_string(end_));
  }
  const std::vector<uint32_t> order =
      epoch_order(static_cast<size_t>(images_.size(0)), seed_, epoch);
  order_ = torch::tensor(std::vector<int64_t>(order.begin(), order.end()), torch::kLong)
               .to(images_.device());
  next_ = first_batch;
}

std::optional<Batch> DeviceBatches::next() {
  if (next_ >= end_) return std::nullopt;
  const torch::Tensor rows = order_.narrow(0, next_ * batch_size_, batch_size_);
  Batch b;
  b.images = images_.index_select(0, rows);
  b.labels = labels_.index_select(0, rows);
  b.index = next_++;
  return b;
}

}  // namespace qd::train
