#!/usr/bin/env python3
"""kv-cache-model.py OUT.onnx PAST [cumsum|dynamic|logn|window|linear]: one one-token KV-cache step of a
grouped-query ONNX-23 Attention, 4 query heads over 2 K/V heads (d = 8): q (1, 4, 1, 8), k
and v (1, 2, 1, 8), past_key and past_value (1, 2, PAST, 8) in, y and
present_key/present_value out, for gcim-compile's KV-cache tests; `cumsum`: also an output
`positions`, the CumSum of ones over PAST + 1 positions (as OPT counts its position ids);
`dynamic`: the past's length is dynamic ('past'); `logn`: so is it, and q is scaled by log(past + 1) / log(16)
computed from it (Qwen's log-n attention scaling), which a step function cannot follow;
`window`: so is it, and q is scaled by the start of a sliding window of 4 over the past and
new tokens, max(0, past + 1 - 4) (P plus constants only once the window is full; a factor
that stands for any use the step function keeps of it);
`linear`: dynamic, and q is scaled by past / 4 (a position divided by a factor, as Llama's
linear rope scaling divides its positions), which the step function follows."""
import sys

from onnx import TensorProto as T
from onnx import helper as h

past, mode = int(sys.argv[2]), sys.argv[3:]
q = h.make_tensor_value_info("q", T.FLOAT, [1, 4, 1, 8])
k, v = (h.make_tensor_value_info(n, T.FLOAT, [1, 2, 1, 8]) for n in "kv")
dynamic = mode in (["logn"], ["dynamic"], ["window"], ["linear"])
pk, pv = (h.make_tensor_value_info(n, T.FLOAT, [1, 2, "past" if dynamic else past, 8])
          for n in ("past_key", "past_value"))
node = h.make_node("Attention", ["q" if mode not in (["logn"], ["window"], ["linear"]) else "q_scaled", "k", "v", "",
                                 "past_key", "past_value"],
                   ["y", "present_key", "present_value"], name="kv-attn")
outputs = [h.make_tensor_value_info(n, T.FLOAT, None)
           for n in ("y", "present_key", "present_value")]
nodes, inits = [node], []
if mode == ["logn"]:
    inits = [h.make_tensor("two", T.INT64, [], [2]), h.make_tensor("one", T.INT64, [], [1]),
             h.make_tensor("log16", T.FLOAT, [], [2.772588722])]
    nodes[:0] = [h.make_node("Shape", ["past_key"], ["past_shape"]),
                 h.make_node("Gather", ["past_shape", "two"], ["past_length"]),
                 h.make_node("Add", ["past_length", "one"], ["length"]),
                 h.make_node("Cast", ["length"], ["length_f"], to=T.FLOAT),
                 h.make_node("Log", ["length_f"], ["log_length"]),
                 h.make_node("Div", ["log_length", "log16"], ["logn"], name="logn"),
                 h.make_node("Mul", ["q", "logn"], ["q_scaled"], name="scale-q")]
if mode == ["window"]:
    inits = [h.make_tensor("two", T.INT64, [], [2]), h.make_tensor("three", T.INT64, [], [3]),
             h.make_tensor("zero", T.INT64, [], [0])]
    nodes[:0] = [h.make_node("Shape", ["past_key"], ["past_shape"]),
                 h.make_node("Gather", ["past_shape", "two"], ["past_length"]),
                 h.make_node("Sub", ["past_length", "three"], ["unclamped"]),
                 h.make_node("Max", ["unclamped", "zero"], ["start"], name="clamp"),
                 h.make_node("Cast", ["start"], ["start_f"], name="window-start", to=T.FLOAT),
                 h.make_node("Mul", ["q", "start_f"], ["q_scaled"], name="scale-q")]
if mode == ["linear"]:
    inits = [h.make_tensor("two", T.INT64, [], [2]), h.make_tensor("four", T.FLOAT, [], [4.0])]
    nodes[:0] = [h.make_node("Shape", ["past_key"], ["past_shape"]),
                 h.make_node("Gather", ["past_shape", "two"], ["past_length"]),
                 h.make_node("Cast", ["past_length"], ["past_f"], to=T.FLOAT),
                 h.make_node("Div", ["past_f", "four"], ["scaled"], name="scaled"),
                 h.make_node("Mul", ["q", "scaled"], ["q_scaled"], name="scale-q")]
if mode == ["cumsum"]:
    inits = [h.make_tensor("ones", T.INT64, [1, past + 1], [1] * (past + 1)),
             h.make_tensor("axis", T.INT64, [], [1])]
    nodes.append(h.make_node("CumSum", ["ones", "axis"], ["positions"], name="positions"))
    outputs.append(h.make_tensor_value_info("positions", T.INT64, None))
graph = h.make_graph(nodes, "g", [q, k, v, pk, pv], outputs, inits)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 23)])
model.ir_version = 10
open(sys.argv[1], "wb").write(model.SerializeToString())
