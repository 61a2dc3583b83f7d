#include "qd/eval/sketch_classifier.h"

#include <simdjson.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace qd::train {

namespace fs = std::filesystem;
namespace F = torch::nn::functional;

namespace {

using simdjson::dom::element;

// "file: what name", for the messages.
std::string described(const std::string& origin, const char* what, const std::string& name) {
  std::string s = origin;
  s += what;
  s += name;
  return s;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<int64_t> ints(element e, const std::string& where) {
  std::vector<int64_t> out;
  simdjson::dom::array a;
  if (e.get(a) != simdjson::SUCCESS) throw std::runtime_error(where + " is not an array");
  for (auto v : a) {
    int64_t i = 0;
    if (v.get(i) != simdjson::SUCCESS) {
      out.push_back(-1);  // null: a batch dimension
    } else {
      out.push_back(i);
    }
  }
  return out;
}

std::string text(element e, const char* key, const std::string& where) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) {
    throw std::runtime_error(where + ": no \"" + key + "\"");
  }
  return std::string(v);
}

// A whole number the layer's config declares.
int64_t declared(element config, const char* key, const std::string& where) {
  int64_t v = 0;
  if (config[key].get(v) != simdjson::SUCCESS) {
    throw std::runtime_error(where + ": no whole number \"" + key + "\"");
  }
  return v;
}

// What model.json declares must be what the weights hold: a model whose description and weights
// disagree is damaged, whichever is right.
void agree(const std::string& where, const char* key, int64_t declared, int64_t weights) {
  if (declared != weights) {
    throw std::runtime_error(where + ": declares " + key + " " + std::to_string(declared) +
                             " but its weights hold " + std::to_string(weights));
  }
}

// Every weight of the manifest by name, as float32 tensors of the manifest's shapes.
std::map<std::string, torch::Tensor> read_weights(const fs::path& dir, element manifest,
                                                  const std::string& origin) {
  std::map<std::string, torch::Tensor> weights;
  simdjson::dom::array groups;
  if (manifest.get(groups) != simdjson::SUCCESS) {
    throw std::runtime_error(origin + ": weightsManifest is not an array");
  }
  for (auto group : groups) {
    std::string bytes;
    simdjson::dom::array paths;
    if (group["paths"].get(paths) != simdjson::SUCCESS) {
      throw std::runtime_error(origin + ": a weightsManifest group has no paths");
    }
    for (auto p : paths) {
      std::string_view name;
      if (p.get(name) != simdjson::SUCCESS) throw std::runtime_error(origin + ": bad path");
      // Weight files live beside model.json: a path could lead the reader anywhere.
      if (name.empty() || name == "." || name == ".." ||
          name.find_first_of(std::string("/\0", 2)) != std::string_view::npos) {
        throw std::runtime_error(origin + ": weight file \"" + std::string(name) +
                                 "\" is not a plain file name beside model.json");
      }
      bytes += read_all(dir / std::string(name));
    }
    simdjson::dom::array entries;
    if (group["weights"].get(entries) != simdjson::SUCCESS) {
      throw std::runtime_error(origin + ": a weightsManifest group has no weights");
    }
    size_t offset = 0;
    for (auto w : entries) {
      const std::string name = text(w, "name", origin);
      const std::string where = described(origin, ": weight ", name);
      if (text(w, "dtype", where) != "float32") {
        throw std::runtime_error(where + " is not float32 (quantized models are not supported)");
      }
      const auto shape = ints(w["shape"], where);
      // Every dimension a whole number (not null, not negative), the product checked before it
      // can overflow: the weight files bound it anyway.
      int64_t count = 1;
      for (const int64_t d : shape) {
        if (d < 0 || (d > 0 && count > static_cast<int64_t>(bytes.size()) / d)) {
          throw std::runtime_error(where + ": shape is not sizes the weight files can hold");
        }
        count *= d;
      }
      const size_t size = static_cast<size_t>(count) * sizeof(float);
      if (offset + size > bytes.size()) {
        throw std::runtime_error(described(origin, ": the weight files end inside ", name));
      }
      weights[name] = torch::from_blob(bytes.data() + offset, shape, torch::kFloat).clone();
      offset += size;
    }
    if (offset != bytes.size()) {
      throw std::runtime_error(origin + ": the weight files hold " +
                               std::to_string(bytes.size() - offset) +
                               " bytes more than the manifest lists");
    }
  }
  return weights;
}

// Two positive whole numbers: a kernel, window or stride.
std::vector<int64_t> pair(element e, const std::string& where) {
  const auto v = ints(e, where);
  if (v.size() != 2 || v[0] < 1 || v[1] < 1) {
    throw std::runtime_error(where + " is not two positive whole numbers");
  }
  return v;
}

// A layer's weight of `rank` dimensions, its bias one number per output.
void ranks(const std::string& where, const SketchClassifier::Layer& layer, int64_t rank) {
  if (layer.weight.dim() != rank || layer.bias.dim() != 1 ||
      layer.bias.size(0) != layer.weight.size(rank - 1)) {
    throw std::runtime_error(where + ": its kernel is not " + std::to_string(rank) +
                             "-dimensional with a bias per output");
  }
}

// Follows an S x S image through the layers: a model whose layers do not fit together (channels,
// a Dense layer's inputs, an output of no pixels) would load and then fail on its first batch.
void check_shapes(const std::vector<SketchClassifier::Layer>& layers, int64_t side,
                  const std::string& origin) {
  int64_t channels = 1;
  int64_t height = side;
  int64_t width = side;
  int64_t features = 0;  // after Flatten
  bool flat = false;     // images until Flatten, vectors after it
  for (const auto& l : layers) {
    const std::string where = origin + ": layer " + l.name;
    const auto fits = [&](const char* what, int64_t takes, int64_t gets) {
      if (takes != gets) {
        throw std::runtime_error(where + ": takes " + std::to_string(takes) + " " + what +
                                 " but gets " + std::to_string(gets));
      }
    };
    const auto out = [&](int64_t in, int64_t pad, int64_t size, int64_t stride) {
      if (in + 2 * pad < size) {
        throw std::runtime_error(where + ": leaves no pixels of " + std::to_string(side) + "x" +
                                 std::to_string(side) + " images");
      }
      return (in + 2 * pad - size) / stride + 1;
    };
    const bool takes_vectors = l.kind == "dense";
    if (takes_vectors != flat) {
      throw std::runtime_error(where + ": a " + l.kind + " layer " +
                               (flat ? "after Flatten" : "before any Flatten") +
                               " (Conv2D and MaxPooling2D take images, Dense takes the vectors "
                               "Flatten makes of them)");
    }
    if (l.kind == "conv") {
      fits("channels", l.weight.size(1), channels);
      height = out(height, l.padding[0], l.weight.size(2), l.stride[0]);
      width = out(width, l.padding[1], l.weight.size(3), l.stride[1]);
      channels = l.weight.size(0);
    } else if (l.kind == "pool") {
      height = out(height, 0, l.window[0], l.stride[0]);
      width = out(width, 0, l.window[1], l.stride[1]);
    } else if (l.kind == "flatten") {
      features = channels * height * width;
      flat = true;
    } else {
      fits("inputs", l.weight.size(0), features);
      features = l.weight.size(1);
    }
  }
}

torch::Tensor take(std::map<std::string, torch::Tensor>& weights, const std::string& name,
                   const std::string& origin) {
  const auto it = weights.find(name);
  if (it == weights.end()) throw std::runtime_error(origin + ": no weight " + name);
  return it->second;
}

torch::Tensor activate(const torch::Tensor& x, const std::string& activation) {
  if (activation == "relu") return torch::relu(x);
  if (activation == "tanh") return torch::tanh(x);
  if (activation == "softmax") return torch::softmax(x, 1);
  return x;
}

}  // namespace

// simdjson's exceptions (a field model.json lacks, of the wrong type) name no file: the
// function-try-block adds it.
SketchClassifier::SketchClassifier(const std::string& dir) try {
  const fs::path model_path = fs::path(dir) / "model.json";
  const std::string origin = model_path.string();
  simdjson::dom::parser parser;
  element root;
  if (const auto e = parser.load(origin).get(root)) {
    throw std::runtime_error(origin + ": " + simdjson::error_message(e));
  }
  auto weights = read_weights(dir, root["weightsManifest"], origin);
  simdjson::dom::array layers;
  if (root["modelTopology"]["model_config"]["config"]["layers"].get(layers) != simdjson::SUCCESS) {
    throw std::runtime_error(origin +
                             ": not a Keras Sequential model in TensorFlow.js's layers "
                             "format (no modelTopology.model_config.config.layers)");
  }
  bool flattened = false;
  for (auto entry : layers) {
    const std::string kind = text(entry, "class_name", origin);
    const element config = entry["config"];
    const std::string name = text(config, "name", origin);
    const std::string where = described(origin, ": layer ", name) + " (" + kind + ")";
    int64_t side = 0;
    if (simdjson::dom::element shape; config["batch_input_shape"].get(shape) == simdjson::SUCCESS) {
      const auto s = ints(shape, where + " batch_input_shape");
      if (s.size() != 4 || s[1] != s[2] || s[3] != 1) {
        throw std::runtime_error(where + ": input shape must be [batch, S, S, 1]");
      }
      side = s[1];
    }
    if (side_ == 0) side_ = side;
    Layer layer;
    layer.name = name;
    std::string_view activation;
    layer.activation = config["activation"].get(activation) == simdjson::SUCCESS
                           ? std::string(activation)
                           : "linear";
    if (layer.activation != "linear" && layer.activation != "relu" && layer.activation != "tanh" &&
        layer.activation != "softmax") {
      throw std::runtime_error(where + ": activation " + layer.activation + " is not supported");
    }
    if (kind == "Conv2D") {
      layer.kind = "conv";
      layer.stride = pair(config["strides"], where + " strides");
      const auto kernel = pair(config["kernel_size"], where + " kernel_size");
      const std::string padding = text(config, "padding", where);
      if (padding == "same") {
        // TensorFlow pads "same" asymmetrically for strides above 1 or even kernels.
        if (layer.stride != std::vector<int64_t>{1, 1} || kernel[0] % 2 == 0 ||
            kernel[1] % 2 == 0) {
          throw std::runtime_error(where + ": \"same\" padding needs stride 1 and odd kernels");
        }
        layer.padding = {kernel[0] / 2, kernel[1] / 2};
      } else {
        layer.padding = {0, 0};
      }
      layer.weight = take(weights, name + "/kernel", where);
      layer.bias = take(weights, name + "/bias", where);
      ranks(where, layer, 4);
      layer.weight = layer.weight.permute({3, 2, 0, 1}).contiguous();
      agree(where, "filters", declared(config, "filters", where), layer.weight.size(0));
      agree(where, "kernel_size", kernel[0], layer.weight.size(2));
      agree(where, "kernel_size", kernel[1], layer.weight.size(3));
    } else if (kind == "MaxPooling2D") {
      layer.kind = "pool";
      layer.window = pair(config["pool_size"], where + " pool_size");
      layer.stride = pair(config["strides"], where + " strides");
      if (text(config, "padding", where) != "valid") {
        throw std::runtime_error(where + ": only \"valid\" padding is supported");
      }
    } else if (kind == "Flatten") {
      layer.kind = "flatten";
      flattened = true;
    } else if (kind == "Dense") {
      if (!flattened) throw std::runtime_error(where + ": Dense before Flatten");
      layer.kind = "dense";
      layer.weight = take(weights, name + "/kernel", where);
      layer.bias = take(weights, name + "/bias", where);
      ranks(where, layer, 2);
      agree(where, "units", declared(config, "units", where), layer.weight.size(1));
    } else if (kind == "Dropout") {
      continue;  // nothing in inference
    } else {
      throw std::runtime_error(where + ": this layer type is not supported");
    }
    layers_.push_back(std::move(layer));
  }
  if (side_ <= 0) throw std::runtime_error(origin + ": the first layer has no batch_input_shape");
  if (side_ > 4096) throw std::runtime_error(origin + ": an input side over 4096");
  check_shapes(layers_, side_, origin);

  const fs::path names_path = fs::path(dir) / "class_names.txt";
  std::istringstream names(read_all(names_path));
  for (std::string line; std::getline(names, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) class_names_.push_back(line);
  }
  const int64_t outputs =
      layers_.empty() || layers_.back().kind != "dense" ? -1 : layers_.back().weight.size(1);
  if (outputs != static_cast<int64_t>(class_names_.size())) {
    throw std::runtime_error(names_path.string() + ": " + std::to_string(class_names_.size()) +
                             " names, but the model's last layer has " + std::to_string(outputs) +
                             " outputs");
  }
} catch (const simdjson::simdjson_error& e) {
  throw std::runtime_error((fs::path(dir) / "model.json").string() + ": " + e.what());
}

torch::Tensor SketchClassifier::probabilities(const torch::Tensor& images) const {
  torch::Tensor x = run(images, 0, layers_.size());
  if (layers_.back().activation != "softmax") x = torch::softmax(x, 1);
  return x;
}

size_t SketchClassifier::last_dense() const {
  size_t last = layers_.size();
  while (last > 0 && layers_[last - 1].kind != "dense") --last;
  if (last < 2) throw std::invalid_argument("the classifier has no hidden layer to use");
  return last - 1;
}

torch::Tensor SketchClassifier::features(const torch::Tensor& images) const {
  return run(images, 0, last_dense()).to(torch::kDouble);
}

SketchClassifier::Outputs SketchClassifier::classify(const torch::Tensor& images) const {
  const size_t split = last_dense();
  const torch::Tensor hidden = run(images, 0, split);
  Outputs out;
  out.features = hidden.to(torch::kDouble);
  out.probabilities = run(hidden, split, layers_.size());
  if (layers_.back().activation != "softmax")
    out.probabilities = torch::softmax(out.probabilities, 1);
  return out;
}

torch::Tensor SketchClassifier::run(const torch::Tensor& input, size_t begin, size_t end) const {
  torch::NoGradGuard no_grad;
  torch::Tensor x = input;
  if (begin == 0) {
    if (input.dim() != 3 || input.size(1) != side_ || input.size(2) != side_) {
      throw std::invalid_argument("the classifier takes " + std::to_string(side_) + "x" +
                                  std::to_string(side_) + " images");
    }
    x = input.to(torch::kCPU).to(torch::kFloat).div(255.0).unsqueeze(1);
  }
  for (size_t i = begin; i < end; ++i) {
    const Layer& l = layers_[i];
    if (l.kind == "conv") {
      x = F::conv2d(x, l.weight,
                    F::Conv2dFuncOptions().bias(l.bias).stride(l.stride).padding(l.padding));
    } else if (l.kind == "pool") {
      x = F::max_pool2d(x, F::MaxPool2dFuncOptions(l.window).stride(l.stride));
    } else if (l.kind == "flatten") {
      x = x.permute({0, 2, 3, 1}).flatten(1);  // Keras flattens channels last
    } else {
      x = x.matmul(l.weight) + l.bias;
    }
    x = activate(x, l.activation);
  }
  return x;
}

int64_t SketchClassifier::feature_size() const {
  return layers_.empty() || layers_.back().kind != "dense" ? 0 : layers_.back().weight.size(0);
}

int64_t SketchClassifier::class_index(const std::string& category) const {
  const auto normal = [](std::string s) {
    std::replace(s.begin(), s.end(), ' ', '_');
    return s;
  };
  const std::string wanted = normal(category);
  for (size_t i = 0; i < class_names_.size(); ++i) {
    if (normal(class_names_[i]) == wanted) return static_cast<int64_t>(i);
  }
  return -1;
}

Recognition recognition(const SketchClassifier& classifier, const torch::Tensor& images,
                        int64_t category, const std::vector<int64_t>& candidates) {
  return recognition(classifier.probabilities(images), category, candidates);
}

Recognition recognition(const torch::Tensor& p, int64_t category,
                        const std::vector<int64_t>& candidates) {
  const torch::Tensor top = std::get<1>(p.topk(5, 1));
  Recognition r;
  r.top1 = top.select(1, 0).eq(category).to(torch::kDouble).mean().item<double>();
  r.top5 = top.eq(category).any(1).to(torch::kDouble).mean().item<double>();
  r.among = r.top1;
  if (!candidates.empty()) {
    const torch::Tensor ids = torch::tensor(candidates, torch::kLong);
    const torch::Tensor choice = ids.index_select(0, p.index_select(1, ids).argmax(1));
    r.among = choice.eq(category).to(torch::kDouble).mean().item<double>();
  }
  return r;
}

}  // namespace qd::train
