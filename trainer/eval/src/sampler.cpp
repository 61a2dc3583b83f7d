#include "qd/eval/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

namespace qd::train {

namespace {

// LibTorch's CPU normal fill works in blocks of this many numbers.
constexpr int64_t kNormalBlock = 16;

// Labels of images [first, first + n) of sample_inputs' draw.
torch::Tensor labels_of(const ModelConfig& model, int64_t first, int64_t n, int64_t label) {
  if (!model.conditional()) return {};
  return label >= 0 ? torch::full({n}, label, torch::kLong)
                    : torch::arange(first, first + n, torch::kLong).remainder(model.classes);
}

torch::Tensor images_of(GanTrainer& trainer, const torch::Tensor& noise,
                        const torch::Tensor& labels, bool last_weights,
                        const std::atomic<bool>& stop) {
  if (stop) throw std::runtime_error("interrupted while drawing");
  return trainer.sample(noise, labels, last_weights);
}

// splitmix64's finaliser: well-spread seeds for neighbouring rows.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

SampleInputs sample_inputs(const ModelConfig& model, int64_t count, uint64_t seed, int64_t label,
                           double truncation) {
  SampleInputs inputs;
  inputs.labels = labels_of(model, 0, count, label);
  torch::manual_seed(seed);
  inputs.noise = truncate_noise(torch::randn({count, model.latent_dim}), truncation, seed, 0);
  return inputs;
}

torch::Tensor truncate_noise(const torch::Tensor& noise, double psi, uint64_t seed,
                             int64_t first_row) {
  if (psi <= 0) return noise;
  torch::Tensor out = noise.to(torch::kFloat).contiguous().clone();
  const int64_t latent = out.size(1);
  auto* z = out.data_ptr<float>();
  std::vector<int64_t> outside;
  for (int64_t i = 0; i < out.size(0); ++i) {
    float* row = z + i * latent;
    std::optional<at::Generator> generator;
    for (;;) {
      outside.clear();
      for (int64_t j = 0; j < latent; ++j) {
        if (std::abs(row[j]) > psi) outside.push_back(j);
      }
      if (outside.empty()) break;
      if (!generator) {
        generator =
            at::detail::createCPUGenerator(mix(seed ^ mix(static_cast<uint64_t>(first_row + i))));
      }
      const torch::Tensor fresh = torch::randn({static_cast<int64_t>(outside.size())}, *generator);
      const auto* drawn = fresh.data_ptr<float>();
      for (size_t k = 0; k < outside.size(); ++k) row[outside[k]] = drawn[k];
    }
  }
  return out;
}

NoiseStream::NoiseStream(int64_t count, int64_t latent, uint64_t seed, int64_t chunk)
    : generator_(at::detail::createCPUGenerator(seed)),
      latent_(latent),
      chunk_(chunk),
      left_(count) {
  if (chunk < 1 || chunk % kNormalBlock != 0) {
    throw std::invalid_argument("NoiseStream: chunk " + std::to_string(chunk) +
                                " is not a multiple of " + std::to_string(kNormalBlock));
  }
}

torch::Tensor NoiseStream::next() {
  if (ahead_.defined()) {
    torch::Tensor rows = ahead_;
    ahead_ = torch::Tensor();
    return rows;
  }
  if (left_ == 0) return {};
  int64_t rows = std::min(chunk_, left_);
  // Fewer than 16 numbers left after this chunk: drawn with it, as the whole draw ends.
  const int64_t rest = left_ - rows;
  if (rest > 0 && rest * latent_ < kNormalBlock) rows = left_;
  torch::Tensor noise = torch::randn({rows, latent_}, generator_);
  left_ -= rows;
  if (rows > chunk_) {
    ahead_ = noise.narrow(0, chunk_, rows - chunk_).clone();
    noise = noise.narrow(0, 0, chunk_);
  }
  return noise;
}

torch::Tensor draw(GanTrainer& trainer, const SampleInputs& inputs, bool last_weights,
                   const std::atomic<bool>& stop) {
  const int64_t count = inputs.noise.size(0);
  std::vector<torch::Tensor> images;
  for (int64_t first = 0; first < count; first += kDrawChunk) {
    const int64_t n = std::min(kDrawChunk, count - first);
    const torch::Tensor labels =
        inputs.labels.defined() ? inputs.labels.narrow(0, first, n) : inputs.labels;
    images.push_back(
        images_of(trainer, inputs.noise.narrow(0, first, n), labels, last_weights, stop));
  }
  return torch::cat(images);
}

void draw_each(GanTrainer& trainer, int64_t count, uint64_t seed, int64_t label, double truncation,
               bool last_weights, const std::atomic<bool>& stop,
               const std::function<void(const torch::Tensor& images)>& consume) {
  const ModelConfig& model = trainer.model();
  NoiseStream noise(count, model.latent_dim, seed, kDrawChunk);
  int64_t first = 0;
  for (torch::Tensor rows = noise.next(); rows.defined(); rows = noise.next()) {
    const int64_t n = rows.size(0);
    rows = truncate_noise(rows, truncation, seed, first);
    consume(images_of(trainer, rows, labels_of(model, first, n, label), last_weights, stop));
    first += n;
  }
}

}  // namespace qd::train
