"""float16-model.py OUT.onnx: a float16 LayerNormalization (what a model converted with
.half() or a float16 converter holds), for float16-model.test."""
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

scale = numpy_helper.from_array(np.ones(4, np.float16), "scale")
bias = numpy_helper.from_array(np.zeros(4, np.float16), "bias")
node = helper.make_node("LayerNormalization", ["x", "scale", "bias"], ["y"], name="norm",
                        axis=-1)
graph = helper.make_graph([node], "float16",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT16, [2, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [2, 4])],
                          [scale, bias])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
