// The generator's layers as ONNX operators (opset 17), one case per layer type the presets use.

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <stdexcept>
#include <variant>

#include "onnx_graph.h"
#include "qd/exporter/onnx_export.h"
#include "qd/model/resnet.h"
#include "qd/store/json.h"
#include "qd/store/version.h"

namespace qd::train {

namespace nn = torch::nn;

namespace {

[[noreturn]] void unsupported(size_t index, const nn::Module& layer, const std::string& why) {
  throw std::invalid_argument("layer " + std::to_string(index) + " of the generator, " +
                              layer.name() + ", " + why);
}

std::vector<int64_t> pair(int64_t v) {
  return {v, v};
}

// Batch norm as BatchNormalization with the running statistics (training_mode 0).
std::string batch_norm(OnnxGraph& g, const std::string& x, const nn::Module& layer, size_t index,
                       const nn::BatchNormOptions& o, const torch::Tensor& weight,
                       const torch::Tensor& bias, const torch::Tensor& mean,
                       const torch::Tensor& var) {
  if (!o.affine() || !o.track_running_stats()) {
    unsupported(index, layer, "is batch norm without an affine map or running statistics");
  }
  const std::string out =
      g.add("BatchNormalization", {x, g.weight("bn_scale", weight), g.weight("bn_shift", bias),
                                   g.weight("bn_mean", mean), g.weight("bn_var", var)});
  g.set("epsilon", static_cast<float>(o.eps()));
  return out;
}

std::string layer_onnx(OnnxGraph& g, const std::string& x, const nn::Module& layer, size_t index,
                       const std::string& label);

// Conditional batch norm: BatchNormalization with scale 1 and shift 0, then the category's
// scale and shift gathered from their tables ("label": the graph's input).
std::string conditional_batch_norm(OnnxGraph& g, const std::string& x,
                                   const ConditionalBatchNormImpl& n, size_t index,
                                   const std::string& label) {
  const auto& bn = *n.norm;
  if (!n.gain) {
    return batch_norm(g, x, n, index, bn.options, bn.weight, bn.bias, bn.running_mean,
                      bn.running_var);
  }
  const int64_t c = bn.options.num_features();
  const std::string normalised =
      g.add("BatchNormalization",
            {x, g.weight("bn_scale", torch::ones({c})), g.weight("bn_shift", torch::zeros({c})),
             g.weight("bn_mean", bn.running_mean), g.weight("bn_var", bn.running_var)});
  g.set("epsilon", static_cast<float>(bn.options.eps()));
  const auto per_category = [&](const char* name, const torch::Tensor& table) {
    const std::string rows = g.add("Gather", {g.weight(name, table), label});
    return g.add("Reshape", {rows, g.ints("shape", {-1, c, 1, 1})});
  };
  const std::string scaled =
      g.add("Mul", {normalised, per_category("cbn_scale", 1 + n.gain->weight)});
  return g.add("Add", {scaled, per_category("cbn_shift", n.bias->weight)});
}

// Nearest-neighbour 2x upsampling as torch's: output pixel i reads input pixel floor(i / 2).
std::string upsample(OnnxGraph& g, const std::string& x) {
  const std::string out =
      g.add("Resize", {x, "", g.weight("scales", torch::tensor({1.F, 1.F, 2.F, 2.F}))});
  g.set("mode", std::string("nearest"));
  g.set("coordinate_transformation_mode", std::string("asymmetric"));
  g.set("nearest_mode", std::string("floor"));
  return out;
}

std::string up_block(OnnxGraph& g, const std::string& x, const UpBlockImpl& b, size_t index,
                     const std::string& label) {
  std::string h = g.add("Relu", {conditional_batch_norm(g, x, *b.norm1, index, label)});
  h = layer_onnx(g, upsample(g, h), *b.conv1, index, label);
  h = g.add("Relu", {conditional_batch_norm(g, h, *b.norm2, index, label)});
  h = layer_onnx(g, h, *b.conv2, index, label);
  return g.add("Add", {h, layer_onnx(g, upsample(g, x), *b.shortcut, index, label)});
}

// One layer of the generator's body applied to `x`; returns the output's name. `label`: the
// graph's label input, for the layers that take it (empty when unconditional).
std::string layer_onnx(OnnxGraph& g, const std::string& x, const nn::Module& layer, size_t index,
                       const std::string& label) {
  if (const auto* l = layer.as<UpBlock>()) return up_block(g, x, *l, index, label);
  if (const auto* l = layer.as<nn::Linear>()) {
    std::vector<std::string> in{x, g.weight("linear_w", l->weight)};
    if (l->bias.defined()) in.push_back(g.weight("linear_b", l->bias));
    const std::string out = g.add("Gemm", in);
    g.set("transB", int64_t{1});
    return out;
  }
  if (const auto* l = layer.as<TransposedConv2d>()) {
    std::vector<std::string> in{x, g.weight("convt_w", l->weight)};
    if (l->bias.defined()) in.push_back(g.weight("convt_b", l->bias));
    const std::string out = g.add("ConvTranspose", in);
    g.set("kernel_shape", pair(l->weight.size(2)));
    g.set("strides", pair(l->stride));
    g.set("pads", std::vector<int64_t>(4, l->padding));
    return out;
  }
  if (const auto* l = layer.as<nn::Conv2d>()) {
    const auto& o = l->options;
    // c10::variant in LibTorch 1.13, std::variant in 2.x: get_if found by argument lookup.
    using std::get_if;
    const auto* padding = get_if<torch::ExpandingArray<2>>(&o.padding());
    if (padding == nullptr || o.groups() != 1 ||
        torch::enumtype::get_enum_name(o.padding_mode()) != "kZeros") {
      unsupported(index, layer,
                  "is a convolution with padding other than explicit zeros, or groups");
    }
    std::vector<std::string> in{x, g.weight("conv_w", l->weight)};
    if (l->bias.defined()) in.push_back(g.weight("conv_b", l->bias));
    const std::string out = g.add("Conv", in);
    g.set("kernel_shape", std::vector<int64_t>(o.kernel_size()->begin(), o.kernel_size()->end()));
    g.set("strides", std::vector<int64_t>(o.stride()->begin(), o.stride()->end()));
    g.set("dilations", std::vector<int64_t>(o.dilation()->begin(), o.dilation()->end()));
    const int64_t top = (*padding)->at(0), left = (*padding)->at(1);
    g.set("pads", std::vector<int64_t>{top, left, top, left});
    return out;
  }
  if (const auto* l = layer.as<nn::BatchNorm2d>()) {
    return batch_norm(g, x, layer, index, l->options, l->weight, l->bias, l->running_mean,
                      l->running_var);
  }
  if (const auto* l = layer.as<nn::BatchNorm1d>()) {
    return batch_norm(g, x, layer, index, l->options, l->weight, l->bias, l->running_mean,
                      l->running_var);
  }
  if (const auto* l = layer.as<nn::LeakyReLU>()) {
    const std::string out = g.add("LeakyRelu", {x});
    g.set("alpha", static_cast<float>(l->options.negative_slope()));
    return out;
  }
  if (layer.as<nn::ReLU>() != nullptr) return g.add("Relu", {x});
  if (layer.as<nn::Tanh>() != nullptr) return g.add("Tanh", {x});
  if (layer.as<nn::Sigmoid>() != nullptr) return g.add("Sigmoid", {x});
  if (layer.as<nn::Dropout>() != nullptr) return x;  // the identity in inference
  if (const auto* l = layer.as<nn::Unflatten>()) {
    if (l->options.dim() != 1) unsupported(index, layer, "unflattens a dimension other than 1");
    std::vector<int64_t> shape{-1};
    shape.insert(shape.end(), l->options.sizes().begin(), l->options.sizes().end());
    return g.add("Reshape", {x, g.ints("shape", shape)});
  }
  if (const auto* l = layer.as<nn::Flatten>()) {
    if (l->options.start_dim() != 1 || l->options.end_dim() != -1) {
      unsupported(index, layer, "flattens dimensions other than 1 to the last");
    }
    const std::string out = g.add("Flatten", {x});
    g.set("axis", int64_t{1});
    return out;
  }
  if (const auto* l = layer.as<Crop2d>()) {
    return g.add("Slice", {x, g.ints("starts", {l->top, l->left}),
                           g.ints("ends", {l->top + l->height, l->left + l->width}),
                           g.ints("axes", {2, 3})});
  }
  if (const auto* l = layer.as<nn::ZeroPad2d>()) {
    const auto& p = *l->options.padding();  // left, right, top, bottom
    return g.add("Pad", {x, g.ints("pads", {0, 0, p[2], p[0], 0, 0, p[3], p[1]})});
  }
  unsupported(index, layer,
              "has no ONNX form in qd_export (it writes Linear, ConvTranspose2d, "
              "Conv2d, BatchNorm, LeakyReLU, ReLU, Tanh, Sigmoid, Dropout, "
              "Unflatten, Flatten, crops, zero padding and resnet's up blocks)");
}

// GanTrainer::sample's conversion of the generator's output to bytes.
std::string to_bytes(OnnxGraph& g, std::string x, const ModelConfig& model) {
  if (pixel_range(model.arch) == PixelRange::kSigned) {
    x = g.add("Add", {x, g.scalar("one", 1.0F)});
    x = g.add("Div", {x, g.scalar("two", 2.0F)});
  }
  x = g.add("Clip", {x, g.scalar("zero", 0.0F), g.scalar("one", 1.0F)});
  x = g.add("Mul", {x, g.scalar("full", 255.0F)});
  x = g.add("Round", {x});  // half to even, as torch::round
  x = g.add("Cast", {x});
  g.set("to", int64_t{onnx::TensorProto::UINT8});
  if (model.image.channels == 1) {
    x = g.add("Squeeze", {x, g.ints("channel_axis", {1})});
  } else {
    x = g.add("Transpose", {x});
    g.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  }
  g.rename_output("images");
  return x;
}

std::string json_strings(const std::vector<std::string>& strings) {
  std::string out = "[";
  for (const auto& s : strings) out += (out.size() > 1 ? ", \"" : "\"") + json_escape(s) + "\"";
  return out + "]";
}

void add_metadata(onnx::ModelProto& m, const ModelConfig& model, const OnnxModelInfo& info) {
  const auto put = [&](const char* key, const std::string& value) {
    auto* p = m.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  };
  const int64_t s = model.image.side;
  put("qd_version", kVersion);
  put("qd_run_version", info.run_version);
  put("arch", arch_name(model.arch));
  put("latent_dim", std::to_string(model.latent_dim));
  put("categories", json_strings(info.categories));
  put("conditional", model.conditional() ? "true" : "false");
  put("image_shape", model.image.channels == 1
                         ? "[" + std::to_string(s) + ", " + std::to_string(s) + "]"
                         : "[" + std::to_string(s) + ", " + std::to_string(s) + ", " +
                               std::to_string(model.image.channels) + "]");
  put("ink", info.ink ? "true" : "false");
  put("weights", info.weights);
}

// The checker, then shape inference in strict mode (an inferred shape that contradicts the
// declared output's is an error).
void check(const onnx::ModelProto& m) {
  try {
    onnx::checker::check_model(m);
    onnx::ModelProto inferred = m;
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, false));
  } catch (const std::exception& e) {
    throw std::logic_error(std::string("the exported model fails ONNX's checker: ") + e.what());
  }
}

}  // namespace

std::string generator_onnx(Network& generator, const ModelConfig& model,
                           const OnnxModelInfo& info) {
  onnx::ModelProto m;
  m.set_ir_version(onnx::IR_VERSION);
  m.set_producer_name("qd");
  m.set_producer_version(kVersion);
  m.set_doc_string("qd generator (" + arch_name(model.arch) + "): z -> images, docs/export.md");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  onnx::GraphProto& graph = *m.mutable_graph();
  graph.set_name("qd_generator");
  OnnxGraph g(graph);

  g.input("z", onnx::TensorProto::FLOAT, {-1, model.latent_dim});
  std::string x = "z";
  if (model.conditional()) g.input("label", onnx::TensorProto::INT64, {-1});
  if (generator->one_hot_input()) {
    // One-hot rows gathered from the identity matrix, after the noise (NetworkImpl::condition).
    const std::string one_hot =
        g.add("Gather", {g.weight("one_hot", torch::eye(model.classes)), "label"});
    x = g.add("Concat", {x, one_hot});
    g.set("axis", int64_t{1});
  }
  torch::NoGradGuard no_grad;
  auto& body = generator->body();
  const std::string label = model.conditional() ? "label" : "";
  for (size_t i = 0; i < body->size(); ++i) x = layer_onnx(g, x, *body->ptr(i), i, label);
  to_bytes(g, x, model);
  std::vector<int64_t> dims{-1, model.image.side, model.image.side};
  if (model.image.channels > 1) dims.push_back(model.image.channels);
  g.output("images", onnx::TensorProto::UINT8, dims);
  add_metadata(m, model, info);
  check(m);
  return m.SerializeAsString();
}

}  // namespace qd::train
