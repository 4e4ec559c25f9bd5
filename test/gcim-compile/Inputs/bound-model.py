#!/usr/bin/env python3
"""bound-model.py KIND OUT.onnx: a token embedding plus a position embedding over a dynamic
(batch, sequence) input `input_ids`, as torch exports them: positions are arange(n) of the
input's length. KIND `table`: the positions gather from a 24-row table, so the model bounds
the sequence at 24; `computed`: sin(position) instead, no limit; `pooled`: `table`, then the
mean over the sequence (no output per position: not a causal model's)."""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

kind, path = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
inits = [numpy_helper.from_array(rng.standard_normal((32, 8)).astype(np.float32), "wte"),
         numpy_helper.from_array(rng.standard_normal((24, 8)).astype(np.float32), "wpe")]
const = lambda name, value: h.make_node(  # noqa: E731
    "Constant", [], [name], value=numpy_helper.from_array(np.array(value, np.int64), name))
nodes = [h.make_node("Shape", ["input_ids"], ["shape"]), const("one", 1), const("zero", 0),
         h.make_node("Gather", ["shape", "one"], ["length"], axis=0),
         h.make_node("Range", ["zero", "length", "one"], ["range"]), const("axes", [0]),
         h.make_node("Unsqueeze", ["range", "axes"], ["positions"]),
         h.make_node("Gather", ["wte", "input_ids"], ["tokens"], name="wte_gather")]
if kind == "computed":
    nodes += [h.make_node("Cast", ["positions"], ["angles"], to=T.FLOAT),
              h.make_node("Unsqueeze", ["angles", "minus1"], ["column"]),
              h.make_node("Sin", ["column"], ["waves"]),
              h.make_node("Add", ["tokens", "waves"], ["y"])]
    nodes.insert(0, const("minus1", [-1]))
else:
    nodes += [h.make_node("Gather", ["wpe", "positions"], ["learned"], name="wpe_gather"),
              h.make_node("Add", ["tokens", "learned"], ["sum"])]
    nodes += ([h.make_node("ReduceMean", ["sum", "axes1"], ["y"], keepdims=0), const("axes1", [1])]
              if kind == "pooled" else [h.make_node("Identity", ["sum"], ["y"])])
if kind == "constant":
    nodes.insert(0, h.make_node("Constant", [], ["wpe"], name="wpe_const", value=inits.pop()))
graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("input_ids", T.INT64,
                                                           ["batch", "sequence"])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
model.ir_version = 8
open(path, "wb").write(model.SerializeToString())
