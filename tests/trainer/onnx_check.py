"""Checks an ONNX file with onnx's own checker (full check: shape inference too) and prints what
the exporter's tests read: the opset, inputs and outputs with their types and shapes, metadata.
  python3 onnx_check.py model.onnx"""
import sys

import onnx


def dims(value):
    t = value.type.tensor_type
    shape = [d.dim_param or str(d.dim_value) for d in t.shape.dim]
    return f"{onnx.TensorProto.DataType.Name(t.elem_type)}[{', '.join(shape)}]"


model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
print(f"opset {model.opset_import[0].version}")
for v in model.graph.input:
    print(f"input {v.name} {dims(v)}")
for v in model.graph.output:
    print(f"output {v.name} {dims(v)}")
for p in model.metadata_props:
    print(f"meta {p.key}={p.value}")
