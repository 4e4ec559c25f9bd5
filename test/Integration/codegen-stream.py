#!/usr/bin/python3
"""codegen-stream.py: e2e test of token-by-token decoding in the generated C.

A torch export of the GPT-2-style model is compiled (gcim-stream makes its step function);
`step-check.c` runs the whole sequence with model_run and the same tokens one by one with
model_step, and compares the logits of each position. Then the generated program's
`--generate` (greedy) is compared with greedy decoding by ONNX Runtime on a dynamic-axes
export of the same weights.

Tolerances: digital attention, step vs run: 1e-4 relative to max(1, |logit|): the same
float32 arithmetic with different matrix shapes (M = 1 vs M = T) and so a different
summation blocking, about 1e-6 here. Analog attention: the simulated heads are bit-identical
between the two forms, but the digital projections around them round differently, which
can flip a quantiser by one step; the bound is 0.05 relative (a flipped output step of one
head changes logits by about 1e-2 at these sizes, a wrong mask or position by far more).
Greedy tokens must be equal (the model's logits are far from ties at init_std 0.1).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, build_step_check, compile_model  # noqa: E402
from ortharness import Checker, run_ort  # noqa: E402

from gcim_models.export import ExportOptions, export_model, save_model  # noqa: E402
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402


def step_check(check, out, tolerance, what):
    program = build_step_check(out)
    proc = subprocess.run([program, os.path.join(out, "model.weights"), str(tolerance)],
                          capture_output=True, text=True)
    check.expect(f"{what}: model_step over the tokens matches model_run", proc.returncode == 0,
                 (proc.stdout + proc.stderr).strip())


def ort_greedy(model_path, prompt, count):
    ids = list(prompt)
    for _ in range(count):
        logits = run_ort(model_path, {"input_ids": np.array([ids], np.int64)})["logits"]
        ids.append(int(np.argmax(logits[0, -1])))
    return ids[len(prompt):]


def main():
    check = Checker(1e-4)
    config = GPT2Config(layers=2, heads=2, head_dim=32, vocab=64, context=16, init_std=0.1,
                        seed=5)
    with tempfile.TemporaryDirectory(prefix="gcim-stream-") as tmp:
        model_path = os.path.join(tmp, "model.onnx")
        dynamic_path = os.path.join(tmp, "dynamic.onnx")
        save_model(export_model(GPT2(config), ExportOptions(opset=17, seq=12)), model_path)
        save_model(export_model(GPT2(config), ExportOptions(opset=17, dynamic=True)),
                   dynamic_path)
        for mode, tolerance in (("digital", 1e-4), ("analog", 0.05)):
            out = os.path.join(tmp, mode)
            compile_model(model_path, out, f"--attention={mode}")
            with open(os.path.join(out, "model.h")) as f:
                check.expect(f"{mode}: the header declares model_step", "int model_step(" in
                             f.read())
            build(out)
            step_check(check, out, tolerance, mode)
        prompt, count = [3, 14, 15], 6
        proc = subprocess.run([os.path.join(tmp, "digital", "model"), "--generate", str(count),
                               "--prompt", ",".join(map(str, prompt))],
                              capture_output=True, text=True)
        got = [int(t) for t in proc.stdout.split()] if proc.returncode == 0 else proc.stderr
        want = ort_greedy(dynamic_path, prompt, count)
        check.expect("--generate (digital) equals greedy decoding in ONNX Runtime", got == want,
                     f"gcim {got}, onnxruntime {want}")
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
