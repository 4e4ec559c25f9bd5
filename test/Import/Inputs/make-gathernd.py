#!/usr/bin/env python3
"""make-gathernd.py CASE OUT.onnx: the GatherND models of test/Import/gathernd.test
(onnx.helper, opset 13; no checker, so that refused forms can be written too)."""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

N = h.make_node


def vi(name, elem=T.FLOAT, shape=None):
    return h.make_tensor_value_info(name, elem, shape)


def const(name, value, dtype=np.int64):
    return nh.from_array(np.array(value, dtype=dtype), name)


def model(nodes, inputs, outputs, inits=()):
    graph = h.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
    m.ir_version = 8
    return m


def forms():
    """Known data and indices fold (the documentation's batch_dims example, a negative
    index); a runtime tensor with constant or runtime indices stays an op."""
    nodes = [N("GatherND", ["c", "ci"], ["folded"], name="fold", batch_dims=1),
             N("GatherND", ["x", "rows"], ["picked"], name="rows"),
             N("GatherND", ["x", "i"], ["batched"], name="batched", batch_dims=1)]
    inits = [const("c", np.arange(8).reshape(2, 2, 2)), const("ci", [[1], [-2]]),
             const("rows", [[[1, 2]], [[0, -1]]])]
    return model(nodes, [vi("x", shape=[2, 3, 4]), vi("i", T.INT64, [2, 5, 1])],
                 [vi("folded", T.INT64), vi("picked"), vi("batched")], inits)


def refused(indices, elem=T.INT64, values=None, data=(2, 3), **attrs):
    """One GatherND of a runtime x with runtime (or, given values, constant) indices."""
    inputs = [vi("x", shape=list(data))]
    inits = [const("i", values)] if values is not None else []
    if values is None:
        inputs.append(vi("i", elem, indices))
    return lambda: model([N("GatherND", ["x", "i"], ["y"], name="gather", **attrs)], inputs,
                         [vi("y")], inits)


CASES = {
    "forms": forms,
    "indices-type": refused([2, 1], T.INT32),
    "batch-dims": refused([2, 1], batch_dims=2),
    "tuple": refused([2, 3]),
    "batch-extent": refused([3, 1], batch_dims=1),
    "range": refused(None, values=[[0, 1], [2, 0]]),
    "rank": refused([1, 1, 1, 1, 1], data=(1, 1, 1, 1, 1, 1)),
}


def main():
    name, out = sys.argv[1], sys.argv[2]
    with open(out, "wb") as f:
        f.write(CASES[name]().SerializeToString())


main()
