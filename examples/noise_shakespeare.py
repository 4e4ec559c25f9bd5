#!/usr/bin/python3
"""noise_shakespeare.py: the gain-cell language model's held-out perplexity under the
hardware's non-idealities, in the generated C (the PyTorch layer has no noise).

    noise_shakespeare.py --build build [--seeds 5] [--limit N]

For each setting (write noise on the stored voltages, read noise on the analog products,
cell-to-cell spread of the retention time, all three) and each seed, writes a hardware
description (`gcim-sim hardware --seed S ...`), compiles examples/shakespeare.onnx with it
(`gcim-compile --hw ... --attention=analog --emit-main`), builds and runs it on the held-out
windows, and prints the mean and standard deviation of the perplexity over the seeds.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import perplexity  # noqa: E402

SETTINGS = (
    ("none (the paper's hardware)", []),
    ("write noise 0.02 V", ["--write-noise", "0.02"]),
    ("write noise 0.1 V", ["--write-noise", "0.1"]),     # about one DAC step (0.129 V)
    ("read noise 30 dB SNR", ["--read-noise-snr", "30"]),
    ("read noise 20 dB SNR", ["--read-noise-snr", "20"]),
    ("retention spread 20 %", ["--retention-spread", "0.2"]),
    ("all three", ["--write-noise", "0.02", "--read-noise-snr", "30",
                   "--retention-spread", "0.2"]),
)


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")


def noisy_perplexity(bin_dir, tmp, flags, seed, windows):
    """Perplexity of examples/shakespeare.onnx on hardware with `flags` and `seed`."""
    hw = os.path.join(tmp, "hw.json")
    out = os.path.join(tmp, "out")
    run([os.path.join(bin_dir, "gcim-sim"), "hardware", "--seed", str(seed), *flags,
         "-o", hw])
    run([os.path.join(bin_dir, "gcim-compile"), os.path.join(HERE, "shakespeare.onnx"),
         "-o", out, "--emit-main", "--name", "shakespeare", "--attention=analog",
         "--hw", hw])
    run(["make", "-s", "-C", out])
    return perplexity.program_perplexity(os.path.join(out, "shakespeare"), windows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build", help="gcim's build directory")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--limit", type=int, help="only the first N held-out windows")
    args = parser.parse_args(argv)
    bin_dir = os.path.join(os.path.abspath(args.build), "bin")
    windows = np.load(os.path.join(HERE, "shakespeare_heldout.npy"))[:args.limit]
    try:
        with tempfile.TemporaryDirectory(prefix="gcim-noise-") as tmp:
            for label, flags in SETTINGS:
                seeds = range(args.seeds if flags else 1)
                ppl = [noisy_perplexity(bin_dir, tmp, flags, s, windows) for s in seeds]
                print(f"{label:<28}: perplexity {np.mean(ppl):.3f} +- {np.std(ppl):.3f} "
                      f"over {len(ppl)} seed(s) (min {min(ppl):.3f}, max {max(ppl):.3f})",
                      flush=True)
    except (OSError, RuntimeError) as e:
        print(f"noise_shakespeare: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
