#!/usr/bin/python3
"""train_copy_task.py: trains the example model of the README's demo (a few minutes on CPU).

    /usr/bin/python3 examples/train_copy_task.py --out examples/copy_task.onnx

1. trains a small GPT-style model (gcim_models.gpt2, softmax attention) on the copy task
   (copy_task.py) and exports it as the digital twin (<out>_digital.onnx);
2. maps it onto gain cells with the linear cell and fine-tunes it (the paper's first step);
3. maps that onto the nonlinear cell, adapts the per-head scalers to the linear model's
   statistics (gcim.adapt, docs/HardwareModel.md section 4) and fine-tunes briefly with the
   linear surrogate gradient; exports it as <out> (ai.gcim.GainCellAttention nodes);
4. writes the evaluation set (<stem>_inputs.npy, <stem>_labels.npy) and the accuracies of
   every stage (<stem>_results.json).
Everything is seeded; the evaluation set is never trained on.
"""
import argparse
import itertools
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import copy_task as ct  # noqa: E402

from gcim import lm  # noqa: E402
from gcim.adapt import adapt  # noqa: E402


def train(model, steps, lr, generator, batch, log, name):
    """gcim.lm.train on fresh random batches of the copy task."""
    data = (ct.make_batch(batch, generator) for _ in itertools.count())
    return lm.train(model, data, steps, lr, log, name, log_every=5)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ct.HERE, "copy_task.onnx"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--digital-steps", type=int, default=60)
    parser.add_argument("--linear-steps", type=int, default=40)
    parser.add_argument("--nonlinear-steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--eval", type=int, default=128, help="evaluation sequences")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    stem = args.out[:-5] if args.out.endswith(".onnx") else args.out
    log = lambda s: print(s, flush=True)  # noqa: E731
    begin = time.time()

    eval_ids, eval_labels = ct.make_batch(args.eval,
                                          torch.Generator().manual_seed(10_000 + args.seed))
    calib_ids, _ = ct.make_batch(32, torch.Generator().manual_seed(20_000 + args.seed))
    data = torch.Generator().manual_seed(args.seed)
    acc = lambda m: ct.accuracy(ct.logits_of(m, eval_ids), eval_labels)  # noqa: E731
    results, times = {}, {}

    digital = ct.digital_model()
    times["digital"] = train(digital, args.digital_steps, 3e-3, data, args.batch, log, "digital")
    results["digital"] = acc(digital)
    log(f"digital (softmax) accuracy {results['digital']:.4f}")

    # The paper's failure case: the softmax model's weights straight on the nonlinear cell.
    results["nonlinear_from_digital"] = acc(ct.gaincell_model(digital, cell="nonlinear"))
    log(f"digital weights on nonlinear gain cells, no adaptation or training: "
        f"{results['nonlinear_from_digital']:.4f}")

    linear = ct.gaincell_model(digital, cell="linear")
    results["linear_mapped"] = acc(linear)
    times["linear"] = train(linear, args.linear_steps, 1e-3, data, args.batch, log, "linear")
    results["linear_finetuned"] = acc(linear)
    log(f"linear gain cells: mapped {results['linear_mapped']:.4f}, "
        f"fine-tuned {results['linear_finetuned']:.4f}")

    nonlinear = ct.gaincell_model(linear, cell="nonlinear")
    results["nonlinear_mapped"] = acc(nonlinear)
    start = time.time()
    adapted = adapt(nonlinear, linear, calib_ids)
    times["adapt"] = time.time() - start
    results["nonlinear_adapted"] = acc(nonlinear)
    results["adapt"] = dict(iterations=adapted.iterations, converged=adapted.converged,
                            mismatch_before=adapted.mismatch_before,
                            mismatch_after=adapted.mismatch_after)
    log(f"nonlinear gain cells: mapped {results['nonlinear_mapped']:.4f}, adapted "
        f"{results['nonlinear_adapted']:.4f} ({adapted.iterations} iterations, statistic "
        f"mismatch {adapted.mismatch_before:.4g} -> {adapted.mismatch_after:.4g})")
    times["nonlinear"] = train(nonlinear, args.nonlinear_steps, 5e-4, data, args.batch, log,
                               "nonlinear")
    results["nonlinear_finetuned"] = acc(nonlinear)
    log(f"nonlinear gain cells: fine-tuned {results['nonlinear_finetuned']:.4f}")

    ct.export(nonlinear, args.out, "copy task, GPT-style, gain-cell attention (nonlinear cell)")
    ct.export(digital, stem + "_digital.onnx", "copy task, GPT-style, softmax attention")
    np.save(stem + "_inputs.npy", eval_ids.numpy())
    np.save(stem + "_labels.npy", eval_labels.numpy())
    times["total"] = time.time() - begin
    params = sum(p.numel() for p in digital.parameters())
    summary = dict(accuracy=results, seconds={k: round(v, 1) for k, v in times.items()},
                   parameters=params, threads=args.threads, torch=torch.__version__,
                   args=vars(args))
    with open(stem + "_results.json", "w") as f:
        json.dump(summary, f, indent=2, sort_keys=True)
        f.write("\n")
    log(f"wrote {args.out}, {stem}_digital.onnx, {stem}_inputs.npy, {stem}_labels.npy, "
        f"{stem}_results.json ({params} parameters, {times['total']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
