#pragma once
// The two networks, their optimizers and the training step. Every random draw of a step comes
// from torch's generator re-seeded from (seed, step), so a run restored from a checkpoint at step
// k continues exactly as the uninterrupted run would have.

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>

#include "qd/model/networks.h"
#include "qd/model/presets.h"
#include "qd/step/adam.h"
#include "qd/step/augment.h"
#include "qd/step/cuda_support.h"
#include "qd/step/distributed.h"
#include "qd/step/fast_path.h"
#include "qd/step/train_settings.h"

namespace qd::train {

// Means over the steps since the last take_metrics().
struct StepMetrics {
  int64_t steps = 0;
  double loss_d = 0;  // BCE on real + BCE on fake
  double loss_g = 0;
  double d_real = 0;     // mean D(x), as a probability
  double d_fake = 0;     // mean D(G(z)) before the discriminator's update
  double augment_p = 1;  // the augmentation probability now (--augment-p; auto: as adapted)
};

class GanTrainer {
 public:
  // Builds fresh networks with weights drawn from `settings.seed`. Throws std::invalid_argument
  // for a CUDA graph off CUDA or in a build without CUDA. With `collectives` (a data-parallel
  // run), each process steps on its share of every batch with its own random draws, and the
  // gradients of both networks and the batch-norm statistics are averaged over the processes at
  // every step, so every process holds the same weights.
  GanTrainer(const ModelConfig& model, const TrainSettings& settings, torch::Device device,
             FastPath fast = {}, Collectives* collectives = nullptr);

  // One step of both networks on real images: uint8 [B, C, S, S] and int64 labels
  // [B], on any device (with a CUDA graph, B must not change). Nothing in it waits for the
  // device: the metrics stay there until take_metrics().
  void step(const torch::Tensor& images, const torch::Tensor& labels);
  StepMetrics take_metrics();  // waits for the device

  // The generator's images for `noise` [N, latent] (and labels [N]) in inference mode, as uint8
  // [N, S, S] (grey) or [N, S, S, C] (colour, HWC) on the CPU: from the averaged weights when there
  // are some, unless `last_weights`.
  torch::Tensor sample(const torch::Tensor& noise, const torch::Tensor& labels,
                       bool last_weights = false);
  // uint8 images scaled on the device to the preset's range ([-1, 1] or [0, 1]).
  torch::Tensor to_pixels(const torch::Tensor& images) const;

  // Checkpoints: both networks (and the averaged generator), both optimizers, the step, the seed
  // and the regularisers' state (ADA's p and sums, LeCam's averages). save() is atomic.
  void save(const std::string& path);
  // Verifies the file first (every record's CRC-32: qd/store/zip_archive.h), and throws
  // qd::CorruptFileError, "<path> is corrupt (<why>)", before changing anything when it fails;
  // std::runtime_error naming the file when it cannot be read or is not this run's checkpoint.
  void load(const std::string& path);

  int64_t steps_done() const { return step_; }
  const ModelConfig& model() const { return model_; }
  const TrainSettings& settings() const { return settings_; }
  torch::Device device() const { return device_; }
  const FastPath& fast_path() const { return fast_; }
  Network& generator() { return generator_; }
  Network& discriminator() { return discriminator_; }
  Network& averaged_generator() { return generator_ema_; }  // null without ema_decay
  // The generator that draws, in inference mode: the averaged one, unless `last_weights` or the
  // run has none; its batch-norm statistics are estimated for the averaged weights first
  // (qd/model/standing_statistics.h) whenever they changed since.
  Network& drawing_generator(bool last_weights = false);
  // The augmentation probability, a scalar on the device (1 when --augment-p is 1).
  torch::Tensor augment_probability() const;
  // LeCam's moving averages of D's mean logits on real and fake images [2], on the device.
  const torch::Tensor& lecam_averages() const { return lecam_ema_; }

 private:
  // The step's kernels, the same eager or captured.
  void run_step(const torch::Tensor& images, const torch::Tensor& labels);
  void graph_step(const torch::Tensor& images, const torch::Tensor& labels);
  void update_average();
  torch::Tensor augmented(const torch::Tensor& images) const;

  ModelConfig model_;
  TrainSettings settings_;
  AugmentPolicy augment_;
  double background_;  // an empty pixel's value in the networks' range
  torch::Device device_;
  FastPath fast_;
  Network generator_;
  Network discriminator_;
  Network generator_ema_{nullptr};
  bool averaged_statistics_current_ = false;  // whether generator_ema_'s batch norms fit it
  DeviceAdam opt_g_;
  DeviceAdam opt_d_;
  int64_t step_ = 0;
  torch::Tensor metric_sums_;  // loss_d, loss_g, d_real, d_fake
  int64_t metric_steps_ = 0;
  Collectives* collectives_ = nullptr;
  torch::Tensor sigma_;       // this step's instance-noise std-dev, a scalar on the device
  torch::Tensor ema_weight_;  // this step's 1 - decay, a scalar on the device
  // --augment-p: undefined at 1 (every transform on every image, with no draws for it), else the
  // probability, a scalar on the device (auto: ADA's, adjusted in the step).
  AugmentProbability augment_p_setting_;
  torch::Tensor augment_p_;
  torch::Tensor ada_sums_;   // auto: sign(D(x)) and images since p was last adjusted [2]
  torch::Tensor ada_now_;    // auto: whether this step adjusts p, a boolean scalar on the device
  torch::Tensor lecam_ema_;  // D's mean logits on real and fake images, averaged [2]

  // CUDA graph: the captured step reads its batch from these fixed buffers.
  std::unique_ptr<StepGraph> graph_;
  torch::Tensor graph_images_;
  torch::Tensor graph_labels_;
  int64_t graph_steps_ = 0;
};

// The seed of torch's generator for step `step` of a run seeded with `seed`, in process `rank`
// of a data-parallel run (process 0 draws what a single process draws).
uint64_t step_seed(uint64_t seed, int64_t step, int rank = 0);

// A fingerprint of both networks' weights and statistics (and the average's weights): one sum
// per tensor, to compare processes.
torch::Tensor weights_fingerprint(GanTrainer& trainer);

}  // namespace qd::train
