#pragma once
// Drawing images from a generator, the one being trained (evaluation during training) or a trained
// run's (qd_sample, qd_score: qd/run/trained_run.h), with the same noise for the same seed
// everywhere.

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <functional>

#include "qd/model/presets.h"
#include "qd/step/gan_trainer.h"

namespace qd::train {

// Images per call of the generator when drawing many: draw() and draw_each() cut the same chunks,
// so a count gives the same bytes either way.
inline constexpr int64_t kDrawChunk = 1024;

// The generator's inputs for `count` images from `seed`: noise [count, latent] (truncated at
// `truncation` by truncate_noise when it is > 0) and, for a conditional model, labels [count]:
// all `label`, or the categories in turn when label < 0.
struct SampleInputs {
  torch::Tensor noise;
  torch::Tensor labels;  // undefined when unconditional
};
SampleInputs sample_inputs(const ModelConfig& model, int64_t count, uint64_t seed,
                           int64_t label = -1, double truncation = 0);

// BigGAN's truncation trick: every component of `noise` [n, latent] beyond +-psi is drawn again,
// until it is within, from a random generator of its row's own (seeded from `seed` and the row's
// number, first_row + i), so rows come out the same whether drawn in one piece or in chunks.
// Components within are kept. psi <= 0: `noise` as it is.
torch::Tensor truncate_noise(const torch::Tensor& noise, double psi, uint64_t seed,
                             int64_t first_row);

// The noise of sample_inputs(model, count, seed) a chunk of rows at a time, without the whole
// [count, latent] tensor: the same numbers, bit for bit. LibTorch's CPU randn of n >= 16 floats
// takes n uniforms from the Mersenne Twister in order and turns each block of 16 into normals
// (Box-Muller), then, when n is not a multiple of 16, redraws the last 16 from 16 more uniforms.
// A generator of its own, seeded as torch::manual_seed(seed) seeds the global one, continued
// chunk after chunk of whole 16-number blocks (`chunk` rows, a multiple of 16), so takes the
// same uniforms for the same numbers; the last draw has the whole draw's remainder (rows left
// over that are fewer than 16 numbers go with the chunk before them, drawn ahead), so its
// redrawn tail is the whole draw's too. The eval suite checks this against the whole draw.
class NoiseStream {
 public:
  NoiseStream(int64_t count, int64_t latent, uint64_t seed, int64_t chunk = kDrawChunk);

  // The next rows [n, latent]: `chunk` of them, or what is left; an undefined tensor after the
  // last.
  torch::Tensor next();

 private:
  at::Generator generator_;
  int64_t latent_;
  int64_t chunk_;
  int64_t left_;         // rows not yet drawn from the generator
  torch::Tensor ahead_;  // rows drawn but not yet handed out
};

// The generator's images for `inputs` as GanTrainer::sample gives them, drawn in chunks so that
// any count fits in memory. Throws std::runtime_error when `stop` is raised between chunks.
torch::Tensor draw(GanTrainer& trainer, const SampleInputs& inputs, bool last_weights,
                   const std::atomic<bool>& stop);

// What draw(trainer, sample_inputs(trainer.model(), count, seed, label, truncation),
// last_weights, stop) returns, byte for byte, handed to `consume` a chunk of kDrawChunk images at
// a time, in order, instead of all at once: memory does not grow with `count`. Throws
// std::runtime_error when `stop` is raised between chunks.
void draw_each(GanTrainer& trainer, int64_t count, uint64_t seed, int64_t label, double truncation,
               bool last_weights, const std::atomic<bool>& stop,
               const std::function<void(const torch::Tensor& images)>& consume);

}  // namespace qd::train
