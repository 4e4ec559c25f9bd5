#!/usr/bin/env python3
"""run-length-model.py KIND OUT.onnx: token embeddings of a dynamic (batch, sequence)
`input_ids`, plus sin(position), through one causal ONNX-23 Attention. KIND `ntk`: q is
also scaled by the sequence length / 4, a float computed from the length (as dynamic NTK
rope scaling computes its base), which one build cannot run at other lengths; `plain`:
not."""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

kind, path = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
inits = [numpy_helper.from_array(rng.standard_normal((32, 8)).astype(np.float32), "wte"),
         numpy_helper.from_array(np.array(0, np.int64), "zero"),
         numpy_helper.from_array(np.array(1, np.int64), "one"),
         numpy_helper.from_array(np.array([-1], np.int64), "last"),
         numpy_helper.from_array(np.array([1], np.int64), "heads"),
         numpy_helper.from_array(np.array(4.0, np.float32), "four")]
nodes = [h.make_node("Shape", ["input_ids"], ["shape"]),
         h.make_node("Gather", ["shape", "one"], ["length"], axis=0),
         h.make_node("Range", ["zero", "length", "one"], ["range"]),
         h.make_node("Cast", ["range"], ["angles"], to=T.FLOAT),
         h.make_node("Unsqueeze", ["angles", "last"], ["column"]),
         h.make_node("Sin", ["column"], ["waves"]),
         h.make_node("Gather", ["wte", "input_ids"], ["tokens"]),
         h.make_node("Add", ["tokens", "waves"], ["x3"]),
         h.make_node("Unsqueeze", ["x3", "heads"], ["x"])]
q = "x"
if kind == "ntk":
    nodes += [h.make_node("Cast", ["length"], ["length_f"], to=T.FLOAT),
              h.make_node("Div", ["length_f", "four"], ["ntk"], name="ntk"),
              h.make_node("Mul", ["x", "ntk"], ["q"], name="scale-q")]
    q = "q"
nodes.append(h.make_node("Attention", [q, "x", "x"], ["y"], name="attn", is_causal=1))
graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("input_ids", T.INT64,
                                                           ["batch", "sequence"])],
                     [h.make_tensor_value_info("y", T.FLOAT, None)], inits)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 23)])
model.ir_version = 10
open(path, "wb").write(model.SerializeToString())
