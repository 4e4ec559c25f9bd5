#!/usr/bin/python3
"""codegen-gpt2.py: e2e test of code generation on torch exports of the GPT-2-style model.

Exports the model with torch, compiles it with `gcim-compile` and default options (plain
softmax attention stays exact, one line on stderr says so), builds the output folder with
warnings as errors, runs the generated program, and compares every graph output with ONNX
Runtime (ort-run.js). Also checks that compiling again with --attention=digital gives
byte-identical files and running twice gives identical outputs.

Where gcim-stream makes a step function (every export here but a KV cache with more than
one new token, which it does not stream: then the test checks that there is none),
model_step over the tokens is compared with model_run (step-check.c --dump): without a
cache, step t with row t of the full run; with a cache of P tokens and one new one, the
last of P + 1 steps with model_run given torch's K/V of the first P tokens as the past,
and every step with torch's forward on the same P + 1 tokens.

Tolerance: |gcim - ort| <= 1e-4 * max(1, |ort|), as the issue asks, and the same for step
vs run and step vs torch. Both sides compute in float32 with different summation orders
(blocked matmul with M = 1 vs M = T, pairwise reductions, fused ORT kernels, a K/V cache
from torch vs from the steps); for these sizes the differences are around 1e-6, while a
wrong kernel, shape, broadcast, position or mask changes logits by 1e-2 or more.
"""
import re
import argparse
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import (STRICT_CFLAGS, build, build_step_check, compile_model,  # noqa: E402
                            read_tree, run_program, run_steps)
from ortharness import Checker, run_ort  # noqa: E402

from gcim_models.export import ExportOptions, export_model, save_model  # noqa: E402
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402

RTOL = 1e-4


def check_step(check, out, program, model, inputs, got, past):
    """model_step over the tokens against model_run (see the banner)."""
    ids = inputs["input_ids"][0]
    if not past:
        steps = run_steps(program, out, ids)
        check.close("model_step over the tokens vs model_run: logits", steps, got["logits"][0])
        return
    prefix = np.random.RandomState(11).randint(0, model.config.vocab, past)
    tokens = np.concatenate([prefix, ids])
    with torch.no_grad():
        full, _ = model(torch.from_numpy(tokens[None].astype(np.int64)))
        _, presents = model(torch.from_numpy(prefix[None].astype(np.int64)))
    cached = {"input_ids": inputs["input_ids"]}
    for i, (key, value) in enumerate(presents):
        cached[f"past_key_{i}"] = key.numpy()
        cached[f"past_value_{i}"] = value.numpy()
    run = run_program(out, "model", cached)
    steps = run_steps(program, out, tokens)
    check.close(f"model_step over {past} + 1 tokens vs model_run with their past: last logits",
                steps[-1], run["logits"][0, -1])
    check.close(f"model_step over {past} + 1 tokens vs torch's forward: every step's logits",
                steps, full[0].numpy())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--head-dim", type=int, default=32)
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--seq", type=int, default=8)
    parser.add_argument("--kv-cache", action="store_true")
    parser.add_argument("--past", type=int, default=None)
    parser.add_argument("--dynamic", action="store_true")
    parser.add_argument("--cc", default="cc")
    parser.add_argument("--sanitize", action="store_true",
                        help="build the generated C with -fsanitize=address,undefined")
    args = parser.parse_args()

    config = GPT2Config(layers=args.layers, heads=args.heads, head_dim=args.head_dim,
                        vocab=96, context=max(16, args.seq + (args.past or 0)),
                        init_std=0.1, seed=3)
    model = GPT2(config)
    options = ExportOptions(opset=args.opset, kv_cache=args.kv_cache, dynamic=args.dynamic,
                            seq=args.seq, past=args.past)
    check = Checker(RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-codegen-") as tmp:
        model_path = os.path.join(tmp, "model.onnx")
        save_model(export_model(model, options), model_path)
        seq, past = options.resolve(config)
        rng = np.random.RandomState(7)
        inputs = {"input_ids": rng.randint(0, config.vocab, (1, seq)).astype(np.int64)}
        shapes = [f"input_ids=1x{seq}"]
        for i in range(config.layers if args.kv_cache else 0):
            for kind in ("key", "value"):
                inputs[f"past_{kind}_{i}"] = rng.randn(1, config.heads, past,
                                                       config.head_dim).astype(np.float32)
                shapes.append(f"past_{kind}_{i}=1x{config.heads}x{past}x{config.head_dim}")
        flags = []
        for shape in shapes if args.dynamic else []:
            flags += ["--input-shape", shape]

        # Default options (--attention=auto) keep plain softmax attention exact and say so
        # in one line on stderr; --attention=digital then writes the very same files.
        out1, out2 = os.path.join(tmp, "out1"), os.path.join(tmp, "out2")
        said = compile_model(model_path, out1, *flags).stderr.splitlines()
        check.expect("one line on stderr says the attention stays digital",
                     len(said) == 1 and "stays digital" in said[0], "\n".join(said))
        compile_model(model_path, out2, *flags, "--attention=digital")
        check.expect("compiling twice (default, then --attention=digital) gives "
                     "byte-identical files", read_tree(out1) == read_tree(out2))
        with open(os.path.join(out1, "model.c")) as f:
            source = f.read()
        # The fast paths of the emitter (docs/GeneratedC.md): checked here because a model
        # that silently fell back to the generic kernels would still be correct.
        check.expect("every MatMul on a constant weight uses the packed kernel",
                     "gcimParallelMatMulPackedF32(" in source and
                     "gcimKernelMatMulF32(" not in source)
        # Four products with a bias per layer (QKV, attention output, the MLP's two).
        biased = re.findall(r"gcimParallelMatMulPackedF32\(s->pool, \w+, \w+, w\d+,", source)
        check.expect("the bias Adds are folded into the products (gcim.linear)",
                     len(biased) == 4 * args.layers)
        check.expect("the GELU chain is one fused statement",
                     "gcimParallelUnaryF32(s->pool, GCIM_UNARY_GELU" in source and
                     "GCIM_UNARY_TANH" not in source)
        cflags, ldflags = STRICT_CFLAGS, ""
        if args.sanitize:
            ldflags = "-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"
            cflags += " " + ldflags
        build(out1, cc=args.cc, cflags=cflags, ldflags=ldflags)
        got = run_program(out1, "model", inputs)
        again = run_program(out1, "model", inputs)
        check.expect("two runs give identical outputs",
                     all(np.array_equal(got[k], again[k]) for k in got))
        one, three = (run_program(out1, "model", inputs, ["--threads", t]) for t in "13")
        check.expect("1 and 3 threads give identical outputs",
                     all(np.array_equal(one[k], three[k]) for k in one))
        ref = run_ort(model_path, inputs)
        check.expect("the same outputs as ONNX Runtime", sorted(got) == sorted(ref),
                     f"{sorted(got)} vs {sorted(ref)}")
        for name in sorted(ref):
            if name in got:
                check.close(name, got[name], ref[name])
        streamed = not (args.kv_cache and seq > 1)
        has_step = "int model_step(" in read_tree(out1)["model.h"].decode()
        check.expect("gcim-stream made a step function" if streamed else
                     "no step function (a cache with more than one new token is not streamed)",
                     has_step == streamed)
        if has_step:
            program = build_step_check(out1, cc=args.cc, cflags=cflags, ldflags=ldflags)
            check_step(check, out1, program, model, inputs, got, past)
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
