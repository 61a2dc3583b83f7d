#pragma once
// A pretrained Quick, Draw! classifier, to measure how recognisable a generator's drawings are:
// a Keras Sequential model exported in TensorFlow.js's layers format (model.json and its weight
// files), with its class names one per line in class_names.txt beside it, as doodleNet is
// published. Conv2D, MaxPooling2D, Dropout, Flatten and Dense layers are understood.

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace qd::train {

class SketchClassifier {
 public:
  // Throws std::runtime_error naming the file, and the layer where it is one, for anything it
  // cannot read or does not understand.
  explicit SketchClassifier(const std::string& dir);

  // Class probabilities [N, classes] of uint8 images [N, S, S] (255 = ink) in inference mode.
  torch::Tensor probabilities(const torch::Tensor& images) const;
  // The activations of the last hidden layer (the input of the final Dense layer; doodleNet:
  // 512 tanh units) for the same images, float64 [N, D]: the feature space of qd_score's FID,
  // KID and precision/recall.
  torch::Tensor features(const torch::Tensor& images) const;

  // Both of the above in one pass through the network.
  struct Outputs {
    torch::Tensor features;       // float64 [N, D]
    torch::Tensor probabilities;  // [N, classes]
  };
  Outputs classify(const torch::Tensor& images) const;

  const std::vector<std::string>& class_names() const { return class_names_; }
  // The index of a category, spaces and underscores alike ("The Eiffel Tower"); -1 if absent.
  int64_t class_index(const std::string& category) const;
  int64_t side() const { return side_; }
  int64_t feature_size() const;  // the width of features()

  struct Layer {
    std::string kind;  // conv, pool, flatten, dense
    std::string name;
    torch::Tensor weight;  // conv: [out, in, kh, kw]; dense: [in, out]
    torch::Tensor bias;
    std::string activation;  // linear, relu, tanh, softmax
    std::vector<int64_t> window, stride, padding;
  };

 private:
  // Runs `x` (images as uint8 [N, S, S] when begin is 0, else a layer's output) through layers
  // [begin, end).
  torch::Tensor run(const torch::Tensor& x, size_t begin, size_t end) const;
  size_t last_dense() const;  // the index of the final Dense layer

  std::vector<Layer> layers_;
  std::vector<std::string> class_names_;
  int64_t side_ = 0;
};

// How often a classifier names `category` for `images` uint8 [N, S, S], as fractions of N: its
// first choice of all its classes (top-1), one of its first five (top-5), and its first choice
// among `candidates` only (e.g. the categories of a conditional run; empty: among = top-1).
struct Recognition {
  double top1 = 0;
  double top5 = 0;
  double among = 0;
};
Recognition recognition(const SketchClassifier& classifier, const torch::Tensor& images,
                        int64_t category, const std::vector<int64_t>& candidates = {});
// The same from the classifier's probabilities for the images.
Recognition recognition(const torch::Tensor& probabilities, int64_t category,
                        const std::vector<int64_t>& candidates = {});

}  // namespace qd::train
