#!/usr/bin/env python3
"""mask-chains.py: writes the table-driven mask-evaluator test (fuse-attention-mask-chains.test).

One case per row of CASES: a (4, 4) mask computed by a chain of onnx ops over constant
position values, applied to the scores of one attention head, and what gcim-fuse-attention
must make of it: the fused attention (causal, with its window) or the reason it refuses.
Every elementwise op of the onnx dialect appears in at least one chain. The rows state
their expectation by hand (what the mask means); nothing here evaluates the chain.
"""
import re

F32, I64, I1 = "f32", "i64", "i1"
N = 4
LOWER = [[int(j <= i) for j in range(N)] for i in range(N)]


def dense(rows, elem):
    def fmt(x):
        if elem == I1:
            return "true" if x else "false"
        return repr(float(x)) if elem == F32 else str(int(x))
    text = str(rows).replace("'", "")
    return re.sub(r"-?[\d.e+-]+|True|False",
                  lambda m: fmt(eval(m.group(0), {})), text)


def grid(f):
    return [[f(i, j) for j in range(N)] for i in range(N)]


# Constants a chain may name: name -> (value text, type).
CONSTANTS = {
    "L": (dense(LOWER, F32), f"{N}x{N}xf32"),                   # 1 keeps, 0 masks
    "Lb": (dense(LOWER, I1), f"{N}x{N}xi1"),
    "Ub": (dense(grid(lambda i, j: j >= i), I1), f"{N}x{N}xi1"),  # upper, diagonal kept
    "U": (dense(grid(lambda i, j: -1e9 if j > i else 0), F32), f"{N}x{N}xf32"),
    "U1": (dense(grid(lambda i, j: 1 if j > i else 0), F32), f"{N}x{N}xf32"),
    "Ubig": (dense(grid(lambda i, j: 1e9 if j > i else 0), F32), f"{N}x{N}xf32"),
    "Uneg1": (dense(grid(lambda i, j: -1 if j > i else 0), F32), f"{N}x{N}xf32"),
    "Upm": (dense(grid(lambda i, j: 1e3 if j > i else -1e3), F32), f"{N}x{N}xf32"),
    "Upm1": (dense(grid(lambda i, j: 1 if j > i else -1), F32), f"{N}x{N}xf32"),
    "Zeros": (dense(grid(lambda i, j: 0), F32), f"{N}x{N}xf32"),
    "Ones": (dense(grid(lambda i, j: 1), F32), f"{N}x{N}xf32"),
    "Flat": (dense([int(j <= i) for i in range(N) for j in range(N)], I1), f"{N * N}xi1"),
    "Big": (dense([[int(j <= i) for j in range(8)] for i in range(8)], I1), "8x8xi1"),
    "i": (dense([[i] for i in range(N)], I64), f"{N}x1xi64"),
    "ip1": (dense([[i + 1] for i in range(N)], I64), f"{N}x1xi64"),
    "im2": (dense([[i - 2] for i in range(N)], I64), f"{N}x1xi64"),
    "j": (dense([list(range(N))], I64), f"1x{N}xi64"),
    "one": ("1.0", "f32"), "zero": ("0.0", "f32"), "two": ("2.0", "f32"),
    "negbig": ("-1.0e+09", "f32"), "tiny": ("1.0e-09", "f32"),
    "true": ("true", "i1"), "false": ("false", "i1"),
    "i0": ("0", "i64"), "i1": ("1", "i64"), "i4": ("4", "i64"),
    "s0": ("[0, 0]", "2xi64"), "s4": ("[4, 4]", "2xi64"), "ax1": ("[1]", "1xi64"),
    "shape44": ("[4, 4]", "2xi64"), "gidx": ("[0, 1, 2, 3]", "4xi64"),
    "r11": ("[1, 1]", "2xi64"), "half": ("5.0e-01", "f32"), "nine": ("9.0e-01", "f32"),
}

CAUSAL = "causal = 1 : i64, {{.*}}window = 0 : i64"
WINDOW2 = "causal = 1 : i64, {{.*}}window = 2 : i64"
ADDED = "the mask added to the scores is not a constant: "
NOT_MASK = "the mask is not a constant of keep/mask entries (0 or a large negative value when added)"


def refused(op):
    return f"the mask goes through '{op}', which the mask evaluator does not follow"


# (case, how the mask is applied, chain, expectation). A chain line is
# (result, op, operands, result type, attributes); the last result is the mask. "where":
# Where(mask, scores, -1e9) (true keeps); "add": scores + mask.
T, B, I = "4x4xf32", "4x4xi1", "4x4xi64"
# Min and Max hold their variadic inputs as 32 optional operand groups.
VARIADIC2 = "operandSegmentSizes = array<i32: 1, 1" + ", 0" * 30 + ">"
CASES = [
    ("add", "add", [("m", "add", ["U", "Zeros"], T, "")], CAUSAL),
    ("sub", "add", [("m", "sub", ["zero", "Ubig"], T, "")], CAUSAL),
    ("sub_bias", "add", [("m", "sub", ["L", "one"], T, "")], NOT_MASK),
    ("mul", "add", [("m", "mul", ["U1", "negbig"], T, "")], CAUSAL),
    ("div", "add", [("m", "div", ["Uneg1", "tiny"], T, "")], CAUSAL),
    ("pow", "add", [("p", "pow", ["U1", "two"], T, ""), ("m", "mul", ["p", "negbig"], T, "")],
     CAUSAL),
    ("neg", "add", [("m", "neg", ["Ubig"], T, "")], CAUSAL),
    ("abs", "add", [("a", "abs", ["U"], T, ""), ("m", "neg", ["a"], T, "")], CAUSAL),
    ("log", "add", [("m", "log", ["L"], T, "")], CAUSAL),
    ("exp", "add", [("e", "exp", ["U"], T, ""), ("m", "log", ["e"], T, "")], CAUSAL),
    ("sqrt", "add", [("r", "sqrt", ["U1"], T, ""), ("m", "mul", ["r", "negbig"], T, "")],
     CAUSAL),
    ("reciprocal", "where", [("r", "reciprocal", ["Ubig"], T, ""),
                             ("m", "greater", ["r", "one"], B, "")], CAUSAL),
    ("tanh", "add", [("t", "tanh", ["Ubig"], T, ""), ("m", "mul", ["t", "negbig"], T, "")],
     CAUSAL),
    ("erf", "add", [("t", "erf", ["Ubig"], T, ""), ("m", "mul", ["t", "negbig"], T, "")],
     CAUSAL),
    ("sigmoid", "add", [("t", "sigmoid", ["Upm"], T, ""),
                        ("m", "mul", ["t", "negbig"], T, "")], CAUSAL),
    ("relu", "add", [("t", "relu", ["Upm1"], T, ""), ("m", "mul", ["t", "negbig"], T, "")],
     CAUSAL),
    ("min", "add", [("m", "min", ["U", "Zeros"], T, VARIADIC2)], CAUSAL),
    ("max", "add", [("m", "max", ["U", "negbig"], T, VARIADIC2)], CAUSAL),
    ("clip", "add", [("m", "clip", ["U", "negbig", "zero"], T,
                      "operandSegmentSizes = array<i32: 1, 1, 1>")], CAUSAL),
    ("where_additive", "add", [("m", "where", ["Lb", "zero", "negbig"], T, "")], CAUSAL),
    ("equal", "where", [("m", "equal", ["L", "one"], B, "")], CAUSAL),
    ("less", "where", [("m", "less", ["j", "ip1"], B, "")], CAUSAL),
    ("greater", "where", [("m", "greater", ["ip1", "j"], B, "")], CAUSAL),
    ("not", "where", [("g", "greater", ["j", "i"], B, ""), ("m", "not", ["g"], B, "")],
     CAUSAL),
    ("and_window", "where", [("c", "less", ["j", "ip1"], B, ""),
                             ("w", "greater", ["j", "im2"], B, ""),
                             ("m", "and", ["c", "w"], B, "")], WINDOW2),
    ("or", "where", [("a", "less", ["j", "i"], B, ""), ("b", "equal", ["j", "i"], B, ""),
                     ("m", "or", ["a", "b"], B, "")], CAUSAL),
    ("cast", "where", [("m", "cast", ["L"], B, "to = 9 : i64")], CAUSAL),
    ("identity", "where", [("m", "identity", ["Lb"], B, "")], CAUSAL),
    ("where_bool", "where", [("m", "where", ["Lb", "true", "false"], B, "")], CAUSAL),
    ("trilu", "where", [("t", "trilu", ["Ones"], T, "upper = 0 : i64"),
                        ("m", "cast", ["t"], B, "to = 9 : i64")], CAUSAL),
    ("transpose", "where", [("m", "transpose", ["Ub"], B, "perm = array<i64: 1, 0>")],
     CAUSAL),
    ("slice", "where", [("m", "slice", ["Big", "s0", "s4"], B,
                         "operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>")], CAUSAL),
    ("reshape", "where", [("m", "reshape", ["Flat", "shape44"], B, "allowzero = 0 : i64")],
     CAUSAL),
    ("expand", "where", [("m", "expand", ["Lb", "shape44"], B, "")], CAUSAL),
    ("range_unsqueeze", "where", [("r", "range", ["i0", "i4", "i1"], "4xi64", ""),
                                  ("c", "unsqueeze", ["r", "ax1"], "4x1xi64", ""),
                                  ("m", "less", ["c", "r"], B, ""),
                                  ("n", "not", ["m"], B, "")], CAUSAL),
    ("constant_of_shape", "where",
     [("c", "constant_of_shape", ["shape44"], T, "value = dense<1.0> : tensor<1xf32>"),
      ("t", "trilu", ["c"], T, "upper = 0 : i64"), ("m", "equal", ["t", "one"], B, "")],
     CAUSAL),
    ("less_or_equal", "where", [("m", "less_or_equal", ["j", "i"], B, "")], CAUSAL),
    ("greater_or_equal", "where", [("m", "greater_or_equal", ["i", "j"], B, "")], CAUSAL),
    ("xor", "where", [("m", "xor", ["Lb", "false"], B, "")], CAUSAL),
    ("sign", "add", [("t", "sign", ["U1"], T, ""), ("m", "mul", ["t", "negbig"], T, "")],
     CAUSAL),
    ("floor", "add", [("m", "floor", ["U"], T, "")], CAUSAL),
    ("ceil", "add", [("m", "ceil", ["U"], T, "")], CAUSAL),
    ("sin", "where", [("t", "sin", ["U1"], T, ""), ("m", "less", ["t", "half"], B, "")],
     CAUSAL),
    ("cos", "where", [("t", "cos", ["U1"], T, ""), ("m", "greater", ["t", "nine"], B, "")],
     CAUSAL),
    ("softplus", "add", [("t", "softplus", ["Upm"], T, ""),
                         ("m", "mul", ["t", "negbig"], T, "")], CAUSAL),
    ("is_inf", "where", [("l", "log", ["L"], T, ""), ("t", "is_inf", ["l"], B,
                         "detect_negative = 1 : i64, detect_positive = 1 : i64"),
                         ("m", "not", ["t"], B, "")], CAUSAL),
    ("is_nan", "where", [("d", "div", ["U1", "U1"], T, ""), ("m", "is_nan", ["d"], B, "")],
     CAUSAL),
    ("mod", "where", [("r", "mod", ["j", "ip1"], I, "fmod = 0 : i64"),
                      ("m", "equal", ["r", "j"], B, "")], CAUSAL),
    ("tile", "where", [("m", "tile", ["Lb", "r11"], B, "")], CAUSAL),
    ("mish", "add", [("m", "mish", ["U"], T, "")], ADDED + refused("onnx.mish")),
    ("cum_sum", "where", [("m", "cum_sum", ["Lb", "i0"], B,
                           "exclusive = 0 : i64, reverse = 0 : i64")],
     refused("onnx.cum_sum")),
    ("gelu", "add", [("m", "gelu", ["U"], T, 'approximate = "none"')],
     ADDED + refused("onnx.gelu")),
    ("hard_sigmoid", "add", [("m", "hard_sigmoid", ["U"], T,
                              "alpha = 0.2 : f32, beta = 0.5 : f32")],
     ADDED + refused("onnx.hard_sigmoid")),
    ("gather", "where", [("m", "gather", ["Lb", "gidx"], B, "axis = 0 : i64")],
     refused("onnx.gather")),
    ("argument", "where", [("m", "not", ["arg"], B, "")],
     "the mask depends on a function argument, not only on constants"),
    ("too_deep", "where", [("m0", "identity", ["Lb"], B, "")] +
     [(f"m{k + 1}", "identity", [f"m{k}"], B, "") for k in range(40)],
     "the mask's chain of ops is deeper than 32"),
]


def case(name, apply, chain, expect):
    types = {"arg": f"tensor<{B}>"}
    lines = []
    used = [o for _, _, operands, _, _ in chain for o in operands if o in CONSTANTS]
    for c in dict.fromkeys(used):
        value, shape = CONSTANTS[c]
        ty = f"tensor<{shape}>"
        types[c] = ty
        lines.append(f'  %{c} = "onnx.constant"() {{value = dense<{value}> : {ty}}} : () -> {ty}')
    for result, op, operands, rtype, attrs in chain:
        ty = f"tensor<{rtype}>"
        args = ", ".join(f"%{o}" for o in operands)
        argtypes = ", ".join(types[o] for o in operands)
        attr = f" {{{attrs}}}" if attrs else ""
        lines.append(f'  %{result} = "onnx.{op}"({args}){attr} : ({argtypes}) -> {ty}')
        types[result] = ty
    mask = chain[-1][0]
    mty = types[mask]
    s = "tensor<1x1x4x4xf32>"
    if apply == "where":
        lines.append(f'  %fill = "onnx.constant"() {{value = dense<-1.0e+09> : tensor<f32>}} : () -> tensor<f32>')
        lines.append(f'  %masked = "onnx.where"(%{mask}, %scores, %fill) : ({mty}, {s}, tensor<f32>) -> {s}')
    else:
        lines.append(f'  %masked = "onnx.add"(%scores, %{mask}) : ({s}, {mty}) -> {s}')
    check = (f'// CHECK: "gcim.attention"({{{{.*}}}}{expect}' if expect.startswith("causal")
             else f'// CHECK: gcim.unfused = "{expect}"')
    body = "\n".join(lines)
    return f"""// CHECK-LABEL: func.func @mask_{name}
{check}
func.func @mask_{name}(%q: tensor<1x1x4x8xf32>, %kt: tensor<1x1x8x4xf32>, %v: tensor<1x1x4x8xf32>, %arg: tensor<4x4xi1>) -> tensor<1x1x4x8xf32> {{
  %scores = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x4x8xf32>, tensor<1x1x8x4xf32>) -> {s}
{body}
  %probs = "onnx.softmax"(%masked) {{axis = -1 : i64}} : ({s}) -> {s}
  %out = "onnx.mat_mul"(%probs, %v) : ({s}, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %out : tensor<1x1x4x8xf32>
}}"""


print("// Generated by test/Transforms/Inputs/mask-chains.py.")
print("\n\n// -----\n\n".join(case(*row) for row in CASES))
