"""python3 -m gcim_reference: the numpy reference model from the command line.

  attention  same inputs and model flags as `gcim-sim attention` (no noise), writes Y.npy
  compare    runs `gcim-sim` and the reference on random cases and checks the tolerance
  selftest   checks the reference against the rules of docs/HardwareModel.md (g values,
             quantiser tie, output grid, decay, step form = masked form while T <= window)
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from .model import (DEFAULT_SCALES, NONLINEAR_COEFFS, Params, attention, attention_masked,
                    attention_steps, compare, decay_powers, quantize)

F32 = np.float32


def params_from(args):
    levels = tuple(int(x) for x in args.levels.split(",")) if args.levels else (16, 8, 32)
    return Params(model=args.model, window=args.window, decay=args.decay,
                  bf16_decay=args.bf16_decay, levels=levels)


def model_flags(p):
    """The gcim-sim flags that select the same model as p."""
    flags = ["--model", p.model, "--window", str(p.window), "--decay", repr(p.decay),
             "--levels", ",".join(str(x) for x in p.levels)]
    return flags + (["--bf16-decay"] if p.bf16_decay else [])


def cmd_attention(args):
    q, k, v = (np.load(x) for x in (args.q, args.k, args.v))
    scales = np.load(args.scales) if args.scales else None
    y = attention(q, k, v, scales, params_from(args), masked=args.masked)
    np.save(args.output, y)
    return 0


# The random cases of `compare`: (name, B, H, T, D, Params, input dtype).
CASES = [
    ("nonlinear-d64-wrap", 1, 2, 1100, 64, Params(), np.float32),
    ("linear-d64-wrap", 1, 1, 1100, 64, Params(model="linear"), np.float64),
    ("nonlinear-d128", 1, 2, 200, 128, Params(), np.float32),
    ("linear-d32-window100", 2, 2, 300, 32, Params(model="linear", window=100), np.float32),
    ("nonlinear-d32-window100", 1, 3, 260, 32, Params(window=100), np.float64),
    ("nonlinear-t1", 3, 2, 1, 64, Params(), np.float32),
    ("nonlinear-bf16-window64", 1, 2, 150, 64, Params(window=64, bf16_decay=True), np.float32),
    ("linear-nodecay-levels", 1, 2, 130, 128, Params(model="linear", decay=0.0,
                                                      levels=(8, 4, 64)), np.float32),
    ("nonlinear-fastdecay", 1, 2, 200, 64, Params(decay=5e-3, window=128), np.float32),
]


def random_case(rng, B, H, T, D, dtype):
    q, k, v = (rng.standard_normal((B, H, T, D)).astype(dtype) for _ in range(3))
    scales = np.tile(np.asarray(DEFAULT_SCALES, F32), (H, 1))
    scales[:, 0::2] *= rng.uniform(0.3, 2.0, (H, 4)).astype(F32)       # a
    scales[:, 1::2] += rng.uniform(-0.15, 0.15, (H, 4)).astype(F32)    # b
    return q, k, v, scales.astype(F32)


def cmd_compare(args):
    rng = np.random.default_rng(args.seed)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, B, H, T, D, p, dtype in CASES:
            q, k, v, scales = random_case(rng, B, H, T, D, dtype)
            paths = {n: os.path.join(tmp, f"{n}.npy") for n in "qkvsy"}
            for n, x in zip("qkvs", (q, k, v, scales)):
                np.save(paths[n], x)
            start = time.time()
            command = [args.gcim_sim, "attention", "--q", paths["q"], "--k", paths["k"],
                       "--v", paths["v"], "--scales", paths["s"], "-o", paths["y"]]
            run = subprocess.run(command + model_flags(p), capture_output=True, text=True)
            if run.returncode != 0:
                print(f"FAIL {name}: gcim-sim exited {run.returncode}: {run.stderr}")
                failures += 1
                continue
            actual = np.load(paths["y"])
            sim_time = time.time() - start
            expected = attention(q, k, v, scales, p)
            ok, message = compare(actual, expected, scales, p)
            print(f"{'PASS' if ok else 'FAIL'} {name} (B={B} H={H} T={T} D={D}, "
                  f"gcim-sim {sim_time:.2f} s, reference {time.time() - start - sim_time:.2f} s): "
                  f"{message}")
            failures += not ok
    print(f"{len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


def check(condition, what):
    print(f"{'PASS' if condition else 'FAIL'}: {what}")
    return 0 if condition else 1


def cmd_selftest(args):
    p = Params()
    a = NONLINEAR_COEFFS
    g = lambda w: a[0] + a[1] * w + a[2] * w * w + a[3] * w ** 3  # noqa: E731
    fails = 0
    fails += check(abs(a[0] - 0.5213636139) < 1e-9 and abs(a[3] - 46.05483778) < 1e-8,
                   "cell coefficients a0..a3")
    fails += check(abs(g(-0.45) + 10.3315) < 1e-4 and abs(g(0) - 0.5214) < 1e-4
                   and abs(g(0.45) - 10.3130) < 1e-4, "g(-0.45), g(0), g(0.45)")
    tie = quantize(np.array([0.45], F32), 0.9, 8)[0]
    fails += check(tie == F32(3) * F32(0.9 / 7), "0.45 is stored as code 3")
    top = quantize(np.array([1.0], F32), 1.0, 32, symmetric=True)[0]
    fails += check(abs(top - 32 / 31) < 1e-6, "output +1 rounds to 32/31")
    p1 = decay_powers(np.array([1023]), p, False)[0][0]
    fails += check(abs(p1 - 0.849) < 5e-4, f"decay after 1023 tokens: {p1:.4f}")
    rng = np.random.default_rng(1)
    for model in ("nonlinear", "linear"):
        for window, T in ((1024, 200), (96, 96)):
            pp = Params(model=model, window=window)
            q, k, v, scales = random_case(rng, 1, 1, T, 64, np.float32)
            steps = attention_steps(q[0, 0], k[0, 0], v[0, 0], scales[0], pp)
            masked = attention_masked(q[0, 0], k[0, 0], v[0, 0], scales[0], pp)
            ok, message = compare(steps[None, None], masked[None, None], scales, pp)
            fails += check(ok, f"step form = masked form ({model}, window {window}, T {T}): "
                               f"{message}")
    print(f"{'all passed' if not fails else f'{fails} failed'}")
    return 1 if fails else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m gcim_reference", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    att = sub.add_parser("attention", help="run the reference on .npy tensors")
    att.add_argument("--q", required=True)
    att.add_argument("--k", required=True)
    att.add_argument("--v", required=True)
    att.add_argument("--scales")
    att.add_argument("--model", choices=("nonlinear", "linear"), default="nonlinear")
    att.add_argument("--window", type=int, default=1024)
    att.add_argument("--decay", type=float, default=1.6e-4)
    att.add_argument("--levels")
    att.add_argument("--bf16-decay", action="store_true")
    att.add_argument("--masked", action="store_true",
                     help="all tokens at once with a mask (equal while T <= window)")
    att.add_argument("-o", dest="output", required=True)
    cmp = sub.add_parser("compare", help="compare gcim-sim with the reference")
    cmp.add_argument("--gcim-sim", default="gcim-sim")
    cmp.add_argument("--seed", type=int, default=2024)
    sub.add_parser("selftest", help="check the reference against docs/HardwareModel.md")
    args = parser.parse_args(argv)
    return {"attention": cmd_attention, "compare": cmd_compare,
            "selftest": cmd_selftest}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
