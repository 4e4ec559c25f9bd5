#!/usr/bin/python3
"""quantize.py IN.onnx OUT.onnx: the QDQ form of a float32 model as quantization tools write
it for weight-only int8 (bench/e2e/run.sh quant; not a test): every MatMul whose right
operand is a 2-D float32 initializer (K, N) reads DequantizeLinear(q, scale, axis=1) instead,
q int8 with one symmetric scale per output column (max |w| / 127, codes rounded to nearest
even). ONNX Runtime and gcim-compile both run this file."""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def quantize(model):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    done = {}
    nodes = []
    for node in graph.node:
        w = node.input[1] if node.op_type == "MatMul" and len(node.input) == 2 else None
        t = inits.get(w)
        if t is not None and len(t.dims) == 2 and t.data_type == onnx.TensorProto.FLOAT:
            if w not in done:
                f = numpy_helper.to_array(t).astype(np.float32)
                scale = np.abs(f).max(axis=0) / np.float32(127)
                scale[scale == 0] = 1
                q = np.clip(np.round(f / scale), -127, 127).astype(np.int8)
                graph.initializer.append(numpy_helper.from_array(q, w + "_q"))
                graph.initializer.append(numpy_helper.from_array(scale.astype(np.float32),
                                                                 w + "_scale"))
                nodes.append(helper.make_node("DequantizeLinear", [w + "_q", w + "_scale"],
                                              [w + "_dq"], axis=1, name=w + "_dq"))
                done[w] = w + "_dq"
            node.input[1] = done[w]
        nodes.append(node)
    kept = [t for t in graph.initializer if t.name not in done]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(nodes)
    return len(done)


def main():
    model = onnx.load(sys.argv[1])
    count = quantize(model)
    onnx.save(model, sys.argv[2])
    print(f"{sys.argv[2]}: {count} MatMul weights as int8 QDQ")


if __name__ == "__main__":
    main()
