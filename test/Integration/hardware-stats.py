#!/usr/bin/python3
"""hardware-stats.py: e2e test of the one hardware description and the one stats schema.

Compiles the example (examples/copy_task.onnx) with three hardware files (the default, a
changed cost block, a changed quantiser range with read noise), runs the generated program
on one held-out sequence with --stats, and checks that its stats equal the report's
`perRun` figures (the same work: one PREFIX_run of the compiled graph) key for key; that
the changed cost shows in both; and that the noise and range change the outputs.

Then compiles a graph whose GainCellAttention reads its q, k, v straight from the inputs
(test/gcim-compile/Inputs/attention-model.py) with the same three files, and checks that
gcim-sim on the same projections gives the program's stats and outputs.

Tolerance: stats agree to 1e-12 relative (both sides add the same exact binary fractions
of the cost table; the bound only allows for summation order); outputs bit for bit (the
same simulator, the same noise streams).
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

HARDWARE = {
    "default": {},
    "cost": {"cost": {"firstProductPerArrayPJ": 55, "secondProductPerArrayPJ": 33,
                      "digitalPerHeadTokenPJ": 1000, "dacPerValuePJ": 1.5,
                      "headTokenLatencyNs": 40}},
    "range-noise": {"query": {"levels": 16, "max": 0.9}, "kv": {"levels": 8, "max": 0.8},
                    "output": {"levels": 32, "max": 0.75},
                    "noise": {"seed": 11, "readNoiseSnrDb": 30}},
}


def same_stats(check, what, got, ref):
    got, ref = flatten(got), flatten(ref)
    check.expect(f"{what}: the same keys", sorted(got) == sorted(ref),
                 f"{sorted(set(got) ^ set(ref))}")
    keys = sorted(set(got) & set(ref))
    check.close(f"{what}: every figure", [got[k] for k in keys], [ref[k] for k in keys],
                rtol=1e-12)


def example(check, tmp, hw_files):
    ids = np.load(os.path.join(ROOT, "examples", "copy_task_inputs.npy"))[:1]
    energies, logits = {}, {}
    for name, path in hw_files.items():
        out, report = os.path.join(tmp, f"example-{name}"), os.path.join(tmp, f"{name}.json")
        compile_model(os.path.join(ROOT, "examples", "copy_task.onnx"), out, "--hw", path,
                      "--report", report, "-q", prefix="copy_task")
        build(out)
        stats_path = os.path.join(tmp, f"stats-{name}.json")
        logits[name] = run_program(out, "copy_task", {"input_ids": ids},
                                   ["--stats", stats_path])["logits"]
        with open(stats_path) as f:
            stats = json.load(f)
        with open(report) as f:
            per_run = json.load(f)["perRun"]
        same_stats(check, f"example, {name} hardware: program --stats vs report perRun",
                   stats, per_run)
        energies[name] = stats["energyPJ"]["digital"] / stats["headSteps"]
    check.expect("the cost block reaches the program's stats (1000 pJ of control per "
                 "head-step, 4000 by default)",
                 energies["cost"] == 1000 and energies["default"] == 4000, str(energies))
    check.expect("the quantiser range and the noise reach the program's outputs",
                 bool((logits["range-noise"] != logits["default"]).any()))


def simulator(check, tmp, hw_files):
    model = os.path.join(tmp, "att.onnx")
    subprocess.run([sys.executable, os.path.join(ROOT, "test", "gcim-compile", "Inputs",
                                                 "attention-model.py"), model], check=True)
    rng = np.random.RandomState(3)
    qkv = {n: rng.randn(1, 2, 8, 8).astype(np.float32) for n in "qkv"}
    paths = {}
    for n, array in qkv.items():
        paths[n] = os.path.join(tmp, f"{n}.npy")
        np.save(paths[n], array)
    for name, path in hw_files.items():
        out = os.path.join(tmp, f"att-{name}")
        compile_model(model, out, "--hw", path, "-q", prefix="att")
        build(out)
        prog_stats, sim_stats = (os.path.join(tmp, f"{w}-{name}.json") for w in ("p", "s"))
        got = run_program(out, "att", qkv, ["--stats", prog_stats])["gain"]
        sim_out = os.path.join(tmp, f"sim-{name}.npy")
        subprocess.run([os.environ.get("GCIM_SIM", "gcim-sim"), "attention", "--q", paths["q"],
                        "--k", paths["k"], "--v", paths["v"], "--hw", path, "-o", sim_out,
                        "--stats", sim_stats], check=True)
        with open(prog_stats) as f, open(sim_stats) as g:
            same_stats(check, f"gcim-sim vs program, {name} hardware", json.load(g),
                       json.load(f))
        ref = np.load(sim_out)
        check.expect(f"gcim-sim vs program, {name} hardware: the same outputs bit for bit",
                     bool(np.array_equal(got, ref)), f"max|diff| {np.abs(got - ref).max()}")


def main():
    check = Checker(1e-12)
    with tempfile.TemporaryDirectory(prefix="gcim-hw-stats-") as tmp:
        hw_files = {}
        for name, content in HARDWARE.items():
            hw_files[name] = os.path.join(tmp, f"hw-{name}.json")
            with open(hw_files[name], "w") as f:
                json.dump(content, f)
        example(check, tmp, hw_files)
        simulator(check, tmp, hw_files)
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
