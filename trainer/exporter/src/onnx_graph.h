#pragma once
// A thin writer of an ONNX graph (onnx::GraphProto): weights as initializers, nodes with
// attributes, names made unique. What generator_onnx.cpp builds the generator's graph with.

#include <onnx/onnx_pb.h>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace qd::train {

class OnnxGraph {
 public:
  explicit OnnxGraph(onnx::GraphProto& graph) : graph_(graph) {}

  // `tensor` as a float32 initializer named `name` (made unique); returns its name.
  std::string weight(const std::string& name, const torch::Tensor& tensor);
  // A 1-D int64 initializer.
  std::string ints(const std::string& name, const std::vector<int64_t>& values);
  // A float32 scalar initializer.
  std::string scalar(const std::string& name, float value);

  // A node `op` reading `inputs`, writing one fresh output, whose name it returns; `node()`
  // is then the node, for its attributes.
  std::string add(const std::string& op, const std::vector<std::string>& inputs);
  onnx::NodeProto& node() { return *graph_.mutable_node(graph_.node_size() - 1); }

  void set(const char* attribute, int64_t value);
  void set(const char* attribute, float value);
  void set(const char* attribute, const std::vector<int64_t>& values);
  void set(const char* attribute, const std::string& value);

  // A graph input or output: element type (onnx::TensorProto::FLOAT, ...) and dimensions, -1
  // for the batch dimension "N".
  void input(const std::string& name, int element_type, const std::vector<int64_t>& dims);
  void output(const std::string& name, int element_type, const std::vector<int64_t>& dims);

  // Renames the last node's output to `name` (the graph's output names).
  void rename_output(const std::string& name);

 private:
  std::string fresh(const std::string& stem);
  onnx::GraphProto& graph_;
  int64_t names_ = 0;
};

}  // namespace qd::train
