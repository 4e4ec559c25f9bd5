#!/usr/bin/python3
"""train_shakespeare.py: the paper's pipeline (docs/HardwareModel.md section 4) at small scale, on
a character-level language model of tiny Shakespeare (33 minutes on 2 cores shared with
other jobs; examples/README.md has the figures).

    nice -n 19 /usr/bin/python3 examples/train_shakespeare.py --out-dir examples

1. trains a GPT-style model (gcim_models.gpt2, softmax attention) on the first 90 % of the
   text: the digital model (shakespeare_digital.onnx);
2. puts its weights as they are on the nonlinear gain cells (the paper's failure case);
3. maps them onto the linear gain cell and fine-tunes, quantisation-aware through
   gcim.torch.GainCellAttention (the paper's first step);
4. maps that onto the nonlinear cell and adapts the per-head scalers to the linear model's
   statistics on a calibration batch (gcim.adapt);
5. fine-tunes the nonlinear model with the linear surrogate gradient (shakespeare.onnx).
Writes the held-out evaluation windows (shakespeare_heldout.npy, int64 (N, 257): inputs
[:, :-1], targets [:, 1:]), every stage's held-out perplexity (shakespeare_results.json) and
the calibration tokens of the generated program's --calibrate (shakespeare_calibration.npy:
16 windows of 257 characters spread over the training text; --calibration-only writes just
that file, without training).
Everything is seeded; the held-out text is never trained on.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "python"))

from gcim import lm  # noqa: E402
from gcim.adapt import adapt  # noqa: E402

DATA = os.path.join(HERE, "data", "tiny-shakespeare", "input.txt")


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", default=HERE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--digital-steps", type=int, default=180)
    parser.add_argument("--linear-steps", type=int, default=60)
    parser.add_argument("--nonlinear-steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--calibration", type=int, default=4,
                        help="training windows the adaptation calibrates on")
    parser.add_argument("--eval", type=int, default=64, help="held-out windows")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--calibration-only", action="store_true",
                        help="write shakespeare_calibration.npy and stop")
    return parser.parse_args(argv)


def run_pipeline(args, text, heldout, log):
    """The five stages; returns (digital model, final nonlinear model, results, seconds)."""
    ppl = lambda model: lm.perplexity(model, heldout)  # noqa: E731
    data = lm.batches(text.train, args.batch, lm.LMConfig.context, args.seed)
    calib = next(lm.batches(text.train, args.calibration, lm.LMConfig.context,
                            20_000 + args.seed))[0]
    results, times = {}, {}
    digital = lm.digital_model(lm.LMConfig(vocab=len(text.vocab), seed=args.seed))
    times["digital"] = lm.train(digital, data, args.digital_steps, 3e-3, log, "digital")
    results["digital"] = ppl(digital)
    log(f"(1) digital (softmax): perplexity {results['digital']:.3f}")

    results["nonlinear_from_digital"] = ppl(lm.gaincell_model(digital, cell="nonlinear"))
    log(f"(2) digital weights on nonlinear gain cells: {results['nonlinear_from_digital']:.3f}")

    linear = lm.gaincell_model(digital, cell="linear")
    results["linear_mapped"] = ppl(linear)
    times["linear"] = lm.train(linear, data, args.linear_steps, 1e-3, log, "linear")
    results["linear_finetuned"] = ppl(linear)
    log(f"(3) linear gain cells: mapped {results['linear_mapped']:.3f}, fine-tuned "
        f"{results['linear_finetuned']:.3f}")

    nonlinear = lm.gaincell_model(linear, cell="nonlinear")
    results["nonlinear_mapped"] = ppl(nonlinear)
    start = time.time()
    adapted = adapt(nonlinear, linear, calib)
    times["adapt"] = time.time() - start
    results["nonlinear_adapted"] = ppl(nonlinear)
    results["adapt"] = dict(iterations=adapted.iterations, converged=adapted.converged,
                            mismatch_before=adapted.mismatch_before,
                            mismatch_after=adapted.mismatch_after)
    log(f"(4) nonlinear gain cells: mapped {results['nonlinear_mapped']:.3f}, adapted "
        f"{results['nonlinear_adapted']:.3f} ({adapted.iterations} iterations, statistic "
        f"mismatch {adapted.mismatch_before:.4g} -> {adapted.mismatch_after:.4g})")

    times["nonlinear"] = lm.train(nonlinear, data, args.nonlinear_steps, 5e-4, log,
                                  "nonlinear")
    results["nonlinear_finetuned"] = ppl(nonlinear)
    log(f"(5) nonlinear gain cells, fine-tuned: {results['nonlinear_finetuned']:.3f}")
    return digital, nonlinear, results, times


def main(argv=None):
    args = parse(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    log = lambda s: print(s, flush=True)  # noqa: E731
    begin = time.time()
    text = lm.CharText.load(DATA)
    out = lambda name: os.path.join(args.out_dir, name)  # noqa: E731
    np.save(out("shakespeare_calibration.npy"), text.train_windows(16, lm.LMConfig.context))
    if args.calibration_only:
        return 0
    heldout = text.heldout_windows(args.eval, lm.LMConfig.context)
    digital, nonlinear, results, times = run_pipeline(args, text, heldout, log)

    lm.export(digital, out("shakespeare_digital.onnx"),
              "tiny Shakespeare, character-level GPT-style, softmax attention", text.vocab)
    lm.export(nonlinear, out("shakespeare.onnx"), "tiny Shakespeare, character-level "
              "GPT-style, gain-cell attention (nonlinear cell)", text.vocab)
    np.save(out("shakespeare_heldout.npy"), heldout)
    times["total"] = time.time() - begin
    summary = dict(perplexity=results, seconds={k: round(v, 1) for k, v in times.items()},
                   parameters=sum(p.numel() for p in digital.parameters()),
                   heldout_characters=int(heldout[:, 1:].size), torch=torch.__version__,
                   args={k: v for k, v in vars(args).items() if k != "out_dir"})
    with open(out("shakespeare_results.json"), "w") as f:
        json.dump(summary, f, indent=2, sort_keys=True)
        f.write("\n")
    log(f"wrote shakespeare.onnx, shakespeare_digital.onnx, shakespeare_heldout.npy, "
        f"shakespeare_results.json to {args.out_dir} ({summary['parameters']} parameters, "
        f"{times['total']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
