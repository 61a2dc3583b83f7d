#include "qd/eval/memorisation.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "pairwise_distances.h"

namespace qd::train {
namespace {

double median_of(const torch::Tensor& values) {
  return std::get<0>(values.sort()).select(0, (values.size(0) - 1) / 2).item<double>();
}

void check_rows(const torch::Tensor& t, const char* what, int64_t width) {
  if (t.dim() != 2 || t.size(0) == 0) {
    throw std::invalid_argument(std::string("memorisation: no ") + what + " rows");
  }
  if (width >= 0 && t.size(1) != width) {
    throw std::invalid_argument(std::string("memorisation: ") + what + " rows are " +
                                std::to_string(t.size(1)) + " wide, the training rows " +
                                std::to_string(width));
  }
}

// Up to `limit` of the data's images, evenly spaced, uint8 [n, S, S], and their labels.
torch::Tensor images_of(const Dataset& data, int64_t limit, torch::Tensor* labels = nullptr) {
  const auto size = static_cast<int64_t>(data.size());
  const int64_t n = std::min(size, limit);
  const int64_t side = data.side();
  torch::Tensor out = torch::empty({n, side, side}, torch::kUInt8);
  if (labels != nullptr) *labels = torch::empty({n}, torch::kLong);
  for (int64_t r = 0; r < n; ++r) {
    const auto i = static_cast<size_t>(r * size / n);
    std::memcpy(out[r].data_ptr<uint8_t>(), data.image(i), static_cast<size_t>(side * side));
    if (labels != nullptr) labels->data_ptr<int64_t>()[r] = data.label(i);
  }
  return out;
}

// The classifier's features of `images`, a thousand at a time.
torch::Tensor features_of(const SketchClassifier& classifier, const torch::Tensor& images) {
  std::vector<torch::Tensor> parts;
  for (int64_t first = 0; first < images.size(0); first += 1000) {
    parts.push_back(classifier.features(
        images.narrow(0, first, std::min<int64_t>(1000, images.size(0) - first))));
  }
  return torch::cat(parts);
}

torch::Tensor pixels_of(const torch::Tensor& images) {
  return images.reshape({images.size(0), -1}).to(torch::kFloat32) / 255.0;
}

}  // namespace

torch::Tensor nearest_distances(const torch::Tensor& rows, const torch::Tensor& training,
                                torch::Tensor* index) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> indices;
  const torch::Tensor squared = pairwise::reduce_distances(
      rows.to(torch::kFloat64), training.to(torch::kFloat64), [&indices](const torch::Tensor& d) {
        auto [nearest, which] = d.min(1);
        indices.push_back(which);
        return nearest;
      });
  if (index != nullptr) *index = torch::cat(indices);
  return squared.sqrt();
}

Memorisation memorisation(const torch::Tensor& training, const torch::Tensor& held_out,
                          const torch::Tensor& generated) {
  check_rows(training, "training", -1);
  check_rows(held_out, "held-out", training.size(1));
  check_rows(generated, "generated", training.size(1));
  return memorisation_of_distances(nearest_distances(held_out, training),
                                   nearest_distances(generated, training), training.size(0));
}

Memorisation memorisation_of_distances(const torch::Tensor& to_held_out,
                                       const torch::Tensor& to_generated, int64_t training) {
  if (to_held_out.numel() == 0 || to_generated.numel() == 0) {
    throw std::invalid_argument(std::string("memorisation: no ") +
                                (to_held_out.numel() == 0 ? "held-out" : "generated") + " rows");
  }
  Memorisation m;
  m.training = training;
  m.generated = to_generated.size(0);
  m.held_out = to_held_out.size(0);
  m.median_generated = median_of(to_generated);
  m.median_held_out = median_of(to_held_out);
  m.ratio = m.median_held_out > 0 ? m.median_generated / m.median_held_out : 0;
  m.copy_threshold = torch::quantile(to_held_out, 0.01).item<double>();
  m.copies = (to_generated < m.copy_threshold).to(torch::kFloat64).mean().item<double>();
  m.held_out_copies = (to_held_out < m.copy_threshold).to(torch::kFloat64).mean().item<double>();
  return m;
}

torch::Tensor memorisation_features(const SketchClassifier& classifier, const Dataset& data,
                                    int64_t limit, torch::Tensor* labels) {
  torch::NoGradGuard no_grad;
  return features_of(classifier, images_of(data, limit, labels));
}

MemorisationCheck check_memorisation(const SketchClassifier& classifier, const Dataset& training,
                                     const Dataset& held_out, const torch::Tensor& generated) {
  torch::NoGradGuard no_grad;
  if (training.shape().channels != 1 || held_out.shape() != training.shape()) {
    throw std::invalid_argument("memorisation: the check takes grey images of one shape");
  }
  const torch::Tensor train = images_of(training, kMaxTrainingCompared);
  const torch::Tensor held = images_of(held_out, kMaxHeldOutCompared);
  const torch::Tensor train_features = features_of(classifier, train);
  const torch::Tensor generated_features = features_of(classifier, generated);
  MemorisationCheck check;
  check.features = memorisation(train_features, features_of(classifier, held), generated_features);
  check.pixels = memorisation(pixels_of(train), pixels_of(held), pixels_of(generated));

  torch::Tensor nearest;
  const torch::Tensor distance = nearest_distances(generated_features, train_features, &nearest);
  const int64_t k = std::min<int64_t>(24, generated.size(0));
  const torch::Tensor closest = std::get<1>(distance.sort()).narrow(0, 0, k);
  std::vector<torch::Tensor> rows;
  for (int64_t first = 0; first < k; first += 8) {
    const torch::Tensor which = closest.narrow(0, first, std::min<int64_t>(8, k - first));
    rows.push_back(generated.index_select(0, which));
    rows.push_back(train.index_select(0, nearest.index_select(0, which)));
  }
  check.nearest_pairs = torch::cat(rows);
  return check;
}

}  // namespace qd::train
