"""onnxparts.py: the pieces the small-model writers of test/Import share (make-user-ops.py,
make-operand-types.py): value infos, a model at an opset, int64 (or other) constants."""
import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

N = h.make_node


def vi(name, elem=T.FLOAT, shape=None):
    return h.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, inits=(), opset=17):
    graph = h.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def const(name, value, dtype=np.int64):
    return nh.from_array(np.array(value, dtype=dtype), name)
