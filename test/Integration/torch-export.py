#!/usr/bin/python3
"""torch-export.py: e2e test of the ONNX export of gcim.torch.GainCellAttention: the exported
ai.gcim.GainCellAttention node (attributes, per-head scales as an initializer) imports and
fuses into a gain-cell gcim.attention (gcim-compile --emit=gcim), compiles, builds with
warnings as errors, and the generated C computes what the torch layer computes:

- the layer alone (q, k, v inputs; D 64 and 32; trained-looking scales): the simulator's
  tolerance (at most 0.1 % of outputs off by exactly one output step, others within 1e-5);
- a GPT-style model with two gain-cell layers (the example's architecture, random weights):
  logits within 1e-4 * max(1, |ref|) (float32 digital kernels around exact analog attention).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SRC_ROOT, "examples"))
from codegenharness import build, compile_model, gcim_compile, run_program  # noqa: E402
from ortharness import Checker  # noqa: E402

import onnx  # noqa: E402
import onnx.numpy_helper  # noqa: E402
import torch  # noqa: E402
from gcim.torch import GainCellAttention  # noqa: E402
from gcim_reference import Params, compare  # noqa: E402

import copy_task  # noqa: E402


class Core(torch.nn.Module):
    def __init__(self, heads, scales):
        super().__init__()
        self.attn = GainCellAttention(heads, scales=scales)

    def forward(self, q, k, v):
        return self.attn(q, k, v)


def export(module, args, names, path):
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, path, opset_version=17, input_names=names,
                          output_names=["y"], custom_opsets={"ai.gcim": 1})


def emit_gcim(path):
    proc = subprocess.run([gcim_compile(), path, "--emit=gcim"], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"gcim-compile --emit=gcim {path} failed: {proc.stderr}")
    return proc.stdout


def check_layer(check, tmp, B, H, T, D, seed):
    rng = np.random.default_rng(seed)
    scales = np.tile(np.float32([1, 0, 1, 0.45, 1, 0.45, 1, 0]), (H, 1))
    scales[:, 0::2] *= rng.uniform(0.3, 2.0, (H, 4)).astype(np.float32)
    scales[:, 1::2] += rng.uniform(-0.15, 0.15, (H, 4)).astype(np.float32)
    module = Core(H, torch.from_numpy(scales)).eval()
    q, k, v = (rng.standard_normal((B, H, T, D)).astype(np.float32) for _ in range(3))
    path = os.path.join(tmp, f"layer-d{D}.onnx")
    export(module, tuple(torch.from_numpy(x) for x in (q, k, v)), ["q", "k", "v"], path)
    proto = onnx.load(path)
    (node,) = proto.graph.node
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    attrs["cell"] = attrs["cell"].decode()
    expected = dict(num_heads=H, window=1024, cell="nonlinear", q_levels=16, kv_levels=8,
                    out_levels=32, first_product_saturation=80.0, output_saturation=40.0)
    check.expect(f"D {D}: one ai.gcim GainCellAttention node with the hardware's attributes",
                 node.domain == "ai.gcim" and node.op_type == "GainCellAttention"
                 and all(attrs[n] == x for n, x in expected.items())
                 and abs(attrs["decay"] - 1.6e-4) < 1e-10, str(attrs))
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    check.expect(f"D {D}: the scales are the node's 4th input, an initializer",
                 len(node.input) == 4 and node.input[3] in inits
                 and np.array_equal(inits[node.input[3]], scales))
    check.expect(f"D {D}: opset ai.gcim 1 is imported",
                 any(o.domain == "ai.gcim" and o.version == 1 for o in proto.opset_import))
    ir = emit_gcim(path)
    check.expect(f"D {D}: --emit=gcim has one gain-cell gcim.attention",
                 ir.count('"gcim.attention"') == 1 and 'kind = "gaincell"' in ir)
    out = os.path.join(tmp, f"out-layer-d{D}")
    compile_model(path, out)
    build(out)
    y = run_program(out, "model", {"q": q, "k": k, "v": v})["y"]
    with torch.no_grad():
        ref = module(*(torch.from_numpy(x) for x in (q, k, v))).numpy()
    ok, message = compare(y, ref, scales, Params())
    check.expect(f"D {D} (B {B} H {H} T {T}): generated C = torch layer", ok, message)


def check_model(check, tmp):
    torch.manual_seed(3)
    model = copy_task.gaincell_model()
    with torch.no_grad():
        for block in model.h:
            s = block.attn.gaincell.scales
            s[:, 0::2] *= 0.5 + torch.rand(s[:, 0::2].shape)
    path = os.path.join(tmp, "gpt.onnx")
    copy_task.export(model, path, "random weights")
    ir = emit_gcim(path)
    # gcim-stream adds the step function, with one gcim.attention_step per attention.
    check.expect("GPT-style model: two gain-cell gcim.attention (and two attention steps), "
                 "no softmax left",
                 ir.count('"gcim.attention"(') == 2 and ir.count('"gcim.attention_step"(') == 2
                 and ir.count('kind = "gaincell"') == 4 and "onnx.softmax" not in ir
                 and "onnx.gcim_gain_cell_attention" not in ir)
    rebuilt = copy_task.load_onnx(path)
    ids, _ = copy_task.make_batch(2, torch.Generator().manual_seed(5))
    ref = copy_task.logits_of(model, ids).numpy()
    check.expect("GPT-style model: rebuilt from the ONNX file gives bit-identical logits",
                 np.array_equal(copy_task.logits_of(rebuilt, ids).numpy(), ref))
    out = os.path.join(tmp, "out-gpt")
    compile_model(path, out)
    build(out)
    for i in range(len(ids)):
        got = run_program(out, "model", {"input_ids": ids[i:i + 1].numpy()})["logits"]
        check.close(f"GPT-style model, sequence {i}: generated C logits = torch", got,
                    ref[i:i + 1])


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    torch.set_num_threads(1)
    check = Checker(1e-4)
    with tempfile.TemporaryDirectory(prefix="gcim-torch-export-") as tmp:
        check_layer(check, tmp, 2, 2, 20, 64, 1)
        check_layer(check, tmp, 1, 3, 70, 32, 2)
        check_model(check, tmp)
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
