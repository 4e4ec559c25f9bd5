#!/usr/bin/python3
"""layer-error.py: e2e test of the generated program's --layer-error on the shipped
language model (examples/shakespeare.onnx on the gain cells, its digital twin digitally),
over the first 8 held-out windows (8 x 256 predicted characters).

Checks:
- the --eval --json line with --layer-error is the line without it, byte for byte, plus the
  key "layers" at its end: the outputs (mean NLL and perplexity to 17 digits, accuracy,
  stats) are the same bits with the comparison on;
- one entry per layer of the compile report (2), each over every evaluated token and both
  heads (values = tokens x heads x 64), with finite errors, positive for the analog model
  (its quantisers and decay are real), and a relative RMS error below 0.5 (the hardware
  approximates its function: measured 0.16-0.17 on the default hardware, while outputs unrelated
  to the exact ones with the same RMS would give about sqrt(2));
- the same layers for 1 and 2 threads, bit for bit (per-head sums added in head order);
- write noise (0.05 V) raises every layer's error (the measure sees the hardware);
- the text form prints one line per layer with the JSON's numbers (6 digits);
- the digital twin has no layer on the gain cells: "layers": [];
- --layer-error without --eval is a usage error (exit 2, named).
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples")
sys.path.insert(0, HERE)
from codegenharness import build, compile_model  # noqa: E402
from ortharness import Checker  # noqa: E402

HEAD_DIM = 64


def run(program, *args):
    return subprocess.run([program, *args], check=True, capture_output=True, text=True).stdout


def check_analog(check, tmp, tokens):
    folder = os.path.join(tmp, "analog")
    report_path = os.path.join(tmp, "report.json")
    compile_model(os.path.join(EXAMPLES, "shakespeare.onnx"), folder, "--attention=analog",
                  "-q", "--report", report_path, prefix="sh")
    build(folder)
    with open(report_path) as f:
        report = json.load(f)
    program = os.path.join(folder, "sh")
    plain = run(program, "--eval", tokens, "--json")
    measured = run(program, "--eval", tokens, "--json", "--layer-error")
    check.expect("with --layer-error the line is the one without, plus \"layers\" at its end",
                 measured.startswith(plain[:-2]) and
                 re.fullmatch(r', "layers": \[.*\]\}\n', measured[len(plain) - 2:]) is not None)
    result = json.loads(measured)
    layers = result["layers"]
    analog = [layer for layer in report["layers"] if layer["mapping"] == "analog"]
    check.expect(f"one entry per analog layer of the report ({len(analog)})",
                 len(layers) == len(analog) == 2 and
                 [e["layer"] for e in layers] == list(range(len(analog))))
    for e, layer in zip(layers, analog):
        name = f"layer {e['layer']}"
        check.expect(f"{name}: every token, both heads", e["tokens"] == result["tokens"] and
                     e["heads"] == layer["heads"] and
                     e["values"] == e["tokens"] * e["heads"] * HEAD_DIM, str(e))
        numbers = [e[k] for k in ("rmsError", "exactRms", "relativeRmsError", "maxAbsError")]
        check.expect(f"{name}: finite errors, positive on the gain cells",
                     all(isinstance(x, float) and math.isfinite(x) and x > 0 for x in numbers),
                     str(e))
        check.expect(f"{name}: relative RMS error {e['relativeRmsError']:.4g} below 0.5",
                     e["relativeRmsError"] < 0.5)
        check.expect(f"{name}: relative = RMS / exact RMS (1e-12)", math.isclose(
            e["relativeRmsError"], e["rmsError"] / e["exactRms"], rel_tol=1e-12))
    single = json.loads(run(program, "--eval", tokens, "--json", "--layer-error",
                            "--threads", "1"))
    check.expect("the layers on 1 thread are those on the default threads, bit for bit",
                 single["layers"] == layers)
    noise = os.path.join(tmp, "noise.json")
    with open(noise, "w") as f:
        json.dump({"noise": {"writeNoiseStdV": 0.05}}, f)
    noisy = json.loads(run(program, "--eval", tokens, "--json", "--layer-error", "--hw", noise,
                           "--seed", "3"))["layers"]
    check.expect("write noise of 0.05 V raises every layer's RMS error", all(
        n["rmsError"] > e["rmsError"] for n, e in zip(noisy, layers)),
        str([(round(n["rmsError"], 5), round(e["rmsError"], 5)) for n, e in zip(noisy, layers)]))
    text = run(program, "--eval", tokens, "--layer-error").splitlines()
    expected = [f"layer {e['layer']}: relative RMS error {e['relativeRmsError']:.6g}, max "
                f"absolute error {e['maxAbsError']:.6g} ({e['heads']} heads, {e['tokens']} "
                "tokens)" for e in layers]
    check.expect("the text form: the perplexity line, then the layers' errors",
                 text[0].startswith("perplexity ") and text[1:] == expected, str(text))
    alone = subprocess.run([program, "--layer-error"], capture_output=True, text=True)
    check.expect("--layer-error without --eval: exit 2, named", alone.returncode == 2 and
                 "--layer-error goes with --eval" in alone.stderr, alone.stderr.strip())


def check_digital(check, tmp, tokens):
    folder = os.path.join(tmp, "digital")
    compile_model(os.path.join(EXAMPLES, "shakespeare_digital.onnx"), folder,
                  "--attention=digital", "-q", prefix="sh")
    build(folder)
    result = json.loads(run(os.path.join(folder, "sh"), "--eval", tokens, "--json",
                            "--layer-error"))
    check.expect("the digital twin: no layer on the gain cells, \"layers\": []",
                 result["layers"] == [] and result["stats"] is None)


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    check = Checker(0)
    with tempfile.TemporaryDirectory(prefix="gcim-layer-error-") as tmp:
        tokens = os.path.join(tmp, "heldout8.npy")
        np.save(tokens, np.load(os.path.join(EXAMPLES, "shakespeare_heldout.npy"))[:8])
        check_analog(check, tmp, tokens)
        check_digital(check, tmp, tokens)
    return check.finish("layer-error")


if __name__ == "__main__":
    sys.exit(main())
