#!/usr/bin/python3
"""attention-forms.py: e2e test of python/make_attention_models.py: every form is written
deterministically, loads with onnx.load, has the structure gcim's fusion expects, passes
onnx's checker where onnx 1.12 can check it, and (for the forms onnxruntime-node 1.30 runs:
ONNX-23 Attention, com.microsoft Attention and MultiHeadAttention, both HardSigmoid forms and
the torch softmax form) matches a float64 numpy reference in ONNX Runtime.

Tolerance: |ort - numpy| <= 1e-4 * max(1, |numpy|). The numpy reference is float64; ORT
computes in float32 with reductions over at most 64 terms of O(1-100) values, which we see
agree to ~1e-6 relative. A causal-mask error changes outputs by O(1): the test checks that the
tolerance rejects the non-causal result for every form it runs.
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ortharness import SRC_ROOT, Checker, run_ort  # noqa: E402

from gcim_models import attention_forms as forms  # noqa: E402

RTOL = 1e-4
SCRIPT = os.path.join(SRC_ROOT, "python", "make_attention_models.py")

GAINCELL_ATTRS = {  # name -> ONNX attribute type, as the gcim dialect declares them
    "num_heads": onnx.AttributeProto.INT, "window": onnx.AttributeProto.INT,
    "cell": onnx.AttributeProto.STRING, "decay": onnx.AttributeProto.FLOAT,
    "q_levels": onnx.AttributeProto.INT, "kv_levels": onnx.AttributeProto.INT,
    "out_levels": onnx.AttributeProto.INT,
    "first_product_saturation": onnx.AttributeProto.FLOAT,
    "output_saturation": onnx.AttributeProto.FLOAT,
}


def generate(directory, shape):
    cmd = [sys.executable, SCRIPT, "--all", directory, "--batch", str(shape.batch), "--heads",
           str(shape.heads), "--seq", str(shape.seq), "--head-dim", str(shape.head_dim),
           "--opset", str(shape.opset)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"make_attention_models.py failed: {proc.stderr.strip()}")


def opsets(model):
    return {o.domain: o.version for o in model.opset_import}


def check_structure(check, name, model, s):
    nodes = model.graph.node
    ops = [n.op_type for n in nodes]
    imports = opsets(model)
    if name == "onnx-attention":
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in nodes[0].attribute}
        check.expect(f"{name}: one Attention node, opset 23, IR 11",
                     ops == ["Attention"] and nodes[0].domain == "" and imports.get("") == 23
                     and model.ir_version == 11, f"{ops} {imports} ir {model.ir_version}")
        check.expect(f"{name}: is_causal 1, scale 1/sqrt(D)",
                     attrs.get("is_causal") == 1
                     and abs(attrs.get("scale", 0) - 1 / math.sqrt(s.head_dim)) < 1e-7,
                     str(attrs))
    elif name.startswith("ms-"):
        op = "Attention" if name == "ms-attention" else "MultiHeadAttention"
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in nodes[0].attribute}
        check.expect(f"{name}: one com.microsoft {op}, num_heads {s.heads}, unidirectional 1",
                     ops == [op] and nodes[0].domain == "com.microsoft"
                     and imports.get("com.microsoft") == 1 and attrs.get("num_heads") == s.heads
                     and attrs.get("unidirectional") == 1, f"{ops} {attrs}")
        if name == "ms-attention":
            w = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
            check.expect(f"{name}: packed weights (hidden, 3*hidden) and bias (3*hidden)",
                         w["qkv_weight"].shape == (s.hidden, 3 * s.hidden)
                         and w["qkv_bias"].shape == (3 * s.hidden,))
    elif name.startswith("gcim-"):
        node = nodes[0]
        types = {a.name: a.type for a in node.attribute}
        check.expect(f"{name}: one ai.gcim GainCellAttention with the dialect's attributes",
                     ops == ["GainCellAttention"] and node.domain == "ai.gcim"
                     and imports.get("ai.gcim") == 1 and types == GAINCELL_ATTRS, str(types))
        if name == "gcim-gaincell":
            scales = onnx.numpy_helper.to_array(model.graph.initializer[0])
            check.expect(f"{name}: scales (H, 8) a_q b_q a_k b_k a_v b_v a_o b_o",
                         list(node.input) == ["q", "k", "v", "scales"]
                         and scales.shape == (s.heads, 8)
                         and np.array_equal(scales, np.tile(np.float32([1, 0, 1, 0.45, 1, 0.45, 1, 0]),
                                                         (s.heads, 1))),
                         str(scales[0]))
        else:
            check.expect(f"{name}: no scales input", list(node.input) == ["q", "k", "v"])
    elif name == "hardsigmoid-clip":
        check.expect(f"{name}: Transpose MatMul Mul Clip Mul MatMul",
                     ops == ["Transpose", "MatMul", "Mul", "Clip", "Mul", "MatMul"], str(ops))
    elif name == "hardsigmoid":
        alpha = onnx.helper.get_attribute_value(nodes[2].attribute[0])
        check.expect(f"{name}: Transpose MatMul HardSigmoid(alpha 1/80) Mul MatMul",
                     ops == ["Transpose", "MatMul", "HardSigmoid", "Mul", "MatMul"]
                     and abs(alpha - 1 / 80) < 1e-9, f"{ops} alpha {alpha}")
    elif name == "torch-softmax":
        core = [o for o in ops if o in ("MatMul", "Div", "Where", "Softmax")]
        check.expect(f"{name}: MatMul Div Where Softmax MatMul (opset {s.opset})",
                     core == ["MatMul", "Div", "Where", "Softmax", "MatMul"]
                     and imports.get("") == s.opset, str(ops))
    if name != "onnx-attention":  # onnx 1.12's checker stops at IR 8 / opset 17
        try:
            onnx.checker.check_model(model, full_check=True)
            check.expect(f"{name}: onnx.checker (full) accepts it", True)
        except onnx.checker.ValidationError as e:
            check.expect(f"{name}: onnx.checker (full) accepts it", False, str(e)[:300])


def check_numerics(check, name, path, s):
    inputs = forms.example_inputs(name, s)
    ref = forms.reference(name, s, inputs)["y"]
    out = run_ort(path, inputs)
    check.close(f"{name}: ORT vs numpy", out["y"], ref, RTOL)
    # The comparison must be able to fail: reject the same attention without its mask.
    if name.startswith("hardsigmoid"):
        scores = (inputs["q"].astype(np.float64)
                  @ np.swapaxes(inputs["k"].astype(np.float64), -1, -2)) / forms.S_SAT
        kept = scores[..., np.tril(np.ones((s.seq, s.seq), dtype=bool))]
        check.expect(f"{name}: inputs reach both clip bounds (q.k/80 < 0 and > 1)",
                     bool((kept < 0).any() and (kept > 1).any()))
    wrong = forms.reference(name, s, inputs, causal=False)["y"]
    excess = np.abs(out["y"] - wrong) - RTOL * np.maximum(1.0, np.abs(wrong))
    check.expect(f"{name}: tolerance rejects the non-causal result", bool(excess.max() > 0),
                 f"max excess {excess.max():.3e}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--seq", type=int, default=8)
    p.add_argument("--head-dim", type=int, default=64)
    p.add_argument("--opset", type=int, default=17)
    args = p.parse_args()
    s = forms.AttentionShape(batch=args.batch, heads=args.heads, seq=args.seq,
                             head_dim=args.head_dim, opset=args.opset)
    name = f"attention-forms B{s.batch} H{s.heads} T{s.seq} D{s.head_dim} opset {s.opset}"
    print(name)
    check = Checker(RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-forms-") as tmp:
        first, second = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        generate(first, s)
        generate(second, s)
        check.expect("every form written", sorted(os.listdir(first)) ==
                     sorted(f + ".onnx" for f in forms.FORMS), str(sorted(os.listdir(first))))
        for form_name, form in forms.FORMS.items():
            path = os.path.join(first, form_name + ".onnx")
            with open(path, "rb") as f1, open(os.path.join(second, form_name + ".onnx"),
                                              "rb") as f2:
                check.expect(f"{form_name}: deterministic (two runs byte-identical)",
                             f1.read() == f2.read())
            model = onnx.load(path)
            check_structure(check, form_name, model, s)
            if form.runs_in_ort:
                check_numerics(check, form_name, path, s)
    return check.finish(name)


if __name__ == "__main__":
    sys.exit(main())
