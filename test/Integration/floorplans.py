#!/usr/bin/python3
"""floorplans.py: e2e test that the generated program executes the schedule of its floorplan.

The example (examples/copy_task.onnx: 2 layers x 3 heads, d = 64, window fitted to its 32
positions: one sub-tile per head, a block of 3 per layer; batch 1, so a step function of
one sequence) compiled for three floorplans:

- default: the paper's hardware, everything resident, no `schedule` object in the stats;
- small: 4 sub-tiles, 2 sharing a periphery unit: "1 chip, spill": both layers' blocks take
  turns in the one slot (sub-tiles 0 .. 2); per token and layer a reload of 3 x (64 x 2 x
  64 + 2 x 64) = 24,960 bytes, 24,960 / 128 = 195 ns, then the 3 heads in 2 turns of 65 ns
  (a unit serves 2 heads of 1 sub-tile): 325 ns a layer, 650 ns a token;
- two chips: 4 sub-tiles on each of 2 chips: "2 chips, resident": layer 1 on chip 1 (sub-
  tiles 4 .. 6), its input 3 x 64 x 4 = 768 bytes over the link, 768 / 64 = 12 ns: 65 + 12
  + 65 = 142 ns a token.

Checks, per floorplan: the report chose that schedule; the logits of one run equal the
default's bit for bit (a reload rewrites each column at its original step, so decay and
outputs are a resident block's; no noise is configured); the program's --stats after the
run equal the report's `perRun` key for key, including `schedule`; the hand-computed
figures above (32 tokens: 64 reloads, 1,597,440 bytes, 20,800 ns = 32 x 650; 32
transfers, 24,576 bytes, 4,544 ns = 32 x 142); the report's `stepNs` times the tokens is
the program's `schedule.elapsedNs` (batch 1). Decoding (--generate) gives the same tokens
on every floorplan, and the small floorplan's trace shows the reloads: before each of a
head's tokens a `clear` of its sub-tile and a `kv_reload` of each earlier token at its
original step, codes equal to that token's `kv_write`.

Tolerance: stats agree to 1e-12 relative (both sides add the same binary fractions in the
same order; the bound only allows for summation order); logits and tokens exactly.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from codegenharness import build, compile_model, run_program  # noqa: E402
from ortharness import Checker  # noqa: E402

TOKENS = 32
FLOORPLANS = {
    "default": ({}, None, None),
    "small": ({"maxSubTiles": 4, "floorplan": {"subTilesPerPeriphery": 2}}, "1 chip, spill",
              {"reloads": 64, "spillBytes": 64 * 24960, "transfers": 0, "linkBytes": 0,
               "energyPJ.spill": 64 * 3 * (8320 * 20 + 8192 * 2.578125), "energyPJ.link": 0,
               "elapsedNs": TOKENS * 650}),
    "two-chips": ({"maxSubTiles": 4, "floorplan": {"chips": 2}}, "2 chips, resident",
                  {"reloads": 0, "spillBytes": 0, "transfers": 32, "linkBytes": 32 * 768,
                   "energyPJ.spill": 0, "energyPJ.link": 32 * 768 * 10,
                   "elapsedNs": TOKENS * 142}),
}
PROMPT = ["--generate", "6", "--prompt", "3,1,4"]


def flatten(stats, prefix=""):
    """{"a.b": number} of a stats object."""
    flat = {}
    for key, value in stats.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)):
            flat[prefix + key] = float(value)
    return flat


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def reloads_exact(trace_path):
    """(heads, kv_reload lines, mismatches) of a decoding trace: the heads run in the same
    order every step, so the i-th kv_write of step t is head i's; the kv_reload lines before
    it are that head's, and each (t = s) must repeat its kv_write of step s."""
    with open(trace_path) as f:
        lines = [line.split() for line in f if not line.startswith("#")]
    written, writes_at, pending, reloads, bad = {}, {}, [], 0, []
    for fields in lines:
        op, t = fields[0], int(fields[1][2:])
        codes = [field for field in fields if field.startswith(("k=", "v="))]
        if op == "kv_reload":
            reloads += 1
            pending.append((t, codes))
        elif op == "kv_write":
            head = writes_at.get(t, 0)
            writes_at[t] = head + 1
            written[(head, t)] = codes
            bad += [(head, s) for s, c in pending if written.get((head, s)) != c]
            pending = []
    return len({head for head, _ in written}), reloads, bad


def main():
    check = Checker(1e-12)
    ids = np.load(os.path.join(ROOT, "examples", "copy_task_inputs.npy"))[:1]
    with tempfile.TemporaryDirectory(prefix="gcim-floorplans-") as tmp:
        logits, tokens = {}, {}
        for name, (hardware, chosen, expected) in FLOORPLANS.items():
            hw, out = os.path.join(tmp, f"{name}.json"), os.path.join(tmp, name)
            report_path, stats_path = (os.path.join(tmp, f"{name}-{w}.json")
                                       for w in ("report", "stats"))
            with open(hw, "w") as f:
                json.dump(hardware, f)
            compile_model(os.path.join(ROOT, "examples", "copy_task.onnx"), out, "--hw", hw,
                          "--report", report_path, "-q", prefix="copy_task")
            build(out)
            logits[name] = run_program(out, "copy_task", {"input_ids": ids},
                                       ["--stats", stats_path])["logits"]
            with open(stats_path) as f:
                stats = json.load(f)
            with open(report_path) as f:
                report = json.load(f)
            got, ref = flatten(stats), flatten(report["perRun"])
            check.expect(f"{name}: program --stats and report perRun have the same keys",
                         sorted(got) == sorted(ref), f"{sorted(set(got) ^ set(ref))}")
            keys = sorted(set(got) & set(ref))
            check.close(f"{name}: program --stats = report perRun, every figure",
                        [got[k] for k in keys], [ref[k] for k in keys])
            check.expect(f"{name}: logits of one run equal the default floorplan's, bit for bit",
                         bool(np.array_equal(logits[name], logits["default"])))
            program = os.path.join(out, "copy_task")
            trace = os.path.join(tmp, f"{name}.trace")
            tokens[name] = run([program, *PROMPT, "--trace", trace])
            check.expect(f"{name}: decoding gives the default floorplan's tokens",
                         tokens[name] == tokens["default"], f"{tokens[name]!r}")
            if chosen is None:
                check.expect("default: no schedule object (the schedule adds nothing)",
                             "schedule" not in stats and "schedule" not in report["perRun"])
                continue
            schedule = report["schedule"]
            check.expect(f"{name}: the report chose '{chosen}'", schedule["chosen"] == chosen,
                         schedule["chosen"])
            sched = flatten(stats.get("schedule", {}))
            check.close(f"{name}: the stats' schedule, derived by hand",
                        [sched.get(k, -1) for k in expected], list(expected.values()))
            check.close(f"{name}: elapsedNs = {TOKENS} tokens x the report's stepNs",
                        [sched.get("elapsedNs", -1)], [TOKENS * schedule["stepNs"]])
            if name == "small":
                heads, reloads, bad = reloads_exact(trace)
                # 8 steps (3 prompt tokens, 5 fed back) of 6 heads: step t reloads t columns.
                check.expect("small: 6 spilled heads reload every earlier column of theirs, "
                             "as written (6 x (0 + 1 + .. + 7) = 168 kv_reload lines)",
                             heads == 6 and reloads == 168 and not bad,
                             f"{heads} heads, {reloads} reloads, mismatches {bad[:3]}")
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
