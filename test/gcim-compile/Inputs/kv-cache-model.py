#!/usr/bin/env python3
"""kv-cache-model.py OUT.onnx PAST [cumsum]: one one-token KV-cache step of a grouped-query
ONNX-23 Attention, 4 query heads over 2 K/V heads (d = 8): q (1, 4, 1, 8), k and v (1, 2, 1,
8), past_key and past_value (1, 2, PAST, 8) in, y and present_key/present_value out, for
gcim-compile's KV-cache tests; `cumsum`: also an output `positions`, the CumSum of ones over
PAST + 1 positions (as OPT counts its position ids)."""
import sys

from onnx import TensorProto as T
from onnx import helper as h

past = int(sys.argv[2])
q = h.make_tensor_value_info("q", T.FLOAT, [1, 4, 1, 8])
k, v = (h.make_tensor_value_info(n, T.FLOAT, [1, 2, 1, 8]) for n in "kv")
pk, pv = (h.make_tensor_value_info(n, T.FLOAT, [1, 2, past, 8])
          for n in ("past_key", "past_value"))
node = h.make_node("Attention", ["q", "k", "v", "", "past_key", "past_value"],
                   ["y", "present_key", "present_value"], name="kv-attn")
outputs = [h.make_tensor_value_info(n, T.FLOAT, None)
           for n in ("y", "present_key", "present_value")]
nodes, inits = [node], []
if sys.argv[3:] == ["cumsum"]:
    inits = [h.make_tensor("ones", T.INT64, [1, past + 1], [1] * (past + 1)),
             h.make_tensor("axis", T.INT64, [], [1])]
    nodes.append(h.make_node("CumSum", ["ones", "axis"], ["positions"], name="positions"))
    outputs.append(h.make_tensor_value_info("positions", T.INT64, None))
graph = h.make_graph(nodes, "g", [q, k, v, pk, pv], outputs, inits)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 23)])
model.ir_version = 10
open(sys.argv[1], "wb").write(model.SerializeToString())
