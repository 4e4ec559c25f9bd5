#!/usr/bin/env python3
"""make-quant-model.py CASE OUT.onnx: writes one of the small quantized ONNX models of
quant.test (onnx.helper; no checker, so that broken models can be written too)."""
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

N = h.make_node


def vi(name, elem=T.FLOAT, shape=None):
    return h.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, inits=()):
    graph = h.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", 21),
                                           h.make_opsetid("com.microsoft", 1)])
    m.ir_version = 10
    return m


def arr(name, values, dtype):
    return nh.from_array(np.array(values, dtype=dtype), name)


# DequantizeLinear of an int8 weight per output channel into MatMul.
QDQ_INITS = [arr("wq", [[1, 2, 3], [-1, 0, 5]], np.int8), arr("s", [0.5, 0.25, 2], np.float32),
             arr("z", [1, 0, -1], np.int8)]
# MatMulNBits, K = N = 2, 4 bits, blocks of 2: column codes (9, 7) and (8, 10), no zero
# points (8), scales 0.5 and 2.
NBITS_INITS = [arr("b", [[[0x79]], [[0xA8]]], np.uint8), arr("sc", [0.5, 2], np.float32)]


def nbits(bits=4, inits=NBITS_INITS):
    return model([N("MatMulNBits", ["x", "b", "sc"], ["y"], domain="com.microsoft", K=2, N=2,
                    bits=bits, block_size=2, name="mm")],
                 [vi("x", shape=[1, 2])], [vi("y", shape=[1, 2])], inits)


# uint8 codes (6, 3) per output column with zero points: more than 16 elements, so the
# importer keeps them as codes (small constants fold).
CODES = np.arange(18, dtype=np.uint8).reshape(6, 3) * 14
CODES_INITS = [arr("cq", CODES, np.uint8), arr("cs", [0.5, 0.25, 2], np.float32),
               arr("cz", [128, 0, 255], np.uint8)]


def codes(extra_use=False):
    nodes = [N("DequantizeLinear", ["cq", "cs", "cz"], ["w"], axis=1, name="dq"),
             N("MatMul", ["x", "w"], ["y"], name="mm")]
    outputs = [vi("y", shape=[1, 3])]
    if extra_use:
        nodes.append(N("Relu", ["w"], ["r"], name="relu"))
        outputs.append(vi("r", shape=[6, 3]))
    return model(nodes, [vi("x", shape=[1, 6])], outputs, CODES_INITS)


def nbits_blocks():
    """MatMulNBits K = 4, N = 5, 4 bits, blocks of 2 rows, no zero points (8)."""
    packed = np.array([[[0x21], [0x43]]] * 5, np.uint8)  # codes 1 2 | 3 4 per column
    return model([N("MatMulNBits", ["x", "b", "sc"], ["y"], domain="com.microsoft", K=4, N=5,
                    bits=4, block_size=2, name="mm")],
                 [vi("x", shape=[1, 4])], [vi("y", shape=[1, 5])],
                 [nh.from_array(packed, "b"),
                  arr("sc", np.arange(10, dtype=np.float32) / 4, np.float32)])


def gemm(alpha=1.0):
    """DequantizeLinear of (N, K) = (3, 6) codes per row (axis 0) into Gemm transB with a
    bias."""
    inits = [arr("gq", CODES.T, np.uint8), arr("gs", [0.5, 0.25, 2], np.float32),
             arr("gz", [128, 0, 255], np.uint8), arr("gc", [1, 2, 3], np.float32)]
    return model([N("DequantizeLinear", ["gq", "gs", "gz"], ["w"], axis=0, name="dq"),
                  N("Gemm", ["x", "w", "gc"], ["y"], transB=1, alpha=alpha, name="gemm")],
                 [vi("x", shape=[1, 6])], [vi("y", shape=[1, 3])], inits)


def nbits_short():
    """MatMulNBits K = 3, N = 5, 4 bits, blocks of 2 rows: the last block one row long."""
    packed = np.array([[[0x21], [0x03]]] * 5, np.uint8)  # codes 1 2 | 3 (padding 0)
    return model([N("MatMulNBits", ["x", "b", "sc"], ["y"], domain="com.microsoft", K=3, N=5,
                    bits=4, block_size=2, name="mm")],
                 [vi("x", shape=[1, 3])], [vi("y", shape=[1, 5])],
                 [nh.from_array(packed, "b"),
                  arr("sc", np.arange(10, dtype=np.float32) / 4, np.float32)])


def nbits_packed():
    """MatMulNBits K = 6, N = 5, 4 bits, blocks of 4 rows (the last one 2 rows long), zero
    points packed like B: B has 20 bytes, more than 16, so its codes stay packed (read by
    Mod and Div 16). Column j's codes are (3 * j + k) % 16, its zero points j + 4 and 11."""
    q = np.array([[(3 * j + k) % 16 for k in range(8)] for j in range(5)], np.uint8)
    q[:, 6:] = 0  # the padding of the short last block
    packed = (q[:, 0::2] | q[:, 1::2] << 4).reshape(5, 2, 2)
    zeros = np.array([[(j + 4) | 11 << 4] for j in range(5)], np.uint8)
    return model([N("MatMulNBits", ["x", "b", "sc", "zp"], ["y"], domain="com.microsoft", K=6,
                    N=5, bits=4, block_size=4, name="mm")],
                 [vi("x", shape=[1, 6])], [vi("y", shape=[1, 5])],
                 [nh.from_array(packed, "b"),
                  arr("sc", np.arange(10, dtype=np.float32) / 4 + 0.25, np.float32),
                  nh.from_array(zeros, "zp")])


def packed4(name, values, signed=True):
    """An int4 (ONNX type 22) or uint4 (21) initializer, two codes a byte, low nibble first
    (the Debian onnx package predates 4-bit types: the tensor is written by hand)."""
    v = np.array(values, np.int64)
    nibbles = list((v.reshape(-1) & 15).astype(np.uint8)) + [0]
    t = T()
    t.name = name
    t.dims.extend(v.shape)
    t.data_type = 22 if signed else 21
    t.raw_data = bytes(int(lo) | int(hi) << 4 for lo, hi in zip(nibbles[0:-1:2], nibbles[1::2]))
    return t


def int4_blocks(signed=True, reader="MatMul"):
    """DequantizeLinear of (K, N) = (5, 4) 4-bit codes per block of 2 rows (the last block one
    row), int4 without zero points or uint4 with them, into `reader` (MatMul, or Relu)."""
    codes = (np.arange(20).reshape(5, 4) % 16 - (8 if signed else 0)).tolist()
    inits = [packed4("q4", codes, signed), arr("s4", np.arange(1, 13).reshape(3, 4) / 8,
                                                np.float32)]
    ins = ["q4", "s4"]
    if not signed:
        inits.append(packed4("z4", [[3, 8, 0, 15], [1, 2, 3, 4], [15, 0, 8, 8]], False))
        ins.append("z4")
    nodes = [N("DequantizeLinear", ins, ["w"], axis=0, block_size=2, name="dq")]
    if reader == "MatMul":
        nodes.append(N("MatMul", ["x", "w"], ["y"], name="mm"))
        return model(nodes, [vi("x", shape=[1, 5])], [vi("y", shape=[1, 4])], inits)
    nodes.append(N(reader, ["q4"], ["y"], name="reader"))
    return model(nodes, [], [vi("y", shape=[5, 4])], inits)


def int8_in_place():
    """DequantizeLinear of a (64, 32) int8 weight per column without zero points (2 KB:
    a resource over the model's bytes) into MatMul."""
    codes = (np.arange(64 * 32).reshape(64, 32) % 255 - 127).astype(np.int8)
    return model([N("DequantizeLinear", ["q8", "s8"], ["w"], axis=1, name="dq"),
                  N("MatMul", ["x", "w"], ["y"], name="mm")],
                 [vi("x", shape=[1, 64])], [vi("y", shape=[1, 32])],
                 [nh.from_array(codes, "q8"), arr("s8", np.arange(1, 33) / 64, np.float32)])


def uint8_in_place():
    """DequantizeLinear of a (64, 32) uint8 weight per column with zero points 100..131
    (2 KB: a resource over the model's bytes) into MatMul."""
    codes = (np.arange(64 * 32).reshape(64, 32) % 251).astype(np.uint8)
    return model([N("DequantizeLinear", ["u8", "s8", "z8"], ["w"], axis=1, name="dq"),
                  N("MatMul", ["x", "w"], ["y"], name="mm")],
                 [vi("x", shape=[1, 64])], [vi("y", shape=[1, 32])],
                 [nh.from_array(codes, "u8"), arr("s8", np.arange(1, 33) / 64, np.float32),
                  nh.from_array(np.arange(100, 132).astype(np.uint8), "z8")])


CASES = {
    "int4-blocks": int4_blocks,
    "uint4-blocks": lambda: int4_blocks(signed=False),
    "int4-other-reader": lambda: int4_blocks(reader="Identity"),
    "int8-in-place": int8_in_place,
    "uint8-in-place": uint8_in_place,
    "qdq-codes": codes,
    "nbits-short": nbits_short,
    "nbits-packed": nbits_packed,
    "qdq-gemm": gemm,
    "qdq-gemm-alpha": lambda: gemm(alpha=2.0),
    "qdq-codes-shared": lambda: codes(extra_use=True),
    "nbits-blocks": nbits_blocks,
    "qdq-weight": lambda: model(
        [N("DequantizeLinear", ["wq", "s", "z"], ["w"], axis=1, name="dq"),
         N("MatMul", ["x", "w"], ["y"], name="mm")],
        [vi("x", shape=[4, 2])], [vi("y", shape=[4, 3])], QDQ_INITS),
    "nbits": nbits,
    "fake-quant": lambda: model(
        [N("QuantizeLinear", ["x", "qs", "qz"], ["q"], name="q"),
         N("DequantizeLinear", ["q", "qs", "qz"], ["y"], name="dq")],
        [vi("x", shape=[2, 3])], [vi("y", shape=[2, 3])],
        [arr("qs", 0.1, np.float32), arr("qz", -3, np.int8)]),
    # As ONNX Runtime's optimizer writes them: QuantizeLinear's defaults spelled out
    # (output_dtype 0, unset), a FusedMatMul transposing a DequantizeLinear's weight.
    "ort-written": lambda: model(
        [N("QuantizeLinear", ["x", "qs", "qz"], ["q"], name="q", output_dtype=0, block_size=0,
           saturate=1, axis=1),
         N("DequantizeLinear", ["q", "qs", "qz"], ["y"], name="dq"),
         N("DequantizeLinear", ["wq", "s", "z"], ["w"], axis=1, name="dqw"),
         N("FusedMatMul", ["wt", "w"], ["p"], domain="com.microsoft", transB=1, name="mm")],
        [vi("x", shape=[2, 3]), vi("wt", shape=[4, 3])], [vi("y", shape=[2, 3]), vi("p")],
        [arr("qs", 0.1, np.float32), arr("qz", -3, np.int8)] + QDQ_INITS),
    "nbits-3": lambda: nbits(bits=3),
    "nbits-input": lambda: model(
        [N("MatMulNBits", ["x", "b", "sc"], ["y"], domain="com.microsoft", K=2, N=2, bits=4,
           block_size=2, name="mm")],
        [vi("x", shape=[1, 2]), vi("b", T.UINT8, [2, 1, 1])], [vi("y", shape=[1, 2])],
        [NBITS_INITS[1]]),
    "dq-zero-shape": lambda: model(
        [N("DequantizeLinear", ["wq", "s", "z2"], ["y"], axis=1, name="dq")], [],
        [vi("y", shape=[2, 3])], QDQ_INITS[:2] + [arr("z2", [1, 0], np.int8)]),
    "dq-rank-unknown": lambda: model(
        [N("Relu", ["x"], ["r"], name="relu"),
         N("DequantizeLinear", ["r", "s"], ["y"], axis=1, name="dq")],
        [vi("x", T.INT8, [2, 3])], [vi("y", shape=[2, 3])], QDQ_INITS[1:2]),
    "q-block": lambda: model(
        [N("QuantizeLinear", ["x", "qs"], ["y"], axis=0, block_size=2, name="q")],
        [vi("x", shape=[4, 3]), vi("qs", shape=[2, 3])], [vi("y", T.UINT8, [4, 3])]),
}

if __name__ == "__main__":
    from onnx import save
    save(CASES[sys.argv[1]](), sys.argv[2])
