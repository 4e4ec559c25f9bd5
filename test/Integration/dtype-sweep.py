#!/usr/bin/python3
"""dtype-sweep.py: single-node models of the ops gcim imports over the element types ONNX
allows for them, run through the generated C and compared with ONNX Runtime.

Every case must either match or be refused by gcim-compile with a diagnostic naming its
node; a case that compiles and differs is a silent wrong answer. The cases are packed into
one model (one compile, one build, one run of each side); each is first compiled alone to
find the refusals, and ONNX Runtime's own refusals (no kernel for the op and type: "Could
not find an implementation") drop the case from the comparison, since there is no
reference.

Tolerances, |got - ref| <= rtol * max(1, |ref|): float32 1e-5 (a few float32 roundings of
libm functions, as codegen-ops.py); float64 1e-12 (libm against ONNX Runtime's own
functions, a few double ulp); float16 2e-3 and bfloat16 1.6e-2 (two ulps of the type:
gcim computes them in float32 and rounds once, ONNX Runtime sometimes rounds between
steps); integers and bools exactly.

A tool, not a ctest (1,195 checks in 1.6 minutes, 7-8 on a loaded 2-core machine, most
of it compiling each case alone): run it after changing an emitter, a kernel or the
importer's type checks, with GCIM_COMPILE set to the build's gcim-compile. Floats cast to
an integer type out of its range are left out (ONNX leaves them undefined; gcim
saturates, ONNX Runtime on x86 keeps what the processor's conversion gives).

    GCIM_COMPILE=build/bin/gcim-compile test/Integration/dtype-sweep.py [--filter SUBSTRING]
        [--keep DIR] [-v]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from codegenharness import build, gcim_compile, run_program  # noqa: E402
from ortharness import Checker, run_ort  # noqa: E402

F16, BF16, F32, F64 = T.FLOAT16, T.BFLOAT16, T.FLOAT, T.DOUBLE
I8, U8, I32, I64, BOOL = T.INT8, T.UINT8, T.INT32, T.INT64, T.BOOL
FLOATS = [F16, BF16, F32, F64]
INTS = [I8, U8, I32, I64]
NUMERIC = FLOATS + INTS
ALL = NUMERIC + [BOOL]
NAMES = {F16: "f16", BF16: "bf16", F32: "f32", F64: "f64", I8: "i8", U8: "u8", I32: "i32",
         I64: "i64", BOOL: "bool"}
NP = {F16: np.float16, F32: np.float32, F64: np.float64, I8: np.int8, U8: np.uint8,
      I32: np.int32, I64: np.int64, BOOL: np.bool_}
RTOL = {np.dtype(np.float16): 2e-3, np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}
BF16_RTOL = 1.6e-2
rng = np.random.default_rng(7)
CASES = []


def data(elem, shape, positive=False, nonzero=False):
    """Inputs of `elem` (bfloat16 as float32 values a bfloat16 holds exactly)."""
    if elem == BOOL:
        return rng.integers(0, 2, shape).astype(bool)
    if elem in FLOATS:
        lo = 0.1 if positive else -3.0
        x = np.asarray(rng.uniform(lo, 3.0, shape), np.float32).reshape(shape)
        if elem == BF16:
            x = (x.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32)
        return x.astype(np.float16) if elem == F16 else x.astype(NP.get(elem, np.float32))
    lo = 1 if positive or elem == U8 else -5
    x = rng.integers(lo, 9, shape)
    if nonzero:
        x[x == 0] = 1
    return x.astype(NP[elem])


class Case:
    """One node; inputs are graph inputs (bfloat16 ones fed as float32 and Cast in, and
    bfloat16 outputs Cast out to float32, since .npy has no bfloat16), or initializers."""

    def __init__(self, name, op, inputs, outputs, attrs=None, opset=18, domain=""):
        self.name, self.nodes, self.inputs, self.outputs, self.inits = name, [], [], [], []
        self.opset = opset
        ins = []
        for i, spec in enumerate(inputs):
            if spec is None:
                ins.append("")
                continue
            kind, elem, value = spec
            vname = f"{name}__in{i}"
            if kind == "init":
                self.inits.append(self._init(vname, elem, value))
            elif elem == BF16:
                self.inputs.append((vname + "_f32", F32, value))
                self.nodes.append(h.make_node("Cast", [vname + "_f32"], [vname], to=BF16,
                                              name=vname + "_cast"))
            else:
                self.inputs.append((vname, elem, value))
            ins.append(vname)
        outs = []
        for i, elem in enumerate(outputs):
            oname = f"{name}__out{i}"
            outs.append(oname + ("_bf16" if elem == BF16 else ""))
            if elem == BF16:
                self.nodes.append(h.make_node("Cast", [oname + "_bf16"], [oname], to=F32,
                                              name=oname + "_cast"))
            self.outputs.append((oname, F32 if elem == BF16 else elem, elem == BF16))
        self.node = h.make_node(op, ins, outs, name=name, domain=domain, **(attrs or {}))
        self.nodes.insert(0, self.node)

    @staticmethod
    def _init(vname, elem, value):
        if elem == BF16:
            t = nh.from_array(np.asarray(value, np.float32), vname)
            bits = (np.asarray(value, np.float32).view(np.uint32) >> 16).astype(np.int32)
            return h.make_tensor(vname, BF16, t.dims, bits.flatten().tolist())
        return nh.from_array(np.asarray(value, NP[elem]), vname)


def case(name, op, inputs, outputs, **kw):
    CASES.append(Case(name, op, inputs, outputs, **kw))


def inp(elem, shape, **kw):
    return ("input", elem, data(elem, shape, **kw))


def init(elem, value):
    return ("init", elem, value)


def add_cases():
    for op in ["Add", "Sub", "Mul", "Div", "Min", "Max"]:
        for t in NUMERIC:
            case(f"{op}_{NAMES[t]}", op, [inp(t, [2, 3]), inp(t, [3], nonzero=op == "Div")], [t])
    for t in NUMERIC:
        case(f"Mod_{NAMES[t]}", "Mod", [inp(t, [2, 3]), inp(t, [3], nonzero=True)], [t],
             attrs={"fmod": 1 if t in FLOATS else 0})
        case(f"Sum3_{NAMES[t]}", "Sum", [inp(t, [2, 3])] * 3, [t])
        case(f"Max3_{NAMES[t]}", "Max", [inp(t, [2, 3]), inp(t, [3]), inp(t, [2, 1])], [t])
    for base in [F16, F32, F64, I32, I64]:
        for exp in [F32, F64, I32, I64]:
            ev = np.array([2, 0, 3], NP[exp]) if exp not in FLOATS else None
            case(f"Pow_{NAMES[base]}_{NAMES[exp]}", "Pow",
                 [inp(base, [2, 3], positive=True),
                  ("input", exp, ev if ev is not None else data(exp, [3]))], [base])
    for op in ["Sqrt", "Reciprocal", "Exp", "Log", "Tanh", "Erf", "Sigmoid", "Sin", "Cos",
               "Floor", "Ceil", "Softplus", "Mish", "HardSigmoid", "Elu", "Selu", "Softsign",
               "HardSwish", "Round", "IsInf", "IsNaN"]:
        for t in FLOATS:
            out = BOOL if op.startswith("Is") else t
            case(f"{op}_{NAMES[t]}", op, [inp(t, [2, 3], positive=op in ("Sqrt", "Log"))],
                 [out])
    for op in ["Neg", "Abs", "Sign", "Relu"]:
        for t in NUMERIC:
            if op == "Neg" and t == U8:
                continue
            case(f"{op}_{NAMES[t]}", op, [inp(t, [2, 3])], [t])
    for t in FLOATS:
        case(f"Gelu_{NAMES[t]}", "Gelu", [inp(t, [2, 3])], [t], opset=20)
        case(f"LeakyRelu_{NAMES[t]}", "LeakyRelu", [inp(t, [2, 3])], [t])
        for op in ["Softmax", "LogSoftmax", "Hardmax"]:
            case(f"{op}_{NAMES[t]}", op, [inp(t, [2, 4])], [t])
        case(f"LayerNorm_{NAMES[t]}", "LayerNormalization",
             [inp(t, [2, 4]), inp(t, [4]), inp(t, [4])], [t])
        case(f"Clip_{NAMES[t]}", "Clip", [inp(t, [2, 3]), init(t, -1.0), init(t, 1.5)], [t])
    for t in NUMERIC:
        case(f"MatMul_{NAMES[t]}", "MatMul", [inp(t, [2, 3]), inp(t, [3, 4])], [t])
        case(f"Gemm_{NAMES[t]}", "Gemm", [inp(t, [2, 3]), inp(t, [3, 4]), inp(t, [4])], [t])
        case(f"ClipInt_{NAMES[t]}", "Clip", [inp(t, [2, 3]), init(t, 1), init(t, 4)], [t])
        case(f"ClipRuntime_{NAMES[t]}", "Clip", [inp(t, [2, 3]), inp(t, []), inp(t, [])], [t])
        # min above max: every element is max (ONNX).
        case(f"ClipCrossed_{NAMES[t]}", "Clip", [inp(t, [2, 3]), init(t, 4), init(t, 1)], [t])
        for op in ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"]:
            case(f"{op}_{NAMES[t]}", op, [inp(t, [2, 3]), inp(t, [3])], [BOOL])
        case(f"Where_{NAMES[t]}", "Where", [inp(BOOL, [2, 3]), inp(t, [2, 3]), inp(t, [3])],
             [t])
        for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                   "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"]:
            case(f"{op}_{NAMES[t]}", op, [inp(t, [2, 3, 4]), init(I64, [1])], [t])
        for op in ["ArgMax", "ArgMin"]:
            case(f"{op}_{NAMES[t]}", op, [inp(t, [2, 5])], [I64], attrs={"axis": 1})
        case(f"TopK_{NAMES[t]}", "TopK", [inp(t, [2, 5]), init(I64, [3])], [t, I64])
        case(f"CumSum_{NAMES[t]}", "CumSum", [inp(t, [2, 5]), init(I64, 1)], [t])
        case(f"Range_{NAMES[t]}", "Range", [init(t, 1), init(t, 7), init(t, 2)], [t])
    for t in ALL:
        for u in ALL:
            # A float out of the integer type's range is undefined in ONNX (gcim saturates,
            # ONNX Runtime on x86 wraps what the processor's conversion gives): in range only.
            positive = t in FLOATS and u == U8
            case(f"Cast_{NAMES[t]}_{NAMES[u]}", "Cast", [inp(t, [2, 4], positive=positive)], [u],
                 attrs={"to": u})
        case(f"CastLike_{NAMES[t]}", "CastLike", [inp(F32, [2, 4], positive=t == U8), inp(t, [1])],
             [t])
        case(f"Transpose_{NAMES[t]}", "Transpose", [inp(t, [2, 3, 4])], [t],
             attrs={"perm": [2, 0, 1]})
        case(f"Concat_{NAMES[t]}", "Concat", [inp(t, [2, 3]), inp(t, [2, 2])], [t],
             attrs={"axis": 1})
        case(f"Slice_{NAMES[t]}", "Slice", [inp(t, [4, 5]), init(I64, [1, 4]), init(I64, [4, 0]),
                                            init(I64, [0, 1]), init(I64, [2, -2])], [t])
        case(f"Gather_{NAMES[t]}", "Gather", [inp(t, [4, 3]), init(I64, [[3, 0], [-1, 2]])], [t])
        case(f"Expand_{NAMES[t]}", "Expand", [inp(t, [3, 1]), init(I64, [2, 3, 4])], [t])
        case(f"Tile_{NAMES[t]}", "Tile", [inp(t, [2, 3]), init(I64, [2, 2])], [t])
        case(f"Split_{NAMES[t]}", "Split", [inp(t, [2, 5]), init(I64, [2, 3])], [t, t],
             attrs={"axis": 1})
        case(f"GatherElements_{NAMES[t]}", "GatherElements",
             [inp(t, [3, 4]), init(I64, [[0, 3], [1, -1], [2, 2]])], [t], attrs={"axis": 1})
        case(f"GatherND_{NAMES[t]}", "GatherND", [inp(t, [3, 4]), init(I64, [[0, 3], [2, 1]])],
             [t])
        case(f"ScatterND_{NAMES[t]}", "ScatterND",
             [inp(t, [3, 4]), init(I64, [[1], [2]]), inp(t, [2, 4])], [t])
        case(f"Trilu_{NAMES[t]}", "Trilu", [inp(t, [3, 4])], [t])
        case(f"Reshape_{NAMES[t]}", "Reshape", [inp(t, [2, 6]), init(I64, [3, -1])], [t])
        case(f"Identity_{NAMES[t]}", "Identity", [inp(t, [2, 3])], [t])
        case(f"ConstantOfShape_{NAMES[t]}", "ConstantOfShape", [init(I64, [2, 3])], [t],
             attrs={"value": Case._init("v", t, [1])})
        case(f"OneHot_{NAMES[t]}", "OneHot",
             [inp(I64, [3]), init(I64, 5), init(t, [0, 1])], [t])
        if t in INTS:
            case(f"OneHotIdx_{NAMES[t]}", "OneHot",
                 [inp(t, [3]), init(F32, 4.0), init(F32, [0, 1])], [F32])
    for t in FLOATS:
        for op in ["Celu", "ThresholdedRelu", "Shrink", "ReduceLogSum"]:
            axes = [init(I64, [1])] if op == "ReduceLogSum" else []
            case(f"{op}_{NAMES[t]}", op, [inp(t, [2, 3], positive=op == "ReduceLogSum")] + axes,
                 [t])
        case(f"PRelu_{NAMES[t]}", "PRelu", [inp(t, [2, 3]), inp(t, [3])], [t])
        case(f"Mean_{NAMES[t]}", "Mean", [inp(t, [2, 3]), inp(t, [3])], [t])
        case(f"Dropout_{NAMES[t]}", "Dropout", [inp(t, [2, 3])], [t])
        case(f"Einsum_{NAMES[t]}", "Einsum", [inp(t, [2, 3, 4]), inp(t, [2, 4, 5])], [t],
             attrs={"equation": "bij,bjk->bik"})
        case(f"InstanceNorm_{NAMES[t]}", "InstanceNormalization",
             [inp(t, [2, 3, 4]), inp(t, [3]), inp(t, [3])], [t])
    for t in ALL:
        case(f"Flatten_{NAMES[t]}", "Flatten", [inp(t, [2, 3, 2])], [t], attrs={"axis": 2})
        case(f"Squeeze_{NAMES[t]}", "Squeeze", [inp(t, [2, 1, 3]), init(I64, [1])], [t])
        case(f"Unsqueeze_{NAMES[t]}", "Unsqueeze", [inp(t, [2, 3]), init(I64, [0, 3])], [t])
        case(f"Shape_{NAMES[t]}", "Shape", [inp(t, [2, 3])], [I64])
        case(f"Size_{NAMES[t]}", "Size", [inp(t, [2, 3])], [I64])
    # int32 indices, starts and axes (ONNX allows int32 or int64 for these).
    case("Gather_idx_i32", "Gather", [inp(F32, [4, 3]), init(I32, [[3, 0], [-1, 2]])], [F32])
    case("GatherElements_idx_i32", "GatherElements",
         [inp(F32, [3, 4]), init(I32, [[0, 3], [1, -1], [2, 2]])], [F32], attrs={"axis": 1})
    case("Slice_starts_i32", "Slice", [inp(F32, [4, 5]), init(I32, [1, 4]), init(I32, [4, 0]),
                                init(I32, [0, 1]), init(I32, [2, -2])], [F32])
    case("CumSum_axis_i32", "CumSum", [inp(F32, [2, 5]), init(I32, 1)], [F32])
    case("Gather_idx_i32_runtime", "Gather",
         [inp(F32, [4, 3]), ("input", I32, np.array([[3, 0], [-1, 2]], np.int32))], [F32])
    for op in ["And", "Or", "Xor"]:
        case(f"{op}_bool", op, [inp(BOOL, [2, 3]), inp(BOOL, [3])], [BOOL])
    case("Not_bool", "Not", [inp(BOOL, [2, 3])], [BOOL])


def model_of(cases):
    graph = h.make_graph(
        [n for c in cases for n in c.nodes], "dtype_sweep",
        [h.make_tensor_value_info(n, t, v.shape) for c in cases for n, t, v in c.inputs],
        [h.make_tensor_value_info(n, t, None) for c in cases for n, t, _ in c.outputs],
        [i for c in cases for i in c.inits])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", max(c.opset for c in cases))])
    model.ir_version = 8
    return model


def refused_alone(case, tmp):
    """gcim-compile's diagnostic for the case alone, or None when it compiles."""
    path = os.path.join(tmp, "one.onnx")
    onnx.save(model_of([case]), path)
    proc = subprocess.run([gcim_compile(), path, "-o", os.path.join(tmp, "one"),
                           "--attention=digital", "-q"], capture_output=True, text=True)
    return proc.stderr.strip() if proc.returncode else None


def onnx_allows(case):
    """Whether ONNX's schemas allow the case's types (onnx's strict type inference)."""
    try:
        onnx.shape_inference.infer_shapes(model_of([case]), check_type=True, strict_mode=True)
        return True
    except Exception:  # onnx raises InferenceError or ValidationError, by version
        return False


def ort_reference(cases, tmp):
    """ONNX Runtime's outputs and the cases it has no reference for: no kernel for the op and
    type (its load error names the node), or a crash (the cases halved until one is left)."""
    dropped = []
    while cases:
        path = os.path.join(tmp, "ort.onnx")
        onnx.save(model_of(cases), path)
        try:
            return run_ort(path, {n: v for c in cases for n, _, v in c.inputs}), dropped
        except RuntimeError as error:
            match = re.search(r"node with name '([^']*)'|in node \(([^)]*)\)", str(error))
            # Empty for a node of a function ONNX Runtime expanded (Mish's Softplus).
            name = match and (match.group(1) or match.group(2))
            name = name and re.sub(r"__(in|out)\d+.*$", "", name)
            bad = [c for c in cases if c.name == name]
            if not bad:
                break
            dropped += bad
            cases = [c for c in cases if c.name != name]
    if len(cases) <= 1:
        print(f"ONNX Runtime fails on {cases[0].name}")
        return {}, dropped + cases
    half = len(cases) // 2
    ref, dropped1 = ort_reference(cases[:half], tmp)
    ref2, dropped2 = ort_reference(cases[half:], tmp)
    return {**ref, **ref2}, dropped + dropped1 + dropped2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--filter", default="")
    parser.add_argument("--keep")
    parser.add_argument("-v", action="store_true")
    args = parser.parse_args()
    add_cases()
    cases = [c for c in CASES if args.filter in c.name]
    invalid = [c for c in cases if not onnx_allows(c)]
    print(f"ONNX does not allow {len(invalid)} cases' types: " + " ".join(c.name for c in invalid))
    cases = [c for c in cases if c not in invalid]
    check = Checker(1e-5)
    with tempfile.TemporaryDirectory(prefix="gcim-dtypes-") as tmp:
        tmp = args.keep or tmp
        os.makedirs(tmp, exist_ok=True)
        ref, no_ort = ort_reference(cases, tmp)
        print(f"ONNX Runtime has no kernel for {len(no_ort)} cases: "
              + " ".join(c.name for c in no_ort))
        cases = [c for c in cases if c not in no_ort]
        compiled = []
        for c in cases:
            why = refused_alone(c, tmp)
            if why is None:
                compiled.append(c)
            else:
                check.expect(f"{c.name}: refused naming its node", f"'{c.name}" in why,
                             why.splitlines()[0] if args.v or f"'{c.name}" not in why
                             else "")
        path, out = os.path.join(tmp, "all.onnx"), os.path.join(tmp, "out")
        onnx.save(model_of(compiled), path)
        subprocess.run([gcim_compile(), path, "-o", out, "--emit-main", "--name", "model",
                        "--attention=digital", "-q"], check=True)
        build(out)
        got = run_program(out, "model", {n: v for c in compiled for n, _, v in c.inputs})
        for c in compiled:
            for oname, _, was_bf16 in c.outputs:
                compare(check, oname, got.get(oname), ref[oname], was_bf16)
    return check.finish("dtype-sweep")


def compare(check, key, got, want, was_bf16):
    if got is None:
        return check.expect(f"{key}: written", False)
    if want.dtype.kind == "f":
        nan = np.isnan(want)
        if not check.expect(f"{key}: NaN where ONNX Runtime has NaN",
                            np.array_equal(nan, np.isnan(got.astype(np.float64)))):
            print(f"     got {got.flatten()[:8]}, ref {want.flatten()[:8]}")
            return
        rtol = BF16_RTOL if was_bf16 else RTOL[want.dtype]
        check.close(key, np.where(nan, 0, got), np.where(nan, 0, want), rtol)
        check.expect(f"{key}: type {want.dtype}", got.dtype == want.dtype, str(got.dtype))
    else:
        ok = got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want)
        check.expect(f"{key}: equal ({want.dtype})", ok,
                     "" if ok else f"got {got.dtype} {got.flatten()[:8]}, ref {want.flatten()[:8]}")


if __name__ == "__main__":
    sys.exit(main())
