#!/usr/bin/python3
"""codegen-ops.py: the ops LLM exports use, one small onnx.helper model each, run by ONNX
Runtime and by the generated C (gcim-compile --attention=digital), outputs compared.

This covers what the ONNX backend node tests do not: ops whose node tests are written at
opsets below 13 only (Sin, Cos, IsInf, Softplus, Xor, ...; they run through gcim's upgrade
since, this tests the ops at the opsets exports use) or are missing from Debian's
libonnx-testdata (Mish), and the opset-23 and com.microsoft forms. Floats are compared
within 1e-5 * max(1, |ref|): each op is a few float32 roundings of libm functions, which
differ from ONNX Runtime's by a few ulp; bools and integers exactly.
"""
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from codegenharness import build, compile_model, run_program  # noqa: E402
from ortharness import Checker, run_ort  # noqa: E402

RTOL = 1e-5
rng = np.random.default_rng(13)
CASES = {}


def case(name, nodes, inputs, outputs, opset=17, inits=()):
    """Adds a case; every value name gets the prefix `name_` so that all cases fit in one
    model (one compile and one build for the whole test)."""
    def rename(n):
        return f"{name}_{n}" if n else n
    for node in nodes:
        node.input[:] = [rename(n) for n in node.input]
        node.output[:] = [rename(n) for n in node.output]
        node.name = rename(node.name or node.output[0])
    for init in inits:
        init.name = rename(init.name)
    CASES[name] = dict(
        nodes=nodes, inits=list(inits), opset=opset,
        inputs=[(rename(n), t, s, v) for n, t, s, v in inputs],
        outputs=[(rename(n), t, s) for n, t, s in outputs])


# ONNX Runtime registers SimplifiedLayerNormalization in the default domain only; its
# reference for the com.microsoft form exporters also write is the default-domain op.
ORT_ONLY_DEFAULT_DOMAIN = {"SimplifiedLayerNormalization"}


def for_ort(node):
    if node.domain == "com.microsoft" and node.op_type in ORT_ONLY_DEFAULT_DOMAIN:
        node = onnx.NodeProto.FromString(node.SerializeToString())
        node.domain = ""
    return node


def combined_model(ort=False):
    """One model holding every case, at the highest opset a case needs (`ort`: the form
    ONNX Runtime runs as the reference)."""
    c = CASES.values()
    graph = h.make_graph(
        [for_ort(n) if ort else n for x in c for n in x["nodes"]], "codegen_ops",
        [h.make_tensor_value_info(n, t, s) for x in c for n, t, s, _ in x["inputs"]],
        [h.make_tensor_value_info(n, t, s) for x in c for n, t, s in x["outputs"]],
        [i for x in c for i in x["inits"]])
    model = h.make_model(graph, functions=FUNCTIONS, opset_imports=[
        h.make_opsetid("", max(x["opset"] for x in c)), h.make_opsetid("com.microsoft", 1),
        h.make_opsetid("local", 1)])
    model.ir_version = 10
    return model, {n: v for x in c for n, _, _, v in x["inputs"]}


def floats(*shape, lo=-3.0, hi=3.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


X = floats(3, 5)
SPECIAL = np.array([[1.0, np.inf, -np.inf, np.nan, 0.0, -2.5]], dtype=np.float32)
for op in ["Sin", "Cos", "Floor", "Ceil", "Sign", "Softplus", "Exp", "Neg"]:
    case(op.lower(), [h.make_node(op, ["x"], ["y"])], [("x", T.FLOAT, [3, 5], X)],
         [("y", T.FLOAT, [3, 5])])
case("mish", [h.make_node("Mish", ["x"], ["y"])], [("x", T.FLOAT, [3, 5], X)],
     [("y", T.FLOAT, [3, 5])], opset=18)
case("isinf", [h.make_node("IsInf", ["x"], ["y"])], [("x", T.FLOAT, [1, 6], SPECIAL)],
     [("y", T.BOOL, [1, 6])])
case("isinf_negative", [h.make_node("IsInf", ["x"], ["y"], detect_positive=0)],
     [("x", T.FLOAT, [1, 6], SPECIAL)], [("y", T.BOOL, [1, 6])])
case("isnan", [h.make_node("IsNaN", ["x"], ["y"])], [("x", T.FLOAT, [1, 6], SPECIAL)],
     [("y", T.BOOL, [1, 6])])
A = rng.integers(0, 2, (3, 4)).astype(bool)
B = rng.integers(0, 2, (4,)).astype(bool)
case("xor", [h.make_node("Xor", ["a", "b"], ["y"])],
     [("a", T.BOOL, [3, 4], A), ("b", T.BOOL, [4], B)], [("y", T.BOOL, [3, 4])])
I = np.arange(-6, 6, dtype=np.int64).reshape(3, 4)
case("mod_int", [h.make_node("Mod", ["a", "b"], ["y"])],
     [("a", T.INT64, [3, 4], I), ("b", T.INT64, [4], np.array([3, -4, 5, 2], np.int64))],
     [("y", T.INT64, [3, 4])])
case("cumsum_reverse_exclusive",
     [h.make_node("CumSum", ["x", "axis"], ["y"], exclusive=1, reverse=1)],
     [("x", T.FLOAT, [3, 5], X), ("axis", T.INT64, [], np.array(1, np.int64))],
     [("y", T.FLOAT, [3, 5])])
case("tile", [h.make_node("Tile", ["x", "r"], ["y"])], [("x", T.FLOAT, [3, 5], X)],
     [("y", T.FLOAT, [6, 5])], inits=[h.make_tensor("r", T.INT64, [2], [2, 1])])
case("gather_elements",
     [h.make_node("GatherElements", ["x", "i"], ["y"], axis=1)],
     [("x", T.FLOAT, [3, 5], X),
      ("i", T.INT64, [3, 2], np.array([[0, 4], [-1, 2], [3, 3]], np.int64))],
     [("y", T.FLOAT, [3, 2])])
# GatherND with a batch dimension and index pairs (negative ones counted from the end).
case("gather_nd_batch",
     [h.make_node("GatherND", ["x", "i"], ["y"], batch_dims=1)],
     [("x", T.FLOAT, [2, 3, 4, 5], floats(2, 3, 4, 5)),
      ("i", T.INT64, [2, 2, 2], np.array([[[0, 3], [2, -1]], [[-3, 0], [1, 2]]], np.int64))],
     [("y", T.FLOAT, [2, 2, 5])], opset=13)
# A sliding-window position mask as transformers builds it: LessOrEqual, GreaterOrEqual,
# And over Range positions, into Where.
case("position_mask",
     [h.make_node("Range", ["zero", "n", "one"], ["pos"]),
      h.make_node("Unsqueeze", ["pos", "ax1"], ["row"]),
      h.make_node("LessOrEqual", ["pos", "row"], ["causal"]),
      h.make_node("Sub", ["row", "w"], ["lo"]),
      h.make_node("Greater", ["pos", "lo"], ["inwin"]),
      h.make_node("GreaterOrEqual", ["row", "pos"], ["causal2"]),
      h.make_node("And", ["causal", "inwin"], ["keep0"]),
      h.make_node("And", ["keep0", "causal2"], ["keep"]),
      h.make_node("Where", ["keep", "x", "fill"], ["y"])],
     [("x", T.FLOAT, [5, 5], floats(5, 5))], [("y", T.FLOAT, [5, 5])],
     inits=[h.make_tensor("zero", T.INT64, [], [0]), h.make_tensor("n", T.INT64, [], [5]),
            h.make_tensor("one", T.INT64, [], [1]), h.make_tensor("ax1", T.INT64, [1], [1]),
            h.make_tensor("w", T.INT64, [], [3]), h.make_tensor("fill", T.FLOAT, [], [-1e9])])

# Clip with min above max (every element is max, as ONNX says), and float64 through the
# float64 kernels (ReduceLogSumExp's ReduceMax, Exp, ReduceSum and Log).
case("clip_crossed", [h.make_node("Clip", ["x", "lo", "hi"], ["y"])],
     [("x", T.FLOAT, [3, 5], X)], [("y", T.FLOAT, [3, 5])],
     inits=[h.make_tensor("lo", T.FLOAT, [], [1.5]), h.make_tensor("hi", T.FLOAT, [], [-1.0])])
case("log_sum_exp_f64", [h.make_node("ReduceLogSumExp", ["x", "axes"], ["y"])],
     [("x", T.DOUBLE, [3, 5], X.astype(np.float64))], [("y", T.DOUBLE, [3, 1])], opset=18,
     inits=[h.make_tensor("axes", T.INT64, [1], [1])])

# Normalisations and activations of LLM exports (decomposed by the importer).
H = floats(2, 3, 8)
SKIP, GAMMA, BETA, BIAS = floats(2, 3, 8), floats(8), floats(8), floats(8)
case("rms_norm_23", [h.make_node("RMSNormalization", ["x", "g"], ["y"], epsilon=1e-6)],
     [("x", T.FLOAT, [2, 3, 8], H), ("g", T.FLOAT, [8], GAMMA)], [("y", T.FLOAT, [2, 3, 8])],
     opset=23)
case("simplified_ln", [h.make_node("SimplifiedLayerNormalization", ["x", "g"], ["y", "inv"],
                                   epsilon=1e-5, axis=-1)],
     [("x", T.FLOAT, [2, 3, 8], H), ("g", T.FLOAT, [8], GAMMA)],
     [("y", T.FLOAT, [2, 3, 8]), ("inv", T.FLOAT, [2, 3, 1])])
case("ms_simplified_ln", [h.make_node("SimplifiedLayerNormalization", ["x", "g"], ["y"],
                                      domain="com.microsoft", axis=-1)],
     [("x", T.FLOAT, [2, 3, 8], H), ("g", T.FLOAT, [8], GAMMA)], [("y", T.FLOAT, [2, 3, 8])])
case("skip_simplified_ln",
     [h.make_node("SkipSimplifiedLayerNormalization", ["x", "s", "g", "b"],
                  ["y", "", "", "sum"], domain="com.microsoft", epsilon=1e-6)],
     [("x", T.FLOAT, [2, 3, 8], H), ("s", T.FLOAT, [2, 3, 8], SKIP),
      ("g", T.FLOAT, [8], GAMMA), ("b", T.FLOAT, [8], BIAS)],
     [("y", T.FLOAT, [2, 3, 8]), ("sum", T.FLOAT, [2, 3, 8])])
case("skip_ln", [h.make_node("SkipLayerNormalization", ["x", "s", "g", "beta", "b"],
                             ["y", "", "", "sum"], domain="com.microsoft", epsilon=1e-5)],
     [("x", T.FLOAT, [2, 3, 8], H), ("s", T.FLOAT, [2, 3, 8], SKIP),
      ("g", T.FLOAT, [8], GAMMA), ("beta", T.FLOAT, [8], BETA), ("b", T.FLOAT, [8], BIAS)],
     [("y", T.FLOAT, [2, 3, 8]), ("sum", T.FLOAT, [2, 3, 8])])
case("fast_gelu", [h.make_node("FastGelu", ["x", "b"], ["y"], domain="com.microsoft")],
     [("x", T.FLOAT, [2, 3, 8], H), ("b", T.FLOAT, [8], BIAS)], [("y", T.FLOAT, [2, 3, 8])])
# Opset-23 Attention with grouped-query heads (4 query heads over 2 K/V heads), causal.
case("attention_23_gqa", [h.make_node("Attention", ["q", "k", "v"], ["y"], is_causal=1)],
     [("q", T.FLOAT, [1, 4, 5, 8], floats(1, 4, 5, 8)),
      ("k", T.FLOAT, [1, 2, 5, 8], floats(1, 2, 5, 8)),
      ("v", T.FLOAT, [1, 2, 5, 8], floats(1, 2, 5, 8))],
     [("y", T.FLOAT, [1, 4, 5, 8])], opset=23)
# A model-local function (SwiGLU with an attribute reference), called twice.
case("local_function",
     [h.make_node("SwiGlu", ["x", "x"], ["y1"], domain="local", alpha=1.0),
      h.make_node("SwiGlu", ["y1", "x"], ["y"], domain="local", alpha=0.5)],
     [("x", T.FLOAT, [2, 3, 8], H)], [("y", T.FLOAT, [2, 3, 8])])
FUNCTIONS = [h.make_function(
    "local", "SwiGlu", ["a", "b"], ["out"],
    [h.make_node("Constant", [], ["alpha"], value_float=0.0),
     h.make_node("Constant", [], ["scaled_alpha"], name="alpha_ref"),
     h.make_node("Sigmoid", ["a"], ["sig"]), h.make_node("Mul", ["a", "sig"], ["silu"]),
     h.make_node("Mul", ["silu", "b"], ["prod"]),
     h.make_node("Mul", ["prod", "scaled_alpha"], ["out"])],
    [h.make_opsetid("", 17)], attributes=["alpha"])]
FUNCTIONS[0].node[1].attribute.append(
    onnx.AttributeProto(name="value_float", ref_attr_name="alpha",
                        type=onnx.AttributeProto.FLOAT))
del FUNCTIONS[0].node[0]


def main():
    check = Checker(RTOL)
    model, inputs = combined_model()
    with tempfile.TemporaryDirectory(prefix="gcim-ops-") as tmp:
        path, ort_path = os.path.join(tmp, "ops.onnx"), os.path.join(tmp, "ops-ort.onnx")
        onnx.save(model, path)
        onnx.save(combined_model(ort=True)[0], ort_path)
        ref = run_ort(ort_path, inputs)
        out = os.path.join(tmp, "out")
        try:
            compile_model(path, out, "--attention=digital")
            build(out)
            got = run_program(out, "model", inputs)
        except RuntimeError as error:
            check.expect("compiled, built and ran", False, str(error)[-2000:])
            return check.finish("codegen-ops")
        for key, want in sorted(ref.items()):
            if want.dtype.kind == "f":
                nan = np.isnan(want)
                check.expect(f"{key}: NaN where ONNX Runtime has NaN",
                             np.array_equal(nan, np.isnan(got[key])))
                check.close(key, np.where(nan, 0, got[key]), np.where(nan, 0, want))
            else:
                check.expect(f"{key}: equal ({want.dtype})",
                             got[key].dtype == want.dtype and np.array_equal(got[key], want))
    return check.finish("codegen-ops")


if __name__ == "__main__":
    sys.exit(main())
