#!/usr/bin/env python3
"""make-operand-types.py CASE OUT.onnx: writes one of the small ONNX models of
operand-types.test: operands whose element type or value an op cannot take as it is (Clip
bounds, a Gemm's C or a LayerNormalization's scale of another type than the first
input's, a float64 HardSigmoid), and TopK's K and OneHot's depth computed in the
graph, known once shapes are inferred or only at run time."""
import os
import sys

import numpy as np
from onnx import TensorProto as T

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnxparts import N, const, model, vi  # noqa: E402


def clip(elem, bound_dtype):
    return model([N("Clip", ["x", "lo", "hi"], ["y"], name="clip")], [vi("x", elem, [2, 3])],
                 [vi("y", elem, [2, 3])],
                 [const("lo", -1, bound_dtype), const("hi", 1, bound_dtype)])


def clip_f32_f64_bounds():
    return clip(T.FLOAT, np.float64)


def clip_f32_i64_bounds():
    return clip(T.FLOAT, np.int64)


def clip_f16_f32_bounds():
    return clip(T.FLOAT16, np.float32)


def clip_i32_i64_max():
    return model([N("Clip", ["x", "", "hi"], ["y"], name="clip")], [vi("x", T.INT32, [2, 3])],
                 [vi("y", T.INT32, [2, 3])], [const("hi", 1, np.int64)])


def k_from_shape(x, out):
    """out = x's last extent minus 2, as a 1-element int64 tensor: Shape, Gather, Sub,
    Unsqueeze (what exporters write for `k = x.size(-1) - 2`)."""
    return [N("Shape", [x], [out + "_shape"]),
            N("Gather", [out + "_shape", "last"], [out + "_extent"]),
            N("Sub", [out + "_extent", "two"], [out + "_scalar"]),
            N("Unsqueeze", [out + "_scalar", "zero_axis"], [out])]


SHAPE_CONSTS = [const("last", -1), const("two", 2), const("zero_axis", [0])]


def topk_k_from_shape():
    nodes = k_from_shape("x", "k") + [N("TopK", ["x", "k"], ["v", "i"], name="topk")]
    return model(nodes, [vi("x", shape=[2, 5])], [vi("v"), vi("i", T.INT64)], SHAPE_CONSTS)


def topk_k_from_value():
    nodes = [N("ReduceMax", ["n"], ["k"], name="k_of_n", keepdims=1),
             N("TopK", ["x", "k"], ["v", "i"], name="topk")]
    return model(nodes, [vi("x", shape=[2, 5]), vi("n", T.INT64, [2])],
                 [vi("v"), vi("i", T.INT64)])


def onehot_depth_from_shape():
    nodes = k_from_shape("x", "depth") + [
        N("OneHot", ["i", "depth", "onoff"], ["y"], name="onehot")]
    return model(nodes, [vi("x", shape=[2, 6]), vi("i", T.INT64, [3])], [vi("y")],
                 SHAPE_CONSTS + [const("onoff", [0.0, 1.0], np.float32)])


def onehot_depth_from_value():
    nodes = [N("ReduceMax", ["n"], ["depth"], name="depth_of_n", keepdims=0),
             N("OneHot", ["i", "depth", "onoff"], ["y"], name="onehot")]
    return model(nodes, [vi("n", T.INT64, [2]), vi("i", T.INT64, [3])], [vi("y")],
                 [const("onoff", [0.0, 1.0], np.float32)])


def gemm_f64_bias():
    return model([N("Gemm", ["a", "b", "c"], ["y"], name="gemm")],
                 [vi("a", shape=[2, 3]), vi("b", shape=[3, 4])], [vi("y")],
                 [const("c", np.zeros(4), np.float64)])


def layer_norm_f64_scale():
    return model([N("LayerNormalization", ["x", "g"], ["y"], name="ln")], [vi("x", shape=[2, 4])],
                 [vi("y")], [const("g", np.ones(4), np.float64)])


def hard_sigmoid_f64():
    return model([N("HardSigmoid", ["x"], ["y"], name="hs")], [vi("x", T.DOUBLE, [2, 3])],
                 [vi("y", T.DOUBLE)])


def log_sum_exp_f64():
    return model([N("ReduceLogSumExp", ["x"], ["y"], name="lse", axes=[1])],
                 [vi("x", T.DOUBLE, [2, 3])], [vi("y", T.DOUBLE)])


def range_i32_runtime():
    """An int32 Range of graph inputs whose length the output's declared shape gives."""
    return model([N("Range", ["start", "limit", "delta"], ["y"], name="range")],
                 [vi("start", T.INT32, []), vi("limit", T.INT32, []), vi("delta", T.INT32, [])],
                 [vi("y", T.INT32, [2])], opset=11)


CASES = {f.__name__.replace("_", "-"): f for f in
         (clip_f32_f64_bounds, clip_f32_i64_bounds, clip_f16_f32_bounds, clip_i32_i64_max,
          topk_k_from_shape, topk_k_from_value, onehot_depth_from_shape,
          onehot_depth_from_value, gemm_f64_bias, layer_norm_f64_scale, hard_sigmoid_f64,
          log_sum_exp_f64, range_i32_runtime)}

if __name__ == "__main__":
    with open(sys.argv[2], "wb") as f:
        f.write(CASES[sys.argv[1]]().SerializeToString())
