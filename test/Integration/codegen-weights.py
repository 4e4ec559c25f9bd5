#!/usr/bin/python3
"""codegen-weights.py: gcim-compile --weights=int8|bf16 on the example language model
(examples/shakespeare_digital.onnx): held-out perplexity of the generated program against the
float32 build, the weights file's size, and the decode step against the whole run.

Margins. Perplexity over the 64 held-out windows (16,384 predicted tokens): int8 within 1 %
of float32, bfloat16 within 0.5 %. Measured here: int8 -0.007 %, bfloat16 +0.001 %
(docs/UserGuide.md, "Narrow weights"): the margins leave room for a retrained example while a wrong scale,
rounding or packing (which moves the perplexity by far more, e.g. a weight off by a factor
of two) fails. Size: the float32 file less what the products' weights save, to the byte for
bfloat16 (2 bytes per packed element instead of 4) and within the 64-byte alignment of each
tensor for int8 (1 byte per packed element, plus one float32 scale per column). Step: the
decode step (one row: codes multiplied directly, the scale applied to the sum) against the
whole run (dequantized tiles into the float32 kernel) over the window, 1e-4 relative to
max(1, |logit|), as codegen-stream's float32 bound: the same products rounded differently.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, build_step_check, compile_model, gcim_compile  # noqa: E402
from ortharness import Checker  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
MODEL = os.path.join(ROOT, "examples", "shakespeare_digital.onnx")
HELDOUT = os.path.join(ROOT, "examples", "shakespeare_heldout.npy")
MARGIN = {"int8": 0.01, "bf16": 0.005}
LINEAR = re.compile(r'"gcim\.linear"\(.*: \(tensor<[^>]*>, tensor<(\d+)x(\d+)xf32>')


def perplexity(out):
    proc = subprocess.run([os.path.join(out, "model"), "--eval", HELDOUT], capture_output=True,
                          text=True)
    found = re.search(r"perplexity ([0-9.]+)", proc.stdout + proc.stderr)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"--eval failed ({proc.returncode}): {proc.stdout}{proc.stderr}")
    return float(found.group(1))


def linear_weights():
    """(K, N) of every product on a float32 weight in the float32 build's first function
    (the whole run: each has its own weight; the step function shares them)."""
    proc = subprocess.run([gcim_compile(), "-q", "--emit=runtime", MODEL], capture_output=True,
                          text=True, check=True)
    first = proc.stdout.split("func.func")[1]
    return [(int(k), int(n)) for k, n in LINEAR.findall(first)]


def padded(n):
    return -(-n // 32) * 32


def main():
    check = Checker(1e-4)
    shapes = linear_weights()
    check.expect("the example has products on float32 weights", len(shapes) >= 9, f"{shapes}")
    with tempfile.TemporaryDirectory(prefix="gcim-weights-") as tmp:
        ppl, size = {}, {}
        for fmt in ("f32", "int8", "bf16"):
            out = os.path.join(tmp, fmt)
            compile_model(MODEL, out, "-q", f"--weights={fmt}")
            build(out)
            ppl[fmt] = perplexity(out)
            size[fmt] = os.path.getsize(os.path.join(out, "model.weights"))
            print(f"{fmt}: perplexity {ppl[fmt]:.4f}, weights file {size[fmt]} bytes")
            if fmt == "f32":
                continue
            change = ppl[fmt] / ppl["f32"] - 1.0
            check.expect(f"{fmt}: perplexity within {MARGIN[fmt]:.1%} of float32",
                         abs(change) <= MARGIN[fmt], f"{change:+.4%}")
            program = build_step_check(out)
            proc = subprocess.run([program, os.path.join(out, "model.weights"), "1e-4"],
                                  capture_output=True, text=True)
            check.expect(f"{fmt}: model_step over the window matches model_run",
                         proc.returncode == 0, (proc.stdout + proc.stderr).strip()[-300:])
        saved_bf16 = sum(padded(n) * k * 2 for k, n in shapes)
        check.expect("bf16: the products' weights take 2 bytes per packed element",
                     size["bf16"] == size["f32"] - saved_bf16,
                     f"{size['f32']} - {saved_bf16} vs {size['bf16']}")
        saved_int8 = sum(padded(n) * k * 3 - 4 * n for k, n in shapes)
        slack = size["int8"] - (size["f32"] - saved_int8)
        check.expect("int8: 1 byte per packed element and a scale per column",
                     0 <= slack <= 64 * 2 * len(shapes), f"{slack} bytes of alignment")
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
