#!/usr/bin/python3
"""legacy-opsets.py: models written at default-domain opsets below 13, which gcim upgrades
node by node at import (lib/Import/Onnx/ExpandLegacy.c), through gcim-compile and the
generated C against ONNX Runtime.

Models: a GPT-2-style decoder (gcim_models.gpt2, the model of python/export_gpt2.py) and a
BERT-like encoder (torch.nn.TransformerEncoder with a classifier head) exported by torch at
opset_version=11 and 12. onnx 1.12's version converter cannot take a transformer below
opset 13 (it has no adapter down from 13 for MatMul or Gather, nor an earlier form of
LayerNormalization), so instead the opset-11 GPT-2 taken *up* to 17 by it
(onnx.version_converter.convert_version) is imported too: gcim's upgrade at import and
the reference tool's give the same IR.

Also an opset-11 Softmax at axis 1 and LogSoftmax at axis 0 of a rank-3 input (the 2-D
coercion: gcim's Flatten, op over the last axis, Reshape) against ONNX Runtime, which runs
the old ops as they are, within the same tolerance.

Checks, for each:
- the model is written at the opset said (the upgrade is what is being tested);
- every attention fuses: the gcim.attention count of --emit=gcim under
  --attention=digital equals the model's layer count (none in the Softmax model);
- the generated C (--attention=digital) matches ONNX Runtime within 1e-4 * max(1, |ref|),
  the tolerance of the other e2e tests (float32 in both, sums in another order);
- the opset-11 GPT-2 and its converted opset-17 form import to the same IR, text for text
  (`--emit=onnx`): gcim's upgrade yields the ops the reference tool's does.

The runtime's objects are compiled once and copied into the other output folders (their
runtime sources checked equal), so that the test stays well under a minute.
"""
import filecmp
import glob
import io
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.version_converter
import torch
from onnx import TensorProto
from onnx import helper as oh

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, compile_model, gcim_compile, run_program  # noqa: E402
from ortharness import Checker, run_ort  # noqa: E402

from gcim_models import user_models as um  # noqa: E402
from gcim_models.export import example_inputs  # noqa: E402
from gcim_models.gpt2 import (GPT2, ExportWrapper, GPT2Config, input_names,  # noqa: E402
                              output_names)

RTOL = 1e-4
GPT_CONFIG = GPT2Config(layers=2, heads=2, head_dim=32, vocab=64, context=16, seed=0)
ENCODER_LAYERS = 2  # um.Encoder stacks two nn.TransformerEncoderLayer


def export_gpt2(opset):
    """gcim_models.gpt2 as export_gpt2.py writes it (static shapes, constants folded), at any
    opset (export_gpt2.py itself offers 14 and 17)."""
    model = GPT2(GPT_CONFIG).eval()
    args = example_inputs(GPT_CONFIG, 1, GPT_CONFIG.context, 0, False)
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(ExportWrapper(model, False).eval(), args, buffer, opset_version=opset,
                          input_names=input_names(GPT_CONFIG, False),
                          output_names=output_names(GPT_CONFIG, False),
                          do_constant_folding=True)
    return onnx.load_model_from_string(buffer.getvalue()), {"input_ids": args[0].numpy()}


def export_encoder(opset):
    torch.manual_seed(1)
    encoder = um.Encoder(False, "gelu", False)
    x = torch.randn(um.BATCH, um.TOKENS, um.WIDTH)
    return um.export(encoder, (x,), ["x"], ["logits"], opset), {"x": x.numpy()}


def default_opset(proto):
    return [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")][0]


def share_runtime(built, out):
    """Copies the runtime objects of folder `built` into `out` when their sources are the
    same files, so that make there compiles only the model."""
    for obj in glob.glob(os.path.join(built, "runtime", "*", "*.o")):
        rel = os.path.relpath(obj, built)
        source, target = os.path.join(out, rel[:-2] + ".c"), os.path.join(out, rel)
        if os.path.exists(source) and filecmp.cmp(obj[:-2] + ".c", source, shallow=False):
            shutil.copyfile(obj, target)  # newer than the source: make keeps it


def check_model(check, tmp, what, proto, feeds, attentions, opset):
    folder = os.path.join(tmp, what.replace(" ", "-"))
    os.makedirs(folder)
    path = os.path.join(folder, "model.onnx")
    onnx.save(proto, path)
    check.expect(f"{what}: written at opset {opset}", default_opset(proto) == opset,
                 f"opset {default_opset(proto)}")
    proc = subprocess.run([gcim_compile(), path, "--emit=gcim", "--attention=digital"],
                          capture_output=True, text=True)
    fused = proc.stdout.count('"gcim.attention"')
    check.expect(f"{what}: every attention fuses", proc.returncode == 0 and fused == attentions,
                 f"{fused} of {attentions} gcim.attention; {proc.stderr.strip()[-300:]}")
    out = os.path.join(folder, "out")
    compile_model(path, out, "--attention=digital")
    built = glob.glob(os.path.join(tmp, "*", "out", "model"))
    if built:
        share_runtime(os.path.dirname(built[0]), out)
    build(out)
    ref, got = run_ort(path, feeds), run_program(out, "model", feeds)
    for name, want in sorted(ref.items()):
        check.close(f"{what}: {name} vs ONNX Runtime", got.get(name), want)


def imported_ir(path):
    proc = subprocess.run([gcim_compile(), path, "--emit=onnx"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"importing {path} failed: {proc.stderr.strip()[-600:]}")
    return proc.stdout


def check_torch_exports(check, tmp):
    for opset in (11, 12):
        proto, feeds = export_gpt2(opset)
        check_model(check, tmp, f"GPT-2 opset {opset}", proto, feeds, GPT_CONFIG.layers, opset)
        proto, feeds = export_encoder(opset)
        check_model(check, tmp, f"encoder opset {opset}", proto, feeds, ENCODER_LAYERS, opset)


def check_coerced_softmax(check, tmp):
    x = oh.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])
    outputs = [oh.make_tensor_value_info(n, TensorProto.FLOAT, [2, 3, 4]) for n in "sl"]
    graph = oh.make_graph([oh.make_node("Softmax", ["x"], ["s"], axis=1),
                           oh.make_node("LogSoftmax", ["x"], ["l"], axis=0)],
                          "coerced", [x], outputs)
    proto = oh.make_model(graph, opset_imports=[oh.make_opsetid("", 11)])
    proto.ir_version = 6
    feeds = {"x": np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32) * 3}
    check_model(check, tmp, "Softmax axis 1 and LogSoftmax axis 0 opset 11", proto, feeds, 0, 11)


def check_against_converter(check, tmp):
    proto, _ = export_gpt2(11)
    paths = [os.path.join(tmp, "gpt2-11.onnx"), os.path.join(tmp, "gpt2-11-to-17.onnx")]
    onnx.save(proto, paths[0])
    onnx.save(onnx.version_converter.convert_version(proto, 17), paths[1])
    ours, theirs = imported_ir(paths[0]), imported_ir(paths[1])
    check.expect("GPT-2 opset 11: imports to the IR of its version-converted opset-17 form",
                 ours == theirs and "onnx.softmax" in ours,
                 f"{len(ours)} and {len(theirs)} characters")


def main():
    check = Checker(RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-legacy-opsets-") as tmp:
        for part in (check_torch_exports, check_coerced_softmax, check_against_converter):
            check.run(part, tmp)
    return check.finish("legacy-opsets")


if __name__ == "__main__":
    sys.exit(main())
