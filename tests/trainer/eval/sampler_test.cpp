// Drawing with fixed noise: chunk by chunk gives the numbers and images of the whole draw.
#include "qd/eval/sampler.h"

#include <atomic>
#include <tuple>
#include <vector>

#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;

namespace {

// The noise as sample_inputs draws it: all at once from the global generator.
torch::Tensor whole_draw(int64_t count, int64_t latent, uint64_t seed) {
  ModelConfig m;
  m.arch = Arch::kSmall;
  m.latent_dim = latent;
  return sample_inputs(m, count, seed).noise;
}

torch::Tensor streamed(int64_t count, int64_t latent, uint64_t seed, int64_t chunk,
                       std::vector<int64_t>* sizes = nullptr) {
  NoiseStream stream(count, latent, seed, chunk);
  std::vector<torch::Tensor> parts;
  for (torch::Tensor rows = stream.next(); rows.defined(); rows = stream.next()) {
    if (sizes) sizes->push_back(rows.size(0));
    parts.push_back(rows);
  }
  return torch::cat(parts);
}

}  // namespace

TEST_CASE("noise drawn chunk by chunk is the whole draw's, bit for bit, across chunk boundaries") {
  // (count, latent, chunk): whole 16-number blocks and remainders; chunks that end inside a
  // block of the whole draw's (latent 3); a last chunk of fewer than 16 numbers (37 x 3 = 111:
  // 5 rows left after 32), which goes with the chunk before it; fewer than 16 numbers in all
  // (LibTorch's other, one-at-a-time path); and qd_sample's own chunk over several of them.
  // Not a structured binding: clang 14 refuses one captured by doctest's macros in C++17.
  for (const auto& sizes_of_case :
       std::vector<std::tuple<int64_t, int64_t, int64_t>>{{50, 100, 16},
                                                          {37, 3, 16},
                                                          {33, 3, 16},
                                                          {40, 7, 32},
                                                          {5, 3, 16},
                                                          {1, 1, 16},
                                                          {16, 1, 16},
                                                          {2500, 100, kDrawChunk},
                                                          {2049, 3, kDrawChunk}}) {
    const int64_t count = std::get<0>(sizes_of_case);
    const int64_t latent = std::get<1>(sizes_of_case);
    const int64_t chunk = std::get<2>(sizes_of_case);
    CAPTURE(count);
    CAPTURE(latent);
    CAPTURE(chunk);
    std::vector<int64_t> sizes;
    const torch::Tensor parts = streamed(count, latent, 7, chunk, &sizes);
    CHECK(torch::equal(parts, whole_draw(count, latent, 7)));
    // Chunks of `chunk` rows but the last.
    for (size_t i = 0; i + 1 < sizes.size(); ++i) CHECK(sizes[i] == chunk);
  }
  CHECK_FALSE(torch::equal(streamed(50, 100, 8, 16), whole_draw(50, 100, 7)));
  CHECK_THROWS_AS(NoiseStream(10, 100, 7, 24), std::invalid_argument);
}

TEST_CASE("draw_each hands out draw()'s images for sample_inputs, chunk by chunk") {
  for (const int64_t classes : {0, 3}) {  // unconditional, and three categories
    CAPTURE(classes);
    ModelConfig m;
    m.arch = Arch::kSmall;
    m.classes = classes;
    TrainSettings s;
    GanTrainer trainer(m, s, torch::kCPU);
    const std::atomic<bool> never{false};
    const int64_t count = 2 * kDrawChunk + 100;  // three chunks, the last a part
    const std::vector<int64_t> labels =
        classes > 0 ? std::vector<int64_t>{-1, 2} : std::vector<int64_t>{-1};
    for (const int64_t label : labels) {
      for (const double truncation : {0.0, 0.7}) {
        CAPTURE(label);
        CAPTURE(truncation);
        const torch::Tensor whole = draw(trainer, sample_inputs(m, count, 5, label, truncation),
                                         /*last_weights=*/false, never);
        std::vector<torch::Tensor> chunks;
        draw_each(trainer, count, 5, label, truncation, false, never,
                  [&](const torch::Tensor& images) { chunks.push_back(images.clone()); });
        REQUIRE(chunks.size() == 3);
        CHECK(chunks[0].size(0) == kDrawChunk);
        CHECK(torch::equal(torch::cat(chunks), whole));
      }
    }
    const std::atomic<bool> stop{true};
    CHECK_THROWS_WITH(
        draw_each(trainer, count, 5, -1, 0.0, false, stop, [](const torch::Tensor&) {}),
        "interrupted while drawing");
  }
}

TEST_CASE("truncated noise: every component within psi, those already within kept, chunks agree") {
  torch::manual_seed(3);
  const torch::Tensor noise = torch::randn({300, 64});
  const torch::Tensor truncated = truncate_noise(noise, 0.5, 9, 0);
  CHECK(truncated.abs().max().item<float>() <= 0.5F);
  const torch::Tensor within = noise.abs() <= 0.5;
  CHECK(torch::equal(truncated.masked_select(within), noise.masked_select(within)));
  // Redrawn, not clamped: the redrawn components are spread over (-0.5, 0.5), as a truncated
  // normal's are, and about as many are negative as positive.
  const torch::Tensor redrawn = truncated.masked_select(within.logical_not());
  CHECK(redrawn.numel() > 10000);
  CHECK(redrawn.abs().lt(0.49).to(torch::kFloat).mean().item<float>() > 0.9F);
  CHECK(std::abs(redrawn.sign().mean().item<float>()) < 0.05F);
  // Row by row: a chunk starting at row 100 redraws as the whole did.
  CHECK(torch::equal(truncate_noise(noise.narrow(0, 100, 200), 0.5, 9, 100),
                     truncated.narrow(0, 100, 200)));
  CHECK_FALSE(torch::equal(truncate_noise(noise, 0.5, 10, 0), truncated));  // the seed matters
  CHECK(torch::equal(truncate_noise(noise, 0, 9, 0), noise));               // 0: none
}
