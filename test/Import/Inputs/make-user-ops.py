#!/usr/bin/env python3
"""make-user-ops.py CASE OUT.onnx: writes one of the small ONNX models of user-ops.test:
the ops with an index result (ArgMax, ArgMin, TopK), CastLike, ReduceMin and ReduceProd,
the decomposed activations, reductions, OneHot and Hardmax, and the models they refuse."""
import os
import sys

import numpy as np
from onnx import TensorProto as T

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnxparts import N, const, model, vi  # noqa: E402


X = [vi("x", shape=[2, 5])]


def index_ops():
    nodes = [N("ArgMax", ["x"], ["amax"], name="amax", axis=1, keepdims=0, select_last_index=1),
             N("ArgMin", ["x"], ["amin"], name="amin"),
             N("TopK", ["x", "k"], ["values", "indices"], name="topk", largest=0),
             N("CastLike", ["x", "like"], ["cast"], name="castlike"),
             N("ReduceMin", ["x"], ["rmin"], name="rmin", axes=[1]),
             N("ReduceProd", ["x"], ["rprod"], name="rprod", axes=[0], keepdims=0)]
    outs = [vi(n, T.INT64) for n in ("amax", "amin")] + [vi("values"), vi("indices", T.INT64),
                                                          vi("cast", T.INT64), vi("rmin"),
                                                          vi("rprod")]
    return model(nodes, X + [vi("like", T.INT64, [1])], outs, [const("k", [3])], opset=15)


def decomposed():
    nodes = [N("Elu", ["x"], ["elu"], name="elu", alpha=0.5),
             N("ReduceL2", ["elu", "axes"], ["l2"], name="l2", keepdims=0),
             N("ReduceLogSumExp", ["x"], ["lse"], name="lse", axes=[1]),
             N("OneHot", ["i", "depth", "onoff"], ["hot"], name="onehot"),
             N("Hardmax", ["x"], ["hard"], name="hardmax", axis=0),
             N("Sum", ["x", "x", "x"], ["sum"], name="sum")]
    inits = [const("axes", [1]), const("depth", 4.0, np.float32),
             const("onoff", [0.0, 1.0], np.float32)]
    return model(nodes, X + [vi("i", T.INT64, [3])],
                 [vi("l2"), vi("lse"), vi("hot"), vi("hard"), vi("sum")], inits, opset=18)


def topk_runtime_k():
    return model([N("TopK", ["x", "k"], ["v", "i"], name="topk")], X + [vi("k", T.INT64, [1])],
                 [vi("v"), vi("i", T.INT64)])


def topk_k_too_large():
    return model([N("TopK", ["x", "k"], ["v", "i"], name="topk")], X, [vi("v"), vi("i", T.INT64)],
                 [const("k", [7])])


def topk_float_k():
    return model([N("TopK", ["x", "k"], ["v", "i"], name="topk")], X, [vi("v"), vi("i", T.INT64)],
                 [const("k", [2.5], np.float32)])


def argmax_empty_axis():
    return model([N("ArgMax", ["x"], ["y"], name="amax", axis=1)], [vi("x", shape=[2, 0])],
                 [vi("y", T.INT64)])


def onehot_runtime_depth():
    return model([N("OneHot", ["i", "depth", "onoff"], ["y"], name="onehot")],
                 [vi("i", T.INT64, [3]), vi("depth", T.INT64, [])], [vi("y")],
                 [const("onoff", [0.0, 1.0], np.float32)])


def onehot_axis_unknown_rank():
    return model([N("OneHot", ["i", "depth", "onoff"], ["y"], name="onehot", axis=0)],
                 [vi("i", T.INT64)], [vi("y")],
                 [const("depth", 4), const("onoff", [0.0, 1.0], np.float32)])


CASES = {f.__name__.replace("_", "-"): f for f in
         (index_ops, decomposed, topk_runtime_k, topk_k_too_large, topk_float_k, argmax_empty_axis,
          onehot_runtime_depth, onehot_axis_unknown_rank)}

if __name__ == "__main__":
    with open(sys.argv[2], "wb") as f:
        f.write(CASES[sys.argv[1]]().SerializeToString())
