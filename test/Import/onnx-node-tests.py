#!/usr/bin/env python3
"""onnx-node-tests.py: imports the ONNX backend node tests (libonnx-testdata) with
gcim-compile.

A model is eligible when every op is in the importer's table (lib/Import/Onnx/OpSchemas.inc)
or decomposed by it (DECOMPOSED),
its default-domain opset is 1 to 23 (below 13 upgraded by ExpandLegacy.c), its inputs and outputs are tensors of supported
element types and no shape depends on an input's value (VALUE_DEPENDENT_SHAPES). Every eligible model must import and verify, and their number must not fall
below --min-imported. --markdown prints the coverage table and the unsupported-op histogram
of docs/Importer.md instead.
"""
import argparse
import collections
import glob
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import onnx

DATA = "/usr/share/libonnx-testdata/data/node"
SUPPORTED_TYPES = {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16}


# Operators the importer decomposes into supported ones before import (ExpandQuant.c,
# ExpandOps.c, ExpandRotary.c, ExpandGqa.c, ExpandEinsum.c, ExpandActivations.c,
# ExpandReduce.c, ExpandOneHot.c).
DECOMPOSED = {("", "DequantizeLinear"), ("", "QuantizeLinear"), ("com.microsoft", "MatMulNBits"),
              ("", "RMSNormalization"), ("", "RotaryEmbedding"), ("", "Einsum"),
              ("com.microsoft", "RotaryEmbedding"), ("com.microsoft", "GroupQueryAttention")} | {
    ("", op) for op in """Elu Celu Selu LeakyRelu PRelu ThresholdedRelu Softsign HardSwish Shrink
    Round Sum Mean ReduceL1 ReduceL2 ReduceSumSquare ReduceLogSum ReduceLogSumExp OneHot
    Hardmax""".split()}


def op_table(src_root):
    text = open(os.path.join(src_root, "lib/Import/Onnx/OpSchemas.inc")).read()
    return set(re.findall(r'\{"([^"]*)", "([^"]*)", "onnx\.', text)) | DECOMPOSED


# Models where an intermediate value's shape depends on an input's value (the window
# length of the *window_expanded tests is an input scalar feeding Range): gcim needs
# static shapes, and the declared output shape does not give the Range's.
VALUE_DEPENDENT_SHAPES = {f"test_{kind}window{sym}_expanded" for kind in
                          ("blackman", "hamming", "hann") for sym in ("", "_symmetric")}
# So are TopK's and OneHot's outputs when K or depth is a graph input (their extent), which
# the importer refuses naming the input.
VALUE_DEPENDENT_SHAPES |= {"test_top_k", "test_top_k_negative_axis", "test_top_k_smallest",
                           "test_onehot_negative_indices", "test_onehot_with_axis",
                           "test_onehot_with_negative_axis", "test_onehot_without_axis"}

# DynamicQuantizeLinear written out: QuantizeLinear with a scale and zero point computed
# in the graph, whose ranks and types ExpandQuant.c needs declared (it refuses, naming them).
COMPUTED_QUANT_PARAMETERS = {f"test_dynamicquantizelinear{kind}_expanded"
                             for kind in ("", "_max_adjusted", "_min_adjusted")}

# Einsum node tests whose equations the expansion refuses with a diagnostic (ExpandEinsum.c:
# a diagonal, a letter summed over one operand, a product with no output letter).
UNSUPPORTED_EINSUM = {"test_einsum_batch_diagonal", "test_einsum_inner_prod", "test_einsum_sum"}


def classify(path, supported):
    """Returns (reason it is not eligible or None, [(domain, op)...])."""
    model = onnx.load(path, load_external_data=False)
    if os.path.basename(os.path.dirname(path)) in VALUE_DEPENDENT_SHAPES:
        return "a shape depends on an input's value", [], []
    if os.path.basename(os.path.dirname(path)) in UNSUPPORTED_EINSUM:
        return "an Einsum equation gcim refuses", [], []
    if os.path.basename(os.path.dirname(path)) in COMPUTED_QUANT_PARAMETERS:
        return "a QuantizeLinear scale computed in the graph", [], []
    ops = [("" if n.domain == "ai.onnx" else n.domain, n.op_type) for n in model.graph.node]
    missing = sorted({op for op in ops if op not in supported})
    if missing:
        return "unsupported op", ops, missing
    opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if not opset or not 1 <= opset[0] <= 23:
        return "opset outside 1 to 23", ops, []
    for value in list(model.graph.input) + list(model.graph.output):
        kind = value.type.WhichOneof("value")
        if kind != "tensor_type" or value.type.tensor_type.elem_type not in SUPPORTED_TYPES:
            return "non-tensor or string values", ops, []
    return None, ops, []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gcim-compile", default="gcim-compile")
    parser.add_argument("--src-root", required=True)
    parser.add_argument("--min-imported", type=int, default=0)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    supported = op_table(args.src_root)
    models = sorted(glob.glob(os.path.join(DATA, "*", "model.onnx")))
    eligible, reasons = [], collections.Counter()
    histogram, examples = collections.Counter(), {}
    covered = collections.Counter()
    for path in models:
        reason, ops, missing = classify(path, supported)
        if reason:
            reasons[reason] += 1
            for op in missing:
                histogram[op] += 1
                examples.setdefault(op, os.path.basename(os.path.dirname(path)))
        else:
            eligible.append(path)
            for op in set(ops):
                covered[op] += 1

    def run(path):
        result = subprocess.run([args.gcim_compile, "--emit=onnx", path, "-o", os.devnull],
                                capture_output=True, text=True)
        return path, result.returncode, result.stderr

    failures = []
    with ThreadPoolExecutor(os.cpu_count() or 4) as pool:
        for path, code, stderr in pool.map(run, eligible):
            if code != 0:
                failures.append((path, code, stderr))
    imported = len(eligible) - len(failures)

    if args.markdown:
        print(f"{imported} of {len(models)} models import and verify; "
              f"{len(eligible)} are eligible.\n")
        print("| not eligible because | models |\n|---|---|")
        for reason, count in reasons.most_common():
            print(f"| {reason} | {count} |")
        print("\n| op | eligible models using it |\n|---|---|")
        for (domain, op), count in sorted(covered.items()):
            print(f"| {domain + '.' if domain else ''}{op} | {count} |")
        print("\n| unsupported op | models | for example |\n|---|---|---|")
        for (domain, op), count in histogram.most_common():
            print(f"| {domain + '.' if domain else ''}{op} | {count} | "
                  f"{examples[(domain, op)]} |")
        return 0

    print(f"onnx-node-tests: {imported} of {len(models)} models imported "
          f"({len(eligible)} eligible, minimum {args.min_imported})")
    for path, code, stderr in failures:
        print(f"FAILED ({code}): {path}\n{stderr}", file=sys.stderr)
    if failures or imported < args.min_imported:
        return 1
    return 0


sys.exit(main())
