#!/usr/bin/env python3
"""gqa-model.py OUT.onnx: one grouped-query ONNX-23 Attention (causal), 4 query heads over
2 K/V heads, q (1, 4, 8, 8), k and v (1, 2, 8, 8), for gcim-compile's --gqa tests."""
import sys

from onnx import TensorProto as T
from onnx import helper as h

q = h.make_tensor_value_info("q", T.FLOAT, [1, 4, 8, 8])
k, v = (h.make_tensor_value_info(n, T.FLOAT, [1, 2, 8, 8]) for n in "kv")
node = h.make_node("Attention", ["q", "k", "v"], ["y"], name="gqa-attn", is_causal=1)
graph = h.make_graph([node], "g", [q, k, v], [h.make_tensor_value_info("y", T.FLOAT, None)])
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 23)])
model.ir_version = 10
open(sys.argv[1], "wb").write(model.SerializeToString())
