#!/usr/bin/python3
"""shakespeare-example.py: e2e test of the language-model example (examples/shakespeare*):
the committed models, compiled by gcim-compile (the softmax model with --attention=digital,
the gain-cell model with --attention=analog), built and run on the committed held-out
windows, give the held-out perplexity of the PyTorch models rebuilt from the same ONNX files;
and the torch perplexities are the ones the training script recorded in
shakespeare_results.json (with the digital weights straight on the nonlinear cells, the
paper's failure case). Never retrains.

Tolerances (relative, on the perplexity exp(mean cross-entropy) over every predicted
character):
- torch vs recorded, 1e-5: the same float32 weights in another process and thread count;
  only summation order may differ (measured: equal to the last printed digit); checked for
  the digital model, its weights straight on nonlinear gain cells, and the gain-cell model;
- generated C vs torch, digital 1e-5: logits agree within 1e-4 * max(1, |ref|) (float32
  kernels in another summation order), which moves a mean cross-entropy far less;
- generated C vs torch, analog 1e-4: as digital, plus a summation-order tie may flip one
  output quantiser by one step (the simulator's rule: at most 0.1 % of token rows differ),
  changing the logits of the rows downstream of it by about 1e-3.
"""
import argparse
import json
import math
import os
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(SRC_ROOT, "examples")
sys.path.insert(0, HERE)
sys.path.insert(0, EXAMPLES)
sys.path.insert(0, os.path.join(SRC_ROOT, "python"))
from codegenharness import build, compile_model  # noqa: E402
from ortharness import Checker  # noqa: E402

import torch  # noqa: E402

import evaluate  # noqa: E402
from gcim import lm  # noqa: E402

MODELS = (("digital", "shakespeare_digital.onnx", "--attention=digital", "digital", 1e-5),
          ("analog", "shakespeare.onnx", "--attention=analog", "nonlinear_finetuned", 1e-4))


def relative(a, b):
    return abs(a / b - 1.0)


def check_model(check, tmp, windows, recorded, kind, file, flag, key, rtol):
    path = os.path.join(EXAMPLES, file)
    model, _ = lm.load_onnx(path)
    inputs, targets = windows[:, :-1], windows[:, 1:]
    ref = lm.logits_of(model, inputs)
    torch_ppl = math.exp(lm.cross_entropy(ref, targets))
    if recorded is not None:
        check.expect(f"{kind}: torch perplexity = the recorded {key} within 1e-5",
                     relative(torch_ppl, recorded[key]) <= 1e-5,
                     f"{torch_ppl:.6f} vs {recorded[key]:.6f}")
    out = os.path.join(tmp, kind)
    compile_model(path, out, flag, prefix="shakespeare")
    build(out)
    got, _ = evaluate.run_program(os.path.join(out, "shakespeare"), inputs, "input_ids", False)
    c_ppl = math.exp(lm.cross_entropy(got, targets))
    check.expect(f"{kind}: generated C perplexity = torch's within {rtol:g} ({len(windows)} "
                 f"windows, {targets.size} characters)", relative(c_ppl, torch_ppl) <= rtol,
                 f"C {c_ppl:.6f}, torch {torch_ppl:.6f}, max|logit diff| "
                 f"{np.abs(got - ref).max():.3g}")
    return torch_ppl


def check_naive_mapping(check, windows, recorded):
    """Stage (2), the paper's failure case, rebuilt from the digital file: its weights as
    they are on nonlinear gain cells (default scales)."""
    digital, _ = lm.load_onnx(os.path.join(EXAMPLES, "shakespeare_digital.onnx"))
    naive = lm.perplexity(lm.gaincell_model(digital, cell="nonlinear"), windows)
    key = "nonlinear_from_digital"
    check.expect(f"digital weights on nonlinear gain cells: torch perplexity = the recorded "
                 f"{key} within 1e-5", relative(naive, recorded[key]) <= 1e-5,
                 f"{naive:.6f} vs {recorded[key]:.6f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, help="only the first N held-out windows "
                        "(skips the comparison with the recorded perplexities)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    check = Checker(1e-4)
    windows = np.load(os.path.join(EXAMPLES, "shakespeare_heldout.npy"))
    with open(os.path.join(EXAMPLES, "shakespeare_results.json")) as f:
        recorded = json.load(f)["perplexity"]
    if args.limit:
        windows, recorded = windows[:args.limit], None
    with tempfile.TemporaryDirectory(prefix="gcim-shakespeare-") as tmp:
        ppl = {model[0]: check_model(check, tmp, windows, recorded, *model) for model in MODELS}
    if recorded is not None:
        check_naive_mapping(check, windows, recorded)
    check.expect("examples/README.md's claim: the fine-tuned gain-cell model's perplexity is "
                 "within 5 % of the digital model's", ppl["analog"] <= 1.05 * ppl["digital"],
                 f"analog {ppl['analog']:.3f}, digital {ppl['digital']:.3f}")
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
