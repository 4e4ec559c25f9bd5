#!/usr/bin/python3
"""codegen-quant-gpt2.py: a 4-bit GPT-2-shaped decode step against ONNX Runtime running the
same file.

A small GPT-2 (torch, gcim_models; 2 layers, 2 heads of 32, vocabulary 96) exported with a
KV cache (one new token after a past of 7) has every MatMul on a (K, N) weight made
com.microsoft MatMulNBits (4 bits, blocks of 32 rows, zero points) by bench/e2e/quantize.py
--bits 4, as ONNX Runtime's MatMul4BitsQuantizer writes them. gcim-compile builds it
(--attention=digital); the generated program's decode step (model_run on the past: logits
and the presents) is compared with ONNX Runtime (basic level, which keeps MatMulNBits as
it is) on the same file, and every MatMulNBits is checked to run on 4-bit codes
(GCIM_PACKED_Q4) in the generated C, in model_run and in gcim-stream's model_step.

Tolerance: |gcim - ort| <= 1e-4 * max(1, |ort|), as codegen-gpt2 for float32: both sides
multiply by the same dequantized weights ((q - zero point) * scale, one float32 rounding),
gcim's fused kernel summing per block before scaling (docs/Runtime.md), so the results
differ by roundings only (2e-6 seen); every zero point off by one moves the logits by 0.27
and the presents by 0.08-0.15 (tried by hand).
"""
import os
import re
import sys
import tempfile

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench", "e2e"))
from codegenharness import build, compile_model, run_program  # noqa: E402
from ortharness import Checker, run_ort  # noqa: E402
from quantize import quantize  # noqa: E402

from gcim_models.export import ExportOptions, export_model, save_model  # noqa: E402
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402

RTOL = 1e-4
LAYERS, HEADS, HEAD_DIM, PAST = 2, 2, 32, 7


def main():
    config = GPT2Config(layers=LAYERS, heads=HEADS, head_dim=HEAD_DIM, vocab=96, context=16,
                        init_std=0.1, seed=3)
    options = ExportOptions(opset=17, kv_cache=True, seq=1, past=PAST)
    model = export_model(GPT2(config), options)
    products = quantize(model, 4)
    check = Checker(RTOL)
    check.expect("the products became MatMulNBits (4 per layer at least)",
                 products >= 4 * LAYERS, f"{products}")
    rng = np.random.RandomState(7)
    inputs = {"input_ids": rng.randint(0, config.vocab, (1, 1)).astype(np.int64)}
    for i in range(LAYERS):
        for kind in ("key", "value"):
            inputs[f"past_{kind}_{i}"] = rng.randn(1, HEADS, PAST, HEAD_DIM).astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="gcim-quant-gpt2-") as tmp:
        path = os.path.join(tmp, "model-q4.onnx")
        save_model(model, path)
        nodes = sum(n.op_type == "MatMulNBits" for n in onnx.load(path).graph.node)
        ref = run_ort(path, inputs, opt_level="basic")
        out = os.path.join(tmp, "out")
        try:
            compile_model(path, out, "--attention=digital")
            build(out)
            got = run_program(out, "model", inputs)
        except RuntimeError as error:
            check.expect("compiled, built and ran", False, str(error)[-2000:])
            return check.finish("codegen-quant-gpt2")
        with open(os.path.join(out, "model.c")) as source:
            text = source.read()
        calls = re.findall(r"gcimParallelMatMulPackedWeightF32\(s->pool, \w+, "
                           r"&\(const GcimPackedWeight\)\{(\w+),", text)
        check.expect(f"model_run and model_step: {nodes} products each, all on 4-bit codes",
                     "model_step(" in text and len(calls) == 2 * nodes and
                     set(calls) == {"GCIM_PACKED_Q4"}, f"{len(calls)}: {sorted(set(calls))}")
        check.expect("every output", sorted(ref) == sorted(got), f"{sorted(got)}")
        for key, want in sorted(ref.items()):
            if key in got:
                check.close(key, got[key], want)
    return check.finish("codegen-quant-gpt2")


if __name__ == "__main__":
    sys.exit(main())
