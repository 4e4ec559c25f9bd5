#!/usr/bin/env python3
"""make-model.py CASE OUT.onnx: small ONNX models for the C emitter's tests."""
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh


def save(nodes, inputs, outputs, inits, path):
    graph = h.make_graph(nodes, "g", inputs, outputs, inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def int32_matmul(path):
    x = h.make_tensor_value_info("x", T.INT32, [4, 4])
    y = h.make_tensor_value_info("y", T.INT32, [4, 4])
    save([h.make_node("MatMul", ["x", "x"], ["y"], name="matmul_ints")], [x], [y], [], path)


def slice_dynamic_starts(path):
    x = h.make_tensor_value_info("x", T.FLOAT, [8])
    starts = h.make_tensor_value_info("starts", T.INT32, [1])
    y = h.make_tensor_value_info("y", T.FLOAT, [8])
    ends = nh.from_array(np.array([8], np.int32), "ends")
    node = h.make_node("Slice", ["x", "starts", "ends"], ["y"], name="slice_runtime")
    save([node], [x, starts], [y], [ends], path)


def matmul_add(path):
    a = h.make_tensor_value_info("a", T.FLOAT, [2, 3])
    b = h.make_tensor_value_info("b", T.FLOAT, [3, 4])
    y = h.make_tensor_value_info("y", T.FLOAT, [2, 4])
    bias = nh.from_array(np.arange(4, dtype=np.float32), "bias")
    nodes = [h.make_node("MatMul", ["a", "b"], ["ab"], name="matmul"),
             h.make_node("Add", ["ab", "bias"], ["y"], name="bias")]
    save(nodes, [a, b], [y], [bias], path)


def colliding_outputs(path):
    """Three outputs whose names make the same file name: 'y/0', 'y_0' and 'y?0'; a fourth
    whose name holds trigraphs ('z??/??=')."""
    x = h.make_tensor_value_info("x", T.FLOAT, [2])
    names = ["y/0", "y_0", "y?0", "z??/??="]
    outputs = [h.make_tensor_value_info(n, T.FLOAT, [2]) for n in names]
    nodes = [h.make_node("Mul", ["x", f"k{i}"], [n], name=f"mul{i}") for i, n in enumerate(names)]
    inits = [nh.from_array(np.full(2, i + 1, np.float32), f"k{i}") for i in range(4)]
    save(nodes, [x], outputs, inits, path)


def range_runtime_limit(path):
    """Two Ranges whose limit is an input, their lengths fixed by the declared outputs: an
    int64 one of 5 (limit 5) and a float32 one of 4 (start 0, delta 0.5: limit in (1.5, 2])."""
    n = h.make_tensor_value_info("n", T.INT64, [])
    f = h.make_tensor_value_info("f", T.FLOAT, [])
    y = h.make_tensor_value_info("y", T.INT64, [5])
    z = h.make_tensor_value_info("z", T.FLOAT, [4])
    inits = [nh.from_array(np.array(0, np.int64), "zero"), nh.from_array(np.array(1, np.int64), "one"),
             nh.from_array(np.array(0, np.float32), "fzero"),
             nh.from_array(np.array(0.5, np.float32), "half")]
    nodes = [h.make_node("Range", ["zero", "n", "one"], ["y"], name="positions"),
             h.make_node("Range", ["fzero", "f", "half"], ["z"], name="steps")]
    save(nodes, [n, f], [y, z], inits, path)


CASES = {"int32-matmul": int32_matmul, "slice-dynamic-starts": slice_dynamic_starts,
         "matmul-add": matmul_add, "colliding-outputs": colliding_outputs,
         "range-runtime-limit": range_runtime_limit}

if __name__ == "__main__":
    CASES[sys.argv[1]](sys.argv[2])
