#!/usr/bin/env python3
"""window-mask-model.py OUT.onnx TOKENS WINDOW [gaincell]: one Mistral-style attention over q,
k, v of shape (1, 2, TOKENS, 8): an ONNX-23 Attention whose additive mask keeps key j for
query i when 0 <= i - j < WINDOW (a sliding window; with WINDOW >= TOKENS the mask is plain
causal, the window unseen); `gaincell`: an ai.gcim GainCellAttention (the hardware's own
attention, unbounded causal) instead, for gcim-compile's step-capacity tests."""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h, numpy_helper

tokens, window = int(sys.argv[2]), int(sys.argv[3])
q, k, v = (h.make_tensor_value_info(n, T.FLOAT, [1, 2, tokens, 8]) for n in "qkv")
age = np.arange(tokens)[:, None] - np.arange(tokens)[None, :]
mask = np.where((age >= 0) & (age < window), 0.0, -1e9).astype(np.float32)
inits = [numpy_helper.from_array(mask, "mask")]
node = h.make_node("Attention", ["q", "k", "v", "mask"], ["y"], name="window-attn")
if sys.argv[4:] == ["gaincell"]:
    inits = []
    node = h.make_node("GainCellAttention", ["q", "k", "v"], ["y"], name="window-attn",
                       domain="ai.gcim", num_heads=2, window=0, first_product_saturation=80.0)
graph = h.make_graph([node], "g", [q, k, v], [h.make_tensor_value_info("y", T.FLOAT, None)],
                     inits)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 23), h.make_opsetid("ai.gcim", 1)])
model.ir_version = 10
with open(sys.argv[1], "wb") as f:
    f.write(model.SerializeToString())
