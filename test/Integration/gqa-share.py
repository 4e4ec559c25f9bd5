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

Then com.microsoft GroupQueryAttention's seqlens_k (2 query heads over 1 K/V head of 16, 3
tokens): as a graph input, the digital build matches ONNX Runtime when it is past + tokens
- 1 = 2, and when it disagrees (1 or 3) the program exits 1 naming the node's check
('gqa/seqlens_k_check'); as an initializer that disagrees, gcim-compile exits 1 naming the
node.

Tolerance: stats 1e-12 relative (the same sums); outputs exactly; the GroupQueryAttention
output against ONNX Runtime 1e-5 * max(1, |ref|) (float32 in both, the attention's sums in
another order: a few ulp).
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
    seqlens(check)
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


def gqa_model(seqlens_value=None):
    """One com.microsoft GroupQueryAttention, 2 query heads over 1 K/V head of 16 (ONNX
    Runtime's needs multiples of 16), 3 tokens, no past; seqlens_k an initializer of
    `seqlens_value`, or a graph input when None."""
    import onnx
    from onnx import TensorProto as T
    from onnx import helper as h
    node = h.make_node("GroupQueryAttention", ["q", "k", "v", "", "", "seqlens", "total"],
                       ["y"], name="gqa", domain="com.microsoft", num_heads=2, kv_num_heads=1)
    inputs = [h.make_tensor_value_info("q", T.FLOAT, [1, 3, 32]),
              h.make_tensor_value_info("k", T.FLOAT, [1, 3, 16]),
              h.make_tensor_value_info("v", T.FLOAT, [1, 3, 16])]
    inits = [h.make_tensor("total", T.INT32, [], [3])]
    if seqlens_value is None:
        inputs.append(h.make_tensor_value_info("seqlens", T.INT32, [1]))
    else:
        inits.append(h.make_tensor("seqlens", T.INT32, [1], [seqlens_value]))
    graph = h.make_graph([node], "gqa_seqlens", inputs,
                         [h.make_tensor_value_info("y", T.FLOAT, [1, 3, 32])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 23),
                                              h.make_opsetid("com.microsoft", 1)], ir_version=10)


def seqlens(check):
    import onnx
    from codegenharness import gcim_compile
    from ortharness import run_ort
    rng = np.random.default_rng(17)
    feeds = {"q": rng.standard_normal((1, 3, 32)).astype(np.float32),
             "k": rng.standard_normal((1, 3, 16)).astype(np.float32),
             "v": rng.standard_normal((1, 3, 16)).astype(np.float32)}
    with tempfile.TemporaryDirectory(prefix="gcim-gqa-seqlens-") as tmp:
        path, out = os.path.join(tmp, "gqa.onnx"), os.path.join(tmp, "gqa")
        onnx.save(gqa_model(), path)
        compile_model(path, out, "--attention=digital", "-q")
        build(out)
        right = dict(feeds, seqlens=np.array([2], np.int32))
        check.close("seqlens_k = 2 at run time: the output vs ONNX Runtime",
                    run_program(out, "model", right)["y"], run_ort(path, right)["y"], 1e-5)
        for wrong in (1, 3):
            try:
                run_program(out, "model", dict(feeds, seqlens=np.array([wrong], np.int32)))
                error = "exit 0"
            except RuntimeError as failed:
                error = str(failed)
            check.expect(f"seqlens_k = {wrong} at run time: the program exits 1 naming the "
                         "node's check", "failed (1)" in error and
                         "'Gather' node 'gqa/seqlens_k_check': index out of range" in error,
                         error[-300:])
        path = os.path.join(tmp, "constant.onnx")
        onnx.save(gqa_model(4), path)
        proc = subprocess.run([gcim_compile(), path, "-o", os.path.join(tmp, "constant")],
                              capture_output=True, text=True)
        check.expect("seqlens_k initializer 4 for 3 tokens: gcim-compile exits 1 naming the "
                     "node", proc.returncode == 1 and "'GroupQueryAttention' node 'gqa': "
                     "seqlens_k is 4 but the sequence's last key is 2" in proc.stderr,
                     f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}")


if __name__ == "__main__":
    sys.exit(main())
