#!/usr/bin/env python3
"""gen-onnx-irdl.py: writes lib/Dialect/onnx.irdl.mlir from ONNX's operator schemas.

Run with Debian's /usr/bin/python3 (python3-onnx). The dialect follows the newest form of
each operator (the importer rewrites older opsets into it); operators newer than the
installed onnx package (Gelu-20, Mish-18, ReduceMean/ReduceMax/ReduceMin/ReduceProd-18,
Attention-23) and the contrib/custom ones are described by hand below. Re-run after editing OPS or HAND_WRITTEN.

With `--c-table` it writes instead the importer's op table (lib/Import/Onnx/OpSchemas.inc):
operand and result kinds and every declared attribute with its ONNX default, so the
importer and the dialect cannot disagree:
  /usr/bin/python3 utils/gen-onnx-irdl.py --c-table > lib/Import/Onnx/OpSchemas.inc
"""
import re
import sys

import onnx.defs as defs
from onnx import AttributeProto

# ONNX operator types of the default domain, in the order they appear in the file.
OPS = """Add Sub Mul Div Pow Sqrt Reciprocal Neg Abs Exp Log Tanh Erf Sigmoid HardSigmoid
Relu Softmax LogSoftmax MatMul Gemm Transpose Reshape Flatten Squeeze Unsqueeze Concat Split
Slice Gather Expand Where Equal Less Greater Not And Or Cast Constant ConstantOfShape Shape
Size Range Trilu ReduceSum LayerNormalization Clip Min Max Identity Dropout
Sin Cos Floor Ceil Sign Softplus LessOrEqual GreaterOrEqual Xor IsInf IsNaN Mod CumSum Tile
GatherElements ScatterND GatherND ArgMax ArgMin TopK CastLike""".split()

SINGLE, OPTIONAL, VARIADIC = "single", "optional", "variadic"

# Operators described by hand: (onnx name, op name, operands, results, attributes), where
# operands and results are (name, variadicity) and attributes (name, irdl base).
INT, FLOAT, STRING, INTS, FLOATS = ("#builtin.integer", "#builtin.float", "#builtin.string",
                                    "#builtin.dense_array", "#builtin.dense_array")
HAND_WRITTEN = [
    ("Gelu", "gelu", [("x", SINGLE)], [("y", SINGLE)], [("approximate", STRING)]),
    ("Mish", "mish", [("x", SINGLE)], [("y", SINGLE)], []),
    ("ReduceMean", "reduce_mean", [("data", SINGLE), ("axes", OPTIONAL)],
     [("reduced", SINGLE)], [("keepdims", INT), ("noop_with_empty_axes", INT)]),
    ("ReduceMax", "reduce_max", [("data", SINGLE), ("axes", OPTIONAL)],
     [("reduced", SINGLE)], [("keepdims", INT), ("noop_with_empty_axes", INT)]),
    ("ReduceMin", "reduce_min", [("data", SINGLE), ("axes", OPTIONAL)],
     [("reduced", SINGLE)], [("keepdims", INT), ("noop_with_empty_axes", INT)]),
    ("ReduceProd", "reduce_prod", [("data", SINGLE), ("axes", OPTIONAL)],
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

# ONNX defaults of the hand-written operators' attributes (None: required).
HAND_DEFAULTS = {
    "gelu": {"approximate": "none"},
    "mish": {},
    "reduce_mean": {"keepdims": 1, "noop_with_empty_axes": 0},
    "reduce_max": {"keepdims": 1, "noop_with_empty_axes": 0},
    "reduce_min": {"keepdims": 1, "noop_with_empty_axes": 0},
    "reduce_prod": {"keepdims": 1, "noop_with_empty_axes": 0},
    "attention": {"is_causal": 0, "qk_matmul_output_mode": 0, "softcap": 0.0},
    "ms_attention": {"num_heads": None, "unidirectional": 0},
    "ms_multi_head_attention": {"num_heads": None, "unidirectional": 0},
    # The paper's hardware (docs/HardwareModel.md).
    "gcim_gain_cell_attention": {"num_heads": None, "window": 1024, "cell": "nonlinear",
                                 "decay": 1.6e-4, "q_levels": 16, "kv_levels": 8,
                                 "out_levels": 32, "first_product_saturation": 1.0,
                                 "output_saturation": 40.0},
}

ATTR_BASE = {AttributeProto.INT: INT, AttributeProto.FLOAT: FLOAT,
             AttributeProto.STRING: STRING, AttributeProto.INTS: INTS,
             AttributeProto.FLOATS: FLOATS}


# Op names the snake-case rule would split badly.
NAMES = {"IsNaN": "is_nan"}


def snake(name):
    """MatMul -> mat_mul, InvStdDev -> inv_std_dev, X -> x."""
    if name in NAMES:
        return NAMES[name]
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return name.lower()


def variadicity(param):
    option = param.option
    if option == defs.OpSchema.FormalParameterOption.Optional:
        return OPTIONAL
    if option == defs.OpSchema.FormalParameterOption.Variadic:
        return VARIADIC
    return SINGLE


def default_of(attr):
    """ONNX's default of a schema attribute as a Python value, None when it has none."""
    if attr.default_value.name == "":
        return None
    from onnx import helper
    return helper.get_attribute_value(attr.default_value)


# IRDL binds a constraint variable to the first type it checks, so every value of a
# variadic group would need the same type (Concat of 2x3 and 4x3 would not verify). A
# variadic group is therefore written as this many optional operands (results) of their
# own constraints, `<name>_0`, `<name>_1`, ...; the op then carries operandSegmentSizes.
MAX_VARIADIC = 32


def expand_variadic(params):
    out = []
    for name, kind in params:
        if kind == VARIADIC:
            out += [(f"{name}_{i}", OPTIONAL) for i in range(MAX_VARIADIC)]
        else:
            out.append((name, kind))
    return out


def from_schema(op_type, defaults=None):
    schema = defs.get_schema(op_type)
    operands = expand_variadic([(snake(p.name), variadicity(p)) for p in schema.inputs])
    results = expand_variadic([(snake(p.name), variadicity(p)) for p in schema.outputs])
    attributes = []
    for name, attr in sorted(schema.attributes.items()):
        # Declared only when always present: required, or given its default by the
        # importer. Optional attributes without a default stay undeclared (and allowed).
        has_default = attr.default_value.name != ""
        if attr.type in ATTR_BASE and (attr.required or has_default):
            attributes.append((name, ATTR_BASE[attr.type]))
        elif attr.type == AttributeProto.TENSOR and (attr.required or has_default):
            attributes.append((name, None))
        else:
            continue
        if defaults is not None:
            defaults[(snake(op_type), name)] = default_of(attr)
            defaults[(snake(op_type), name, "type")] = ATTR_TYPE_KIND.get(attr.type)
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


KIND_CODE = {SINGLE: "s", OPTIONAL: "?", VARIADIC: "*"}
ATTR_TYPE_KIND = {AttributeProto.INT: "i", AttributeProto.FLOAT: "f",
                  AttributeProto.STRING: "s", AttributeProto.INTS: "I",
                  AttributeProto.FLOATS: "F", AttributeProto.TENSOR: "t"}
ATTR_KIND = {"i": "GCIM_ATTR_INT", "f": "GCIM_ATTR_FLOAT", "s": "GCIM_ATTR_STRING",
             "I": "GCIM_ATTR_INTS", "F": "GCIM_ATTR_FLOATS", "t": "GCIM_ATTR_TENSOR",
             INT: "GCIM_ATTR_INT", FLOAT: "GCIM_ATTR_FLOAT", STRING: "GCIM_ATTR_STRING",
             None: "GCIM_ATTR_TENSOR"}


def c_literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    if isinstance(value, float):
        value = repr(value)
    return '"' + str(value) + '"'


def c_table(out):
    out.write("/* OpSchemas.inc: the importer's op table. Generated by utils/gen-onnx-irdl.py "
              "--c-table;\n * edit the script, not this file. */\n")
    defaults = {}
    specs = [(op, from_schema(op, defaults)) for op in OPS]
    for _, name, _, _, _ in HAND_WRITTEN:
        for attr, value in HAND_DEFAULTS[name].items():
            defaults[(name, attr)] = value
    domains = {"ms_": ("com.microsoft", 3), "gcim_": ("ai.gcim", 5)}
    hand = []
    for spec in HAND_WRITTEN:
        title = spec[0].split(" (")[0]
        onnx_name = title.split(" ")[-1]
        domain = ""
        for prefix, (dom, _) in domains.items():
            if spec[1].startswith(prefix):
                domain = dom
        hand.append((onnx_name, domain, spec))
    rows = [(op, "", spec) for op, spec in specs] + hand
    for _, _, (title, name, operands, results, attributes) in rows:
        if not attributes:
            continue
        out.write(f"static const GcimOnnxAttrSchema attrs_{name}[] = {{\n")
        for attr, base in attributes:
            kind = ATTR_KIND[defaults.get((name, attr, "type"), base)]
            out.write(f'    {{"{attr}", {kind}, {c_literal(defaults.get((name, attr)))}}},\n')
        out.write("};\n")
    out.write("static const GcimOnnxOpSchema opSchemas[] = {\n")
    for op_type, domain, (title, name, operands, results, attributes) in rows:
        ins = "".join(KIND_CODE[k] for _, k in operands)
        outs = "".join(KIND_CODE[k] for _, k in results)
        attrs = f"attrs_{name}, {len(attributes)}" if attributes else "NULL, 0"
        out.write(f'    {{"{domain}", "{op_type}", "onnx.{name}", "{ins}", "{outs}", {attrs}}},\n')
    out.write("};\n")


def main():
    out = sys.stdout
    if len(sys.argv) > 1 and sys.argv[1] == "--c-table":
        c_table(out)
        return
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
