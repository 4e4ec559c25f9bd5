#!/usr/bin/python3
"""rewritten-models.py: models as users' tooling rewrites them before they reach gcim,
through gcim-compile and the generated C against ONNX Runtime on the model before rewriting.

The models: the repository's exporters' GPT-2 (python/gcim_models/gpt2.py, dynamic axes,
and one KV-cache step) and Llama/Phi-3/Gemma-style decoders (gcim_models/llama.py, full
sequence, and Llama's KV-cache step), an nn.TransformerEncoder classifier (gcim_models/user_models.py), BERT and ViT
(archmodels.py), codegen-quant.py's quantized products (QDQ, MatMulNBits, fake
quantization), and a transformer block written by hand with onnx.helper at opset 21.
The rewrites:
- ONNX Runtime's offline optimization (graphOptimizationLevel 'basic', 'extended', 'all'
  with optimizedModelFilePath): FusedMatMul, FusedGemm, QuickGelu, SkipLayerNormalization,
  com.microsoft Gelu, SimplifiedLayerNormalization, MatMulNBits in the graph;
- onnx tooling: version_converter from opset 14 to 17, shape_inference.infer_shapes
  (value_info everywhere), external data (one file, one file per tensor, a size
  threshold, Constants' tensors with convert_attribute), compose.add_prefix and
  compose.merge_models, initializers also listed as graph inputs in an IR-3 file,
  doc_strings and metadata_props everywhere, int32 input_ids (read by the Gather
  directly, or cast to int64 by a node the user added);
- hand edits at newer opsets: an opset-14 export moved to opset 18 (ReduceMean's axes
  as an input) and the opset-21 block (LayerNormalization with stash_type, Split with
  num_outputs, ReduceMean and ReduceSum with axes inputs, Gelu of opset 20, exact and
  tanh).
(float16 by onnxconverter-common is not checked: it is not packaged by Debian; the
converter's output form is e2e codegen-f16's.)

Checks, for each rewritten model:
- gcim-compile --attention=digital compiles it, the C builds with warnings as errors, and
  every output matches ONNX Runtime on the original model (optimization disabled) within
  1e-4 * max(1, |ref|) (float32 in both, the sums in another order over two layers:
  up to about 6e-6 seen);
- attention still fuses: one gcim.attention per layer with the model's heads, none left
  unfused (--emit=gcim); quantized integers equal (the tolerance is below 1 up to 9999);
- the language models' --generate gives the greedy tokens of the original model (ONNX
  Runtime over the growing sequence for GPT-2's dynamic export; torch for the static
  decoders, which ONNX Runtime runs at their one length only);
- ONNX Runtime's levels 'layout' and 'all' on a ViT write NCHWc operators: refused with
  exit 1, the node named and what to give gcim instead, no output folder left.
"""
import copy
import os
import sys
import tempfile
import time

import numpy as np
import onnx
import onnx.compose
import onnx.shape_inference
import onnx.version_converter
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import archmodels as am  # noqa: E402
from codegenharness import build, compile_model, generate, run_program  # noqa: E402
from ortharness import Checker, load_test, run_ort  # noqa: E402
from gcim_models import llama  # noqa: E402  (ortharness put python/ on the path)
from gcim_models import user_models as um  # noqa: E402
from gcim_models.export import ExportOptions, export_model  # noqa: E402
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402



ux = load_test("user-exports-2")

RTOL = 1e-4
# Warnings are errors; -O0 because the runtime's sources, the same in every folder, take
# most of a build (3 s instead of 13 s on a busy machine) and the other e2e tests build
# them at -O2: what changes here is the model's C.
CFLAGS = "-O0 -Wall -Wextra -Wpedantic -Werror"


class Base:
    """A model before rewriting: its proto, inputs, ONNX Runtime's outputs on it (its graph
    as written: optimization disabled, so that no fusion of ONNX Runtime's is in the
    reference), the attentions it has (count, heads) and, for a language model, its greedy
    tokens."""

    def __init__(self, tmp, name, proto, feeds, attentions, heads, greedy=None, flags=()):
        self.name, self.proto, self.feeds = name, proto, feeds
        self.attentions, self.heads, self.flags = attentions, heads, tuple(flags)
        self.path = ux.save(proto, os.path.join(tmp, "original-" + name))
        self.ref = run_ort(self.path, feeds, opt_level="disabled")
        self.greedy = greedy() if greedy else None


def gpt2_base(tmp, opset=17):
    config = GPT2Config(layers=2, heads=2, head_dim=16, vocab=64, context=16, init_std=0.3)
    proto = export_model(GPT2(config).eval(), ExportOptions(opset=opset, dynamic=True))
    ids = np.random.default_rng(1).integers(0, 64, (1, 8)).astype(np.int64)
    base = Base(tmp, f"gpt2-opset{opset}", proto, {"input_ids": ids}, 2, 2)
    base.greedy = ux.greedy_ort(base.path, base.feeds)
    return base


def gpt2_kv_base(tmp):
    """GPT-2 with a KV cache: one token after 7 (the cache length dynamic, bound here)."""
    config = GPT2Config(layers=2, heads=2, head_dim=16, vocab=64, context=16, init_std=0.3)
    proto = export_model(GPT2(config).eval(), ExportOptions(kv_cache=True, seq=1, past=7))
    rng = np.random.default_rng(4)
    feeds = {"input_ids": np.array([[5]], np.int64)}
    for i in range(config.layers):
        for kind in ("key", "value"):
            feeds[f"past_{kind}_{i}"] = rng.normal(size=(1, 2, 7, 16)).astype(np.float32)
    return Base(tmp, "gpt2-kv", proto, feeds, 2, 2, flags=("--input-shape", "past_*=1x2x7x16"))


def vit_base(tmp):
    torch.manual_seed(0)
    pixels = torch.randn(1, 3, 8, 8)
    proto = ux.export(am.ViT(), (pixels,), ["pixel_values"], ["logits"], 16)
    return Base(tmp, "vit", proto, {"pixel_values": pixels.numpy()}, 2, am.HEADS)


def quant_base(tmp):
    """codegen-quant.py's weight-quantized products (QDQ int8/int4, MatMulNBits) and
    activation fake quantization, no attention."""
    cq = load_test("codegen-quant")
    graph = helper.make_graph(cq.NODES, "quant", cq.INPUTS, cq.OUTPUTS, cq.INITS)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21),
                                                    helper.make_opsetid("com.microsoft", 1)])
    proto.ir_version = 10
    return Base(tmp, "quant", proto, cq.FEEDS, 0, 0)


def llama_kv_base(tmp):
    """The Llama-style decoder's one-token KV-cache step after 7 tokens (the cache length a
    dynamic axis, as transformers exports it; bound here): its --generate is the step's."""
    model = llama.Decoder(llama.DecoderConfig(family="llama")).eval()
    proto = llama.export_decoder(model, kv_cache=True, past=7)
    rng = np.random.default_rng(5)
    feeds = {"input_ids": np.array([[9]], np.int64)}
    for i in range(2):
        for kind in ("key", "value"):
            feeds[f"past_{kind}_{i}"] = rng.normal(size=(1, 2, 7, 16)).astype(np.float32)
    return Base(tmp, "llama-kv", proto, feeds, 2, 4,
                greedy=lambda: llama.greedy(model, ux.PROMPT, ux.COUNT),
                flags=("--input-shape", "past_*=1x2x7x16"))


def decoder_base(tmp, family):
    model = llama.Decoder(llama.DecoderConfig(family=family)).eval()
    proto = llama.export_decoder(model)
    ids = np.random.default_rng(2).integers(0, 64, (1, 16)).astype(np.int64)
    return Base(tmp, family, proto, {"input_ids": ids}, 2, 4,
                greedy=lambda: llama.greedy(model, ux.PROMPT, ux.COUNT))


def encoder_base(tmp):
    torch.manual_seed(0)
    x = torch.randn(1, um.TOKENS, um.WIDTH)
    proto = um.export(um.Encoder(False, "gelu", False), (x,), ["x"], ["y"])
    return Base(tmp, "encoder", proto, {"x": x.numpy()}, 2, um.HEADS)


def bert_base(tmp):
    torch.manual_seed(0)
    ids = ux.token_ids()
    types = torch.zeros_like(ids)
    proto = ux.export(am.Bert(), (ids, types), ["input_ids", "token_type_ids"], ["logits"], 15)
    return Base(tmp, "bert", proto, {"input_ids": ids.numpy(), "token_type_ids": types.numpy()},
                2, am.HEADS)


def check(checker, tmp, base, name, proto=None, feeds=None, save_kw=None, path=None,
          rename=lambda output: output, new_outputs=False):
    started = time.time()
    try:
        check_one(checker, tmp, base, name, proto, feeds, save_kw, path, rename, new_outputs)
    except Exception as error:  # a failing compile or build is a failed check
        checker.expect(f"{name}: compiles, builds and runs", False, str(error)[-1500:])
    print(f"     {name}: {time.time() - started:.1f} s")


def check_one(checker, tmp, base, name, proto, feeds, save_kw, path, rename, new_outputs):
    """The rewritten model (`proto`, or the file at `path`) against `base`'s ONNX Runtime
    outputs (its output `o` named rename(o) here) and, with `new_outputs`, the outputs the
    rewrite added against ONNX Runtime on the rewritten model; fused attentions,
    --generate."""
    folder = os.path.join(tmp, name)
    if path is None:
        # onnx's save moves the weights of the proto it saves as external data: a copy.
        path = ux.save(copy.deepcopy(proto), folder, **(save_kw or {}))
    out = os.path.join(folder, "digital")
    compile_model(path, out, "--attention=digital", "-q", *base.flags)
    build(out, cflags=CFLAGS)
    feeds = feeds if feeds is not None else base.feeds
    got = run_program(out, "model", feeds)
    for output, want in sorted(base.ref.items()):
        stem = rename(output).replace("/", "_")
        checker.close(f"{name}: {output} vs ONNX Runtime on the original",
                      got.get(stem, np.zeros(0)), want)
    added = run_ort(path, feeds) if new_outputs else {}
    for stem in sorted(set(added) - {rename(o).replace("/", "_") for o in base.ref}):
        checker.close(f"{name}: {stem} vs ONNX Runtime on the rewritten model",
                      got.get(stem, np.zeros(0)), added[stem])
    if base.attentions:
        ux.check_fused(checker, tmp, name, base.flags, base.attentions, base.heads)
    if base.greedy is not None:
        tokens = generate(out, ux.PROMPT, ux.COUNT)
        checker.expect(f"{name}: --generate gives the original's greedy tokens",
                       tokens == base.greedy, f"gcim {tokens}, reference {base.greedy}")


def ort_optimized(base, tmp, level):
    """The file ONNX Runtime writes for `base` at optimization `level`."""
    path = os.path.join(tmp, f"ort-{level}-{base.name}", "model.onnx")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    run_ort(base.path, base.feeds, opt_level=level, save_optimized=path)
    return path


def check_ort_optimized(checker, tmp, bases):
    """ONNX Runtime's optimized files at each level."""
    runs = [("gpt2-opset17", ("basic", "extended", "all")), ("gpt2-kv", ("extended",)),
            ("llama", ("extended",)), ("llama-kv", ("extended",)), ("phi3", ("all",)), ("gemma", ("extended",)),
            ("encoder", ("extended",)), ("bert", ("extended",)), ("vit", ("extended",)),
            ("quant", ("basic", "extended"))]
    for name, levels in runs:
        for level in levels:
            base = bases[name]
            path = ort_optimized(base, tmp, level)
            check(checker, tmp, base, f"ort-{level}-{name}", path=path)
    for level in ("layout", "all"):
        with open(ort_optimized(bases["vit"], tmp, level), "rb") as f:
            ux.check_refusal(checker, tmp, f"vit optimized at level '{level}' (NCHWc)", f.read(),
                             "error: unsupported op 'com.microsoft.nchwc.Conv' (1 node, first "
                             "'/embed/Conv_output_0_nchwc'): ONNX Runtime's blocked layout")


def with_int32_ids(proto, cast):
    """input_ids declared int32: read by the Gather as it is, or (`cast`) through a Cast to
    int64 the user put in front of the graph."""
    proto = copy.deepcopy(proto)
    graph = proto.graph
    graph.input[0].type.tensor_type.elem_type = TensorProto.INT32
    if cast:
        for node in graph.node:
            node.input[:] = ["ids64" if i == "input_ids" else i for i in node.input]
        graph.node.insert(0, helper.make_node("Cast", ["input_ids"], ["ids64"], name="user_cast",
                                              to=TensorProto.INT64))
    return proto


def with_initializer_inputs(proto):
    """IR 3's form: every initializer also a graph input."""
    proto = copy.deepcopy(proto)
    proto.ir_version = 3
    for init in proto.graph.initializer:
        proto.graph.input.append(helper.make_tensor_value_info(init.name, init.data_type,
                                                               init.dims))
    return proto


def with_docs(proto):
    """doc_strings on the model, the graph, every node and value; metadata_props."""
    proto = copy.deepcopy(proto)
    proto.doc_string = "a model\nwith a doc string"
    proto.graph.doc_string = "the graph"
    for i, node in enumerate(proto.graph.node):
        node.doc_string = f"node {i}: 'quoted' \"text\""
    for value in list(proto.graph.input) + list(proto.graph.output):
        value.doc_string = "a value"
    helper.set_model_props(proto, {"author": "user", "converted_by": "tool 1.0", "": "empty"})
    return proto


def softmax_model(proto):
    """A postprocessing graph (probabilities of the logits) with `proto`'s opsets and IR."""
    graph = helper.make_graph(
        [helper.make_node("Softmax", ["scores"], ["probs"], axis=-1)], "post",
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", "sequence", 64])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", "sequence", 64])])
    model = helper.make_model(graph, opset_imports=proto.opset_import)
    model.ir_version = proto.ir_version
    return model


def check_onnx_tooling(checker, tmp, bases):
    """What onnx's own tools write."""
    gpt2, llm = bases["gpt2-opset17"], bases["llama"]
    converted = onnx.version_converter.convert_version(bases["gpt2-opset14"].proto, 17)
    check(checker, tmp, bases["gpt2-opset14"], "version-converted 14 to 17", converted)
    for base in (gpt2, llm):
        check(checker, tmp, base, f"infer_shapes {base.name}",
              onnx.shape_inference.infer_shapes(base.proto))
    check(checker, tmp, gpt2, "external data in one file", gpt2.proto,
          save_kw=dict(save_as_external_data=True, all_tensors_to_one_file=True,
                       location="weights.bin", size_threshold=0))
    check(checker, tmp, gpt2, "external data per tensor", gpt2.proto,
          save_kw=dict(save_as_external_data=True, all_tensors_to_one_file=False,
                       size_threshold=0))
    check(checker, tmp, llm, "external data above 4 KiB", llm.proto,
          save_kw=dict(save_as_external_data=True, location="big.data", size_threshold=4096))
    check(checker, tmp, llm, "external data with Constants' tensors (convert_attribute)",
          llm.proto, save_kw=dict(save_as_external_data=True, location="all.data",
                                  size_threshold=0, convert_attribute=True))
    prefixed = onnx.compose.add_prefix(llm.proto, "m1/")
    check(checker, tmp, llm, "compose.add_prefix", prefixed,
          feeds={"m1/input_ids": llm.feeds["input_ids"]}, rename=lambda o: "m1/" + o)
    merged = onnx.compose.merge_models(gpt2.proto, softmax_model(gpt2.proto),
                                       io_map=[("logits", "scores")],
                                       outputs=["logits", "post/probs"], prefix2="post/")
    check(checker, tmp, gpt2, "compose.merge_models with a softmax", merged, new_outputs=True)
    check(checker, tmp, gpt2, "initializers as inputs (IR 3)", with_initializer_inputs(gpt2.proto))
    check(checker, tmp, llm, "doc_strings and metadata_props", with_docs(llm.proto))
    ids32 = {"input_ids": gpt2.feeds["input_ids"].astype(np.int32)}
    check(checker, tmp, gpt2, "int32 input_ids", with_int32_ids(gpt2.proto, False), ids32)
    check(checker, tmp, llm, "int32 input_ids cast by the user", with_int32_ids(llm.proto, True),
          {"input_ids": llm.feeds["input_ids"].astype(np.int32)})


def at_opset18(proto):
    """An opset-14 export edited to opset 18: ReduceMean's axes attribute becomes its second
    input (the form opset 18 requires)."""
    proto = copy.deepcopy(proto)
    for opset in proto.opset_import:
        if opset.domain in ("", "ai.onnx"):
            opset.version = 18
    for i, node in enumerate(proto.graph.node):
        axes = [a for a in node.attribute if a.name == "axes"]
        if node.op_type == "ReduceMean" and axes:
            name = f"reduce_axes_{i}"
            proto.graph.initializer.append(numpy_helper.from_array(
                np.array(axes[0].ints, np.int64), name))
            node.input.append(name)
            node.attribute.remove(axes[0])
    return proto


def weight(rng, *shape):
    return rng.normal(0.0, 0.3, shape).astype(np.float32)


def opset21_block(tokens=8, vocab=32, width=16, heads=2):
    """One causal transformer block written with onnx.helper at opset 21 (IR 10): Split
    with num_outputs, LayerNormalization with stash_type, an RMS norm by ReduceMean with an
    axes input, Gelu (opset 20) exact and tanh, a ReduceSum with an axes input."""
    rng = np.random.default_rng(21)
    dim = width // heads
    inits = {"wte": weight(rng, vocab, width), "wpe": weight(rng, tokens, width),
             "ln_g": 1 + weight(rng, width), "ln_b": weight(rng, width),
             "w_qkv": weight(rng, width, 3 * width), "b_qkv": weight(rng, 3 * width),
             "w_o": weight(rng, width, width), "rms_g": 1 + weight(rng, width),
             "w_up": weight(rng, width, 32), "w_down": weight(rng, 32, width),
             "w_down_tanh": weight(rng, 32, width), "w_lm": weight(rng, width, vocab),
             "heads_shape": np.array([1, tokens, heads, dim], np.int64),
             "merged_shape": np.array([1, tokens, width], np.int64),
             "scale": np.array(dim ** -0.5, np.float32),
             "mask": np.triu(np.full((tokens, tokens), np.finfo(np.float32).min, np.float32), 1),
             "last_axis": np.array([-1], np.int64), "token_axis": np.array([1], np.int64),
             "eps": np.array(1e-6, np.float32)}
    N = helper.make_node
    nodes = [
        N("Gather", ["wte", "input_ids"], ["tok"]), N("Add", ["tok", "wpe"], ["x"]),
        N("LayerNormalization", ["x", "ln_g", "ln_b"], ["ln"], epsilon=1e-5, stash_type=1),
        N("MatMul", ["ln", "w_qkv"], ["qkv0"]), N("Add", ["qkv0", "b_qkv"], ["qkv"]),
        N("Split", ["qkv"], ["q0", "k0", "v0"], axis=2, num_outputs=3),
        *[N("Reshape", [f"{t}0", "heads_shape"], [f"{t}1"]) for t in "qkv"],
        N("Transpose", ["q1"], ["q"], perm=[0, 2, 1, 3]),
        N("Transpose", ["k1"], ["kt"], perm=[0, 2, 3, 1]),
        N("Transpose", ["v1"], ["v"], perm=[0, 2, 1, 3]),
        N("MatMul", ["q", "kt"], ["s0"]), N("Mul", ["s0", "scale"], ["s1"]),
        N("Add", ["s1", "mask"], ["s2"]), N("Softmax", ["s2"], ["p"], axis=-1),
        N("MatMul", ["p", "v"], ["a0"]), N("Transpose", ["a0"], ["a1"], perm=[0, 2, 1, 3]),
        N("Reshape", ["a1", "merged_shape"], ["a2"]), N("MatMul", ["a2", "w_o"], ["a"]),
        N("Add", ["x", "a"], ["r"]),
        N("Mul", ["r", "r"], ["sq"]), N("ReduceMean", ["sq", "last_axis"], ["ms"]),
        N("Add", ["ms", "eps"], ["var"]), N("Sqrt", ["var"], ["dev"]),
        N("Div", ["r", "dev"], ["nr"]), N("Mul", ["nr", "rms_g"], ["n"]),
        N("MatMul", ["n", "w_up"], ["u"]), N("Gelu", ["u"], ["g"]),
        N("Gelu", ["u"], ["gt"], approximate="tanh"),
        N("MatMul", ["g", "w_down"], ["d"]), N("MatMul", ["gt", "w_down_tanh"], ["dt"]),
        N("Add", ["r", "d"], ["r2"]), N("Add", ["r2", "dt"], ["y"]),
        N("MatMul", ["y", "w_lm"], ["logits"]),
        N("ReduceSum", ["logits", "token_axis"], ["pooled"], keepdims=0)]
    graph = helper.make_graph(
        nodes, "block21",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, tokens])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, tokens, vocab]),
         helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [1, vocab])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    return model


def check_newer_opsets(checker, tmp, bases):
    """Graphs edited by hand at opsets 18 to 21, without the onnx checker of onnx 1.12."""
    check(checker, tmp, bases["gpt2-opset14"], "opset-14 export edited to opset 18",
          at_opset18(bases["gpt2-opset14"].proto))
    ids = np.random.default_rng(3).integers(0, 32, (1, 8)).astype(np.int64)
    block = Base(tmp, "block21", opset21_block(), {"input_ids": ids}, 1, 2)
    check(checker, tmp, block, "hand-written block at opset 21", block.proto)


def main():
    checker = Checker(RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-rewritten-models-") as tmp:
        bases = {}
        for make in (lambda: gpt2_base(tmp), lambda: gpt2_base(tmp, 14),
                     *[lambda f=f: decoder_base(tmp, f) for f in ("llama", "phi3", "gemma")],
                     lambda: gpt2_kv_base(tmp), lambda: llama_kv_base(tmp),
                     lambda: encoder_base(tmp),
                     lambda: bert_base(tmp), lambda: vit_base(tmp), lambda: quant_base(tmp)):
            base = make()
            bases[base.name] = base
        for part in (check_ort_optimized, check_onnx_tooling, check_newer_opsets):
            checker.run(part, tmp, bases)
    return checker.finish("rewritten-models")


if __name__ == "__main__":
    sys.exit(main())
