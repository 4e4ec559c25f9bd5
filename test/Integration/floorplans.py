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

A batch (`floorplans.py --batch`, a test of its own for the time it takes to build): the
examples take one sequence, so test/gcim-compile/Inputs/steps-batch4-main.mlir
(2 layers x 4 heads, d = 64, 4 sequences, one decode step per run; window 256: 16 sub-tiles
a block) taken to tiles by gcim-opt for 48 sub-tiles ("1 chip, spill": layer 0 keeps
sequences 0 and 1 at gcim.sequence_stride 16, the other 6 blocks take turns in the slot at
32) and without a limit: the same outputs bit for bit for one step (the placement; that a
reload over several steps is exact is checked on the example above); per step 6
reloads of 16 x 2 x 64 x 64 + 2 x 4 x 64 = 131,584 bytes, 131,584 / 128 = 1,028 ns each,
and the step 65 + 2 x (1,028 + 65) + 4 x (1,028 + 65) = 6,623 ns, the report's stepNs.
The same on two chips of 48 sub-tiles ("2 chips, spill": a layer a chip, each keeping
sequences 0 and 1 and reloading 2 and 3 through its slot; same outputs): per step 4
reloads, 4 transfers of 4 x 64 x 4 = 1,024 bytes (16 ns each at 64 bytes per ns, 10 pJ a
byte). The chips pipeline the sequences (docs/HardwareModel.md section 6, rule 5): a chip
is busy 65 + 2 x 1,093 = 2,251 ns, the link 4 x 16 = 64 ns, one sequence's path 1,093 +
16 + 1,093 = 2,202 ns, so the step, and the program's elapsedNs, is 2,251 ns, not the sum
2,251 + 64 + 2,251 = 4,566 ns.

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
from codegenharness import build, compile_model, flatten, run_program  # noqa: E402
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


def batch(check, tmp):
    """A batched decode step with some sequences resident and the others spilled."""
    source = os.path.join(ROOT, "test", "gcim-compile", "Inputs", "steps-batch4-main.mlir")
    rng = np.random.RandomState(7)
    step = {"x": rng.rand(4, 4, 1, 64).astype(np.float32)}
    outs, stats = {}, {}
    for name, hardware in [("resident", {"window": 256}),
                           ("spill", {"window": 256, "maxSubTiles": 48}),
                           ("two-chips", {"window": 256, "maxSubTiles": 48,
                                          "floorplan": {"chips": 2}})]:
        hw, tiles = os.path.join(tmp, f"b4-{name}.json"), os.path.join(tmp, f"b4-{name}.mlir")
        with open(hw, "w") as f:
            json.dump(hardware, f)
        run([os.environ.get("GCIM_OPT", "gcim-opt"), "--hw", hw,
             "--gcim-map-attention=attention=analog", "--gcim-quantize=fold=false",
             "--gcim-schedule", "--gcim-verify", source, "-o", tiles])
        out, report = os.path.join(tmp, f"b4-{name}"), os.path.join(tmp, f"b4-{name}-r.json")
        compile_model(tiles, out, "--hw", hw, "--report", report, "-q", prefix="b4")
        build(out)
        stats_path = os.path.join(tmp, f"b4-{name}-stats.json")
        outs[name] = run_program(out, "b4", step, ["--stats", stats_path])["y"]
        with open(stats_path) as f:
            stats[name] = json.load(f)
        with open(report) as f:
            stats[name + "-report"] = json.load(f)["schedule"]
    check.expect("batch 4: the spilling schedule's outputs equal the resident one's, bit for bit",
                 bool(np.array_equal(outs["spill"], outs["resident"])))
    check.expect("batch 4: the report chose '1 chip, spill' for 48 sub-tiles",
                 stats["spill-report"]["chosen"] == "1 chip, spill")
    sched = flatten(stats["spill"].get("schedule", {}))
    check.close("batch 4, one step: 6 reloads, 789,504 bytes, 17,817,600 pJ, 6,623 ns",
                [sched.get(k, -1) for k in ("reloads", "spillBytes", "energyPJ.spill",
                                            "elapsedNs")],
                [6, 6 * 131584, 6 * (131584 * 20 + 131072 * 2.578125), 6623])
    check.close("batch 4: elapsedNs of one step = the report's stepNs (one chip)",
                [sched.get("elapsedNs", -1)], [stats["spill-report"]["stepNs"]])
    check.expect("batch 4, two chips: the outputs equal the resident schedule's, bit for bit",
                 bool(np.array_equal(outs["two-chips"], outs["resident"])))
    check.expect("batch 4: the report chose '2 chips, spill' for 2 chips of 48 sub-tiles",
                 stats["two-chips-report"]["chosen"] == "2 chips, spill")
    sched = flatten(stats["two-chips"].get("schedule", {}))
    keys = ("reloads", "spillBytes", "energyPJ.spill", "transfers", "linkBytes",
            "energyPJ.link", "elapsedNs")
    check.close("batch 4, two chips, one step: 4 reloads, 4 transfers of 1,024 bytes, "
                "2,251 ns pipelined (not the sum 4,566 ns)",
                [sched.get(k, -1) for k in keys],
                [4, 4 * 131584, 4 * (131584 * 20 + 131072 * 2.578125), 4, 4 * 1024,
                 4 * 1024 * 10, 2251])
    check.close("batch 4, two chips: elapsedNs of one step = the report's stepNs",
                [sched.get("elapsedNs", -1)], [stats["two-chips-report"]["stepNs"]])
    check.expect("batch 4, everything resident: no schedule object",
                 "schedule" not in stats["resident"])


def example(check, tmp):
    """The example on the three floorplans."""
    ids = np.load(os.path.join(ROOT, "examples", "copy_task_inputs.npy"))[:1]
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


def main():
    check = Checker(1e-12)
    with tempfile.TemporaryDirectory(prefix="gcim-floorplans-") as tmp:
        if sys.argv[1:] == ["--batch"]:
            batch(check, tmp)
        else:
            example(check, tmp)
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
