#!/usr/bin/python3
"""tile-ir.py: e2e test that the generated C runs the scheduled tile IR.

1. Decisions of the tile IR change what the program does, accordingly:
   - a quantiser range: the attention graph of test/gcim-compile/Inputs/attention-model.py
     taken to the tile level with gcim-opt twice, once with the default hardware and once
     with gcim-quantize alone given a DAC range of [0, 0.45] instead of [0, 0.9]; each tile
     module compiled by gcim-compile (.mlir input). The default one equals the program
     compiled straight from ONNX, bit for bit (the same ops); the halved range changes the
     outputs, and equals gcim-sim with the k and v scalers doubled, bit for bit: a value's
     DAC code over [0, 0.45] is its double's code over [0, 0.9], and doubling is exact in
     binary floating point (a*x + b doubled, clip bounds and step halved: same quotients),
     while the chip still stores code * 0.9 / 7.
   - a sub-tile placement: gcim.first_sub_tile moved from 0 to 40 in the tile IR (checked by
     gcim-opt --gcim-verify): the trace's sub-tiles move by 40, the outputs and counters stay
     (a head's sub-tiles are its own).
2. The example's trace for a few tokens (examples/copy_task.onnx, --generate 2 after a
   3-token prompt: 4 steps) against what the schedule says, derived by hand: 12 header lines
   (the full-sequence function's 6 heads, then the step function's), a clear of every head
   (the program's reset before the prompt), then per step, layer
   0's heads 0..2 then layer 1's, 6 lines each: kv_write at sub-tile 3 l + h (gcim-map-attention
   fits the window to the example's 32 positions: one sub-tile per head), slot t,
   and qk_product, charge_to_pulse, pv_product, readout, adder_tree over 1 group of 1
   sub-tile (64 dims); ns = 130 t + the op's start (0, 0, 15, 15, 30, 30; + 65 in layer 1);
   as many kv_write and adder_tree lines as --stats counts writes and head-steps; the traced
   program's tokens equal the untraced one's.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from codegenharness import build, compile_model, gcim_compile, run_program  # noqa: E402
from ortharness import Checker  # noqa: E402

OPT = os.environ.get("GCIM_OPT", "gcim-opt")
SIM = os.environ.get("GCIM_SIM", "gcim-sim")
TILES = ["--gcim-map-attention", "--gcim-quantize=fold=false", "--gcim-schedule",
         "--gcim-verify"]


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def compiled(tmp, source, name, *flags):
    out = os.path.join(tmp, name)
    compile_model(source, out, "-q", *flags, prefix="att")
    build(out)
    return out


def trace_tiles(path):
    """{tile number} of the operation lines of a trace."""
    with open(path) as f:
        return {int(m) for m in re.findall(r" tile=(\d+)", f.read())}


def decisions(check, tmp):
    model = os.path.join(tmp, "att.onnx")
    run([sys.executable, os.path.join(ROOT, "test", "gcim-compile", "Inputs",
                                      "attention-model.py"), model])
    graph = os.path.join(tmp, "att-gcim.mlir")
    run([gcim_compile(), model, "--emit=gcim", "-q", "-o", graph])
    half = os.path.join(tmp, "half-kv.json")
    with open(half, "w") as f:
        json.dump({"kv": {"levels": 8, "max": 0.45}}, f)
    tiles = {"default": os.path.join(tmp, "default.mlir"),
             "half-kv": os.path.join(tmp, "half-kv.mlir")}
    run([OPT, graph, *TILES, "-o", tiles["default"]])
    run([OPT, graph, "--gcim-map-attention", f"--gcim-quantize=fold=false hw={half}",
         "--gcim-schedule", "--gcim-verify", "-o", tiles["half-kv"]])
    with open(tiles["half-kv"]) as f:
        text = f.read()
    check.expect("gcim-opt chose the DAC range [0, 0.45] (4 DAC quantisers: k and v of the "
                 "two functions)", text.count('hi = 4.500000e-01 : f32, kind = "dac"') == 4)
    with open(tiles["default"]) as f:
        text = f.read()
    moved = os.path.join(tmp, "moved.mlir")
    with open(moved, "w") as f:
        f.write(text.replace("gcim.first_sub_tile = 0 :", "gcim.first_sub_tile = 40 :"))
    run([OPT, moved, "--gcim-verify", "-o", moved])
    rng = np.random.RandomState(5)
    qkv = {n: rng.randn(1, 2, 8, 8).astype(np.float32) for n in "qkv"}
    outs, stats = {}, {}
    for name, source in [("onnx", model), ("default", tiles["default"]),
                         ("half-kv", tiles["half-kv"]), ("moved", moved)]:
        out = compiled(tmp, source, name)
        stats_path, trace = (os.path.join(tmp, f"{name}.{e}") for e in ("json", "trace"))
        outs[name] = run_program(out, "att", qkv, ["--stats", stats_path, "--trace", trace])["gain"]
        with open(stats_path) as f:
            stats[name] = json.load(f)
        stats[name]["tiles"] = trace_tiles(trace)
    check.expect("the tile module from gcim-opt runs as the ONNX model does: bit for bit",
                 bool(np.array_equal(outs["default"], outs["onnx"])))
    check.expect("the DAC range [0, 0.45] changes the outputs",
                 bool((outs["half-kv"] != outs["default"]).any()))
    paths = {}
    for n, array in qkv.items():
        paths[n] = os.path.join(tmp, f"{n}.npy")
        np.save(paths[n], array)
    doubled = np.tile(np.array([[1, 0, 2, 0.9, 2, 0.9, 1, 0]], np.float32), (2, 1))
    np.save(os.path.join(tmp, "doubled.npy"), doubled)
    ref = os.path.join(tmp, "doubled-out.npy")
    run([SIM, "attention", "--q", paths["q"], "--k", paths["k"], "--v", paths["v"],
         "--scales", os.path.join(tmp, "doubled.npy"), "-o", ref])
    ref = np.load(ref)
    check.expect("... as gcim-sim with the k and v scalers doubled: bit for bit",
                 bool(np.array_equal(outs["half-kv"], ref)),
                 f"max|diff| {np.abs(outs['half-kv'] - ref).max():.3g}")
    check.expect("the default placement: the trace names sub-tiles 0 and 16 (2 heads of 16)",
                 stats["default"]["tiles"] == {0, 16}, str(stats["default"]["tiles"]))
    check.expect("first_sub_tile 40: the trace names sub-tiles 40 and 56",
                 stats["moved"]["tiles"] == {40, 56}, str(stats["moved"]["tiles"]))
    check.expect("... and the outputs stay, bit for bit",
                 bool(np.array_equal(outs["moved"], outs["default"])))
    same = {k: v for k, v in stats["moved"].items() if k != "tiles"}
    check.expect("... and the counters stay",
                 same == {k: v for k, v in stats["default"].items() if k != "tiles"})


def expected_line(op, t, layer, head):
    """The hand-derived start of a trace line of the example (see the docstring)."""
    start = (0, 0, 15, 15, 30, 30)[op] + 65 * layer
    names = ("kv_write", "qk_product", "charge_to_pulse", "pv_product", "readout",
             "adder_tree")
    operands = (f"span=1 slot={t} k=", "groups=1 span=1 q=", "groups=1 span=1",
                "groups=1 span=1 dims=64", "groups=1 span=1 dims=64 z=",
                "groups=1 span=1 dims=64")
    return (f"{names[op]} t={t} ns={130 * t + start} tile={3 * layer + head} "
            f"{operands[op]}")


def example_trace(check, tmp):
    out = os.path.join(tmp, "example")
    compile_model(os.path.join(ROOT, "examples", "copy_task.onnx"), out, "-q",
                  prefix="copy_task")
    build(out)
    program = os.path.join(out, "copy_task")
    trace, stats_path = os.path.join(tmp, "example.trace"), os.path.join(tmp, "example.json")
    plain = run([program, "--generate", "2", "--prompt", "5,6,7"])
    traced = run([program, "--generate", "2", "--prompt", "5,6,7", "--trace", trace,
                  "--stats", stats_path])
    check.expect("tracing changes no token", plain == traced, f"{plain!r} vs {traced!r}")
    with open(trace) as f:
        lines = f.read().splitlines()
    with open(stats_path) as f:
        stats = json.load(f)
    headers = [line for line in lines if line.startswith("#")]
    want = [f"sub_tiles=1 array_rows=64 array_cols=64 window=32 kv_levels=8 query_levels=16 "
            f"output_levels=32 first_sub_tile={h}" for h in list(range(6)) * 2]
    check.expect("12 headers: the heads of both functions at sub-tiles 0, 1, .., 5 (window 32)",
                 len(headers) == 12 and all(w in h for h, w in zip(headers, want)),
                 "\n".join(headers))
    ops = lines[len(headers):]
    clears = [line for line in ops if line.startswith("clear ")]
    check.expect("the reset before the prompt clears each of the 12 heads once, first",
                 len(clears) == 12 and ops[:12] == clears, "\n".join(clears))
    ops = ops[len(clears):]
    want = [expected_line(op, t, layer, head) for t in range(4) for layer in range(2)
            for head in range(3) for op in range(6)]
    bad = [(got, w) for got, w in zip(ops, want) if not got.startswith(w)]
    check.expect("4 steps x 2 layers x 3 heads x 6 operations, as derived by hand",
                 len(ops) == len(want) and not bad, f"{len(ops)} lines; first mismatch {bad[:1]}")
    count = {name: sum(line.startswith(name + " ") for line in ops)
             for name in ("kv_write", "adder_tree")}
    check.expect("kv_write lines = the counted writes, adder_tree lines = the head-steps",
                 count["kv_write"] == stats["kvWrites"] and
                 count["adder_tree"] == stats["headSteps"], f"{count} vs {stats}")
    print("excerpt:\n" + "\n".join(headers[6:7] + [line[:100] for line in ops[:6]]))


def main():
    check = Checker(0)
    with tempfile.TemporaryDirectory(prefix="gcim-tile-ir-") as tmp:
        decisions(check, tmp)
        example_trace(check, tmp)
    return check.finish("tile-ir")


if __name__ == "__main__":
    sys.exit(main())
