#!/usr/bin/env python3
"""padding-mask-model.py OUT.onnx [dynamic|half|positions|dynamic-positions]: one causal attention
over q, k, v inputs (1, 2, 4, 8) whose mask combines an int64 `attention_mask` input (1, 4;
1 = attend) with the causal mask as Hugging Face exports write it: (1 - mask) * finfo.min
added to a constant causal mask, for gcim-compile's padding-mask tests. `dynamic`:
attention_mask of shape (batch, keys); `positions`: attention_mask a constant of ones and a
`position_ids` input (batch, sequence) gathering a 16-row position embedding added to q;
`dynamic-positions`: both inputs, dynamic; `half`: attention_mask dynamic and float16."""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

MIN = np.finfo(np.float32).min
q, k, v = (h.make_tensor_value_info(n, T.FLOAT, [1, 2, 4, 8]) for n in "qkv")
kind = sys.argv[2] if len(sys.argv) > 2 else ""
mask = h.make_tensor_value_info("attention_mask", T.FLOAT16 if kind == "half" else T.INT64,
                                [1, 4] if kind == "positions" or not kind else ["batch", "keys"])
causal = np.triu(np.full([4, 4], MIN, np.float32), 1)
inits = [nh.from_array(np.array(1.0, np.float32), "one"),
         nh.from_array(np.array(MIN, np.float32), "min"),
         nh.from_array(np.array([1, 1, 1, 4], np.int64), "shape"),
         nh.from_array(causal, "causal"),
         nh.from_array(np.array(8 ** -0.5, np.float32), "scale")]
N = h.make_node
nodes = [N("Cast", ["attention_mask"], ["mf"], name="cast", to=T.FLOAT),
         N("Sub", ["one", "mf"], ["inv"], name="invert"),
         N("Mul", ["inv", "min"], ["pad"], name="fill"),
         N("Reshape", ["pad", "shape"], ["pad4"], name="expand-mask"),
         N("Add", ["causal", "pad4"], ["mask"], name="combine"),
         N("Transpose", ["k"], ["kt"], name="kt", perm=[0, 1, 3, 2]),
         N("MatMul", ["q", "kt"], ["s"], name="scores"),
         N("Mul", ["s", "scale"], ["ss"], name="scale"),
         N("Add", ["ss", "mask"], ["sm"], name="add-mask"),
         N("Softmax", ["sm"], ["p"], name="softmax", axis=-1),
         N("MatMul", ["p", "v"], ["y"], name="pv")]
inputs = [q, k, v, mask]
if kind.endswith("positions"):
    positions = h.make_tensor_value_info("position_ids", T.INT64, ["batch", "sequence"])
    if kind == "positions":
        inputs[3] = positions
        inits.append(nh.from_array(np.ones((1, 4), np.int64), "attention_mask"))
    else:
        inputs.append(positions)
    inits += [nh.from_array(np.linspace(0, 1, 16 * 8, dtype=np.float32).reshape(16, 8), "wpe"),
              nh.from_array(np.array([1], np.int64), "heads_axis")]
    nodes[6:7] = [N("Gather", ["wpe", "position_ids"], ["pe"], name="wpe_gather"),
                  N("Unsqueeze", ["pe", "heads_axis"], ["pe4"], name="pe4"),
                  N("Add", ["q", "pe4"], ["qp"], name="add-positions"),
                  N("MatMul", ["qp", "kt"], ["s"], name="scores")]
graph = h.make_graph(nodes, "g", inputs, [h.make_tensor_value_info("y", T.FLOAT, None)],
                     inits)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
model.ir_version = 8
open(sys.argv[1], "wb").write(model.SerializeToString())
