#!/usr/bin/python3
"""codegen-contrib.py [ops|opset23|gqa|ms-rotary]: the rotary, Einsum, ScatterND and
grouped-query attention operators of LLM exports (ONNX opset-23 RotaryEmbedding,
com.microsoft RotaryEmbedding and GroupQueryAttention, Einsum, ScatterND) and ONNX
Runtime's fusions (com.microsoft FusedMatMul, FusedGemm, QuickGelu) through the generated C
(gcim-compile --attention=digital) against ONNX Runtime.

`ops`: one small onnx.helper model per form of each operator, outputs compared within
1e-5 * max(1, |ref|): the importer expands each operator into the products and sums ONNX
Runtime computes (RoPE: x1 cos - x2 sin, x1 sin + x2 cos; Einsum, FusedMatMul: MatMul;
FusedGemm: Gemm and the activation; QuickGelu: x sigmoid(alpha x)), so they differ only by
float32 summation order in the attention's and the MatMul's dot products and by the
rounding of exp (a few ulp at these sizes); ScatterND copies, or combines in the tuples'
order as ONNX Runtime does, so it is exact.

A form of python/export_contrib.py (a 2-layer Llama-like decoder, full sequence and
one-token KV-cache step): every attention fuses and the graph streams; logits and
presents within 1e-4 * max(1, |ref|) of ONNX Runtime (two layers of float32 sums in
another order: about 1e-6 seen); the full-sequence build's model_step matches its
model_run (1e-4); `--generate` of both builds equals ONNX Runtime's greedy decoding (the
full-sequence model run over the growing sequence). On the gain cells
(`--attention=analog`, K/V heads replicated): the full-sequence build's model_step matches
its model_run within ANALOG_TOLERANCE, and the KV-cache build (whose model_run replays the
past into the arrays, docs/HardwareModel.md section 2) generates the full-sequence build's
tokens: the same hardware semantics, program against program.
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from codegenharness import build, build_step_check, compile_model, gcim_compile, run_program  # noqa: E402,E501
from ortharness import SRC_ROOT, Checker, run_ort  # noqa: E402

sys.path.insert(0, os.path.join(SRC_ROOT, "python"))
import export_contrib  # noqa: E402

RTOL = 1e-5
rng = np.random.default_rng(23)
CASES = {}


def case(name, nodes, inputs, outputs, inits=()):
    """Adds a case, every value name prefixed with `name_` so that all cases fit in one
    model (one compile and one build for the whole test)."""
    def rename(n):
        return f"{name}_{n}" if n else n
    for node in nodes:
        node.input[:] = [rename(n) for n in node.input]
        node.output[:] = [rename(n) for n in node.output]
        node.name = rename(node.name or node.output[0])
    for init in inits:
        init.name = rename(init.name)
    CASES[name] = dict(nodes=nodes, inits=list(inits),
                       inputs=[(rename(n), t, s, v) for n, t, s, v in inputs],
                       outputs=[(rename(n), t, s) for n, t, s in outputs])


def combined_model():
    c = CASES.values()
    graph = h.make_graph(
        [n for x in c for n in x["nodes"]], "codegen_contrib",
        [h.make_tensor_value_info(n, t, s) for x in c for n, t, s, _ in x["inputs"]],
        [h.make_tensor_value_info(n, t, s) for x in c for n, t, s in x["outputs"]],
        [i for x in c for i in x["inits"]])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 23),
                                               h.make_opsetid("com.microsoft", 1)])
    model.ir_version = 10
    return model, {n: v for x in c for n, _, _, v in x["inputs"]}


def floats(*shape):
    return rng.uniform(-2.0, 2.0, shape).astype(np.float32)


def caches(positions, half):
    """cos and sin caches as exporters write them: angle p * 10000^(-i/half)."""
    angles = np.outer(np.arange(positions), 10000.0 ** (-np.arange(half) / half))
    return (h.make_tensor("cos", T.FLOAT, [positions, half], np.cos(angles).astype(np.float32)),
            h.make_tensor("sin", T.FLOAT, [positions, half], np.sin(angles).astype(np.float32)))


POS = ("pos", T.INT64, [1, 5], np.array([[3, 4, 5, 6, 7]], np.int64))
# Opset 23: 3-D input with num_heads, position_ids into the caches.
case("rope23_3d", [h.make_node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"],
                               num_heads=4)],
     [("x", T.FLOAT, [1, 5, 32], floats(1, 5, 32)), POS], [("y", T.FLOAT, [1, 5, 32])],
     caches(16, 4))
# Opset 23: 4-D (batch, heads, tokens, dim), interleaved, half of each head rotated.
case("rope23_4d_interleaved_partial",
     [h.make_node("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"], interleaved=1,
                  rotary_embedding_dim=4)],
     [("x", T.FLOAT, [1, 2, 5, 8], floats(1, 2, 5, 8)), POS], [("y", T.FLOAT, [1, 2, 5, 8])],
     caches(16, 2))
# Opset 23 without position_ids: cos and sin are per token, (batch, tokens, half).
case("rope23_token_tables",
     [h.make_node("RotaryEmbedding", ["x", "c", "s"], ["y"], num_heads=2)],
     [("x", T.FLOAT, [1, 5, 16], floats(1, 5, 16)), ("c", T.FLOAT, [1, 5, 4], floats(1, 5, 4)),
      ("s", T.FLOAT, [1, 5, 4], floats(1, 5, 4))], [("y", T.FLOAT, [1, 5, 16])])
# com.microsoft: 3-D without num_heads (heads of twice the caches' width).
case("ms_rope_3d", [h.make_node("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"],
                                domain="com.microsoft")],
     [("x", T.FLOAT, [1, 5, 32], floats(1, 5, 32)), POS], [("y", T.FLOAT, [1, 5, 32])],
     caches(16, 4))
# com.microsoft: position_ids of shape (1), the first token's position; interleaved 4-D.
case("ms_rope_offset_interleaved",
     [h.make_node("RotaryEmbedding", ["x", "first", "cos", "sin"], ["y"], interleaved=1,
                  domain="com.microsoft")],
     [("x", T.FLOAT, [1, 2, 5, 8], floats(1, 2, 5, 8)),
      ("first", T.INT64, [1], np.array([6], np.int64))], [("y", T.FLOAT, [1, 2, 5, 8])],
     caches(16, 4))
# com.microsoft: partial rotation of a 3-D input (Phi-style).
case("ms_rope_partial",
     [h.make_node("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], num_heads=2,
                  rotary_embedding_dim=4, domain="com.microsoft")],
     [("x", T.FLOAT, [1, 5, 16], floats(1, 5, 16)), POS], [("y", T.FLOAT, [1, 5, 16])],
     caches(16, 2))


# Einsum as exporters write it: attention products, a broadcast leading dimension, an
# ellipsis, a permutation, several contracted letters, free letters that become batch
# dimensions of one operand, the implicit output.
EINSUM = [("bhqd,bhkd->bhqk", [1, 2, 5, 8], [1, 2, 6, 8], [1, 2, 5, 6]),
          ("bhqk,bhkd->bhqd", [1, 2, 5, 6], [1, 2, 6, 8], [1, 2, 5, 8]),
          ("...ij,...jk->...ik", [2, 3, 4, 5], [1, 3, 5, 2], [2, 3, 4, 2]),
          ("bij,jk->bik", [2, 3, 4], [4, 5], [2, 3, 5]),
          ("ibd,jbd->bij", [3, 2, 4], [5, 2, 4], [2, 3, 5]),
          ("bhd,hdk->bk", [2, 3, 4], [3, 4, 5], [2, 5]),
          ("xmk,ykn->xymn", [2, 3, 4], [5, 4, 6], [2, 5, 3, 6]),
          ("ij,jk", [3, 4], [4, 5], [3, 5])]
for i, (equation, a, b, y) in enumerate(EINSUM):
    case(f"einsum_{i}", [h.make_node("Einsum", ["a", "b"], ["y"], equation=equation)],
         [("a", T.FLOAT, a, floats(*a)), ("b", T.FLOAT, b, floats(*b))], [("y", T.FLOAT, y)])
case("einsum_transpose", [h.make_node("Einsum", ["a"], ["y"], equation="ij->ji")],
     [("a", T.FLOAT, [3, 5], floats(3, 5))], [("y", T.FLOAT, [5, 3])])

# ScatterND: rows with a negative index, single elements, each reduction over a repeated
# row, and a KV-cache position update (the new token's K of each head at position 5).
case("scatter_nd_rows", [h.make_node("ScatterND", ["x", "i", "u"], ["y"])],
     [("x", T.FLOAT, [4, 3], floats(4, 3)), ("i", T.INT64, [2, 1], np.array([[1], [-1]])),
      ("u", T.FLOAT, [2, 3], floats(2, 3))], [("y", T.FLOAT, [4, 3])])
case("scatter_nd_elements", [h.make_node("ScatterND", ["x", "i", "u"], ["y"])],
     [("x", T.FLOAT, [8], floats(8)), ("i", T.INT64, [4, 1], np.array([[4], [3], [1], [7]])),
      ("u", T.FLOAT, [4], floats(4))], [("y", T.FLOAT, [8])])
for reduction in ("add", "mul", "max", "min"):
    case(f"scatter_nd_{reduction}", [h.make_node("ScatterND", ["x", "i", "u"], ["y"],
                                                 reduction=reduction)],
         [("x", T.FLOAT, [4, 3], floats(4, 3)), ("i", T.INT64, [3, 1], np.array([[1], [1], [3]])),
          ("u", T.FLOAT, [3, 3], floats(3, 3))], [("y", T.FLOAT, [4, 3])])
case("scatter_nd_cache", [h.make_node("ScatterND", ["cache", "i", "k"], ["y"])],
     [("cache", T.FLOAT, [1, 2, 6, 4], floats(1, 2, 6, 4)), ("k", T.FLOAT, [2, 4], floats(2, 4))],
     [("y", T.FLOAT, [1, 2, 6, 4])], [h.make_tensor("i", T.INT64, [2, 3], [0, 0, 5, 0, 1, 5])])


def gqa_lengths(past, tokens):
    """seqlens_k and total_sequence_length of one unpadded sequence."""
    return [h.make_tensor("seqlens", T.INT32, [1], [past + tokens - 1]),
            h.make_tensor("total", T.INT32, [], [past + tokens])]


GQA_OUT = ["y", "present_key", "present_value"]
# GroupQueryAttention: 4 query heads over 2 K/V heads of 16 (ONNX Runtime's
# GroupQueryAttention needs multiples of 16); separate q, k, v, no cache.
case("gqa_separate",
     [h.make_node("GroupQueryAttention", ["q", "k", "v", "", "", "seqlens", "total"], ["y"],
                  num_heads=4, kv_num_heads=2, domain="com.microsoft")],
     [("q", T.FLOAT, [1, 5, 64], floats(1, 5, 64)), ("k", T.FLOAT, [1, 5, 32], floats(1, 5, 32)),
      ("v", T.FLOAT, [1, 5, 32], floats(1, 5, 32))], [("y", T.FLOAT, [1, 5, 64])],
     gqa_lengths(0, 5))
# One new token over a cache of 7 (BNSH), rotary embeddings inside the operator.
case("gqa_past_rotary",
     [h.make_node("GroupQueryAttention", ["q", "k", "v", "pk", "pv", "seqlens", "total", "cos",
                                          "sin"], GQA_OUT,
                  num_heads=4, kv_num_heads=2, do_rotary=1, domain="com.microsoft")],
     [("q", T.FLOAT, [1, 1, 64], floats(1, 1, 64)), ("k", T.FLOAT, [1, 1, 32], floats(1, 1, 32)),
      ("v", T.FLOAT, [1, 1, 32], floats(1, 1, 32)),
      ("pk", T.FLOAT, [1, 2, 7, 16], floats(1, 2, 7, 16)),
      ("pv", T.FLOAT, [1, 2, 7, 16], floats(1, 2, 7, 16))],
     [("y", T.FLOAT, [1, 1, 64]), ("present_key", T.FLOAT, [1, 2, 8, 16]),
      ("present_value", T.FLOAT, [1, 2, 8, 16])], gqa_lengths(7, 1) + list(caches(16, 8)))
# Packed QKV, a sliding window of 2 earlier keys, an explicit scale.
case("gqa_packed_window",
     [h.make_node("GroupQueryAttention", ["qkv", "", "", "", "", "seqlens", "total"], ["y"],
                  num_heads=4, kv_num_heads=2, local_window_size=2, scale=0.3,
                  domain="com.microsoft")],
     [("qkv", T.FLOAT, [1, 6, 128], floats(1, 6, 128))], [("y", T.FLOAT, [1, 6, 64])],
     gqa_lengths(0, 6))
# Packed QKV, three new tokens after a cache of 4, interleaved rotary, one K/V head (MQA).
case("gqa_packed_past_interleaved",
     [h.make_node("GroupQueryAttention", ["qkv", "", "", "pk", "pv", "seqlens", "total", "cos",
                                          "sin"], GQA_OUT,
                  num_heads=2, kv_num_heads=1, do_rotary=1, rotary_interleaved=1,
                  domain="com.microsoft")],
     [("qkv", T.FLOAT, [1, 3, 64], floats(1, 3, 64)),
      ("pk", T.FLOAT, [1, 1, 4, 16], floats(1, 1, 4, 16)),
      ("pv", T.FLOAT, [1, 1, 4, 16], floats(1, 1, 4, 16))],
     [("y", T.FLOAT, [1, 3, 32]), ("present_key", T.FLOAT, [1, 1, 7, 16]),
      ("present_value", T.FLOAT, [1, 1, 7, 16])], gqa_lengths(4, 3) + list(caches(16, 8)))


# com.microsoft FusedMatMul and QuickGelu, as ONNX Runtime's optimizer writes them: alpha,
# transA/transB (the last two axes swapped), transBatchA/transBatchB (the rows taken from
# axis 0, the batch from the axes between: torch's (tokens, batch x heads, dim) attention),
# a vector operand (its flags ignored); QuickGelu with its default alpha and with 1 (SiLU).
FUSED_MATMUL = [([2, 3, 4], [2, 4, 5], [2, 3, 5], dict(alpha=0.5)),
                ([1, 2, 5, 8], [1, 2, 6, 8], [1, 2, 5, 6], dict(transB=1, alpha=0.35)),
                ([2, 4, 3], [4, 5], [2, 3, 5], dict(transA=1)),
                ([5, 4, 8], [6, 4, 8], [4, 5, 6], dict(transBatchA=1, transBatchB=1, transB=1,
                                                       alpha=0.25)),
                ([8, 4, 5], [4, 8, 6], [4, 5, 6], dict(transBatchA=1, transA=1)),
                ([3, 2, 4, 8], [2, 4, 8, 5], [2, 4, 3, 5], dict(transBatchA=1)),
                ([3, 4], [4], [3], dict(transB=1))]
for i, (a, b, y, attrs) in enumerate(FUSED_MATMUL):
    case(f"fused_matmul_{i}", [h.make_node("FusedMatMul", ["a", "b"], ["y"],
                                           domain="com.microsoft", **attrs)],
         [("a", T.FLOAT, a, floats(*a)), ("b", T.FLOAT, b, floats(*b))], [("y", T.FLOAT, y)])
# FusedGemm (Gemm and its activation, as ONNX Runtime fuses a pooler's tanh or an MLP's
# ReLU), with transB, alpha, beta and each activation the importer takes.
FUSED_GEMM = [dict(activation="Tanh", transB=1), dict(activation="Relu", alpha=0.5, beta=2.0),
              dict(activation="Sigmoid"), dict(activation="Softplus"),
              dict(activation="LeakyRelu", activation_alpha=0.1),
              dict(activation="HardSigmoid", activation_alpha=0.3, activation_beta=0.4)]
for i, attrs in enumerate(FUSED_GEMM):
    w = [5, 4] if attrs.get("transB") else [4, 5]
    case(f"fused_gemm_{i}", [h.make_node("FusedGemm", ["a", "w", "c"], ["y"],
                                         domain="com.microsoft", **attrs)],
         [("a", T.FLOAT, [3, 4], floats(3, 4))], [("y", T.FLOAT, [3, 5])],
         [h.make_tensor("w", T.FLOAT, w, floats(*w).ravel()),
          h.make_tensor("c", T.FLOAT, [5], floats(5))])
for i, attrs in enumerate([{}, dict(alpha=1.0)]):
    case(f"quick_gelu_{i}", [h.make_node("QuickGelu", ["x"], ["y"], domain="com.microsoft",
                                         **attrs)],
         [("x", T.FLOAT, [3, 8], floats(3, 8))], [("y", T.FLOAT, [3, 8])])


def check_ops(check, tmp):
    model, inputs = combined_model()
    path = os.path.join(tmp, "ops.onnx")
    onnx.save(model, path)
    ref = run_ort(path, inputs)
    out = os.path.join(tmp, "ops")
    compile_model(path, out, "--attention=digital")
    build(out)
    got = run_program(out, "model", inputs)
    for key, want in sorted(ref.items()):
        check.close(key, got[key], want)


PROMPT, COUNT, PAST, SEQ = [3, 14, 15], 6, 7, 12
# The decoders: float32 in both, summation orders differ over 2 layers (about 1e-6 seen).
MODEL_RTOL = 1e-4
# Analog step vs run: the simulated heads are bit-identical in both forms, the digital
# projections around them round differently and can flip a quantiser by one step (about
# 1e-2 of a logit, as in codegen-llm.py); a wrong position or mask is far more.
ANALOG_TOLERANCE = 0.05


def fused(check, path, flags, what):
    """Every attention fused (one per layer), none left unfused, a step function."""
    proc = subprocess.run([gcim_compile(), path, "--emit=gcim", *flags], capture_output=True,
                          text=True)
    attentions = len(re.findall(r'"gcim.attention"', proc.stdout))
    unfused = re.findall(r'gcim.unfused = "([^"]*)"', proc.stdout)
    unstreamed = re.findall(r'gcim.unstreamed = "([^"]*)"', proc.stdout)
    layers = export_contrib.LAYERS
    check.expect(f"{what}: {layers} attentions fused", attentions == layers and not unfused,
                 f"{attentions} fused, unfused: {unfused} {proc.stderr[-500:]}")
    check.expect(f"{what}: streamed", "_step(" in proc.stdout and not unstreamed,
                 f"unstreamed: {unstreamed}")


def ort_greedy(path):
    """ONNX Runtime's greedy decoding: the full-sequence model over the growing sequence."""
    tokens = list(PROMPT)
    for _ in range(COUNT):
        logits = run_ort(path, {"input_ids": np.array([tokens], np.int64)})["logits"]
        tokens.append(int(np.argmax(logits[0, -1])))
    return tokens[len(PROMPT):]


def check_form(check, form, tmp):
    full_path = os.path.join(tmp, f"{form}.onnx")
    onnx.save(export_contrib.build(form, kv_cache=False, seed=5), full_path)
    want_tokens = ort_greedy(full_path)
    rng = np.random.default_rng(3)
    for kv_cache in (False, True):
        what = f"{form} {'kv-cache step' if kv_cache else 'full-sequence'}"
        path = os.path.join(tmp, f"{form}-{'kv' if kv_cache else 'full'}.onnx")
        onnx.save(export_contrib.build(form, kv_cache=kv_cache, seed=5), path)
        shape = export_contrib.KV_HEADS, PAST, export_contrib.HEAD_DIM
        flags = ["--input-shape", f"input_ids=1x{1 if kv_cache else SEQ}"]
        inputs = {"input_ids": rng.integers(0, export_contrib.VOCAB, (1, 1 if kv_cache else SEQ))}
        if kv_cache:
            flags += ["--input-shape", "past_*=1x{}x{}x{}".format(*shape)]
            for layer in range(export_contrib.LAYERS):
                for kind in ("key", "value"):
                    inputs[f"past_{kind}_{layer}"] = rng.standard_normal((1, *shape)).astype(
                        np.float32)
        fused(check, path, flags, what)
        out = os.path.join(tmp, f"{form}-{'kv' if kv_cache else 'full'}")
        compile_model(path, out, "--attention=digital", *flags)
        build(out)
        ref, got = run_ort(path, inputs), run_program(out, "model", inputs)
        for name, want in sorted(ref.items()):
            check.close(f"{what}: {name} vs ONNX Runtime", got[name], want, MODEL_RTOL)
        if not kv_cache:
            proc = subprocess.run([build_step_check(out), os.path.join(out, "model.weights"),
                                   "1e-4"], capture_output=True, text=True)
            check.expect(f"{what}: model_step matches model_run", proc.returncode == 0,
                         (proc.stdout + proc.stderr).strip()[-400:])
        proc = subprocess.run([os.path.join(out, "model"), "--generate", str(COUNT), "--prompt",
                               ",".join(map(str, PROMPT))], capture_output=True, text=True)
        got_tokens = [int(t) for t in proc.stdout.split()] if proc.returncode == 0 else \
            proc.stderr
        check.expect(f"{what}: --generate equals ONNX Runtime's greedy tokens",
                     got_tokens == want_tokens, f"gcim {got_tokens}, ONNX Runtime {want_tokens}")
    check_analog(check, form, tmp)


def generate(out):
    proc = subprocess.run([os.path.join(out, "model"), "--generate", str(COUNT), "--prompt",
                           ",".join(map(str, PROMPT))], capture_output=True, text=True)
    return [int(t) for t in proc.stdout.split()] if proc.returncode == 0 else proc.stderr


def check_analog(check, form, tmp):
    """Both exports on the gain cells: step = run, and the same generated tokens."""
    tokens = {}
    for kv_cache in (False, True):
        kind = "kv" if kv_cache else "full"
        flags = ["--attention=analog", "--input-shape", f"input_ids=1x{1 if kv_cache else SEQ}"]
        if kv_cache:
            flags += ["--input-shape", "past_*=1x{}x{}x{}".format(
                export_contrib.KV_HEADS, PAST, export_contrib.HEAD_DIM)]
        out = os.path.join(tmp, f"{form}-{kind}-analog")
        compile_model(os.path.join(tmp, f"{form}-{kind}.onnx"), out, *flags)
        build(out)
        if not kv_cache:
            proc = subprocess.run([build_step_check(out), os.path.join(out, "model.weights"),
                                   str(ANALOG_TOLERANCE)], capture_output=True, text=True)
            check.expect(f"{form} full-sequence (analog): model_step matches model_run",
                         proc.returncode == 0, (proc.stdout + proc.stderr).strip()[-400:])
        tokens[kind] = generate(out)
    check.expect(f"{form} (analog): the KV-cache build generates the full-sequence build's "
                 "tokens", tokens["kv"] == tokens["full"] and isinstance(tokens["kv"], list),
                 f"kv-cache {tokens['kv']}, full-sequence {tokens['full']}")


def main():
    part = sys.argv[1] if len(sys.argv) > 1 else "ops"
    if part != "ops" and part not in export_contrib.FORMS:
        print(f"usage: codegen-contrib.py [ops|{'|'.join(export_contrib.FORMS)}]")
        return 2
    check = Checker(RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-contrib-") as tmp:
        try:
            check_ops(check, tmp) if part == "ops" else check_form(check, part, tmp)
        except RuntimeError as error:
            check.expect(f"{part}: compiled, built and ran", False, str(error)[-2000:])
    return check.finish(f"codegen-contrib {part}")


if __name__ == "__main__":
    sys.exit(main())
