#pragma once
// A generator as an ONNX model: the network in inference form, followed by the same conversion
// to bytes as GanTrainer::sample, so that ONNX Runtime draws what qd_sample draws.

#include <cstdint>
#include <string>
#include <vector>

#include "qd/model/networks.h"
#include "qd/model/presets.h"

namespace qd::train {

// The ONNX opset and IR version written (ONNX 1.12, Debian 12's libonnx).
inline constexpr int64_t kOnnxOpset = 17;

// What the file says about its model beside the graph (its metadata_props, docs/export.md).
struct OnnxModelInfo {
  std::vector<std::string> categories;  // label i -> name
  bool ink = true;                      // grey Quick, Draw! images: 255 = ink
  std::string run_version;              // the qd that trained it ("" when config.json has none)
  std::string weights;                  // where the weights came from, for people
};

// The ONNX model (serialized ModelProto) of `generator` built for `model`:
//   inputs   z      float32 [N, latent_dim]
//            label  int64   [N]   (conditional models only; one-hot concatenated to z)
//   output   images uint8   [N, S, S] (grey) or [N, S, S, C] (colour, HWC)
// Batch norm reads its running statistics (inference form), dropout is left out, and the
// output is scaled, clamped, rounded and transposed exactly as GanTrainer::sample does. The
// model is checked with onnx::checker and strict shape inference before it is returned.
// Throws std::invalid_argument naming a layer that has no ONNX form here.
std::string generator_onnx(Network& generator, const ModelConfig& model, const OnnxModelInfo& info);

}  // namespace qd::train
