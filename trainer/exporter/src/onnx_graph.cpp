#include "onnx_graph.h"

namespace qd::train {

namespace {

void describe(onnx::ValueInfoProto& value, const std::string& name, int element_type,
              const std::vector<int64_t>& dims) {
  value.set_name(name);
  auto* tensor = value.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(element_type);
  auto* shape = tensor->mutable_shape();
  for (const int64_t d : dims) {
    if (d < 0) {
      shape->add_dim()->set_dim_param("N");
    } else {
      shape->add_dim()->set_dim_value(d);
    }
  }
}

}  // namespace

std::string OnnxGraph::fresh(const std::string& stem) {
  return stem + "_" + std::to_string(names_++);
}

std::string OnnxGraph::weight(const std::string& name, const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.detach().to(torch::kCPU, torch::kFloat).contiguous();
  onnx::TensorProto& init = *graph_.add_initializer();
  init.set_name(fresh(name));
  init.set_data_type(onnx::TensorProto::FLOAT);
  for (const int64_t d : t.sizes()) init.add_dims(d);
  init.set_raw_data(t.data_ptr<float>(), static_cast<size_t>(t.numel()) * sizeof(float));
  return init.name();
}

std::string OnnxGraph::ints(const std::string& name, const std::vector<int64_t>& values) {
  onnx::TensorProto& init = *graph_.add_initializer();
  init.set_name(fresh(name));
  init.set_data_type(onnx::TensorProto::INT64);
  init.add_dims(static_cast<int64_t>(values.size()));
  for (const int64_t v : values) init.add_int64_data(v);
  return init.name();
}

std::string OnnxGraph::scalar(const std::string& name, float value) {
  onnx::TensorProto& init = *graph_.add_initializer();
  init.set_name(fresh(name));
  init.set_data_type(onnx::TensorProto::FLOAT);
  init.add_float_data(value);
  return init.name();
}

std::string OnnxGraph::add(const std::string& op, const std::vector<std::string>& inputs) {
  onnx::NodeProto& n = *graph_.add_node();
  n.set_op_type(op);
  n.set_name(fresh(op));
  for (const auto& in : inputs) n.add_input(in);
  n.add_output(n.name() + "_out");
  return n.output(0);
}

void OnnxGraph::set(const char* attribute, int64_t value) {
  onnx::AttributeProto& a = *node().add_attribute();
  a.set_name(attribute);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
}

void OnnxGraph::set(const char* attribute, float value) {
  onnx::AttributeProto& a = *node().add_attribute();
  a.set_name(attribute);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(value);
}

void OnnxGraph::set(const char* attribute, const std::string& value) {
  onnx::AttributeProto& a = *node().add_attribute();
  a.set_name(attribute);
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(value);
}

void OnnxGraph::set(const char* attribute, const std::vector<int64_t>& values) {
  onnx::AttributeProto& a = *node().add_attribute();
  a.set_name(attribute);
  a.set_type(onnx::AttributeProto::INTS);
  for (const int64_t v : values) a.add_ints(v);
}

void OnnxGraph::input(const std::string& name, int element_type, const std::vector<int64_t>& dims) {
  describe(*graph_.add_input(), name, element_type, dims);
}

void OnnxGraph::output(const std::string& name, int element_type,
                       const std::vector<int64_t>& dims) {
  describe(*graph_.add_output(), name, element_type, dims);
}

void OnnxGraph::rename_output(const std::string& name) {
  node().set_output(0, name);
}

}  // namespace qd::train
