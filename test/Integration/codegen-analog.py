#!/usr/bin/python3
"""codegen-analog.py: e2e test of analog attention in the generated C: ai.gcim
GainCellAttention models, and softmax attention as torch exports it mapped onto the gain
cells under --attention=analog (its scale becomes a_q), compiled
with gcim-compile, built, run, and compared with the independent numpy model of the
hardware (python/gcim_reference, written from docs/HardwareModel.md).

Tolerance (the simulator's): at most 0.1 % of the outputs differ, each by exactly one
output step (|a_o| * 2/31, a summation-order tie flipping a quantiser), all others within
1e-5. Runs are also checked to be bit-identical across two runs of the program and across
two builds: gcim-compile twice gives byte-identical folders, and the second folder built
with another compiler at another optimisation level (--cc2, clang from CMake, at -O0; the
first is cc at -O2) gives the same bits. The generated Makefile compiles with -std=c99,
which keeps GCC from contracting a * b + c into FMAs; clang contracts within a statement
by default, which only matters on targets with FMA instructions (not x86-64's baseline), so
this check does not cover contraction (docs/GeneratedC.md, "Reproducibility").
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import STRICT_CFLAGS, build, compile_model, read_tree, run_program  # noqa: E402
from ortharness import Checker  # noqa: E402

from gcim_reference import DEFAULT_SCALES, Params, attention, compare  # noqa: E402

FORMS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "python",
                     "make_attention_models.py")


def make_form(form, path, heads, seq, head_dim):
    subprocess.run([sys.executable, FORMS, "--form", form, "-o", path, "--heads", str(heads),
                    "--seq", str(seq), "--head-dim", str(head_dim), "--batch", "2"],
                   check=True, capture_output=True)


def linear_hw(tmp):
    """The linear cell as a hardware description file (gcim-sim hardware writes defaults)."""
    path = os.path.join(tmp, "linear.json")
    text = subprocess.run([os.environ.get("GCIM_SIM", "gcim-sim"), "hardware", "--model",
                           "linear"], check=True, capture_output=True, text=True).stdout
    with open(path, "w") as f:
        f.write(text)
    return path


def check_form(check, tmp, form, heads, seq, head_dim, cc2):
    model_path = os.path.join(tmp, f"{form}.onnx")
    make_form(form, model_path, heads, seq, head_dim)
    proto = onnx.load(model_path)
    scales = [numpy_helper.to_array(t) for t in proto.graph.initializer
              if list(t.dims) == [heads, 8]]
    if not scales:  # the hardware's defaults, a_q = the attention's scale (map-attention)
        scales = [np.tile(DEFAULT_SCALES, (heads, 1)).astype(np.float32)]
        if form == "torch-softmax":
            scales[0][:, 0] = np.float32(1.0 / np.sqrt(head_dim))
    scales = scales[0]
    linear = form.endswith("linear")
    flags = ["--hw", linear_hw(tmp)] if linear else []
    if form == "torch-softmax":  # auto, the default, would keep it exact
        flags.append("--attention=analog")
    out, out2 = os.path.join(tmp, f"out-{form}"), os.path.join(tmp, f"out-{form}-2")
    compile_model(model_path, out, *flags)
    compile_model(model_path, out2, *flags)
    check.expect(f"{form}: compiling twice gives byte-identical files",
                 read_tree(out) == read_tree(out2))
    build(out)
    second = STRICT_CFLAGS.replace("-O2", "-O0")
    build(out2, cc=cc2, cflags=second)
    rng = np.random.RandomState(seq)
    inputs = {n: rng.randn(2, heads, seq, head_dim).astype(np.float32) for n in "qkv"}
    stats = os.path.join(tmp, "stats.json")
    got = run_program(out, "model", inputs, ["--stats", stats])
    again = run_program(out, "model", inputs, ["--threads", "1"])
    threaded = run_program(out, "model", inputs, ["--threads", "3"])
    other = run_program(out2, "model", inputs)
    (name, y), = got.items()
    check.expect(f"{form}: two runs are bit-identical", np.array_equal(y, again[name]))
    check.expect(f"{form}: 1 and 3 threads give the same bits",
                 np.array_equal(again[name], threaded[name]))
    check.expect(f"{form}: built with {os.path.basename(cc2)} {second} instead of cc "
                 f"{STRICT_CFLAGS}: bit-identical", np.array_equal(y, other[name]),
                 f"{np.count_nonzero(y != other[name])} of {y.size} outputs differ")
    params = Params(model="linear" if linear else "nonlinear")
    ref = attention(inputs["q"], inputs["k"], inputs["v"], scales, params)
    ok, message = compare(y, ref, scales, params)
    check.expect(f"{form} (H {heads}, T {seq}, D {head_dim}) matches the numpy reference", ok,
                 message)
    with open(stats) as f:
        counters = json.load(f)
    check.expect(f"{form}: the simulator counted one token per (batch, head, step)",
                 counters["kvWrites"] == 2 * heads * seq, str(counters["kvWrites"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cc2", default="clang",
                        help="the compiler of the second build (the first is cc)")
    args = parser.parse_args()
    check = Checker(1e-5)
    with tempfile.TemporaryDirectory(prefix="gcim-analog-") as tmp:
        for form, heads, seq, head_dim in [("gcim-gaincell", 2, 8, 64),
                                           ("gcim-gaincell", 3, 70, 32),
                                           ("gcim-gaincell", 1, 20, 128),
                                           ("torch-softmax", 2, 12, 32),
                                           ("gcim-gaincell-linear", 2, 16, 64)]:
            check_form(check, tmp, form, heads, seq, head_dim, args.cc2)
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
