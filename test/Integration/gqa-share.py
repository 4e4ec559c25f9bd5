#!/usr/bin/python3
"""gqa-share.py: e2e test that the generated program runs --gqa=share (docs/HardwareModel.md
section 7).

The grouped-query model of test/gcim-compile/Inputs/gqa-model.py (one causal ONNX-23
Attention, 4 query heads over 2 K/V heads: G = 2, d = 8, 8 tokens) compiled
--attention=analog with --gqa=replicate (a simulated head per query head) and --gqa=share
(one per K/V head, written once per token, attended by its 2 query heads in turn).

Checks: the outputs of one run are equal bit for bit (no noise is configured, every query
head reads the same K/V codes either way), and so are the step function's over the 8
tokens (model_step through gcim.load); each program's --stats after the run equal its
report's `perRun` key for key; share writes K/V G = 2 times less often (16 vs 32 writes,
32 vs 64 arrays), attends as often (32 head-steps, 4 heads) and takes G times the elapsed
time (1,040 vs 520 ns). The step stats after 8 steps: the same counts.

Tolerance: stats 1e-12 relative (the same sums); outputs exactly.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SRC_ROOT, "python"))
from codegenharness import build, compile_model, run_program  # noqa: E402
from ortharness import Checker  # noqa: E402

import gcim  # noqa: E402

MODEL = os.path.join(SRC_ROOT, "test", "gcim-compile", "Inputs", "gqa-model.py")


def flatten(stats, prefix=""):
    flat = {}
    for key, value in stats.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)):
            flat[prefix + key] = float(value)
    return flat


def main():
    check = Checker(1e-12)
    rng = np.random.default_rng(13)
    inputs = {"q": rng.standard_normal((1, 4, 8, 8)).astype(np.float32),
              "k": rng.standard_normal((1, 2, 8, 8)).astype(np.float32),
              "v": rng.standard_normal((1, 2, 8, 8)).astype(np.float32)}
    outputs, stats, steps, step_stats = {}, {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="gcim-gqa-share-") as tmp:
        onnx_path = os.path.join(tmp, "gqa.onnx")
        subprocess.run([sys.executable, MODEL, onnx_path], check=True)
        for mode in ("replicate", "share"):
            out, report = os.path.join(tmp, mode), os.path.join(tmp, f"{mode}.json")
            compile_model(onnx_path, out, "--attention=analog", f"--gqa={mode}", "--report",
                          report, "-q")
            build(out)
            stats_path = os.path.join(tmp, f"stats-{mode}.json")
            outputs[mode] = run_program(out, "model", inputs, ["--stats", stats_path])["y"]
            with open(stats_path) as f:
                stats[mode] = json.load(f)
            with open(report) as f:
                per_run = json.load(f)["perRun"]
            got, ref = flatten(stats[mode]), flatten(per_run)
            check.expect(f"{mode}: program --stats and report perRun have the same keys",
                         sorted(got) == sorted(ref), f"{sorted(set(got) ^ set(ref))}")
            keys = sorted(set(got) & set(ref))
            check.close(f"{mode}: program --stats = report perRun, every figure",
                        [got[k] for k in keys], [ref[k] for k in keys])
            with gcim.load(out, threads=2) as model:
                names = [info.name for info in model.step_inputs]
                rows = []
                for t in range(8):
                    feed = [np.ascontiguousarray(inputs[n]
                                                 [:, :, t:t + 1, :]) for n in names]
                    result = model._call("step_io", model.step_inputs, model.step_outputs, feed)
                    rows.append(next(iter(result.values())).reshape(1, -1, 1, 8))
                steps[mode] = np.concatenate(rows, axis=2)
                step_stats[mode] = model.stats()
    rep, share = stats["replicate"], stats["share"]
    check.expect("one run: share's outputs equal replicate's, bit for bit",
                 np.array_equal(outputs["share"], outputs["replicate"]),
                 f"max |diff| {np.abs(outputs['share'] - outputs['replicate']).max()}")
    check.expect("8 steps: share's outputs equal replicate's, bit for bit",
                 np.array_equal(steps["share"], steps["replicate"]),
                 f"max |diff| {np.abs(steps['share'] - steps['replicate']).max()}")
    check.expect("the steps give the run's outputs (no noise)",
                 np.array_equal(steps["share"], outputs["share"]))
    check.expect("share writes K/V G = 2 times less: 16 vs 32 writes, 32 vs 64 arrays",
                 (share["kvWrites"], rep["kvWrites"], share["arrayWrites"], rep["arrayWrites"])
                 == (16, 32, 32, 64), str((share["kvWrites"], rep["kvWrites"])))
    check.expect("both attend 4 query heads x 8 tokens: 32 head-steps, 64 arrays read",
                 all((s["heads"], s["tokens"], s["headSteps"], s["arrayReads"]) == (4, 8, 32, 64)
                     for s in (rep, share)))
    check.close("share takes G = 2 times the elapsed time: 1,040 vs 520 ns",
                [share["latencyNs"]["elapsed"], rep["latencyNs"]["elapsed"]], [1040.0, 520.0])
    check.expect("the step function's stats: share writes half as often, attends as often",
                 (step_stats["share"]["kvWrites"], step_stats["replicate"]["kvWrites"],
                  step_stats["share"]["headSteps"], step_stats["replicate"]["headSteps"],
                  step_stats["share"]["heads"]) == (16, 32, 32, 32, 4),
                 str({m: (s["kvWrites"], s["headSteps"], s["heads"])
                      for m, s in step_stats.items()}))
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
