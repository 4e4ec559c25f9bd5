#!/usr/bin/python3
"""quantize.py [--bits 4] IN.onnx OUT.onnx: the weight-quantized form of a float32 model as
quantization tools write it (bench/e2e/run.sh quant and compile-q8; not a test). ONNX
Runtime and gcim-compile both run the file. Every MatMul whose right operand is a 2-D
float32 initializer (K, N) is quantized:

- default, weight-only int8 QDQ: the MatMul reads DequantizeLinear(q, scale, axis=1)
  instead, q int8 with one symmetric scale per output column (max |w| / 127, codes rounded
  to nearest even);
- --bits 4: the MatMul becomes com.microsoft MatMulNBits (bits 4, block_size 32), as ONNX
  Runtime's MatMul4BitsQuantizer writes it by default (asymmetric): per column and block
  of 32 rows the scale (max(w, 0) - min(w, 0)) / 15 and the zero point round(-min / scale),
  codes round(w / scale) + zero point clipped to 0..15, two a byte low nibble first."""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

BLOCK = 32


def int8_qdq(graph, node, w, f):
    scale = np.abs(f).max(axis=0) / np.float32(127)
    scale[scale == 0] = 1
    q = np.clip(np.round(f / scale), -127, 127).astype(np.int8)
    graph.initializer.append(numpy_helper.from_array(q, w + "_q"))
    graph.initializer.append(numpy_helper.from_array(scale.astype(np.float32), w + "_scale"))
    return [helper.make_node("DequantizeLinear", [w + "_q", w + "_scale"], [w + "_dq"],
                             axis=1, name=w + "_dq")]


def nbits4(graph, node, w, f, shape):
    """MatMulNBits for `node`; its initializers from f unless f is None (made before)."""
    k, n = shape
    node = helper.make_node("MatMulNBits", [node.input[0], w + "_q4", w + "_scales",
                                            w + "_zeros"], list(node.output),
                            domain="com.microsoft", K=k, N=n, bits=4, block_size=BLOCK,
                            name=node.name or w + "_nbits")
    if f is None:
        return [node]
    blocks = -(-k // BLOCK)
    padded = np.zeros((blocks * BLOCK, n), np.float32)
    padded[:k] = f
    v = padded.reshape(blocks, BLOCK, n).transpose(2, 0, 1)  # (N, blocks, BLOCK)
    lo = np.minimum(v.min(axis=2), 0)
    hi = np.maximum(v.max(axis=2), 0)
    scale = ((hi - lo) / 15).astype(np.float32)
    scale[scale == 0] = 1
    zero = np.clip(np.round(-lo / scale), 0, 15).astype(np.uint8)
    q = np.clip(np.round(v / scale[:, :, None]) + zero[:, :, None], 0, 15).astype(np.uint8)
    packed = q[:, :, 0::2] | (q[:, :, 1::2] << 4)
    zpad = np.zeros((n, blocks + blocks % 2), np.uint8)
    zpad[:, :blocks] = zero
    zpacked = (zpad[:, 0::2] | (zpad[:, 1::2] << 4)).reshape(-1)
    for key, array in (("_q4", packed), ("_scales", scale.reshape(-1)), ("_zeros", zpacked)):
        graph.initializer.append(numpy_helper.from_array(array, w + key))
    return [node]


def quantize(model, bits):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    done, nodes = {}, []
    for node in graph.node:
        w = node.input[1] if node.op_type == "MatMul" and len(node.input) == 2 else None
        t = inits.get(w)
        if t is None or len(t.dims) != 2 or t.data_type != onnx.TensorProto.FLOAT:
            nodes.append(node)
            continue
        f = numpy_helper.to_array(t).astype(np.float32) if w not in done else None
        if bits == 4:
            nodes += nbits4(graph, node, w, f, tuple(t.dims))
            done[w] = True
            continue
        if w not in done:
            nodes += int8_qdq(graph, node, w, f)
            done[w] = w + "_dq"
        node.input[1] = done[w]
        nodes.append(node)
    used = {name for node in nodes for name in node.input}
    kept = [t for t in graph.initializer if t.name not in done or t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(nodes)
    if bits == 4:
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return len(done)


def main():
    args = sys.argv[1:]
    bits = 8
    if args[:1] == ["--bits"]:
        bits = int(args[1])
        args = args[2:]
    if bits not in (4, 8) or len(args) != 2:
        sys.exit("usage: quantize.py [--bits 4] IN.onnx OUT.onnx")
    model = onnx.load(args[0])
    count = quantize(model, bits)
    onnx.save(model, args[1])
    form = "4-bit MatMulNBits" if bits == 4 else "int8 QDQ"
    print(f"{args[1]}: {count} MatMul weights as {form}")


if __name__ == "__main__":
    main()
