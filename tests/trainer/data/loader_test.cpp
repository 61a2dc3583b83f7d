// The prefetching loader: exact, reproducible order (which resume relies on), every image once
// per epoch, and the same batches whatever the number of workers; DeviceBatches gives the same.
#include "qd/data/loader.h"

#include <algorithm>
#include <set>

#include "data_fixtures.h"
#include "qd/data/device_batches.h"
#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;
using qd::test::image_tag;
using qd::test::ScratchDir;

namespace {

// 103 tagged 28x28 images (ids 0..102), in two categories: ids 0..59 "a", 60..102 "b".
struct TaggedData {
  ScratchDir dir{"loader_data"};
  Dataset data = open();

  Dataset open() {
    qd::test::write_tagged_npy(dir / "a.npy", 0, 60, {784});
    qd::test::write_tagged_npy(dir / "b.npy", 60, 43, {28, 28});
    return Dataset::open({(dir / "a.npy").string(), (dir / "b.npy").string()});
  }
};

// Each batch as the image ids it holds, from batch `first` to the end of the epoch.
std::vector<std::vector<uint32_t>> epoch_ids(BatchSource& loader, int64_t epoch,
                                             int64_t first = 0) {
  loader.start_epoch(epoch, first);
  std::vector<std::vector<uint32_t>> batches;
  int64_t expected_index = first;
  while (auto batch = loader.next()) {
    CHECK(batch->index == expected_index++);
    const torch::Tensor& images = batch->images;
    REQUIRE(images.dtype() == torch::kUInt8);
    REQUIRE(images.sizes() == torch::IntArrayRef({images.size(0), 1, 28, 28}));
    REQUIRE(batch->labels.dtype() == torch::kInt64);
    std::vector<uint32_t> ids;
    for (int64_t j = 0; j < images.size(0); ++j) {
      const uint32_t id = image_tag(images[j].data_ptr<uint8_t>());
      CHECK(batch->labels[j].item<int64_t>() == (id < 60 ? 0 : 1));
      ids.push_back(id);
    }
    batches.push_back(ids);
  }
  return batches;
}

LoaderOptions options(int workers, int64_t batch_size = 10, int queue_depth = 3) {
  LoaderOptions o;
  o.batch_size = batch_size;
  o.seed = 7;
  o.workers = workers;
  o.queue_depth = queue_depth;
  return o;
}

}  // namespace

TEST_CASE("loader: epoch_order is a permutation fixed by (n, seed, epoch)") {
  const std::vector<uint32_t> order = epoch_order(1000, 42, 3);
  std::vector<uint32_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < 1000; ++i) REQUIRE(sorted[i] == i);
  CHECK(epoch_order(1000, 42, 3) == order);
  CHECK(epoch_order(1000, 42, 4) != order);
  CHECK(epoch_order(1000, 43, 3) != order);
  // Pinned values: the order must not change with the compiler, library or a refactoring, or
  // runs resumed across versions would see other batches.
  CHECK(epoch_order(10, 42, 0) == std::vector<uint32_t>{7, 5, 8, 0, 6, 2, 4, 1, 3, 9});
  CHECK(epoch_order(0, 1, 0).empty());
  CHECK(epoch_order(1, 1, 0) == std::vector<uint32_t>{0});
}

TEST_CASE("loader: batches follow the epoch order, each image once, remainder dropped") {
  TaggedData t;
  PrefetchLoader loader(t.data, options(2));
  CHECK(loader.batches_per_epoch() == 10);
  const auto batches = epoch_ids(loader, 0);
  REQUIRE(batches.size() == 10);
  const std::vector<uint32_t> order = epoch_order(103, 7, 0);
  std::set<uint32_t> seen;
  for (size_t b = 0; b < batches.size(); ++b) {
    for (size_t j = 0; j < 10; ++j) {
      CHECK(batches[b][j] == order[b * 10 + j]);
      CHECK(seen.insert(batches[b][j]).second);
    }
  }
  CHECK(seen.size() == 100);
  CHECK_FALSE(loader.next().has_value());  // the epoch stays over
}

TEST_CASE("loader: same seed and epoch, same batches, whatever the workers and queue") {
  TaggedData t;
  PrefetchLoader one(t.data, options(1, 10, 1));
  PrefetchLoader three(t.data, options(3, 10, 8));
  const auto reference = epoch_ids(one, 5);
  CHECK(epoch_ids(three, 5) == reference);
  CHECK(epoch_ids(one, 5) == reference);  // an epoch read twice
  CHECK(epoch_ids(three, 6) != reference);

  // Resuming mid-epoch gives exactly the tail of the uninterrupted epoch.
  const auto tail = epoch_ids(three, 5, 4);
  CHECK(tail == std::vector<std::vector<uint32_t>>(reference.begin() + 4, reference.end()));
  CHECK(epoch_ids(one, 5, 10).empty());
  CHECK_THROWS_AS(one.start_epoch(5, 11), std::out_of_range);
}

TEST_CASE("loader: a new epoch started mid-epoch discards the old one") {
  TaggedData t;
  PrefetchLoader loader(t.data, options(2, 10, 4));
  const auto reference = epoch_ids(loader, 1);
  loader.start_epoch(0);
  REQUIRE(loader.next().has_value());
  REQUIRE(loader.next().has_value());
  CHECK(epoch_ids(loader, 1) == reference);
}

TEST_CASE("loader: stops cleanly when destroyed mid-epoch") {
  TaggedData t;
  for (int workers : {1, 2, 4}) {
    PrefetchLoader loader(t.data, options(workers, 3, 2));
    loader.start_epoch(0);
    REQUIRE(loader.next().has_value());
  }  // the destructor joins threads blocked on a full queue
  PrefetchLoader never_started(t.data, options(2));
  CHECK_FALSE(never_started.next().has_value());
  CHECK(never_started.wait_seconds() == 0.0);
}

TEST_CASE("loader: rejects impossible options") {
  TaggedData t;
  CHECK_THROWS_AS(PrefetchLoader(t.data, options(0)), std::invalid_argument);
  CHECK_THROWS_AS(PrefetchLoader(t.data, options(1, 0)), std::invalid_argument);
  CHECK_THROWS_AS(PrefetchLoader(t.data, options(1, 10, 0)), std::invalid_argument);
  // A batch larger than the data: no full batch, an empty epoch.
  PrefetchLoader big(t.data, options(1, 200));
  CHECK(big.batches_per_epoch() == 0);
  CHECK(epoch_ids(big, 0).empty());
}

TEST_CASE("loader: DeviceBatches gives the prefetching loader's batches, resuming mid-epoch too") {
  TaggedData t;
  PrefetchLoader loader(t.data, options(2));
  DeviceBatches resident(t.data, 10, 7, torch::kCPU);
  CHECK(resident.batches_per_epoch() == loader.batches_per_epoch());
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    CHECK(epoch_ids(resident, epoch) == epoch_ids(loader, epoch));
  }
  CHECK(epoch_ids(resident, 4, 6) == epoch_ids(loader, 4, 6));
  CHECK(resident.wait_seconds() == 0);
  CHECK_THROWS_AS(resident.start_epoch(0, 11), std::out_of_range);
}
