"""float16-model.py OUT.onnx: a float16 LayerNormalization, a Cast to float16 and an Add of a
float16 constant (what a model converted with .half() or a float16 converter holds), 2 x 512
so that its scale and bias (1 KiB each) are read from the mapped file as resources, for
float16-model.test. Also writes OUT.x.npy (the input) and OUT.ref.npy (numpy's result in
float32 on the same float16 values)."""
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

WIDTH = 512
rng = np.random.default_rng(0)
scale = rng.uniform(0.5, 2.0, WIDTH).astype(np.float16)
bias = rng.uniform(-1.0, 1.0, WIDTH).astype(np.float16)
shift = np.array(0.25, np.float16)
x = rng.normal(size=(2, WIDTH)).astype(np.float16)

nodes = [helper.make_node("LayerNormalization", ["x", "scale", "bias"], ["n"], name="norm",
                          axis=-1),
         helper.make_node("Cast", ["n"], ["c"], name="to_half", to=TensorProto.FLOAT16),
         helper.make_node("Add", ["c", "shift"], ["y"], name="shift")]
graph = helper.make_graph(nodes, "float16",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT16, [2, WIDTH])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [2, WIDTH])],
                          [numpy_helper.from_array(scale, "scale"),
                           numpy_helper.from_array(bias, "bias"),
                           numpy_helper.from_array(shift, "shift")])
save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])

x32 = x.astype(np.float32)
mean = x32.mean(-1, keepdims=True)
var = ((x32 - mean) ** 2).mean(-1, keepdims=True)
ref = (x32 - mean) / np.sqrt(var + 1e-5) * scale.astype(np.float32) + bias.astype(np.float32)
np.save(sys.argv[1] + ".x.npy", x)
np.save(sys.argv[1] + ".ref.npy", ref + np.float32(shift))
