#!/usr/bin/env python3
"""make-legacy.py CASE OUT.onnx: the models of test/Import/legacy-opsets.test, written at
default-domain opsets below 13 with onnx.helper (no checker, so that refused forms can be
written too)."""
import sys

from onnx import TensorProto as T
from onnx import helper as h

N = h.make_node


def vi(name, shape, elem=T.FLOAT):
    return h.make_tensor_value_info(name, elem, shape)


def model(opset, nodes, inputs, outputs):
    graph = h.make_graph(nodes, "g", inputs, outputs)
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = 6
    return m


X = [vi("x", [2, 3, 4])]
CASES = {
    # Softmax over the last axis given as 2 and LogSoftmax of a 2-D input at the default
    # axis 1: both the new op over axis -1.
    "softmax-last": lambda: model(11, [
        N("Softmax", ["x"], ["s"], name="sm", axis=2),
        N("LogSoftmax", ["z"], ["l"], name="lsm")], X + [vi("z", [6, 4])],
        [vi("s", [2, 3, 4]), vi("l", [6, 4])]),
    # Softmax at axis 1 of a rank-3 input: over the 3 x 4 trailing elements together.
    "softmax-coerced": lambda: model(12, [N("Softmax", ["x"], ["y"], name="sm", axis=1)],
                                     X, [vi("y", [2, 3, 4])]),
    # Opset 11's attributes that became inputs at 13.
    "axes-attributes": lambda: model(11, [
        N("Unsqueeze", ["x"], ["u"], name="unsq", axes=[0]),
        N("Squeeze", ["u"], ["q"], name="sq", axes=[0]),
        N("Split", ["q"], ["a", "b"], name="split", axis=2, split=[1, 3]),
        N("ReduceSum", ["b"], ["y"], name="sum", axes=[2], keepdims=0)],
        X, [vi("a", [2, 3, 1]), vi("y", [2, 3])]),
    # Opset 9's attributes that became inputs at 10 (Slice), 11 (Clip) and 12 (Dropout).
    "opset9-attributes": lambda: model(9, [
        N("Slice", ["x"], ["s"], name="slice", starts=[1], ends=[3], axes=[2]),
        N("Clip", ["s"], ["c"], name="clip", min=-1.0, max=6.0),
        N("Dropout", ["c"], ["y"], name="drop", ratio=0.25)], X, [vi("y", [2, 3, 2])]),
    # A float64 Clip of opset 10: its bounds become float64 inputs, as opset 13 wants.
    "clip-double": lambda: model(10, [N("Clip", ["d"], ["y"], name="clip", min=0.0, max=1.5)],
                                 [vi("d", [2], T.DOUBLE)], [vi("y", [2], T.DOUBLE)]),
    # Opset 10's Dropout mask is bool, as at 12.
    "dropout-mask-10": lambda: model(10, [N("Dropout", ["x"], ["y", "m"], name="drop")], X,
                                     [vi("y", [2, 3, 4]), vi("m", [2, 3, 4], T.BOOL)]),
    # Refused: opset 9's mask has the input's type.
    "dropout-mask-9": lambda: model(9, [N("Dropout", ["x"], ["y", "m"], name="drop")], X,
                                    [vi("y", [2, 3, 4]), vi("m", [2, 3, 4])]),
    # Refused: opset 6's Add with the legacy `broadcast` attribute.
    "add-broadcast-6": lambda: model(6, [
        N("Add", ["x", "b"], ["y"], name="add", broadcast=1, axis=2)],
        X + [vi("b", [4])], [vi("y", [2, 3, 4])]),
    # Refused: Trilu did not exist at opset 12.
    "trilu-12": lambda: model(12, [N("Trilu", ["x"], ["y"], name="tri")], X,
                              [vi("y", [2, 3, 4])]),
    # Refused: opset 9's TopK with its `k` attribute (an input from opset 10).
    "topk-9": lambda: model(9, [N("TopK", ["x"], ["v", "i"], name="topk", k=2)], X,
                            [vi("v", [2, 3, 2]), vi("i", [2, 3, 2], T.INT64)]),
    # Opset 11's Elu and ArgMax are imported as they are (then Elu is decomposed).
    "elu-argmax-11": lambda: model(11, [N("Elu", ["x"], ["e"], name="elu", alpha=0.5),
                                        N("ArgMax", ["e"], ["y"], name="argmax", axis=2)],
                                   X, [vi("y", [2, 3, 1], T.INT64)]),
    # Refused: Unsqueeze axes that are not a list of ints.
    "unsqueeze-float-axes": lambda: model(11, [N("Unsqueeze", ["x"], ["y"], name="unsq",
                                                  axes=[0.5])], X, [vi("y", [1, 2, 3, 4])]),
    # Refused: a Slice of opset 9 without its `ends`.
    "slice-no-ends": lambda: model(9, [N("Slice", ["x"], ["y"], name="slice", starts=[1])],
                                   X, [vi("y", [2, 3, 4])]),
}

with open(sys.argv[2], "wb") as f:
    f.write(CASES[sys.argv[1]]().SerializeToString())
