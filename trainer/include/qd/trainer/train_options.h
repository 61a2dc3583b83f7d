#pragma once
// Every option of a training run, as qd_train parses it and config.json records it.

#include <cstdint>
#include <string>
#include <vector>

#include "qd/trainer/fast_path.h"

namespace qd::train {

struct TrainOptions {
  std::vector<std::string> shards;  // shard directories, parents of several, or .npy files
  std::string split = "train";      // of shard directories: train, val or all
  std::string out;                  // the run directory
  bool resume = false;

  std::string arch = "keras-dcgan";  // a name parse_arch accepts
  bool conditional = false;
  int64_t epochs = 25;  // the run's total, counted from its start
  int64_t batch_size = 64;
  int64_t latent_dim = 100;

  double lr_g = 2e-4;
  double lr_d = 2e-4;
  double beta1 = 0.5;
  double beta2 = 0.999;
  double label_smoothing = 0.0;
  double label_noise = 0.0;
  double instance_noise = 0.0;
  int64_t instance_noise_steps = 1000;
  double ema_decay = 0.0;  // 0: samples from the last weights; see TrainSettings
  uint64_t seed = 0;

  std::string device = "auto";  // auto, cpu or cuda
  int threads = 0;              // CPU threads for torch (0: all cores)
  int workers = 2;              // loader threads
  // auto: the whole dataset on the device when that is CUDA and the data takes at most a quarter
  // of its free memory; on; off (the prefetching loader).
  std::string data_on_device = "auto";
  FastPath fast;
  int64_t checkpoint_every = 500;
  int keep_checkpoints = 3;
  int64_t log_every = 50;  // steps per metrics.csv row
};

}  // namespace qd::train
