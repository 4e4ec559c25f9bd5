#!/usr/bin/env python3
"""attention-model.py OUT.onnx [WINDOW|softmax|softmax2]: one softmax attention (ONNX-23
Attention, causal) and one ai.gcim GainCellAttention (the paper's hardware; WINDOW tokens,
default 0 = unbounded) over the same q, k, v of shape (1, 2, 8, 8), for gcim-compile's
--attention and --hw tests; `softmax`: the softmax attention alone; `softmax2`: two of
them (two layers)."""
import sys

from onnx import TensorProto as T
from onnx import helper as h

softmax_only = sys.argv[2:] in (["softmax"], ["softmax2"])
window = int(sys.argv[2]) if len(sys.argv) > 2 and not softmax_only else 0
q, k, v = (h.make_tensor_value_info(n, T.FLOAT, [1, 2, 8, 8]) for n in "qkv")
nodes = [h.make_node("Attention", ["q", "k", "v"], ["soft"], name="softmax-attn",
                     is_causal=1),
         h.make_node("GainCellAttention", ["q", "k", "v"], ["gain"], name="gaincell-attn",
                     domain="ai.gcim", num_heads=2, window=window,
                     first_product_saturation=80.0)]
output_names = ("soft", "gain")
if softmax_only:
    nodes = nodes[:1]
    output_names = ("soft",)
if sys.argv[2:] == ["softmax2"]:
    nodes.append(h.make_node("Attention", ["q", "k", "v"], ["soft2"], name="softmax-attn-2",
                             is_causal=1))
    output_names = ("soft", "soft2")
outputs = [h.make_tensor_value_info(n, T.FLOAT, None) for n in output_names]
graph = h.make_graph(nodes, "g", [q, k, v], outputs)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 23), h.make_opsetid("ai.gcim", 1)])
model.ir_version = 10
open(sys.argv[1], "wb").write(model.SerializeToString())
