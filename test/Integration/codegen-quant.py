#!/usr/bin/python3
"""codegen-quant.py: weight-quantized models as users make them, built with onnx.helper, run
by ONNX Runtime and by the generated C, outputs compared.

Cases: QDQ weights (DequantizeLinear of int8/uint8 initializers per tensor, per output
channel, per row into Gemm transB, per block at opset 21, per block of columns into a
Transpose then MatMul, of int4/uint4 initializers (opset 21, two codes a byte) per block of
rows, per column, per row into Gemm transB and per block of columns into a Transpose, and
QuantizeLinear of a float weight written by the exporter), activation fake quantization
(QuantizeLinear then DequantizeLinear of a graph input, per tensor and per axis), and
com.microsoft MatMulNBits with 4-bit blocks (with and without zero points, K not a multiple
of the block, bias) and 8-bit blocks; K not a multiple of the block also for a per-block
DequantizeLinear. Weights only products read stay int8 codes in the generated C, or 4-bit
codes packed two a byte (MatMulNBits bits=4, int4/uint4), run by the fused
dequantize-and-multiply kernels (gcimParallelMatMulPackedWeightF32: the per-tensor,
per-channel and per-block QDQ products, the 4-bit QDQ ones, the transposed weights of the
Gemm and of the Transpose into MatMul (the importer writes their (K, N) transpose), and
every MatMulNBits, K a multiple of the block or not (ONNX Runtime pads the last block; here
it is shorter), fifteen here, eight of them GCIM_PACKED_Q4; checked in the generated
source); the others are dequantized at import to float32 exactly as ONNX Runtime does ((q -
zero point) * scale, one float32 rounding). The fused kernels give the products on that same
dequantized weight up to rounding: the prefill path (most MatMulNBits inputs have 6 rows)
multiplies the dequantized tile, the decode path (3 rows) sums a c - zero a per block and
scales the sum once, within 2 (K + 4) u sum |a| (|c| + |zero|) scale (u = 2^-24;
docs/Runtime.md; 4-bit: |c + 8| + |zero + 8|). Here K <= 64 and sum |a| (|c| + |zero|) scale
<= 400 (the 4-bit QDQ cases at most 64 x 1 x 30 x 0.1 = 192) bound that by about 3e-3 in the
worst case (every rounding in one direction); the check is 1e-5 relative to max(1, |ref|),
as for float32 products, which the fixed seed's data meet: roundings of sums of random signs
grow as sqrt(K) u, not K u. Quantized integers exactly. The weights file of a 4-bit
MatMulNBits (K 256, N 64) is smaller than the 8-bit one's by exactly half a byte per code
(the scales the same, every tensor 64-byte aligned either way). ONNX Runtime runs at its
"basic" optimisation level, which keeps the ops' semantics: at "all" it rewrites
DequantizeLinear -> MatMul into a product that also quantizes the activations to 8 bits at
run time (MatMulIntegerToFloat), about 1e-2 away from the exact result.
"""
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh
from onnx.mapping import NP_TYPE_TO_TENSOR_TYPE as NP_TO_ONNX

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from codegenharness import build, compile_model, run_program  # noqa: E402
from ortharness import Checker, run_ort  # noqa: E402

RTOL = 1e-5
FUSED = 15  # tensor, channel, block, block_short, int4_block, uint4_block, int4_column,
#            q4rows, q4tblock, rows, tblock, nbits4, nbits4_symmetric, nbits4_decode, nbits8
FOUR_BIT = 8  # int4_block, uint4_block, int4_column, q4rows, q4tblock, nbits4,
#               nbits4_symmetric, nbits4_decode
rng = np.random.default_rng(16)
RNG4 = np.random.default_rng(21)  # the 4-bit cases' own, so the others' data stay as they were
NODES, INITS, INPUTS, OUTPUTS, FEEDS = [], [], [], [], {}


def floats(*shape):
    return rng.uniform(-1.0, 1.0, shape).astype(np.float32)


def init(name, array):
    INITS.append(nh.from_array(np.asarray(array), name))
    return name


def graph_input(name, array):
    INPUTS.append(h.make_tensor_value_info(name, NP_TO_ONNX[array.dtype],
                                           list(array.shape)))
    FEEDS[name] = array
    return name


def output(name, elem_type=T.FLOAT):
    OUTPUTS.append(h.make_tensor_value_info(name, elem_type, None))


def qdq_matmul(name, w_q, scale, zero, axis=1, block=None, weight_out=None):
    """x (3, K) @ DequantizeLinear(w_q, scale, zero)."""
    attrs = {"axis": axis}
    if block:
        attrs["block_size"] = block
    ins = [init(f"{name}_wq", w_q), init(f"{name}_scale", scale)]
    if zero is not None:
        ins.append(init(f"{name}_zero", zero))
    NODES.append(h.make_node("DequantizeLinear", ins, [f"{name}_w"], name=f"{name}_dq", **attrs))
    x = graph_input(f"{name}_x", floats(3, w_q.shape[0]))
    NODES.append(h.make_node("MatMul", [x, f"{name}_w"], [f"{name}_y"], name=f"{name}_mm"))
    output(f"{name}_y")


# Per tensor, int8 with a zero point; per output channel, uint8; per block (opset 21).
qdq_matmul("tensor", rng.integers(-128, 128, (24, 8)).astype(np.int8), np.float32(0.02),
           np.int8(3))
qdq_matmul("channel", rng.integers(0, 256, (24, 8)).astype(np.uint8),
           rng.uniform(0.001, 0.01, 8).astype(np.float32),
           rng.integers(100, 156, 8).astype(np.uint8))
qdq_matmul("block", rng.integers(-128, 128, (48, 8)).astype(np.int8),
           rng.uniform(0.001, 0.01, (3, 8)).astype(np.float32), None, axis=0, block=16)
# Per block with K = 40 not a multiple of the block (16): the last block is 8 rows.
qdq_matmul("block_short", rng.integers(-128, 128, (40, 8)).astype(np.int8),
           rng.uniform(0.001, 0.01, (3, 8)).astype(np.float32), None, axis=0, block=16)



def init4(name, codes, signed):
    """An int4 (ONNX type 22) or uint4 (21) initializer of `codes`, two a byte, low nibble
    first (DequantizeLinear-21; written by hand: the Debian onnx package predates 4-bit
    types)."""
    nibbles = list((codes.reshape(-1) & 15).astype(np.uint8)) + [0]
    t = T()
    t.name = name
    t.dims.extend(codes.shape)
    t.data_type = 22 if signed else 21
    t.raw_data = bytes(int(lo) | int(hi) << 4 for lo, hi in zip(nibbles[0:-1:2], nibbles[1::2]))
    INITS.append(t)
    return name


def qdq4_matmul(name, k, n, signed, zero, axis, block=None):
    """x (3, K) @ DequantizeLinear(4-bit codes (K, N), scale, zero) as ONNX Runtime's 4-bit
    QDQ quantizer writes it: per block of rows (axis 0) or per column (axis 1)."""
    lo, hi = (-8, 8) if signed else (0, 16)
    groups = -(-k // block) if block else None
    shape = (groups, n) if block else (n,)
    ins = [init4(f"{name}_wq", RNG4.integers(lo, hi, (k, n)), signed),
           init(f"{name}_scale", RNG4.uniform(0.01, 0.1, shape).astype(np.float32))]
    if zero:
        ins.append(init4(f"{name}_zero", RNG4.integers(lo, hi, shape), signed))
    attrs = {"axis": axis, **({"block_size": block} if block else {})}
    NODES.append(h.make_node("DequantizeLinear", ins, [f"{name}_w"], name=f"{name}_dq", **attrs))
    x = graph_input(f"{name}_x", RNG4.uniform(-1.0, 1.0, (3, k)).astype(np.float32))
    NODES.append(h.make_node("MatMul", [x, f"{name}_w"], [f"{name}_y"], name=f"{name}_mm"))
    output(f"{name}_y")


# 4-bit DequantizeLinear (opset 21): int4 per block of 16 rows without zero points; uint4
# per block with uint4 zero points and K = 40 (the last block 8 rows); int4 per column with
# zero points and an odd count of codes (7 x 5: the last byte's high nibble unused).
qdq4_matmul("int4_block", 64, 8, True, False, 0, 16)
qdq4_matmul("uint4_block", 40, 8, False, True, 0, 16)
qdq4_matmul("int4_column", 7, 5, True, True, 1)

# 4-bit weights read transposed: uint4 (N, K) per row with uint4 zero points into Gemm
# transB with a bias, and int4 (N, K) per block of 8 columns (K = 20: the last block 4)
# through a Transpose into MatMul.
NODES.append(h.make_node("DequantizeLinear", [
    init4("q4rows_wq", RNG4.integers(0, 16, (6, 40)), False),
    init("q4rows_scale", RNG4.uniform(0.01, 0.1, 6).astype(np.float32)),
    init4("q4rows_zero", RNG4.integers(0, 16, (6,)), False)], ["q4rows_w"], axis=0,
    name="q4rows_dq"))
NODES.append(h.make_node("Gemm", [
    graph_input("q4rows_x", RNG4.uniform(-1.0, 1.0, (3, 40)).astype(np.float32)), "q4rows_w",
    init("q4rows_bias", RNG4.uniform(-1.0, 1.0, 6).astype(np.float32))], ["q4rows_y"],
    transB=1, name="q4rows_gemm"))
output("q4rows_y")
NODES.append(h.make_node("DequantizeLinear", [
    init4("q4tblock_wq", RNG4.integers(-8, 8, (4, 20)), True),
    init("q4tblock_scale", RNG4.uniform(0.01, 0.1, (4, 3)).astype(np.float32))],
    ["q4tblock_w"], axis=1, block_size=8, name="q4tblock_dq"))
NODES.append(h.make_node("Transpose", ["q4tblock_w"], ["q4tblock_wt"], perm=[1, 0],
                         name="q4tblock_t"))
NODES.append(h.make_node("MatMul", [
    graph_input("q4tblock_x", RNG4.uniform(-1.0, 1.0, (3, 20)).astype(np.float32)),
    "q4tblock_wt"], ["q4tblock_y"], name="q4tblock_mm"))
output("q4tblock_y")

# Per row of a (N, K) weight into Gemm transB, with a bias (a Linear layer's QDQ form).
W_ROWS = rng.integers(-128, 128, (8, 24)).astype(np.int8)
NODES.append(h.make_node("DequantizeLinear", [init("rows_wq", W_ROWS), init(
    "rows_scale", rng.uniform(0.001, 0.01, 8).astype(np.float32))], ["rows_w"], axis=0,
    name="rows_dq"))
NODES.append(h.make_node("Gemm", [graph_input("rows_x", floats(3, 24)), "rows_w",
                                  init("rows_bias", floats(8))], ["rows_y"], transB=1,
                         name="rows_gemm"))
output("rows_y")

# An (N, K) weight per block of 16 columns (K = 40: the last block 8 columns) read through a
# Transpose by MatMul, as exporters write x @ W.T.
NODES.append(h.make_node("DequantizeLinear", [init("tblock_wq", rng.integers(
    -128, 128, (8, 40)).astype(np.int8)), init("tblock_scale", rng.uniform(
        0.001, 0.01, (8, 3)).astype(np.float32))], ["tblock_w"], axis=1, block_size=16,
    name="tblock_dq"))
NODES.append(h.make_node("Transpose", ["tblock_w"], ["tblock_wt"], perm=[1, 0],
                         name="tblock_t"))
NODES.append(h.make_node("MatMul", [graph_input("tblock_x", floats(3, 40)), "tblock_wt"],
                         ["tblock_y"], name="tblock_mm"))
output("tblock_y")

# QuantizeLinear of a float weight, as exporters write it, then DequantizeLinear.
NODES.append(h.make_node("QuantizeLinear", [init("fq_w", floats(24, 8)), init(
    "fq_scale", np.float32(0.01)), init("fq_zero", np.int8(-2))], ["fq_q"], name="fq_q"))
NODES.append(h.make_node("DequantizeLinear", ["fq_q", "fq_scale", "fq_zero"], ["fq_wd"],
                         name="fq_dq"))
NODES.append(h.make_node("MatMul", [graph_input("fq_x", floats(3, 24)), "fq_wd"], ["fq_y"],
                         name="fq_mm"))
output("fq_y")

# Activation fake quantization: per tensor (uint8) and per axis 1 of a rank-3 input (int8),
# the quantized codes compared exactly; values beyond the range saturate.
ACT = (rng.uniform(-3.0, 3.0, (2, 4, 5)) * np.array([1, 1, 1, 1, 40])).astype(np.float32)
graph_input("act_x", ACT)
for name, scale, zero, axis in [
        ("act_tensor", np.float32(0.05), np.uint8(128), 1),
        ("act_axis", np.array([0.01, 0.02, 0.05, 0.1], np.float32),
         np.array([0, -3, 5, 127], np.int8), 1)]:
    ins = [init(f"{name}_scale", scale), init(f"{name}_zero", zero)]
    NODES.append(h.make_node("QuantizeLinear", ["act_x", *ins], [f"{name}_q"], axis=axis,
                             name=f"{name}_q"))
    NODES.append(h.make_node("DequantizeLinear", [f"{name}_q", *ins], [f"{name}_y"],
                             axis=axis, name=f"{name}_dq"))
    output(f"{name}_q", T.UINT8 if zero.dtype == np.uint8 else T.INT8)
    output(f"{name}_y")


def nbits(name, k, n, block, bits, zero_points, bias, rows=(2, 3), nodes=None, inits=None):
    """MatMulNBits of a random (K, N) weight quantized per column block, as ONNX Runtime's
    quantizer packs it: codes low nibble first, zero points likewise; x of shape rows + (K,).
    Appends to this model's lists unless `nodes` and `inits` are given."""
    nodes = NODES if nodes is None else nodes
    inits = INITS if inits is None else inits
    w = floats(k, n)
    blocks = -(-k // block)
    pad = np.zeros((blocks * block, n), np.float32)
    pad[:k] = w
    levels = (1 << bits) - 1
    q = np.zeros((n, blocks, block), np.int64)
    scales = np.zeros((n, blocks), np.float32)
    zeros = np.zeros((n, blocks), np.int64)
    for c in range(n):
        for b in range(blocks):
            v = pad[b * block:(b + 1) * block, c]
            lo, hi = min(v.min(), 0.0), max(v.max(), 0.0)
            if zero_points:
                s = np.float32((hi - lo) / levels)
                z = int(np.clip(np.round(-lo / s), 0, levels))
            else:
                s = np.float32(max(abs(lo), abs(hi)) / (levels // 2))
                z = 1 << (bits - 1)
            scales[c, b], zeros[c, b] = s, z
            q[c, b] = np.clip(np.round(v / s) + z, 0, levels)
    if bits == 4:
        packed = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)
        zpad = np.zeros((n, blocks + blocks % 2), np.int64)
        zpad[:, :blocks] = zeros
        zpacked = (zpad[:, 0::2] | (zpad[:, 1::2] << 4)).astype(np.uint8).reshape(-1)
    else:
        packed, zpacked = q.astype(np.uint8), zeros.astype(np.uint8).reshape(-1)
    def add(key, array):
        inits.append(nh.from_array(np.asarray(array), f"{name}_{key}"))
        return f"{name}_{key}"

    x = floats(*rows, k)
    ins = [graph_input(f"{name}_x", x) if inits is INITS else f"{name}_x", add("b", packed),
           add("scales", scales.reshape(-1))]
    ins.append(add("zeros", zpacked) if zero_points else "")
    if bias:
        ins += ["", add("bias", floats(n))]
    nodes.append(h.make_node("MatMulNBits", ins, [f"{name}_y"], domain="com.microsoft", K=k,
                             N=n, bits=bits, block_size=block, name=f"{name}_mm"))
    if inits is INITS:
        output(f"{name}_y")


nbits("nbits4", 40, 12, 16, 4, True, True)
nbits("nbits4_symmetric", 64, 8, 32, 4, False, False)
nbits("nbits4_decode", 64, 40, 16, 4, True, False, rows=(3,))
nbits("nbits8", 48, 10, 16, 8, True, False)


def weights_bytes(tmp, bits):
    """Size of the weights file of a model of one MatMulNBits (K 256, N 64, block 32, no
    zero points) of `bits`."""
    nodes, inits = [], []
    nbits(f"size{bits}", 256, 64, 32, bits, False, False, rows=(1,), nodes=nodes, inits=inits)
    graph = h.make_graph(nodes, "size", [h.make_tensor_value_info(f"size{bits}_x", T.FLOAT,
                                                                  [1, 256])],
                         [h.make_tensor_value_info(f"size{bits}_y", T.FLOAT, None)], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 21),
                                               h.make_opsetid("com.microsoft", 1)])
    model.ir_version = 10
    path = os.path.join(tmp, f"size{bits}.onnx")
    onnx.save(model, path)
    out = os.path.join(tmp, f"size{bits}")
    compile_model(path, out)
    return os.path.getsize(os.path.join(out, "model.weights"))


def main():
    check = Checker(RTOL)
    graph = h.make_graph(NODES, "quant", INPUTS, OUTPUTS, INITS)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 21),
                                               h.make_opsetid("com.microsoft", 1)])
    model.ir_version = 10
    with tempfile.TemporaryDirectory(prefix="gcim-quant-") as tmp:
        path = os.path.join(tmp, "quant.onnx")
        onnx.save(model, path)
        ref = run_ort(path, FEEDS, opt_level="basic")
        out = os.path.join(tmp, "out")
        try:
            compile_model(path, out, "--attention=digital")
            build(out)
            got = run_program(out, "model", FEEDS)
        except RuntimeError as error:
            check.expect("compiled, built and ran", False, str(error)[-2000:])
            return check.finish("codegen-quant")
        with open(os.path.join(out, "model.c")) as source:
            text = source.read()
        fused = text.count("gcimParallelMatMulPackedWeightF32(")
        check.expect(f"{FUSED} products on narrow codes in the generated C", fused == FUSED,
                     f"{fused}")
        four_bit = text.count("GCIM_PACKED_Q4")
        check.expect(f"{FOUR_BIT} of them on 4-bit codes", four_bit == FOUR_BIT, f"{four_bit}")
        size4, size8 = weights_bytes(tmp, 4), weights_bytes(tmp, 8)
        check.expect("4-bit weights file: half a byte less per code than 8-bit",
                     size8 - size4 == 256 * 64 // 2, f"{size8} - {size4}")
        check.expect("every output", sorted(ref) == sorted(got), f"{sorted(got)}")
        for key, want in sorted(ref.items()):
            if key not in got:
                continue
            if want.dtype.kind == "f":
                check.close(key, got[key], want)
            else:
                check.expect(f"{key}: equal ({want.dtype})",
                             got[key].dtype == want.dtype and np.array_equal(got[key], want))
    return check.finish("codegen-quant")


if __name__ == "__main__":
    sys.exit(main())
