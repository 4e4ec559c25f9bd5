#!/usr/bin/python3
"""torch-layer.py: e2e test of gcim.torch.GainCellAttention against the hardware's two
other models: `gcim-sim attention` (the C simulator) and python/gcim_reference (numpy,
decode-step form with the ring buffer), on random inputs: nonlinear and linear cell, windows
smaller than T (ring-buffer sub-tiles), D 32 and 64, decay on and off, other levels.

Tolerance (the simulator's): at most 0.1 % of the outputs differ, each by exactly one output
step (|a_o| * 2/31, a summation-order tie flipping a quantiser), all others within 1e-5.
Also: the comparison can fail (a different window is out of tolerance), the training tricks
do not change the forward value (surrogate and straight-through give bit-identical outputs
with and without gradients), and the surrogate gradient is finite and non-zero.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ortharness import Checker  # noqa: E402

import torch  # noqa: E402
from gcim.torch import GainCellAttention, HardwareParams, gaincell_attention  # noqa: E402
from gcim_reference import DEFAULT_SCALES, Params, attention, compare  # noqa: E402

F32 = np.float32

# (name, B, H, T, D, hardware parameters)
CASES = [
    ("nonlinear-d64", 2, 2, 96, 64, dict()),
    ("nonlinear-d32-t1", 2, 2, 1, 32, dict()),
    ("linear-d64", 1, 2, 130, 64, dict(cell="linear")),
    ("linear-d32-window40", 1, 3, 150, 32, dict(cell="linear", window=40)),
    ("nonlinear-d32-window100", 1, 2, 260, 32, dict(window=100)),
    ("nonlinear-d64-window64", 1, 2, 200, 64, dict(window=64)),
    ("nonlinear-d64-fastdecay-window128", 1, 2, 200, 64, dict(window=128, decay=5e-3)),
    ("linear-d32-nodecay-levels", 1, 2, 90, 32, dict(cell="linear", decay=0.0, q_levels=8,
                                                      kv_levels=4, out_levels=64)),
]


def random_case(rng, B, H, T, D):
    q, k, v = (rng.standard_normal((B, H, T, D)).astype(F32) for _ in range(3))
    scales = np.tile(np.asarray(DEFAULT_SCALES, F32), (H, 1))
    scales[:, 0::2] *= rng.uniform(0.3, 2.0, (H, 4)).astype(F32)
    scales[:, 1::2] += rng.uniform(-0.15, 0.15, (H, 4)).astype(F32)
    return q, k, v, scales


def reference_params(hw):
    return Params(model=hw.cell, window=hw.window, decay=hw.decay,
                  levels=(hw.q_levels, hw.kv_levels, hw.out_levels))


def run_sim(tmp, q, k, v, scales, p):
    paths = {n: os.path.join(tmp, f"{n}.npy") for n in "qkvsy"}
    for n, x in zip("qkvs", (q, k, v, scales)):
        np.save(paths[n], x)
    cmd = [os.environ.get("GCIM_SIM", "gcim-sim"), "attention", "--q", paths["q"], "--k",
           paths["k"], "--v", paths["v"], "--scales", paths["s"], "-o", paths["y"],
           "--model", p.model, "--window", str(p.window), "--decay", repr(p.decay),
           "--levels", ",".join(str(x) for x in p.levels)]
    subprocess.run(cmd, check=True, capture_output=True)
    return np.load(paths["y"])


def layer(q, k, v, scales, hw, grad=False):
    t = [torch.from_numpy(x).requires_grad_(grad) for x in (q, k, v)]
    m = GainCellAttention(q.shape[1], scales=torch.from_numpy(scales), **{
        f: getattr(hw, f) for f in ("window", "cell", "decay", "q_levels", "kv_levels",
                                    "out_levels")})
    y = m(*t)
    return y, t, m


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    torch.set_num_threads(1)
    check = Checker(1e-5)
    rng = np.random.default_rng(8)
    with tempfile.TemporaryDirectory(prefix="gcim-torch-layer-") as tmp:
        for name, B, H, T, D, options in CASES:
            hw = HardwareParams(**options)
            p = reference_params(hw)
            q, k, v, scales = random_case(rng, B, H, T, D)
            start = time.time()
            with torch.no_grad():
                y = layer(q, k, v, scales, hw)[0].numpy()
            took = time.time() - start
            ok, message = compare(y, run_sim(tmp, q, k, v, scales, p), scales, p)
            check.expect(f"{name} (B {B} H {H} T {T} D {D}, layer {took:.2f} s) = gcim-sim",
                         ok, message)
            ok, message = compare(y, attention(q, k, v, scales, p), scales, p)
            check.expect(f"{name} = gcim_reference (step form)", ok, message)

        # The comparison can fail: another window is out of tolerance.
        name, B, H, T, D, options = CASES[4]
        q, k, v, scales = random_case(rng, B, H, T, D)
        with torch.no_grad():
            y = layer(q, k, v, scales, HardwareParams(window=101))[0].numpy()
        ok, message = compare(y, attention(q, k, v, scales, Params(window=100)), scales,
                              Params(window=100))
        check.expect("window 101 vs a window-100 reference is out of tolerance", not ok,
                     message)

    # Training tricks keep the forward value and give a usable gradient.
    for cell in ("nonlinear", "linear"):
        hw = HardwareParams(cell=cell, window=48)
        q, k, v, scales = random_case(rng, 2, 2, 70, 64)
        with torch.no_grad():
            y0 = layer(q, k, v, scales, hw)[0]
        y, inputs, m = layer(q, k, v, scales, hw, grad=True)
        check.expect(f"{cell}: forward with gradients is bit-identical to without",
                     torch.equal(y.detach(), y0))
        (y * torch.from_numpy(rng.standard_normal(y.shape).astype(F32))).sum().backward()
        grads = [t.grad for t in inputs] + [m.scales.grad]
        check.expect(f"{cell}: gradients of q, k, v and scales are finite and non-zero",
                     all(bool(torch.isfinite(g).all()) and float(g.abs().sum()) > 0
                         for g in grads),
                     ", ".join(f"{float(g.abs().sum()):.4g}" for g in grads))
    # The functional form and the module agree; bad shapes are errors.
    q, k, v, scales = random_case(rng, 1, 2, 5, 32)
    y = gaincell_attention(*(torch.from_numpy(x) for x in (q, k, v, scales)))
    check.expect("gaincell_attention() = GainCellAttention()",
                 torch.equal(y, layer(q, k, v, scales, HardwareParams())[0].detach()))
    try:
        gaincell_attention(*(torch.from_numpy(x) for x in (q, k, v)), torch.zeros(3, 8))
        check.expect("scales of the wrong shape are rejected", False)
    except ValueError as e:
        check.expect("scales of the wrong shape are rejected", True, str(e))
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
