#!/usr/bin/env python3
"""weights-model.py DIR: y = x @ w + b with x: f32[2, 64], w: f32[64, 48], b: f32[48], its
weights above the importer's 1 KB threshold (so they are read from the mapped file), as
DIR/inline.onnx (raw data in the model) and DIR/external.onnx + DIR/external.data; also
DIR/x.npy and DIR/expected.npy (numpy's x @ w + b in float64, rounded to float32)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

out = sys.argv[1]
rng = np.random.default_rng(7)
w = rng.standard_normal((64, 48)).astype(np.float32)
b = rng.standard_normal(48).astype(np.float32)
x = rng.standard_normal((2, 64)).astype(np.float32)
graph = h.make_graph(
    [h.make_node("MatMul", ["x", "w"], ["xw"], name="matmul"),
     h.make_node("Add", ["xw", "b"], ["y"], name="bias")],
    "weights",
    [h.make_tensor_value_info("x", T.FLOAT, [2, 64])],
    [h.make_tensor_value_info("y", T.FLOAT, [2, 48])],
    [nh.from_array(w, "w"), nh.from_array(b, "b")])
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)], ir_version=8)
onnx.save(model, os.path.join(out, "inline.onnx"))
onnx.save(model, os.path.join(out, "external.onnx"), save_as_external_data=True,
          location="external.data", size_threshold=0)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "expected.npy"),
        (x.astype(np.float64) @ w.astype(np.float64) + b).astype(np.float32))
