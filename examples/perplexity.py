#!/usr/bin/python3
"""perplexity.py: the held-out perplexity of a language model compiled by gcim-compile, for
the README's demo and the noise study (noise_shakespeare.py).

    perplexity.py --program out/shakespeare [--windows examples/shakespeare_heldout.npy]
                  [--label TEXT] [--limit N]

The generated program (gcim-compile --emit-main) takes input_ids of shape (1, T): it runs
once per held-out window (N, T + 1), on the inputs [:, :-1]; the perplexity is exp of the
mean cross-entropy of its logits against the next characters [:, 1:]. Exit status 1 on any
error.
"""
import argparse
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

import evaluate  # noqa: E402
from gcim import lm  # noqa: E402


def program_perplexity(program, windows):
    """exp(cross-entropy) of `program`'s logits on (N, T + 1) windows."""
    logits, _ = evaluate.run_program(os.path.abspath(program), windows[:, :-1], "input_ids",
                                     False)
    return math.exp(lm.cross_entropy(logits, windows[:, 1:]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--program", required=True, help="built by gcim-compile --emit-main")
    parser.add_argument("--windows", default=os.path.join(HERE, "shakespeare_heldout.npy"))
    parser.add_argument("--label", default="", help="text to print before the perplexity")
    parser.add_argument("--limit", type=int, help="only the first N windows")
    args = parser.parse_args(argv)
    try:
        windows = np.load(args.windows)[:args.limit]
        ppl = program_perplexity(args.program, windows)
    except (OSError, ValueError, RuntimeError) as e:
        print(f"perplexity: error: {e}", file=sys.stderr)
        return 1
    label = f"{args.label}: " if args.label else ""
    print(f"{label}perplexity {ppl:.3f} ({windows[:, 1:].size} held-out characters, "
          f"{len(windows)} windows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
