#!/usr/bin/env python3
"""make-model.py CASE OUT.onnx: writes one of the small ONNX models the importer's lit
tests import (onnx.helper; no checker, so that broken models can be written too)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh


def vi(name, elem=T.FLOAT, shape=None):
    return h.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, inits=(), opset=17, extra_opsets=(), ir=8, value_info=()):
    graph = h.make_graph(nodes, "g", inputs, outputs, list(inits), value_info=list(value_info))
    opsets = [h.make_opsetid("", opset)] + [h.make_opsetid(d, v) for d, v in extra_opsets]
    m = h.make_model(graph, opset_imports=opsets)
    m.ir_version = ir
    return m


def arr(name, shape, dtype=np.float32, value=None):
    data = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape) if value is None else \
        np.array(value, dtype=dtype).reshape(shape)
    return nh.from_array(data, name)


N = h.make_node
CASES = {}


def case(fn):
    CASES[fn.__name__.replace("_", "-")] = fn
    return fn


@case
def elementwise():
    x, y = vi("x", shape=[2, 3]), vi("y", shape=[3])
    unary = ["Sqrt", "Reciprocal", "Neg", "Abs", "Exp", "Log", "Tanh", "Erf", "Sigmoid",
             "HardSigmoid", "Relu", "Identity"]
    nodes = [N("Add", ["x", "y"], ["add"], name="add"), N("Sub", ["add", "y"], ["sub"], name="sub"),
             N("Mul", ["sub", "x"], ["mul"], name="mul"), N("Div", ["mul", "y"], ["div"], name="div"),
             N("Pow", ["div", "y"], ["pow"], name="pow")]
    prev = "pow"
    for op in unary:
        nodes.append(N(op, [prev], [op.lower()], name=op.lower()))
        prev = op.lower()
    nodes += [N("Gelu", [prev], ["gelu"], name="gelu", approximate="tanh"),
              N("Clip", ["gelu", "lo", "hi"], ["clip"], name="clip"),
              N("Min", ["clip", "x", "y"], ["min"], name="min"),
              N("Max", ["min", "y"], ["max"], name="max"),
              N("Dropout", ["max"], ["out", "mask"], name="dropout")]
    inits = [arr("lo", [], value=0.0), arr("hi", [], value=6.0)]
    return model(nodes, [x, y], [vi("out"), vi("mask", T.BOOL)], inits, opset=20)


@case
def matmul():
    nodes = [N("MatMul", ["a", "b"], ["ab"], name="attn/qk"),
             N("MatMul", ["v", "w"], ["vw"], name="vec"),
             N("Gemm", ["g", "w2", "c"], ["gemm"], name="gemm", transB=1, alpha=0.5),
             N("Gemm", ["g", "w3"], ["gemm2"], name="gemm2")]
    inits = [arr("w", [4, 5]), arr("w2", [6, 4]), arr("c", [6]), arr("w3", [4, 2])]
    return model(nodes, [vi("a", shape=[2, 1, 3, 4]), vi("b", shape=[7, 4, 5]),
                         vi("v", shape=[4]), vi("g", shape=[3, 4])],
                 [vi("ab"), vi("vw"), vi("gemm"), vi("gemm2")], inits)


@case
def normalization():
    nodes = [N("Softmax", ["x"], ["sm"], name="softmax"),
             N("LogSoftmax", ["sm"], ["lsm"], name="logsoftmax", axis=1),
             N("LayerNormalization", ["lsm", "scale", "bias"], ["ln", "mean", "inv"],
               name="ln", epsilon=1e-6),
             N("LayerNormalization", ["ln", "scale"], ["ln2"], name="ln-plain"),
             N("ReduceMean", ["ln2"], ["rmean"], name="rmean-13", axes=[-1]),
             N("ReduceSum", ["ln2", "axes"], ["rsum"], name="rsum", keepdims=0),
             N("ReduceMax", ["ln2"], ["rmax"], name="rmax-all")]
    inits = [arr("scale", [4]), arr("bias", [4]), arr("axes", [1], np.int64, [1])]
    return model(nodes, [vi("x", shape=[2, 3, 4])],
                 [vi("ln"), vi("mean"), vi("inv"), vi("rmean"), vi("rsum"), vi("rmax")], inits)


@case
def data_movement():
    nodes = [N("Transpose", ["x"], ["t"], name="t", perm=[0, 2, 1]),
             N("Reshape", ["t", "shape"], ["r"], name="r"),
             N("Flatten", ["r"], ["f"], name="f", axis=2),
             N("Unsqueeze", ["f", "ax0"], ["u"], name="u"),
             N("Squeeze", ["u", "ax0"], ["s"], name="s"),
             N("Concat", ["s", "s", "s"], ["c"], name="c", axis=1),
             N("Split", ["c", "split"], ["p0", "p1"], name="split", axis=1),
             N("Slice", ["p1", "starts", "ends", "axes", "steps"], ["sl"], name="slice"),
             N("Gather", ["x", "idx"], ["g"], name="gather", axis=1),
             N("Expand", ["y", "eshape"], ["e"], name="expand"),
             N("Equal", ["e", "y"], ["eq"], name="eq"),
             N("Less", ["e", "y"], ["lt"], name="lt"),
             N("Greater", ["e", "y"], ["gt"], name="gt"),
             N("Not", ["eq"], ["not"], name="not"),
             N("And", ["not", "lt"], ["and"], name="and"),
             N("Or", ["and", "gt"], ["or"], name="or"),
             N("Where", ["or", "e", "y"], ["w"], name="where"),
             N("Cast", ["w"], ["cast"], name="cast", to=T.INT32)]
    inits = [arr("shape", [3], np.int64, [0, 2, -1]), arr("ax0", [1], np.int64, [0]),
             arr("split", [2], np.int64, [6, 12]), arr("starts", [1], np.int64, [4]),
             arr("ends", [1], np.int64, [0]), arr("axes", [1], np.int64, [1]),
             arr("steps", [1], np.int64, [-2]), arr("idx", [2, 2], np.int64, [0, 1, 1, 0]),
             arr("eshape", [2], np.int64, [3, 1])]
    return model(nodes, [vi("x", shape=[2, 3, 4]), vi("y", shape=[1, 5])],
                 [vi("p0"), vi("sl"), vi("g"), vi("cast", T.INT32)], inits)


@case
def shape_folding():
    """A torch-style dynamic-axes subgraph: batch and tokens read from the input."""
    nodes = [N("Shape", ["x"], ["shape"], name="shape"),
             N("Gather", ["shape", "one"], ["tokens"], name="gather", axis=0),
             N("Unsqueeze", ["tokens", "zero"], ["tokens1"], name="unsq"),
             N("Concat", ["tokens1", "tokens1"], ["mask_shape"], name="concat", axis=0),
             N("ConstantOfShape", ["mask_shape"], ["ones"], name="cos",
               value=h.make_tensor("v", T.FLOAT, [1], [1.0])),
             N("Trilu", ["ones"], ["causal"], name="trilu", upper=0),
             N("Range", ["zero_s", "tokens", "one_s"], ["pos"], name="range"),
             N("Cast", ["pos"], ["posf"], name="cast", to=T.FLOAT),
             N("Size", ["x"], ["size"], name="size"),
             N("Add", ["causal", "posf"], ["y"], name="add"),
             N("MatMul", ["x", "w"], ["out"], name="proj")]
    inits = [arr("one", [], np.int64, 1), arr("zero", [1], np.int64, [0]),
             arr("zero_s", [], np.int64, 0), arr("one_s", [], np.int64, 1), arr("w", [8, 8])]
    return model(nodes, [vi("x", shape=["batch", "tokens", 8])],
                 [vi("y"), vi("size", T.INT64), vi("out")], inits)


@case
def split_folding():
    """Split of known values folds (GPT-J's repeat_interleave splits a shape before an
    Expand): the input's shape swapped, and the columns of a known 2-D tensor."""
    nodes = [N("Shape", ["x"], ["shape"], name="shape"),
             N("Split", ["shape", "ones"], ["rows", "cols"], name="split_shape"),
             N("Concat", ["cols", "rows"], ["swapped"], name="concat", axis=0),
             N("Reshape", ["x", "swapped"], ["y"], name="reshape"),
             N("Split", ["grid", "parts"], ["left", "right"], name="split_grid", axis=1),
             N("Reshape", ["left", "six"], ["flat"], name="flatten"),
             N("Add", ["flat", "i"], ["z"], name="add")]
    inits = [arr("ones", [2], np.int64, [1, 1]), arr("parts", [2], np.int64, [3, 1]),
             arr("grid", [2, 4], np.int64, [1, 2, 3, 4, 5, 6, 7, 8]),
             arr("six", [1], np.int64, [6])]
    return model(nodes, [vi("x", shape=[2, 3]), vi("i", T.INT64, [6])],
                 [vi("y"), vi("right", T.INT64), vi("z", T.INT64)], inits)

@case
def llm_ops():
    """The ops of modern decoder exports: a sliding-window mask over Range positions and a
    RoPE angle table (Sin/Cos of known positions) fold; the runtime ones stay."""
    nodes = [N("Range", ["zero_s", "four", "one_s"], ["pos"], name="range"),
             N("Unsqueeze", ["pos", "one"], ["row"], name="row"),
             N("LessOrEqual", ["pos", "row"], ["causal"], name="le"),
             N("Sub", ["row", "two"], ["lo"], name="lo"),
             N("GreaterOrEqual", ["lo", "pos"], ["old"], name="ge"),
             N("Xor", ["causal", "old"], ["window"], name="xor"),
             N("Mod", ["pos", "two"], ["parity"], name="mod"),
             N("Cast", ["pos"], ["posf"], name="cast", to=T.FLOAT),
             N("Sin", ["posf"], ["sin"], name="sin"), N("Cos", ["posf"], ["cos"], name="cos"),
             N("Tile", ["window", "reps"], ["tiled"], name="tile"),
             N("Sin", ["x"], ["xs"], name="xsin"), N("Softplus", ["xs"], ["xp"], name="soft"),
             N("Mish", ["xp"], ["xm"], name="mish"), N("Sign", ["xm"], ["xg"], name="sign"),
             N("Floor", ["xg"], ["xf"], name="floor"), N("Ceil", ["xf"], ["xc"], name="ceil"),
             N("IsInf", ["xc"], ["inf"], name="isinf"), N("IsNaN", ["xc"], ["nan"], name="isnan"),
             N("CumSum", ["x", "one_s"], ["cum"], name="cumsum", reverse=1),
             N("GatherElements", ["x", "idx"], ["ge_out"], name="gather_el", axis=1)]
    inits = [arr("zero_s", [], np.int64, 0), arr("one_s", [], np.int64, 1),
             arr("four", [], np.int64, 4), arr("one", [1], np.int64, [1]),
             arr("two", [], np.int64, 2), arr("reps", [2], np.int64, [1, 2]),
             arr("idx", [2, 1], np.int64, [[3], [0]])]
    outs = [vi("tiled", T.BOOL), vi("parity", T.INT64), vi("sin"), vi("cos"),
            vi("inf", T.BOOL), vi("nan", T.BOOL), vi("cum"), vi("ge_out")]
    return model(nodes, [vi("x", shape=[2, 4])], outs, inits, opset=18)


@case
def cache_position():
    """A KV-cache step's position arange(past, past + 1), past read from the cache's shape."""
    nodes = [N("Shape", ["past"], ["shape"], name="shape"),
             N("Gather", ["shape", "two"], ["p"], name="len", axis=0),
             N("Add", ["p", "one"], ["end"], name="end"),
             N("Range", ["p", "end", "one"], ["pos"], name="position")]
    inits = [arr("two", [], np.int64, 2), arr("one", [], np.int64, 1)]
    return model(nodes, [vi("past", shape=[1, 2, 7, 4])], [vi("pos", T.INT64)], inits)


@case
def named_dims():
    """Two KV-cache-like inputs whose past length is one dim_param, and a third input with
    a dim_param of its own."""
    nodes = [N("Add", ["past_key", "past_value"], ["kv"], name="add"),
             N("Add", ["kv", "other"], ["out"], name="other")]
    past = ["batch", 2, "past_sequence", 4]
    return model(nodes, [vi("past_key", shape=past), vi("past_value", shape=past),
                         vi("other", shape=[1, 2, "other_length", 4])], [vi("out")])


def swish_function(domain="local"):
    """SiLU scaled by an attribute, as a model-local function."""
    scale = h.make_node("Constant", [], ["c"], name="scale")
    scale.attribute.append(onnx.AttributeProto(name="value_float", ref_attr_name="alpha",
                                                type=onnx.AttributeProto.FLOAT))
    return h.make_function(domain, "Swish", ["a"], ["out"],
                           [scale, N("Sigmoid", ["a"], ["s"], name="sig"),
                            N("Mul", ["a", "s"], ["silu"], name="mul"),
                            N("Mul", ["silu", "c"], ["out"], name="scaled")],
                           [h.make_opsetid("", 17)], attributes=["alpha"])


@case
def expanded_ops():
    """A model-local function called twice, and the decomposed normalisations."""
    nodes = [N("Swish", ["x"], ["s1"], name="act1", domain="local", alpha=2.0),
             N("Swish", ["s1"], ["s2"], name="act2", domain="local", alpha=0.5),
             N("SimplifiedLayerNormalization", ["s2", "g"], ["n"], name="norm", epsilon=1e-6),
             N("SkipSimplifiedLayerNormalization", ["n", "x", "g"], ["y", "", "", "sum"],
               name="skipnorm", domain="com.microsoft"),
             N("FastGelu", ["y"], ["z"], name="gelu", domain="com.microsoft")]
    m = model(nodes, [vi("x", shape=[2, 8])], [vi("z"), vi("sum")], [arr("g", [8])],
              extra_opsets=[("local", 1), ("com.microsoft", 1)], ir=10)
    m.functions.append(swish_function())
    return m


@case
def contrib_gelu():
    """ONNX Runtime optimizer's com.microsoft Gelu and BiasGelu (both exact, erf)."""
    nodes = [N("Gelu", ["x"], ["g"], name="gelu", domain="com.microsoft"),
             N("BiasGelu", ["g", "b"], ["y"], name="biasgelu", domain="com.microsoft")]
    return model(nodes, [vi("x", shape=[2, 8])], [vi("y")], [arr("b", [8])],
                 extra_opsets=[("com.microsoft", 1)])


@case
def biasgelu_without_bias():
    return model([N("BiasGelu", ["x"], ["y"], name="nobias", domain="com.microsoft")],
                 [vi("x", shape=[2, 8])], [vi("y")], extra_opsets=[("com.microsoft", 1)])


@case
def ort_fused_ops():
    """ONNX Runtime optimizer's com.microsoft QuickGelu, FusedMatMul (transB, alpha;
    transBatchA on (tokens, batch x heads, dim)) and FusedGemm (tanh)."""
    nodes = [N("QuickGelu", ["x"], ["g"], name="quick", domain="com.microsoft"),
             N("FusedMatMul", ["g", "g"], ["s"], name="scores", domain="com.microsoft",
               transB=1, alpha=0.5),
             N("FusedMatMul", ["t", "w"], ["y"], name="batched", domain="com.microsoft",
               transBatchA=1),
             N("FusedGemm", ["x", "p", "c"], ["z"], name="pooler", domain="com.microsoft",
               transB=1, beta=0.5, activation="Tanh")]
    return model(nodes, [vi("x", shape=[2, 8]), vi("t", shape=[5, 3, 8])],
                 [vi("s"), vi("y"), vi("z")], [arr("w", [3, 8, 4]), arr("p", [4, 8]), arr("c", [4])],
                 extra_opsets=[("com.microsoft", 1)])


@case
def fusedmatmul_unknown_rank():
    nodes = [N("ReduceSum", ["x", "axes"], ["r"], name="sum", keepdims=0),
             N("FusedMatMul", ["r", "r"], ["y"], name="scores", domain="com.microsoft",
               transB=1)]
    return model(nodes, [vi("x", shape=[2, 3, 4]), vi("axes", T.INT64, [1])], [vi("y")],
                 extra_opsets=[("com.microsoft", 1)])


@case
def fusedmatmul_computed_shape():
    """A FusedMatMul operand reshaped to a shape computed as exporters compute it (Concat
    of constants and an Unsqueeze'd dimension from Shape): its rank is known."""
    nodes = [N("Shape", ["x"], ["s"], name="shape"),
             N("Gather", ["s", "i"], ["d"], name="dim", axis=0),
             N("Unsqueeze", ["d", "zero"], ["du"], name="unsq"),
             N("Concat", ["one", "du", "four"], ["shape_out"], name="cat", axis=0),
             N("Reshape", ["x", "shape_out"], ["r"], name="view"),
             N("FusedMatMul", ["r", "r"], ["y"], name="scores", domain="com.microsoft",
               transB=1)]
    return model(nodes, [vi("x", shape=[3, 8])], [vi("y")],
                 [arr("i", [], np.int64, 0), arr("zero", [1], np.int64, [0]),
                  arr("one", [1], np.int64, [1]), arr("four", [2], np.int64, [2, 4])],
                 extra_opsets=[("com.microsoft", 1)])


@case
def fusedgemm_activation():
    return model([N("FusedGemm", ["x", "w"], ["y"], name="pooler", domain="com.microsoft",
                    activation="Selu")],
                 [vi("x", shape=[2, 8])], [vi("y")], [arr("w", [8, 4])],
                 extra_opsets=[("com.microsoft", 1)])


@case
def recursive_function():
    f = h.make_function("local", "Loop", ["a"], ["out"],
                        [N("Loop", ["a"], ["out"], name="again", domain="local")],
                        [h.make_opsetid("", 17)])
    m = model([N("Loop", ["x"], ["y"], name="call", domain="local")], X2, [vi("y")],
              extra_opsets=[("local", 1)], ir=10)
    m.functions.append(f)
    return m


@case
def rms_positive_axis():
    return model([N("RMSNormalization", ["x", "g"], ["y"], name="rms", axis=1)],
                 [vi("x", shape=[2, 8])], [vi("y")], [arr("g", [8])], opset=23, ir=10)


@case
def arithmetic_folding():
    """torch's attention divisor and other arithmetic on known values: Add(ConstantOfShape(
    []) = 0, Pow(D, 0.5)) with D from Shape(v)[-1] through Cast, Sqrt, Sub, Mul, Div of
    small constants, integer Pow; and a Pow of a runtime value, which stays."""
    nodes = [N("Shape", ["v"], ["vshape"], name="shape"),
             N("Gather", ["vshape", "last"], ["d"], name="gather", axis=0),
             N("Cast", ["d"], ["df"], name="cast", to=T.FLOAT),
             N("Pow", ["df", "half"], ["sqrt_d"], name="pow"),
             N("ConstantOfShape", ["empty"], ["zero"], name="cos",
               value=h.make_tensor("v", T.FLOAT, [1], [0.0])),
             N("Add", ["zero", "sqrt_d"], ["divisor"], name="add"),
             N("Div", ["v", "divisor"], ["scaled"], name="div"),
             N("Sqrt", ["four"], ["two"], name="sqrt"),
             N("Sub", ["two", "quarter"], ["c1"], name="sub"),
             N("Mul", ["c1", "pair"], ["c2"], name="mul"),
             N("Div", ["c2", "two"], ["c3"], name="div-const"),
             N("Mul", ["v", "c3"], ["y2"], name="use"),
             N("Pow", ["three", "two_i"], ["nine"], name="pow-int"),
             N("Pow", ["v", "half"], ["y3"], name="pow-runtime")]
    inits = [arr("last", [], np.int64, -1), arr("half", [], np.float32, 0.5),
             arr("empty", [0], np.int64, []), arr("four", [], np.float32, 4.0),
             arr("quarter", [], np.float32, 0.25), arr("pair", [2, 1, 1], np.float32, [1.0, -2.0]),
             arr("three", [], np.int64, 3), arr("two_i", [], np.int64, 2)]
    return model(nodes, [vi("v", shape=[1, 2, 4, 16])],
                 [vi("scaled"), vi("y2"), vi("nine", T.INT64), vi("y3")], inits)


@case
def attention():
    q, k, v = (vi(n, shape=[1, 2, 4, 8]) for n in "qkv")
    nodes = [N("Attention", ["q", "k", "v"], ["y"], name="attn23", is_causal=1),
             N("Attention", ["q3", "k3", "v3", "", "pk", "pv"], ["y3", "pk_out", "pv_out"],
               name="attn23-3d", q_num_heads=2, kv_num_heads=2),
             N("Attention", ["x", "wqkv", "bqkv"], ["ms"], name="ms-attn",
               domain="com.microsoft", num_heads=2, unidirectional=1),
             N("MultiHeadAttention", ["x", "x", "x"], ["mha"], name="ms-mha",
               domain="com.microsoft", num_heads=2),
             N("GainCellAttention", ["q", "k", "v", "scales"], ["gc"], name="gaincell",
               domain="ai.gcim", num_heads=2, window=4),
             N("GainCellAttention", ["q", "k", "v"], ["gc2"], name="gaincell-defaults",
               domain="ai.gcim", num_heads=2)]
    inits = [arr("wqkv", [16, 48]), arr("bqkv", [48]), arr("scales", [2, 8])]
    inputs = [q, k, v, vi("q3", shape=[1, 4, 16]), vi("k3", shape=[1, 4, 16]),
              vi("v3", shape=[1, 4, 16]), vi("pk", shape=[1, 2, 3, 8]),
              vi("pv", shape=[1, 2, 3, 8]), vi("x", shape=[1, 4, 16])]
    return model(nodes, inputs, [vi("y"), vi("y3"), vi("pk_out"), vi("pv_out"), vi("ms"),
                                 vi("mha"), vi("gc"), vi("gc2")], inits, opset=23,
                 extra_opsets=[("com.microsoft", 1), ("ai.gcim", 1)], ir=10)


@case
def runtime_mask_attention():
    """Attention whose additive mask is an input (a padding mask as exports with an
    attention_mask carry): not an attention gcim can fuse."""
    q, k, v = (vi(n, shape=[1, 2, 4, 8]) for n in "qkv")
    nodes = [N("Transpose", ["k"], ["kt"], name="kt", perm=[0, 1, 3, 2]),
             N("MatMul", ["q", "kt"], ["s"], name="scores"),
             N("Mul", ["s", "scale"], ["ss"], name="scale"),
             N("Add", ["ss", "mask"], ["sm"], name="add-mask"),
             N("Softmax", ["sm"], ["p"], name="softmax", axis=-1),
             N("MatMul", ["p", "v"], ["y"], name="pv")]
    inits = [arr("scale", [], value=np.array(0.35355339, np.float32))]
    return model(nodes, [q, k, v, vi("mask", shape=[1, 1, 4, 4])], [vi("y")], inits)


@case
def constants():
    nodes = [N("Constant", [], ["cf"], name="cf", value_float=2.0),
             N("Constant", [], ["ci"], name="ci", value_ints=[1, 2, 3]),
             N("Constant", [], ["ct"], name="ct",
               value=nh.from_array(np.ones([4], np.float16), "ct")),
             N("Mul", ["x", "cf"], ["a"], name="scale"),
             N("Add", ["a", "big"], ["b"], name="bias"),
             N("Add", ["b", "small"], ["c"], name="small-bias"),
             N("Cast", ["ct"], ["ct32"], name="cast16", to=T.FLOAT),
             N("Add", ["c", "ct32"], ["d"], name="add16"),
             N("Cast", ["ci"], ["cif"], name="cast-ci", to=T.FLOAT),
             N("Unsqueeze", ["unused_axes", "zero"], ["dead"], name="dead")]
    big = arr("big", [64, 4])
    small = h.make_tensor("small", T.FLOAT, [4], [0.5, 1.5, 2.5, 3.5])  # float_data form
    inits = [big, small, arr("zero", [1], np.int64, [0]), arr("unused_axes", [2], np.int64)]
    return model(nodes, [vi("x", shape=[64, 4])], [vi("d"), vi("cif")], inits)


@case
def external_data():
    nodes = [N("Add", ["x", "w"], ["y"], name="add")]
    w = arr("w", [64, 4])
    m = model(nodes, [vi("x", shape=[64, 4])], [vi("y")], [w])
    return m


@case
def unnamed_nodes():
    nodes = [N("Relu", ["x"], ["a"]), N("Neg", ["a"], ["b"])]
    return model(nodes, [vi("x", shape=[2])], [vi("b")])


@case
def unsorted_nodes():
    """Nodes listed after their users, as some tools write them."""
    nodes = [N("Add", ["b", "a"], ["c"], name="add"), N("Neg", ["a"], ["b"], name="neg"),
             N("Relu", ["x"], ["a"], name="relu")]
    return model(nodes, [vi("x", shape=[2])], [vi("c")])


@case
def repeat_interleave_loop():
    """torch 1.13's repeat_interleave over an axis of unknown size: a Loop over the pieces of
    SplitToSequence, concatenated by ConcatFromSequence (the Loop's body not read)."""
    nodes = [N("SplitToSequence", ["x"], ["pieces"], name="/SplitToSequence", axis=0),
             N("SequenceEmpty", [], ["empty"], name="/SequenceEmpty"),
             N("Loop", ["", "", "empty"], ["seq"], name="/Loop"),
             N("ConcatFromSequence", ["seq"], ["y"], name="/ConcatFromSequence", axis=0)]
    return model(nodes, [vi("x", shape=[2])], [vi("y")])


@case
def unsupported_ops():
    nodes = [N("Loop", ["x"], ["a"], name="loop1"), N("Loop", ["a"], ["b"], name="loop2"),
             N("Relu", ["b"], ["c"], name="relu"), N("NonMaxSuppression", ["c"], ["d"], name="nms"),
             N("Foo", ["d"], ["e"], name="foo", domain="com.example"),
             N("ReorderOutput", ["e"], ["f"], name="reorder", domain="com.microsoft.nchwc")]
    return model(nodes, [vi("x", shape=[2])], [vi("f")],
                 extra_opsets=[("com.example", 1), ("com.microsoft.nchwc", 1)])


@case
def rotary():
    """Opset-23 RotaryEmbedding (3-D, position_ids), com.microsoft RotaryEmbedding (4-D,
    interleaved, position_ids of shape (1)) and GroupQueryAttention (packed QKV,
    a cache of 3, do_rotary, a window of 2)."""
    cos, sin = arr("cos", [16, 4]), arr("sin", [16, 4])
    nodes = [N("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["r23"], name="rope23",
               num_heads=2),
             N("RotaryEmbedding", ["x4", "first", "cos", "sin"], ["rms"], name="rope-ms",
               domain="com.microsoft", interleaved=1),
             N("GroupQueryAttention", ["qkv", "", "", "pk", "pv", "seqlens", "total", "cos",
                                       "sin"], ["gqa", "present_k", "present_v"], name="gqa",
               domain="com.microsoft", num_heads=2, kv_num_heads=1, do_rotary=1,
               local_window_size=2)]
    inits = [cos, sin, arr("first", [1], np.int64, [5]),
             arr("seqlens", [1], np.int32, [4]), arr("total", [], np.int32, 5)]
    inputs = [vi("x", shape=[1, 3, 16]), vi("pos", T.INT64, [1, 3]),
              vi("x4", shape=[1, 2, 3, 8]), vi("qkv", shape=[1, 2, 32]),
              vi("pk", shape=[1, 1, 3, 8]), vi("pv", shape=[1, 1, 3, 8])]
    return model(nodes, inputs, [vi("r23"), vi("rms"), vi("gqa"), vi("present_k"),
                                 vi("present_v")], inits, opset=23,
                 extra_opsets=[("com.microsoft", 1)], ir=10)


def rotary_bad(name, node, x_shape=(1, 3, 16), pos_shape=(1, 3), x_declared=True):
    """One RotaryEmbedding or GroupQueryAttention that the importer refuses."""
    def make():
        nodes = [node]
        x_name = node.input[0]
        inputs = [vi("pos", T.INT64, list(pos_shape)), vi("pk", shape=[1, 1, 3, 8]),
                  vi("pv", shape=[1, 1, 3, 8])]
        if x_declared:
            inputs.append(vi(x_name, shape=list(x_shape)))
        else:  # x computed by an op the rank walk does not follow
            inputs.append(vi("raw", shape=list(x_shape)))
            nodes = [N("Flatten", ["raw"], [x_name], name="flat", axis=2)] + nodes
        return model(nodes, inputs, [vi(node.output[0])],
                     [arr("cos", [16, 4]), arr("sin", [16, 4])], opset=23,
                     extra_opsets=[("com.microsoft", 1)], ir=10)
    CASES[name] = make


MS = {"domain": "com.microsoft"}
rotary_bad("rotary-rank", N("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"], name="rope",
                            num_heads=2), x_shape=(1, 16))
rotary_bad("rotary-rank-unknown", N("RotaryEmbedding", ["x", "cos", "sin", "pos"], ["y"],
                                    name="rope", num_heads=2), x_declared=False)
rotary_bad("rotary-heads", N("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], name="rope",
                             rotary_embedding_dim=4, **MS))
rotary_bad("rotary-scale", N("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"], name="rope",
                             scale=0.5, **MS))
rotary_bad("rotary-positions", N("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"],
                                 name="rope", **MS), pos_shape=(1, 1, 3))
rotary_bad("rotary-no-positions", N("RotaryEmbedding", ["x", "", "cos", "sin"], ["y"],
                                    name="rope", **MS))
rotary_bad("gqa-heads", N("GroupQueryAttention", ["x", "x", "x"], ["y"], name="gqa",
                          num_heads=3, kv_num_heads=2, **MS))
rotary_bad("gqa-softcap", N("GroupQueryAttention", ["x", "x", "x"], ["y"], name="gqa",
                            num_heads=2, kv_num_heads=2, softcap=30.0, **MS))
rotary_bad("gqa-window", N("GroupQueryAttention", ["x", "x", "x"], ["y"], name="gqa",
                           num_heads=2, kv_num_heads=2, local_window_size=0, **MS))
rotary_bad("gqa-rotary-caches", N("GroupQueryAttention", ["x", "x", "x"], ["y"], name="gqa",
                                  num_heads=2, kv_num_heads=2, do_rotary=1, **MS))
rotary_bad("gqa-position-ids", N("GroupQueryAttention", ["x", "x", "x", "", "", "", "", "", "",
                                                         "pos"], ["y"], name="gqa",
                                 num_heads=2, kv_num_heads=2, **MS))
rotary_bad("gqa-past", N("GroupQueryAttention", ["x", "x", "x", "pk"], ["y"], name="gqa",
                         num_heads=2, kv_num_heads=2, **MS))
rotary_bad("gqa-batch", N("GroupQueryAttention", ["x", "x", "x", "", "", "pos"], ["y"],
                          name="gqa", num_heads=2, kv_num_heads=2, **MS), pos_shape=(2,))
rotary_bad("gqa-output-qk", N("GroupQueryAttention", ["x", "x", "x"], ["y", "", "", "qk"],
                              name="gqa", num_heads=2, kv_num_heads=2, **MS))


@case
def einsum():
    """Einsum forms: q k^T, P V, a broadcast ellipsis, a permutation."""
    nodes = [N("Einsum", ["q", "k"], ["s"], name="qk", equation="bhqd,bhkd->bhqk"),
             N("Einsum", ["s", "v"], ["o"], name="pv", equation="bhqk,bhkd->bhqd"),
             N("Einsum", ["o", "w"], ["e"], name="ellipsis", equation="...ij,...jk->...ik"),
             N("Einsum", ["w"], ["t"], name="transpose", equation="ij->ji")]
    inputs = [vi("q", shape=[1, 2, 5, 8]), vi("k", shape=[1, 2, 6, 8]),
              vi("v", shape=[1, 2, 6, 8]), vi("w", shape=[8, 3])]
    return model(nodes, inputs, [vi("e"), vi("t")], opset=17)


@case
def ms_attention_mask_index():
    """com.microsoft Attention with a 2-D mask_index, as ONNX Runtime's BERT fusion writes it."""
    w = nh.from_array(np.full((16, 48), 0.01, np.float32), "w")
    node = N("Attention", ["x", "w", "", "mask"], ["y"], name="attn", domain="com.microsoft",
             num_heads=2)
    return model([node], [vi("x", shape=[1, 4, 16]), vi("mask", T.INT32, [1, 4])], [vi("y")],
                 [w], extra_opsets=[("com.microsoft", 1)])


@case
def einsum_outer():
    """Outer products: rotary frequencies ("i,j->ij") and a batched one with the output
    permuted."""
    nodes = [N("Einsum", ["t", "f"], ["y"], name="outer", equation="i,j->ij"),
             N("Einsum", ["a", "b"], ["z"], name="batched", equation="bi,bj->jbi")]
    inputs = [vi("t", shape=[5]), vi("f", shape=[4]), vi("a", shape=[2, 3]),
              vi("b", shape=[2, 6])]
    return model(nodes, inputs, [vi("y"), vi("z")])


@case
def einsum_attention():
    """Attention written with Einsum: softmax(scale * einsum(q, k)) then einsum with v."""
    nodes = [N("Einsum", ["q", "k"], ["s"], name="qk", equation="bhqd,bhkd->bhqk"),
             N("Mul", ["s", "scale"], ["scaled"], name="scale"),
             N("Softmax", ["scaled"], ["p"], name="softmax", axis=-1),
             N("Einsum", ["p", "v"], ["o"], name="pv", equation="bhqk,bhkd->bhqd")]
    return model(nodes, [vi(n, shape=[1, 2, 5, 8]) for n in "qkv"], [vi("o")],
                 [arr("scale", [], value=0.35)])


def einsum_bad(name, equation, shapes, computed=False):
    """An Einsum the importer refuses."""
    def make():
        names = [f"x{i}" for i in range(len(shapes))]
        nodes = [N("Einsum", names, ["y"], name="einsum", equation=equation)]
        inputs = [vi(n, shape=s) for n, s in zip(names, shapes)]
        if computed:  # x0 computed by an op the rank walk does not follow
            inputs[0] = vi("raw", shape=shapes[0])
            nodes.insert(0, N("Flatten", ["raw"], ["x0"], name="flat"))
        return model(nodes, inputs, [vi("y")])
    CASES[name] = make


einsum_bad("einsum-diagonal", "ii->i", [[3, 3]])
einsum_bad("einsum-three", "ij,jk,kl->il", [[2, 3], [3, 4], [4, 5]])
einsum_bad("einsum-sum", "ij->i", [[2, 3]])
einsum_bad("einsum-vector", "ij,j->i", [[2, 3], [3]])
einsum_bad("einsum-ellipsis-rank", "...ij,jk->...ik", [[2, 3], [3, 4]], computed=True)


@case
def scatter_nd():
    """ScatterND on known values folds; on a runtime cache (the KV position update) stays."""
    nodes = [N("ScatterND", ["c", "ci", "cu"], ["folded"], name="fold"),
             N("ScatterND", ["cache", "pos", "new"], ["updated"], name="update"),
             N("ScatterND", ["c", "twice", "ones"], ["added"], name="add", reduction="add")]
    inits = [arr("c", [4], np.int64), arr("ci", [2, 1], np.int64, [[3], [-4]]),
             arr("cu", [2], np.int64, [30, 10]), arr("pos", [2, 3], np.int64, [0, 0, 5, 0, 1, 5]),
             arr("twice", [3, 1], np.int64, [[1], [1], [3]]), arr("ones", [3], np.int64, [1, 1, 0])]
    return model(nodes, [vi("cache", shape=[1, 2, 6, 4]), vi("new", shape=[2, 4])],
                 [vi("folded", T.INT64), vi("updated"), vi("added", T.INT64)], inits, opset=18)


def scatter_bad(name, data, indices, updates, index_values=None, **attrs):
    def make():
        inits = [arr("i", indices, np.int64, index_values)] if index_values is not None else []
        inputs = [vi("x", shape=data), vi("u", shape=updates)]
        if index_values is None:
            inputs.append(vi("i", T.INT32, indices))
        return model([N("ScatterND", ["x", "i", "u"], ["y"], name="scatter", **attrs)],
                     inputs, [vi("y")], inits, opset=18)
    CASES[name] = make


scatter_bad("scatter-reduction", [4], [1, 1], [1], [[0]], reduction="median")
scatter_bad("scatter-indices", [4], [1, 1], [1])
scatter_bad("scatter-updates", [4, 3], [2, 1], [2, 2], [[0], [1]])
scatter_bad("scatter-range", [4, 3], [2, 1], [2, 3], [[0], [4]])


def bad(name, nodes, inputs, outputs, inits=(), **kw):
    CASES[name] = lambda: model(nodes, inputs, outputs, inits, **kw)


X2 = [vi("x", shape=[2])]
bad("dangling", [N("Relu", ["nowhere"], ["y"], name="relu")], X2, [vi("y")])
bad("cycle", [N("Relu", ["b"], ["a"], name="r1"), N("Neg", ["a"], ["b"], name="r2")],
    X2, [vi("b")])
bad("duplicate-definition", [N("Relu", ["x"], ["y"], name="r1"),
                             N("Neg", ["x"], ["y"], name="r2")], X2, [vi("y")])
bad("duplicate-node-name", [N("Relu", ["x"], ["a"], name="block/act"),
                            N("Neg", ["a"], ["y"], name="block/act")], X2, [vi("y")])
bad("duplicate-input", [N("Relu", ["x"], ["y"], name="r1")], X2 + X2, [vi("y")])


@case
def no_params(producer="pytorch"):
    """A torch export with export_params=False: the weight a graph input, no initializers."""
    m = model([N("MatMul", ["x", "fc.weight"], ["y"], name="/fc/MatMul")],
              [vi("x", shape=[1, 4]), vi("fc.weight", shape=[4, 2])], [vi("y")])
    m.producer_name = producer
    return m


CASES["inputs-only"] = lambda: no_params("onnx-example")
bad("opset-24", [N("Relu", ["x"], ["y"], name="r1")], X2, [vi("y")], opset=24)
bad("opset-6-broadcast", [N("Add", ["x", "x"], ["y"], name="add", broadcast=1)], X2, [vi("y")],
    opset=6)
bad("ir-12", [N("Relu", ["x"], ["y"], name="r1")], X2, [vi("y")], ir=12)
# Not bad: IR 11 (ONNX 1.17, opset 23's IR version) adds data types only.
bad("ir-11", [N("Relu", ["x"], ["y"], name="r1")], X2, [vi("y")], opset=23, ir=11)
bad("rank-5-matmul", [N("MatMul", ["a", "a"], ["y"], name="attn/qk")],
    [vi("a", shape=[1, 1, 1, 2, 2])], [vi("y")])
bad("missing-attribute", [N("Cast", ["x"], ["y"], name="cast")], X2, [vi("y")])
bad("wrong-attribute-type", [N("Softmax", ["x"], ["y"], name="sm", axis=1.5)], X2,
    [vi("y")])
bad("bad-broadcast", [N("Add", ["x", "z"], ["y"], name="add")], X2 + [vi("z", shape=[3])],
    [vi("y")])
bad("bad-reshape", [N("Reshape", ["x", "s"], ["y"], name="reshape")], X2, [vi("y")],
    [arr("s", [1], np.int64, [3])])
bad("non-constant-shape", [N("Reshape", ["x", "s"], ["y"], name="reshape")],
    X2 + [vi("s", T.INT64, [1])], [vi("y")])
bad("declared-mismatch", [N("Relu", ["x"], ["y"], name="relu")], X2, [vi("y", shape=[3])])
bad("undefined-output", [N("Relu", ["x"], ["y"], name="relu")], X2, [vi("z")])
bad("no-outputs", [N("Relu", ["x"], ["y"], name="relu")], X2, [])
bad("too-many-inputs", [N("Relu", ["x", "x"], ["y"], name="relu")], X2, [vi("y")])
bad("reserved-attribute", [N("Concat", ["x", "x"], ["y"], name="concat", axis=0,
                             operandSegmentSizes=[1, 1])], X2, [vi("y")])
bad("concat-hole", [N("Concat", ["x", "", "x"], ["y"], name="concat", axis=0)], X2,
    [vi("y")])
bad("max-no-inputs", [N("Max", [], ["y"], name="max")], X2, [vi("y")])
bad("missing-input", [N("Add", ["x"], ["y"], name="add")], X2, [vi("y")])
bad("tile-repeats", [N("Tile", ["x", "r"], ["y"], name="tile")], X2, [vi("y")],
    [arr("r", [2], np.int64, [2, 2])])
bad("gather-elements-rank", [N("GatherElements", ["x", "i"], ["y"], name="ge")], X2,
    [vi("y")], [arr("i", [1, 2], np.int64, [0, 1])])
bad("cumsum-axis", [N("CumSum", ["x", "a"], ["y"], name="cumsum")], X2, [vi("y")],
    [arr("a", [2], np.int64, [0, 1])])

# Split without sizes: opset 18's num_outputs (ceil-sized chunks, a smaller non-empty last
# one) and, before it, equal parts only; ONNX Runtime refuses the rest.
bad("split-num-outputs", [N("Split", ["x"], ["a", "b", "c"], name="sp", num_outputs=3)],
    [vi("x", shape=[8])], [vi("a"), vi("b"), vi("c")], opset=18)
bad("split-num-outputs-over", [N("Split", ["x"], ["a", "b", "c"], name="sp", axis=1,
                                 num_outputs=3)],
    [vi("x", shape=[1, 2])], [vi("a"), vi("b"), vi("c")], opset=18)
bad("split-num-outputs-empty-last", [N("Split", ["x"], ["a", "b", "c", "d"], name="sp",
                                       num_outputs=4)],
    [vi("x", shape=[6])], [vi("a"), vi("b"), vi("c"), vi("d")], opset=18)
bad("split-num-outputs-count", [N("Split", ["x"], ["a", "b"], name="sp", num_outputs=3)],
    [vi("x", shape=[6])], [vi("a"), vi("b")], opset=18)
bad("split-uneven", [N("Split", ["x"], ["a", "b"], name="sp")], [vi("x", shape=[5])],
    [vi("a"), vi("b")])


@case
def conv_patches():
    """Patch embeddings: a 2-D Conv with bias (ViT's, kernel = strides 2x4) and a 1-D one."""
    nodes = [N("Conv", ["x", "w", "b"], ["y"], name="patch", kernel_shape=[2, 4],
               strides=[2, 4], pads=[0, 0, 0, 0]),
             N("Conv", ["s", "w1"], ["z"], name="patch1d", strides=[3])]
    return model(nodes, [vi("x", shape=[1, 3, 4, 8]), vi("s", shape=[2, 2, 9])],
                 [vi("y"), vi("z")], [arr("w", [5, 3, 2, 4]), arr("b", [5]),
                                      arr("w1", [4, 2, 3])])


def conv_bad(name, weight=(5, 3, 2, 2), inputs=("x", "w"), **attrs):
    bad(name, [N("Conv", list(inputs), ["y"], name="conv", **attrs)],
        [vi("x", shape=[1, 3, 4, 4])], [vi("y")], [arr("w", list(weight))])


conv_bad("conv-stride-1", weight=(5, 3, 3, 3))
conv_bad("conv-padded", strides=[2, 2], pads=[1, 1, 1, 1])
conv_bad("conv-groups", weight=(3, 1, 2, 2), strides=[2, 2], group=3)
conv_bad("conv-dilated", strides=[2, 2], dilations=[2, 2])


@case
def conv1d():
    """1-D Convs as Whisper's and wav2vec2's front ends write them: padded, strided,
    dilated, grouped (the positional convolution) with a bias; one whose stride leaves a
    remainder; auto_pad SAME is refused (conv1d-same)."""
    nodes = [N("Conv", ["x", "w", "b"], ["y"], name="pos", pads=[2, 1], strides=[2],
               dilations=[2], group=2),
             N("Conv", ["x", "w1"], ["z"], name="tail", strides=[2])]
    return model(nodes, [vi("x", shape=[1, 4, 9])], [vi("y"), vi("z")],
                 [arr("w", [6, 2, 3]), arr("b", [6]), arr("w1", [5, 4, 2])])


@case
def conv1d_f16():
    """A float16 1-D Conv with padding (a .half() Whisper's): the zeros are float16."""
    return model([N("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1], kernel_shape=[3])],
                 [vi("x", T.FLOAT16, [1, 4, 9])], [vi("y", T.FLOAT16)],
                 [arr("w", [5, 4, 3], np.float16)])


bad("conv1d-groups-mismatch", [N("Conv", ["x", "w"], ["y"], name="conv", group=3)],
    [vi("x", shape=[1, 4, 9])], [vi("y")], [arr("w", [6, 1, 3])])
bad("conv1d-too-short", [N("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1])],
    [vi("x", shape=[1, 4, 9])], [vi("y")], [arr("w", [6, 4, 30])])
bad("conv1d-kernel-huge", [N("Identity", ["w"], ["w2"], name="weight"),
                           N("Conv", ["x", "w2"], ["y"], name="conv", kernel_shape=[100000])],
    [vi("x", shape=[1, 4, 9])], [vi("y")], [arr("w", [5, 4, 3])])
bad("conv1d-same", [N("Conv", ["x", "w"], ["y"], name="conv", auto_pad="SAME_UPPER")],
    [vi("x", shape=[1, 4, 9])], [vi("y")], [arr("w", [5, 4, 3])])


@case
def instance_norm():
    """InstanceNormalization (torch's GroupNorm export) of a rank-3 and a rank-4 input."""
    nodes = [N("InstanceNormalization", ["x", "s", "b"], ["y"], name="norm", epsilon=1e-3),
             N("InstanceNormalization", ["x4", "s", "b"], ["y4"], name="norm4")]
    return model(nodes, [vi("x", shape=[2, 3, 5]), vi("x4", shape=[1, 3, 2, 2])],
                 [vi("y"), vi("y4")], [arr("s", [3]), arr("b", [3])])


@case
def softmax_only():
    """Two Softmax ops over rank-4 scores that no MatMul of q and k makes (Bloom's ALiBi
    scores reach the fusion the same way): no attention, nothing for the gain cells."""
    nodes = [N("Softmax", ["x"], ["p"], name="sm"), N("Softmax", ["p"], ["y"], name="sm2")]
    return model(nodes, [vi("x", shape=[1, 2, 3, 3])], [vi("y")])
bad("empty-contraction", [N("MatMul", ["x", "w"], ["y"], name="mm")], [vi("x", shape=[2, 0])],
    [vi("y")], [arr("w", [0, 3])])
bad("huge-expand", [N("Expand", ["x", "s"], ["y"], name="e")], [vi("x", shape=[1])], [vi("y")],
    [arr("s", [2], np.int64, [1 << 31, 1 << 31])])

# Values made from a shape alone above 2^32 elements (under 2^48): each compiled and the
# program exited with "out of memory".
bad("made-constant-of-shape", [N("ConstantOfShape", ["s"], ["y"], name="zeros")], [], [vi("y")],
    [arr("s", [2], np.int64, [1 << 20, 1 << 20])])
bad("made-range", [N("Range", ["a", "b", "c"], ["y"], name="positions")], [],
    [vi("y", T.INT64)], [arr("a", [], np.int64, 0), arr("b", [], np.int64, (1 << 32) + 1),
                          arr("c", [], np.int64, 1)])
bad("made-expand", [N("Expand", ["x", "s"], ["y"], name="mask")], [vi("x", shape=[1, 1])],
    [vi("y")], [arr("s", [2], np.int64, [1 << 17, 1 << 17])])
bad("made-tile", [N("Tile", ["x", "r"], ["y"], name="tiles")], [vi("x", shape=[2, 2])],
    [vi("y")], [arr("r", [2], np.int64, [1 << 16, 1 << 16])])

bad("gather-known-index", [N("Gather", ["w", "i"], ["y"], name="g")], [vi("w", shape=[4, 2])],
    [vi("y")], [arr("i", [2], np.int64, [1, -5])])


def tensor_case(name, mutate, **kw):
    def make():
        w = arr("w", [4])
        mutate(w)
        return model([N("Add", ["x", "w"], ["y"], name="add")], [vi("x", shape=[4])],
                     [vi("y")], [w], **kw)
    CASES[name] = make


def set_raw(t, data):
    t.raw_data = data


tensor_case("wrong-tensor-size", lambda t: set_raw(t, b"\0" * 8))
tensor_case("wrong-typed-size", lambda t: (t.ClearField("raw_data"), t.float_data.extend([1, 2, 3])))
tensor_case("negative-dim", lambda t: (t.ClearField("dims"), t.dims.extend([-4])))
tensor_case("overflowing-dims", lambda t: (t.ClearField("dims"), t.dims.extend([1 << 40, 1 << 40])))
tensor_case("unknown-data-type", lambda t: setattr(t, "data_type", 99))


def external(location, offset="0", length="16"):
    def mutate(t):
        t.ClearField("raw_data")
        t.data_location = T.EXTERNAL
        for key, value in (("location", location), ("offset", offset), ("length", length)):
            if value is not None:
                entry = t.external_data.add()
                entry.key, entry.value = key, value
    return mutate


tensor_case("external-dotdot", external("../outside.bin"))
tensor_case("external-absolute", external("/etc/hostname"))
tensor_case("external-symlink", external("link.bin"))
tensor_case("external-range", external("data.bin", offset="8"))
tensor_case("external-huge-offset", external("data.bin", offset="18446744073709551615"))
tensor_case("external-missing", external("missing.bin"))
tensor_case("external-no-location", external(None))
CASES["input-negative-dim"] = lambda: model(
    [N("Relu", ["x"], ["y"], name="relu")], [vi("x", shape=[-3])], [vi("y")])


def main():
    name, out = sys.argv[1], sys.argv[2]
    m = CASES[name]()
    if name == "external-data":
        # The weight beside the model, 256 bytes into 'weights.bin'.
        folder = os.path.dirname(os.path.abspath(out))
        w = m.graph.initializer[0]
        payload = w.raw_data
        with open(os.path.join(folder, "weights.bin"), "wb") as f:
            f.write(b"\0" * 256 + payload)
        w.ClearField("raw_data")
        w.data_location = T.EXTERNAL
        for key, value in (("location", "weights.bin"), ("offset", "256"),
                           ("length", str(len(payload)))):
            entry = w.external_data.add()
            entry.key, entry.value = key, value
    if name.startswith("external-"):
        # 16 bytes of data beside the model, and a symbolic link that leads out of it.
        folder = os.path.dirname(os.path.abspath(out))
        with open(os.path.join(folder, "data.bin"), "wb") as f:
            f.write(b"\0" * 16)
        link = os.path.join(folder, "link.bin")
        if not os.path.lexists(link):
            os.symlink("/etc/hostname", link)
    with open(out, "wb") as f:
        f.write(m.SerializeToString())


main()
