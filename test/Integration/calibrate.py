#!/usr/bin/python3
"""calibrate.py: e2e test of adaptation without PyTorch (docs/HardwareModel.md section 4) on
the shipped language model. examples/shakespeare_digital.onnx (softmax attention) compiled
with --attention=analog is the naive mapping; its program's --calibrate on training-text
tokens (examples/shakespeare_calibration.npy, never the held-out ones) writes a calibration
cache; gcim-compile --scalers bakes it in. Checks:

- the calibrated program's held-out perplexity (its --eval on examples/shakespeare_heldout.npy)
  recovers at least half of the gap between the naive mapping and the digital model (measured
  on this machine: naive 14.506, calibrated 12.883, digital 12.668, i.e. 88 %; any of 4, 16 or
  64 calibration windows gives 12.882-12.885, so half leaves a wide margin against rounding
  and thread count, yet fails if the out scalers were not applied or not fitted);
- the cache: converged, 2 layers x 2 heads, mismatch above the tolerance 1e-4 first and
  within it last, and the same scalers as python/gcim/adapt.py given the same targets (the
  softmax reference, gcim.adapt.softmax_reference_statistics) on the same tokens: within
  1e-4 * max(1, |scaler|) (measured: 1.2e-7; float32 torch against double sums, and
  quantiser ties, move a statistic by about 1e-7 and the fitted scalers by as much) after
  the same number of iterations;
- the failures: a digital build (no gain-cell heads), an already calibrated build, a
  --calibrate without --scalers, a token outside the vocabulary (no cache written).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(SRC_ROOT, "examples")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SRC_ROOT, "python"))
from codegenharness import build, compile_model  # noqa: E402
from ortharness import Checker  # noqa: E402

import torch  # noqa: E402

from gcim import lm  # noqa: E402
from gcim.adapt import KINDS, adapt, softmax_reference_statistics  # noqa: E402
from gcim.torch import GainCellAttention  # noqa: E402

DIGITAL = os.path.join(EXAMPLES, "shakespeare_digital.onnx")
HELDOUT = os.path.join(EXAMPLES, "shakespeare_heldout.npy")
CALIBRATION = os.path.join(EXAMPLES, "shakespeare_calibration.npy")


def program(tmp, name, *flags):
    out = os.path.join(tmp, name)
    compile_model(DIGITAL, out, "-q", *flags, prefix="shk")
    build(out)
    return os.path.join(out, "shk")


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def perplexity(prog):
    proc = run([prog, "--eval", HELDOUT, "--json", "--threads", "1"])
    if proc.returncode != 0:
        raise RuntimeError(f"{prog} --eval failed: {proc.stderr}")
    return json.loads(proc.stdout)["perplexity"]


def torch_scalers(check, calibration):
    """gcim.adapt on the naive mapping in torch (a_q = 1/sqrt(64), as gcim-map-attention sets
    it) with the softmax reference's targets: {layer: (heads, 8)} and the iterations. Checks
    on the way that the reference run is the digital model (its logits within 1e-4 of the
    softmax model's: the same float32 products in another order)."""
    digital, _ = lm.load_onnx(DIGITAL)
    model = lm.gaincell_model(digital, cell="nonlinear")
    layers = [m for m in model.modules() if isinstance(m, GainCellAttention)]
    for m in layers:
        m.scales.data[:, 0] = 0.125
    batch = torch.from_numpy(calibration[:, :-1])
    logits = []
    target = softmax_reference_statistics(model, batch,
                                          lambda mod, x: logits.append(mod(x)[0]))
    with torch.no_grad():
        check.close("gcim.adapt's softmax reference = the digital model (logits)",
                    logits[0].numpy(), digital(batch)[0].numpy(), 1e-4)
    result = adapt(model, None, batch, target=target)
    return [m.scales.detach().numpy() for m in layers], result.iterations


def check_cache(check, cache, calibration):
    check.expect("cache: converged within 1e-4", cache["converged"] and
                 cache["tolerance"] == 1e-4, f"converged {cache['converged']}")
    history = cache["mismatch"]
    check.expect("cache: mismatch above the tolerance first, within it last",
                 history[0] > 1e-4 >= history[-1] and len(history) == cache["iterations"] + 1,
                 f"{history}")
    shape = [len(layer["heads"]) for layer in cache["layers"]]
    check.expect("cache: 2 layers of 2 heads", shape == [2, 2], f"{shape}")
    keys = [f"{ab}_{kind}" for kind in KINDS for ab in "ab"]
    got = [np.array([[h[k] for k in keys] for h in layer["heads"]], np.float32)
           for layer in cache["layers"]]
    ref, iterations = torch_scalers(check, calibration)
    check.expect("cache: as many iterations as gcim.adapt", cache["iterations"] == iterations,
                 f"C {cache['iterations']}, torch {iterations}")
    for i, (g, r) in enumerate(zip(got, ref)):
        check.close(f"cache: layer {i} scalers = gcim.adapt's", g, r, 1e-4)


def check_failures(check, tmp, naive, digital, calibrated):
    bad = os.path.join(tmp, "bad.npy")
    np.save(bad, np.array([[1, 2, 99, 3]], np.int64))
    cases = (("a digital build has no gain-cell heads", [digital, "--calibrate", CALIBRATION],
              1, "calibration needs attention on the gain cells"),
             ("a calibrated build is refused", [calibrated, "--calibrate", CALIBRATION], 1,
              "has scalers other than the defaults"),
             ("--calibrate needs --scalers", [naive, "--calibrate", CALIBRATION], 2,
              "--calibrate TOKENS.npy and --scalers FILE.json go together"),
             ("a token outside the vocabulary", [naive, "--calibrate", bad], 1,
              "token 99 (at index 2) is outside the vocabulary of 65 tokens"))
    for what, cmd, status, message in cases:
        out = os.path.join(tmp, "refused.json")
        if status != 2:
            cmd = cmd + ["--scalers", out]
        proc = run(cmd)
        check.expect(f"{what}: exit {status}, says why, writes no cache",
                     proc.returncode == status and message in proc.stderr and
                     not os.path.exists(out), f"exit {proc.returncode}: {proc.stderr.strip()}")


def main():
    torch.set_num_threads(1)
    check = Checker(1e-4)
    calibration = np.load(CALIBRATION)
    with tempfile.TemporaryDirectory(prefix="gcim-calibrate-") as tmp:
        naive = program(tmp, "naive", "--attention=analog")
        digital = program(tmp, "digital", "--attention=digital")
        cache_path = os.path.join(tmp, "scalers.json")
        proc = run([naive, "--calibrate", CALIBRATION, "--scalers", cache_path])
        check.expect("--calibrate succeeds", proc.returncode == 0, proc.stderr.strip())
        with open(cache_path) as f:
            cache = json.load(f)
        calibrated = program(tmp, "calibrated", "--attention=analog", "--scalers", cache_path)
        ppl = {name: perplexity(p) for name, p in (("naive", naive), ("digital", digital),
                                                    ("calibrated", calibrated))}
        recovered = (ppl["naive"] - ppl["calibrated"]) / (ppl["naive"] - ppl["digital"])
        check.expect("held-out perplexity: calibration recovers at least half of the naive "
                     "mapping's loss", recovered >= 0.5,
                     f"naive {ppl['naive']:.4f}, calibrated {ppl['calibrated']:.4f}, digital "
                     f"{ppl['digital']:.4f}: {100 * recovered:.0f} % recovered")
        check_cache(check, cache, calibration)
        check_failures(check, tmp, naive, digital, calibrated)
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
