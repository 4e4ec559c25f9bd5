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
time (1,040 vs 520 ns). The step stats after 8 steps: the same counts. With a calibration
whose query heads differ in their q and out scalers (Inputs/gqa-scalers-good.json), the
outputs are still equal bit for bit (each query head attends with its own scalers).

Then a Llama-style decoder (python/gcim_models/llama.py as codegen-llm.py makes it: 2
layers, 4 query heads over 2 K/V heads, head_dim 16; full sequence of 12 tokens, its q
scaler folded from the attention's scale) compiled the same two ways: identical logits
bit for bit, identical `--generate` tokens, --stats = perRun each, K/V written half as
often (48 vs 96) and twice the elapsed time (3,120 vs 1,560 ns).

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
from codegenharness import build, compile_model, flatten, run_program  # noqa: E402
from ortharness import Checker  # noqa: E402

import gcim  # noqa: E402

MODEL = os.path.join(SRC_ROOT, "test", "gcim-compile", "Inputs", "gqa-model.py")
SCALERS = os.path.join(SRC_ROOT, "test", "gcim-compile", "Inputs", "gqa-scalers-good.json")


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
        calibrated = {}
        for mode in ("replicate", "share"):  # q and out scalers differing per query head
            out = os.path.join(tmp, f"{mode}-scalers")
            compile_model(onnx_path, out, "--attention=analog", f"--gqa={mode}", "--scalers",
                          SCALERS, "-q")
            build(out)
            calibrated[mode] = run_program(out, "model", inputs)["y"]
    check.expect("calibrated (head 1's a_q, head 3's a_out): share's outputs equal "
                 "replicate's, bit for bit, and differ from the uncalibrated ones",
                 np.array_equal(calibrated["share"], calibrated["replicate"])
                 and not np.array_equal(calibrated["share"], outputs["share"]))
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
    llama(check)
    return check.finish(os.path.basename(__file__))


def same_stats(check, what, stats, report):
    with open(report) as f:
        got, ref = flatten(stats), flatten(json.load(f)["perRun"])
    check.expect(f"{what}: program --stats and report perRun have the same keys",
                 sorted(got) == sorted(ref), f"{sorted(set(got) ^ set(ref))}")
    keys = sorted(set(got) & set(ref))
    check.close(f"{what}: program --stats = report perRun, every figure",
                [got[k] for k in keys], [ref[k] for k in keys])


def llama(check):
    import onnx
    from gcim_models.llama import Decoder, DecoderConfig, export_decoder
    model = Decoder(DecoderConfig(family="llama", seed=7, init_std=0.2)).eval()
    ids = np.random.default_rng(3).integers(0, model.config.vocab, (1, 12))
    logits, tokens, stats = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="gcim-gqa-share-llama-") as tmp:
        path = os.path.join(tmp, "full.onnx")
        onnx.save(export_decoder(model, kv_cache=False, past=7, seq=12), path)
        for mode in ("replicate", "share"):
            out, report = os.path.join(tmp, mode), os.path.join(tmp, f"{mode}.json")
            compile_model(path, out, "--attention=analog", f"--gqa={mode}", "--report", report,
                          "-q")
            build(out)
            stats_path = os.path.join(tmp, f"stats-{mode}.json")
            logits[mode] = run_program(out, "model", {"input_ids": ids},
                                       ["--stats", stats_path])["logits"]
            with open(stats_path) as f:
                stats[mode] = json.load(f)
            same_stats(check, f"llama {mode}", stats[mode], report)
            proc = subprocess.run([os.path.join(out, "model"), "--generate", "6", "--prompt",
                                   "3,14,15"], capture_output=True, text=True)
            tokens[mode] = proc.stdout.split() if proc.returncode == 0 else proc.stderr
    check.expect("llama: share's logits equal replicate's, bit for bit",
                 np.array_equal(logits["share"], logits["replicate"]))
    check.expect("llama: --generate gives the same tokens", tokens["share"] == tokens["replicate"]
                 and len(tokens["share"]) == 6, str(tokens))
    rep, share = stats["replicate"], stats["share"]
    check.expect("llama: K/V written half as often (48 vs 96), attended as often (96)",
                 (share["kvWrites"], rep["kvWrites"], share["headSteps"], rep["headSteps"])
                 == (48, 96, 96, 96), str((share["kvWrites"], rep["kvWrites"])))
    check.close("llama: twice the elapsed time (3,120 vs 1,560 ns)",
                [share["latencyNs"]["elapsed"], rep["latencyNs"]["elapsed"]], [3120.0, 1560.0])


if __name__ == "__main__":
    sys.exit(main())
