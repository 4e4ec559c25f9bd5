#!/usr/bin/env python3
"""gen-onnx-irdl.py: writes lib/Dialect/onnx.irdl.mlir from ONNX's operator schemas.

Run with Debian's /usr/bin/python3 (python3-onnx). The dialect follows the newest form of
each operator (the importer rewrites older opsets into it); operators newer than the
installed onnx package (Gelu-20, ReduceMean/ReduceMax-18, Attention-23) and the
contrib/custom ones are described by hand below. Re-run after editing OPS or HAND_WRITTEN.
"""
import re
import sys

import onnx.defs as defs
from onnx import AttributeProto

# ONNX operator types of the default domain, in the order they appear in the file.
OPS = """Add Sub Mul Div Pow Sqrt Reciprocal Neg Abs Exp Log Tanh Erf Sigmoid HardSigmoid
Relu Softmax LogSoftmax MatMul Gemm Transpose Reshape Flatten Squeeze Unsqueeze Concat Split
Slice Gather Expand Where Equal Less Greater Not And Or Cast Constant ConstantOfShape Shape
Size Range Trilu ReduceSum LayerNormalization Clip Min Max Identity Dropout""".split()

SINGLE, OPTIONAL, VARIADIC = "single", "optional", "variadic"

# Operators described by hand: (onnx name, op name, operands, results, attributes), where
# operands and results are (name, variadicity) and attributes (name, irdl base).
INT, FLOAT, STRING, INTS, FLOATS = ("#builtin.integer", "#builtin.float", "#builtin.string",
                                    "#builtin.dense_array", "#builtin.dense_array")
HAND_WRITTEN = [
    ("Gelu", "gelu", [("x", SINGLE)], [("y", SINGLE)], [("approximate", STRING)]),
    ("ReduceMean", "reduce_mean", [("data", SINGLE), ("axes", OPTIONAL)],
     [("reduced", SINGLE)], [("keepdims", INT), ("noop_with_empty_axes", INT)]),
    ("ReduceMax", "reduce_max", [("data", SINGLE), ("axes", OPTIONAL)],
     [("reduced", SINGLE)], [("keepdims", INT), ("noop_with_empty_axes", INT)]),
    ("Attention (opset 23)", "attention",
     [("q", SINGLE), ("k", SINGLE), ("v", SINGLE), ("attn_mask", OPTIONAL),
      ("past_key", OPTIONAL), ("past_value", OPTIONAL)],
     [("y", SINGLE), ("present_key", OPTIONAL), ("present_value", OPTIONAL),
      ("qk_matmul_output", OPTIONAL)],
     [("is_causal", INT), ("qk_matmul_output_mode", INT), ("softcap", FLOAT)]),
    ("com.microsoft Attention", "ms_attention",
     [("input", SINGLE), ("weights", SINGLE), ("bias", OPTIONAL), ("mask_index", OPTIONAL),
      ("past", OPTIONAL), ("attention_bias", OPTIONAL), ("past_sequence_length", OPTIONAL)],
     [("output", SINGLE), ("present", OPTIONAL)],
     [("num_heads", INT), ("unidirectional", INT)]),
    ("com.microsoft MultiHeadAttention", "ms_multi_head_attention",
     [("query", SINGLE), ("key", OPTIONAL), ("value", OPTIONAL), ("bias", OPTIONAL),
      ("key_padding_mask", OPTIONAL), ("attention_bias", OPTIONAL),
      ("past_key", OPTIONAL), ("past_value", OPTIONAL)],
     [("output", SINGLE), ("present_key", OPTIONAL), ("present_value", OPTIONAL)],
     [("num_heads", INT), ("unidirectional", INT)]),
    ("ai.gcim GainCellAttention", "gcim_gain_cell_attention",
     [("q", SINGLE), ("k", SINGLE), ("v", SINGLE), ("scales", OPTIONAL)],
     [("y", SINGLE)],
     [("num_heads", INT), ("window", INT), ("cell", STRING), ("decay", FLOAT),
      ("q_levels", INT), ("kv_levels", INT), ("out_levels", INT),
      ("first_product_saturation", FLOAT), ("output_saturation", FLOAT)]),
]

ATTR_BASE = {AttributeProto.INT: INT, AttributeProto.FLOAT: FLOAT,
             AttributeProto.STRING: STRING, AttributeProto.INTS: INTS,
             AttributeProto.FLOATS: FLOATS}


def snake(name):
    """MatMul -> mat_mul, InvStdDev -> inv_std_dev, X -> x."""
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return name.lower()


def variadicity(param):
    option = param.option
    if option == defs.OpSchema.FormalParameterOption.Optional:
        return OPTIONAL
    if option == defs.OpSchema.FormalParameterOption.Variadic:
        return VARIADIC
    return SINGLE


def from_schema(op_type):
    schema = defs.get_schema(op_type)
    operands = [(snake(p.name), variadicity(p)) for p in schema.inputs]
    results = [(snake(p.name), variadicity(p)) for p in schema.outputs]
    attributes = []
    for name, attr in sorted(schema.attributes.items()):
        # Declared only when always present: required, or given its default by the
        # importer. Optional attributes without a default stay undeclared (and allowed).
        has_default = attr.default_value.name != ""
        if attr.type in ATTR_BASE and (attr.required or has_default):
            attributes.append((name, ATTR_BASE[attr.type]))
        elif attr.type == AttributeProto.TENSOR and (attr.required or has_default):
            attributes.append((name, None))
    return (f"{op_type} (opset {schema.since_version})", snake(op_type), operands, results,
            attributes)


def emit(out, spec):
    title, name, operands, results, attributes = spec
    out.write(f"  // {title}\n  irdl.operation @{name} {{\n")
    for index, (operand, _) in enumerate(operands):
        out.write(f'    %in{index} = irdl.base "!builtin.tensor"\n')
    for index, (result, _) in enumerate(results):
        out.write(f'    %out{index} = irdl.base "!builtin.tensor"\n')
    for index, (attribute, base) in enumerate(attributes):
        constraint = f'irdl.base "{base}"' if base else "irdl.any"
        out.write(f"    %attr{index} = {constraint}\n")

    def group(items, prefix):
        parts = []
        for index, (item, kind) in enumerate(items):
            qualifier = "" if kind == SINGLE else kind + " "
            parts.append(f"{item}: {qualifier}%{prefix}{index}")
        return ", ".join(parts)

    if operands:
        out.write(f"    irdl.operands({group(operands, 'in')})\n")
    if attributes:
        entries = ", ".join(f'"{a}" = %attr{i}' for i, (a, _) in enumerate(attributes))
        out.write(f"    irdl.attributes {{{entries}}}\n")
    out.write(f"    irdl.results({group(results, 'out')})\n  }}\n")


def main():
    out = sys.stdout
    out.write("""// onnx.irdl.mlir: the onnx dialect, one op per supported ONNX operator.
// Generated by utils/gen-onnx-irdl.py from ONNX's operator schemas; edit the script, not
// this file.
//
// IRDL requires lower-case names: op `onnx.<snake_case>` stands for ONNX operator
// `<CamelCase>` (MatMul -> onnx.mat_mul), operands, results and attributes keep ONNX's
// names in snake case. Ops of other domains carry a prefix: com.microsoft -> `ms_`,
// ai.gcim -> `gcim_`. Each op follows the newest form of its operator; the importer
// rewrites older opsets into it. Declared attributes are always present (the importer
// writes ONNX's defaults); optional attributes without a default are left undeclared.
// Ops with more than one optional or variadic operand (result) group carry
// `operandSegmentSizes` (`resultSegmentSizes`), as IRDL requires.

irdl.dialect @onnx {
""")
    specs = [from_schema(op) for op in OPS] + HAND_WRITTEN
    for index, spec in enumerate(specs):
        if index:
            out.write("\n")
        emit(out, spec)
    out.write("}\n")


main()
