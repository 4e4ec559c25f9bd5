#!/usr/bin/python3
"""codegen-llm.py FAMILY: a Llama/Mistral/Qwen2/Phi-3/Gemma-style decoder (python/gcim_models/
llama.py: 2 layers, 4 query heads over 2 K/V heads (1 for gemma), head_dim 16) exported by
torch.onnx at opset 17 full-sequence and as a one-token KV-cache step, through gcim-compile
--attention=digital.

Checks, for each export: every attention fuses (one gcim.attention per layer, none left
with gcim.unfused) and the graph streams (a step function); the generated C matches ONNX
Runtime within 1e-4 * max(1, |ref|) (float32 in both, summation orders differ: about 1e-6
here); `--generate` equals torch's greedy tokens. The full-sequence export also runs
model_step token by token against model_run (1e-4, as codegen-stream.py), and again with
the attention on the simulated gain cells (--attention=analog, the K/V heads replicated
per query head; tolerance ANALOG_TOLERANCE).
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, build_step_check, compile_model, gcim_compile, run_program  # noqa: E402,E501
from ortharness import Checker, run_ort  # noqa: E402

from gcim_models.llama import Decoder, DecoderConfig, export_decoder, greedy  # noqa: E402

PROMPT, COUNT = [3, 14, 15], 6
# Analog step vs run: the simulated heads are bit-identical in both forms, the digital
# projections around them round differently and can flip a quantiser by one step (about
# 1e-2 of a logit here, as in codegen-stream.py); a wrong position or mask is far more.
ANALOG_TOLERANCE = 0.05


def fused(check, path, layers, what, flags):
    proc = subprocess.run([gcim_compile(), path, "--emit=gcim", *flags], capture_output=True,
                          text=True)
    attentions = len(re.findall(r'"gcim.attention"', proc.stdout))
    unfused = re.findall(r'gcim.unfused = "([^"]*)"', proc.stdout)
    unstreamed = re.findall(r'gcim.unstreamed = "([^"]*)"', proc.stdout)
    check.expect(f"{what}: {layers} attentions fused", attentions == layers and not unfused,
                 f"{attentions} fused, unfused: {unfused}")
    check.expect(f"{what}: streamed", "_step(" in proc.stdout and not unstreamed,
                 f"unstreamed: {unstreamed}")


def generate(out):
    proc = subprocess.run([os.path.join(out, "model"), "--generate", str(COUNT), "--prompt",
                           ",".join(map(str, PROMPT))], capture_output=True, text=True)
    return [int(t) for t in proc.stdout.split()] if proc.returncode == 0 else proc.stderr


def check_analog_steps(check, path, out, what):
    """--attention=analog: the gain-cell build's model_step matches its model_run."""
    compile_model(path, out, "--attention=analog")
    build(out)
    program = build_step_check(out)
    proc = subprocess.run([program, os.path.join(out, "model.weights"), str(ANALOG_TOLERANCE)],
                          capture_output=True, text=True)
    check.expect(f"{what} (analog): model_step matches model_run", proc.returncode == 0,
                 (proc.stdout + proc.stderr).strip()[-400:])


def check_export(check, model, tmp, kv_cache):
    config = model.config
    what = f"{config.family} {'kv-cache step' if kv_cache else 'full-sequence'}"
    path = os.path.join(tmp, f"{'kv' if kv_cache else 'full'}.onnx")
    onnx.save(export_decoder(model, kv_cache=kv_cache, past=7, seq=None if kv_cache else 12),
              path)
    flags = [f"--input-shape=past_{kind}_{i}=1x{config.kv_heads}x7x{config.head_dim}"
             for i in range(config.layers) for kind in ("key", "value")] if kv_cache else []
    fused(check, path, config.layers, what, flags)
    out = os.path.join(tmp, "kv" if kv_cache else "full")
    compile_model(path, out, "--attention=digital", *flags)
    build(out)
    rng = np.random.default_rng(3)
    inputs = {"input_ids": rng.integers(0, config.vocab, (1, 1 if kv_cache else 12))}
    if kv_cache:
        for i in range(config.layers):
            for kind in ("key", "value"):
                inputs[f"past_{kind}_{i}"] = rng.standard_normal(
                    (1, config.kv_heads, 7, config.head_dim)).astype(np.float32)
    ref, got = run_ort(path, inputs), run_program(out, "model", inputs)
    for name, want in sorted(ref.items()):
        check.close(f"{what}: {name} vs ONNX Runtime", got[name], want)
    if not kv_cache:
        program = build_step_check(out)
        proc = subprocess.run([program, os.path.join(out, "model.weights"), "1e-4"],
                              capture_output=True, text=True)
        check.expect(f"{what}: model_step matches model_run", proc.returncode == 0,
                     (proc.stdout + proc.stderr).strip()[-400:])
    if not kv_cache:
        check_analog_steps(check, path, os.path.join(tmp, "analog"), what)
    want = greedy(model, PROMPT, COUNT)
    got_tokens = generate(out)
    check.expect(f"{what}: --generate equals torch's greedy tokens", got_tokens == want,
                 f"gcim {got_tokens}, torch {want}")


def main():
    family = sys.argv[1] if len(sys.argv) > 1 else "llama"
    check = Checker(1e-4)
    model = Decoder(DecoderConfig(family=family, seed=7, init_std=0.2)).eval()
    with tempfile.TemporaryDirectory(prefix=f"gcim-llm-{family}-") as tmp:
        for kv_cache in (False, True):
            try:
                check_export(check, model, tmp, kv_cache)
            except RuntimeError as error:
                check.expect(f"{family}: compiled, built and ran", False, str(error)[-1500:])
    return check.finish(f"codegen-llm {family}")


if __name__ == "__main__":
    sys.exit(main())
