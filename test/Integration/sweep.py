#!/usr/bin/python3
"""sweep.py: e2e test of gcim-sweep on the language-model example: a 2 x 2 x 2 plan (the
gain-cell model and its digital twin x write noise 0 and 0.05 V x seeds 0 and 1, each
measuring the per-layer output error: "layerError": true) on one evaluation file of
held-out windows, run with `make -j 2`, and with --slurm also through
sbatch --array on a one-node Slurm cluster the test starts and stops (slurmcluster.py),
whose CSV must be the make run's byte for byte.

Checked on the make run: 8 rows in plan order; 2 compiles for 8 jobs (one per model, the
noise and the seed go to the program at run time); every job's numbers equal the program's
own --eval --json run by hand with the same --hw and --seed (exactly: same binary, same
inputs, a deterministic seeded simulation); without noise the seed changes nothing, with
noise it changes the analog model's perplexity; the digital model has no gain-cell energy
and no layer error, the analog model's two layers have errors equal to the program's own
--layer-error, raised by the noise, and curves of them against the noise;
make is then up to date, and a plan with one more seed adds 4 jobs and no compile; the
page (sweep.html) passes reportcheck.py with the sweep attached. A Slurm cluster that
cannot start fails the test with the reason: it is never counted as passed."""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples")
sys.path.insert(0, HERE)
from ortharness import Checker  # noqa: E402
from reportcheck import check_page  # noqa: E402
from slurmcluster import SlurmCluster, SlurmUnavailable  # noqa: E402

MODELS = ("shakespeare.onnx", "shakespeare_digital.onnx")


def write_plan(folder, seeds):
    for model in MODELS:
        if not os.path.exists(os.path.join(folder, model)):
            os.symlink(os.path.join(EXAMPLES, model), os.path.join(folder, model))
    windows = np.load(os.path.join(EXAMPLES, "shakespeare_heldout.npy"))
    np.save(os.path.join(folder, "heldout2.npy"), windows[:2, :65])  # 128 predicted tokens
    plan = {"name": "noise", "models": list(MODELS), "evals": ["heldout2.npy"],
            "hardware": {"noise.writeNoiseStdV": [0, 0.05]}, "seeds": seeds, "layerError": True}
    path = os.path.join(folder, "plan.json")
    with open(path, "w") as f:
        json.dump(plan, f)
    return path


def sweep(*args):
    tool = os.path.join(os.path.dirname(os.environ["GCIM_COMPILE"]), "gcim-sweep")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def read_csv(work):
    with open(os.path.join(work, "sweep.csv")) as f:
        return list(csv.DictReader(f))


def check_against_program(check, work, rows):
    """Each job's numbers = the compiled program's own --eval --json, run by hand."""
    with open(os.path.join(work, "sweep-plan.json")) as f:
        spec = json.load(f)
    same = True
    for job, row in zip(spec["jobs"], rows):
        hw = os.path.join(work, "by-hand-hw.json")
        with open(hw, "w") as f:
            json.dump({"noise": {"writeNoiseStdV": job["hw"]["noise.writeNoiseStdV"]}}, f)
        program = os.path.join(work, "compiled", job["compile"], "out", "model")
        out = json.loads(subprocess.run(
            [program, "--eval", job["evalPath"], "--json", "--layer-error", "--hw", hw,
             "--seed", str(job["seed"])], check=True, capture_output=True, text=True).stdout)
        same &= (row["perplexity"] == repr(out["perplexity"]) and
                 row["meanNll"] == repr(out["meanNll"]) and row["tokens"] == str(out["tokens"]))
        for layer in range(2):
            for key in ("relativeRmsError", "maxAbsError"):
                shown = row[f"layers[{layer}].{key}"]
                same &= shown == (repr(out["layers"][layer][key])
                                  if layer < len(out["layers"]) else "")
    check.expect("every row's tokens, mean NLL, perplexity and layer errors = the program's "
                 "own --eval --json --layer-error with the job's --hw and --seed (exactly)",
                 same)


def check_make_run(check, folder, work):
    rows = read_csv(work)
    check.expect("8 rows, in plan order", [r["job"] for r in rows] == [str(i) for i in range(8)],
                 str(len(rows)))
    compiles = sorted(d for d in os.listdir(os.path.join(work, "compiled"))
                      if not d.endswith(".lock"))
    check.expect("2 compiles for 8 jobs (noise and seed at run time)", len(compiles) == 2,
                 str(compiles))
    check.expect("one compile per model", all(
        len({r["compile"] for r in rows if r["model"] == m}) == 1 for m in MODELS))
    check_against_program(check, work, rows)
    analog = [r for r in rows if r["model"] == MODELS[0]]
    digital = [r for r in rows if r["model"] == MODELS[1]]
    quiet = [r["perplexity"] for r in analog if r["noise.writeNoiseStdV"] == "0"]
    noisy = [r["perplexity"] for r in analog if r["noise.writeNoiseStdV"] == "0.05"]
    check.expect("no noise: both seeds give the same perplexity", len(set(quiet)) == 1, str(quiet))
    check.expect("write noise 0.05 V: the seeds give different perplexities",
                 len(set(noisy)) == 2, str(noisy))
    check.expect("noise moves the analog model's perplexity", quiet[0] not in noisy)
    check.expect("digital: one perplexity whatever the noise, no gain-cell energy",
                 len({r["perplexity"] for r in digital}) == 1 and
                 all(r["energyPJPerToken"] == "" for r in digital))
    check.expect("analog: energy per token from the program's stats",
                 all(float(r["energyPJPerToken"]) > 0 for r in analog))
    layer_columns = [f"layers[{l}].{k}" for l in range(2)
                     for k in ("relativeRmsError", "maxAbsError")]
    check.expect("digital: no layer on the gain cells, the layer-error cells empty",
                 all(r[c] == "" for r in digital for c in layer_columns))
    quiet_error = {r["layers[0].relativeRmsError"] for r in analog
                   if r["noise.writeNoiseStdV"] == "0"}
    check.expect("analog: both layers' errors positive; without noise one value for both seeds, "
                 "with noise a larger one for each seed",
                 all(float(r[c]) > 0 for r in analog for c in layer_columns) and
                 len(quiet_error) == 1 and all(
                     float(r[f"layers[{l}].relativeRmsError"]) >
                     float(next(q[f"layers[{l}].relativeRmsError"] for q in analog
                                if q["noise.writeNoiseStdV"] == "0"))
                     for r in analog if r["noise.writeNoiseStdV"] == "0.05" for l in range(2)))
    up_to_date = subprocess.run(["make", "-q", "-C", work]).returncode == 0
    check.expect("make -q: the finished sweep is up to date", up_to_date)
    with open(os.path.join(work, "sweep.json")) as f:
        page_json = json.load(f)
    report = os.path.join(work, "compiled", rows[0]["compile"], "report.json")  # the page's
    with open(report) as f:
        report_json = json.load(f)
    with open(os.path.join(work, "sweep.html"), encoding="utf-8") as f:
        numbers, pictures = check_page(f.read(), report_json, [page_json])
    curves = page_json["sweep"]["curves"]
    check.expect(f"sweep.html: {numbers} numbers equal the JSON, {pictures} pictures; a "
                 "perplexity curve over hw.noise.writeNoiseStdV with both models",
                 curves and curves[0]["x"] == "hw.noise.writeNoiseStdV" and
                 len(curves[0]["series"]) == 2)
    layer_curves = [c["y"] for c in curves if c["y"].startswith("layers[")]
    check.expect("and a curve of each layer's relative RMS error, the analog model's only",
                 layer_curves == ["layers[0].relativeRmsError", "layers[1].relativeRmsError"] and
                 all(len(c["series"]) == 1 for c in curves if c["y"].startswith("layers[")),
                 str(layer_curves))
    write_plan(folder, [0, 1, 2])
    summary = sweep(os.path.join(folder, "plan.json"), "--work", work)
    dry = subprocess.run(["make", "-n", "-C", work], capture_output=True, text=True).stdout
    check.expect("one more seed: 12 jobs, still 2 compiles, make compiles nothing",
                 "12 jobs, 2 compiles" in summary and " compile " not in dry and
                 dry.count(" run ") == 4, summary.splitlines()[0])


SKIPPED = 77  # ctest's SKIP_RETURN_CODE for e2e/sweep-slurm: no cluster could start


def run_slurm(check, folder, make_csv):
    work = os.path.join(folder, "slurm")
    sweep(write_plan(folder, [0, 1]), "--work", work)
    try:
        with SlurmCluster(os.path.join(folder, "cluster")) as cluster:
            done = subprocess.run(["sbatch", "--parsable", "--wait",
                                   os.path.join(work, "sweep.sbatch")], env=cluster.env,
                                  capture_output=True, text=True, timeout=240)
    except SlurmUnavailable as error:
        print("=" * 72 + f"\nSLURM UNAVAILABLE: the one-node cluster did not start, so the "
              f"Slurm engine is NOT tested (ctest reports this test as skipped, not "
              f"passed):\n{error}\n" + "=" * 72)
        return SKIPPED
    check.expect("sbatch --array --wait: every array task succeeded", done.returncode == 0,
                 done.stdout.strip() + done.stderr.strip())
    logs = [f for f in os.listdir(os.path.join(work, "logs"))
            if f.startswith(f"slurm-{done.stdout.strip()}_")]
    check.expect("Slurm ran the 8 jobs as array tasks (one log each)", len(logs) == 8, str(logs))
    sweep("collect", work)
    with open(os.path.join(work, "sweep.csv")) as f:
        slurm_csv = f.read()
    check.expect("the Slurm run's CSV = the make run's, byte for byte", slurm_csv == make_csv)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="folder for the sweeps (emptied first)")
    parser.add_argument("--slurm", action="store_true", help="also run the plan on Slurm")
    args = parser.parse_args()
    check = Checker(0)
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    work = os.path.join(args.out, "make")
    sweep(write_plan(args.out, [0, 1]), "--work", work)
    subprocess.run(["make", "-s", "-C", work, "-j", "2"], check=True)
    with open(os.path.join(work, "sweep.csv")) as f:
        make_csv = f.read()
    print(make_csv)
    if args.slurm and run_slurm(check, args.out, make_csv) == SKIPPED:
        return SKIPPED
    if not args.slurm:
        check_make_run(check, args.out, work)
    return check.finish("sweep-slurm" if args.slurm else "sweep-make")


if __name__ == "__main__":
    sys.exit(main())
