#!/usr/bin/python3
"""user-exports-2.py: architectures nobody on the team wrote for gcim, as the Hugging Face
implementations write them (test/Integration/archmodels.py: GPT-NeoX/Pythia, GPT-J,
Falcon, Bloom, OPT, Phi, a Whisper/BART-like decoder, BERT/RoBERTa, ViT), exported by torch
1.13 at opsets 13 to 17 and varied as users vary their exports, through gcim-compile and
the generated C against ONNX Runtime; and the refusals of what gcim does not take.

Checks:
- every form compiles with --attention=digital, builds with warnings as errors, and its
  outputs match ONNX Runtime within 1e-4 * max(1, |ref|) (float32 in both, the sums in
  another order: up to about 1e-6 seen);
- the language models' --generate equals ONNX Runtime's greedy tokens (the whole sequence
  rerun at each step there; the program's step function here), or the torch module's for
  a static export, which ONNX Runtime runs at its one length only;
- the attentions on (batch x heads) rows viewed as (batch, heads) (GPT-NeoX's baddbmm,
  OPT's and BART's bmm), and BERT's under its all-zero extended mask, fuse: one
  gcim.attention per layer with the model's heads; so do GPT-NeoX's and OPT's one-step
  KV-cache exports, whose past length (one dynamic axis name on every past input) is bound
  by --input-shape of past_key_0 alone; NeoX's --generate equals the full-sequence torch
  module's greedy tokens, OPT's positions (a CumSum along its mask) leave it without a step
  function, said as a warning (an error under --attention=analog); Bloom's ALiBi attention is left with
  a reason naming the bias;
- --attention=analog and the default auto compile every self-attention form (or refuse
  cross-attention under analog, naming the node and what to do);
- refusals exit 1, name the node and what to do, and leave no output folder.
"""
import copy
import io
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import archmodels as am  # noqa: E402
from codegenharness import (build, build_step_check, compile_model, gcim_compile,  # noqa: E402
                            run_program, run_steps)
from ortharness import Checker, run_ort  # noqa: E402

RTOL = 1e-4
PROMPT, COUNT = [3, 5, 7], 4
STEPS = 8  # tokens of check_form's step check: a KV-cache step bound at past P holds P + 1


def export(module, args, ins, outs, opset=17, **kw):
    module.eval()
    buffer = io.BytesIO()
    torch.onnx.export(module, args, buffer, opset_version=opset, input_names=ins,
                      output_names=outs, **kw)
    return onnx.load_from_string(buffer.getvalue())


def token_ids(batch=1, seed=0):
    return torch.randint(2, am.VOCAB, (batch, am.TOKENS),
                         generator=torch.Generator().manual_seed(seed))


def language_model(cls, opset=17, batch=1, dynamic=False, **kw):
    torch.manual_seed(0)
    ids = token_ids(batch)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "logits": {0: "batch", 1: "tokens"}}
    proto = export(cls(), (ids,), ["input_ids"], ["logits"], opset,
                   dynamic_axes=axes if dynamic else None, **kw)
    return proto, {"input_ids": ids.numpy()}


def save(proto, folder, **save_kw):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    onnx.save_model(proto, path, **save_kw) if save_kw else onnx.save(proto, path)
    return path


def greedy_ort(path, feeds):
    ids = list(PROMPT)
    dtype = feeds["input_ids"].dtype
    for _ in range(COUNT):
        logits = run_ort(path, {"input_ids": np.array([ids], dtype=dtype)})["logits"]
        ids.append(int(logits[0, -1].argmax()))
    return ids[len(PROMPT):]


def greedy_torch(module):
    """Greedy tokens from the torch module itself (a static export takes only its length)."""
    ids = list(PROMPT)
    with torch.no_grad():
        for _ in range(COUNT):
            ids.append(int(module(torch.tensor([ids]))[0, -1].argmax()))
    return ids[len(PROMPT):]


def full_logits(module, ids):
    """The (T, V) logits of a full-sequence torch model over token ids."""
    with torch.no_grad():
        out = module(torch.tensor([ids]))
    return (out[0] if isinstance(out, tuple) else out)[0].numpy()


def check_form(check, tmp, name, proto, feeds, flags=(), generate=False, save_kw=None,
               analog=True, greedy=None, full_logits=None):
    """Digital against ONNX Runtime (and --generate against `greedy()`, by default ONNX
    Runtime's greedy tokens); analog and auto compile. With `full_logits` (token ids ->
    the full-sequence model's (T, V) logits) each step of the step function over STEPS
    tokens is compared with its row: greedy tokens of a tiny random model can agree even
    when a step computes a wrong position."""
    folder = os.path.join(tmp, name)
    path = save(proto, folder, **(save_kw or {}))
    out = os.path.join(folder, "digital")
    compile_model(path, out, "--attention=digital", "-q", *flags)
    build(out)
    got, ref = run_program(out, "model", feeds), run_ort(path, feeds)
    for output, want in sorted(ref.items()):
        check.close(f"{name}: {output} vs ONNX Runtime", got.get(output, np.zeros(0)), want)
    if generate:
        proc = subprocess.run([os.path.join(out, "model"), "--generate", str(COUNT),
                               "--prompt", ",".join(map(str, PROMPT))],
                              capture_output=True, text=True)
        tokens = [int(t) for t in proc.stdout.split()] if proc.returncode == 0 else proc.stderr
        want = greedy() if greedy else greedy_ort(path, feeds)
        check.expect(f"{name}: --generate equals the reference's greedy tokens", tokens == want,
                     f"gcim {tokens}, reference {want}")
    if full_logits:
        ids = torch.randint(2, am.VOCAB, (STEPS,), generator=torch.Generator().manual_seed(2))
        ids = ids.tolist()
        check.close(f"{name}: each of {STEPS} steps' logits vs the full sequence's row",
                    run_steps(build_step_check(out), out, ids), full_logits(ids))
    for mode in ("analog", "auto") if analog else ("auto",):
        proc = subprocess.run([gcim_compile(), path, "--emit=tiles", f"--attention={mode}",
                               "-q", *flags],
                              capture_output=True, text=True)
        check.expect(f"{name}: compiles with --attention={mode}", proc.returncode == 0,
                     proc.stderr.strip()[-300:])


def check_fused(check, tmp, name, flags=(), count=2, heads=am.HEADS):
    """The model check_form saved as `name` fuses every attention: `count` gcim.attention
    ops of `heads` heads and no op marked gcim.unfused."""
    path = os.path.join(tmp, name, "model.onnx")
    proc = subprocess.run([gcim_compile(), path, "--emit=gcim", "--attention=digital", "-q",
                           "-o", "-", *flags], capture_output=True, text=True)
    main = proc.stdout.split("func.func")[1] if "func.func" in proc.stdout else ""
    fused = [line for line in main.splitlines() if '"gcim.attention"(' in line]
    check.expect(f"{name}: {count} attentions fused", proc.returncode == 0 and
                 len(fused) == count and "gcim.unfused" not in proc.stdout,
                 f"exit {proc.returncode}, {len(fused)} fused, "
                 f"unfused: {'gcim.unfused' in proc.stdout} {proc.stderr.strip()[-300:]}")
    check.expect(f"{name}: the fused attentions have {heads} heads",
                 fused and all(f"num_heads = {heads} :" in line for line in fused),
                 fused[0][:300] if fused else "none")


def check_refusal(check, tmp, name, model, expected, flags=()):
    folder = os.path.join(tmp, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    with open(path, "wb") as f:
        f.write(model if isinstance(model, bytes) else model.SerializeToString())
    out = os.path.join(folder, "out")
    proc = subprocess.run([gcim_compile(), path, "-o", out, *flags], capture_output=True,
                          text=True)
    check.expect(f"{name}: refused with exit 1", proc.returncode == 1,
                 f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    check.expect(f"{name}: the message names the node and says why", expected in proc.stderr,
                 f"expected {expected!r} in {proc.stderr.strip()[-400:]!r}")
    check.expect(f"{name}: no output folder is left", not os.path.exists(out))


def main():
    check = Checker(RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-user-exports-2-") as tmp:
        for part in PARTS:
            check.run(part, tmp)
    return check.finish("user-exports-2")


def check_architectures(check, tmp):
    """The decoder families (static and with dynamic axes, generating where the program has
    a step function), the encoders and a ViT, at opsets 13 to 17."""
    dynamic = [("gpt-j, interleaved partial rotary (opset 17, dynamic axes)", am.GptJ, ()),
               ("phi, partial rotary, parallel block (opset 17, dynamic axes)", am.Phi,
                ("--max", "input_ids=16")),
               ("falcon, multi-query, parallel block (opset 17, dynamic axes)", am.Falcon,
                ("--max", "input_ids=16")),
               ("gpt-neox, baddbmm on batch x heads rows (opset 17, dynamic axes)", am.NeoX,
                ("--max", "input_ids=16")),
               ("opt pre-layernorm, bmm on batch x heads rows (opset 17, dynamic axes)",
                am.Opt, ("--max", "input_ids=16"))]
    for name, cls, flags in dynamic:
        check_form(check, tmp, name.split(",")[0], *language_model(cls, dynamic=True),
                   flags=flags, generate=True)
    for name in ("gpt-neox", "opt pre-layernorm"):
        check_fused(check, tmp, name, ("--max", "input_ids=16"))
    torch.manual_seed(0)
    opt = am.Opt(False).eval()  # language_model's weights: the same seed, then the module
    check_form(check, tmp, "opt post-layernorm", *language_model(lambda: opt, opset=13),
               generate=True, greedy=lambda: greedy_torch(opt))
    check_fused(check, tmp, "opt post-layernorm")
    # Batch 2: the rows split into (2, heads), not one batch of 2 x heads heads.
    check_form(check, tmp, "gpt-neox, batch 2", *language_model(am.NeoX, batch=2))
    check_fused(check, tmp, "gpt-neox, batch 2")
    check_form(check, tmp, "opt pre-layernorm, batch 2", *language_model(am.Opt, batch=2))
    check_fused(check, tmp, "opt pre-layernorm, batch 2")
    check_form(check, tmp, "bloom", *language_model(am.Bloom, opset=14))
    torch.manual_seed(0)
    ids = token_ids(2)
    types = torch.zeros_like(ids)
    types[:, 3:] = 1
    check_form(check, tmp, "bert, token types, batch 2 (opset 15)",
               export(am.Bert(), (ids, types), ["input_ids", "token_type_ids"], ["logits"], 15),
               {"input_ids": ids.numpy(), "token_type_ids": types.numpy()})
    check_fused(check, tmp, "bert, token types, batch 2 (opset 15)")
    torch.manual_seed(0)
    pixels = torch.randn(2, 3, 8, 8)
    check_form(check, tmp, "vit, Conv2d patch embedding (opset 16)",
               export(am.ViT(), (pixels,), ["pixel_values"], ["logits"], 16),
               {"pixel_values": pixels.numpy()})


def check_kv_cache(check, tmp):
    """GPT-NeoX and OPT exported as one step over their KV cache (the (batch x heads) views
    of the cache fused as the full sequence's are; OPT's one query has no mask and is the
    causal row), the past length a dynamic axis of one name bound by --input-shape of one
    past input alone: digital against ONNX Runtime. NeoX's --generate (the step function)
    equals the full-sequence torch module's greedy tokens; OPT counts its positions with a
    CumSum along its mask over past + new tokens, which the importer computes for the bound
    past length only, so it gets no step function, and the compile says why (a warning; the
    error of --attention=analog) instead of generating from a frozen position."""
    past_length = 8
    bind = ("--input-shape", f"past_key_0=1x{am.HEADS}x{past_length}x{am.DIM}")
    for name, cls, cached in (("gpt-neox", am.NeoX, am.NeoXCached),
                              ("opt pre-layernorm", am.Opt, am.OptCached)):
        torch.manual_seed(0)
        full = cls().eval()
        layers = len(full.layers if hasattr(full, "layers") else full.blocks)
        ins = ["input_ids"] + [f"past_{kind}_{i}" for i in range(layers)
                               for kind in ("key", "value")]
        outs = ["logits"] + [f"present_{kind}_{i}" for i in range(layers)
                             for kind in ("key", "value")]
        axes = {**{n: {2: "past_sequence"} for n in ins[1:]},
                **{n: {2: "total_sequence"} for n in outs[1:]}}
        generator = torch.Generator().manual_seed(1)
        ids = torch.randint(2, am.VOCAB, (1, 1), generator=generator)
        past = [torch.randn(1, am.HEADS, past_length, am.DIM, generator=generator)
                for _ in ins[1:]]
        proto = export(cached(full), (ids, *past), ins, outs, dynamic_axes=axes)
        feeds = {"input_ids": ids.numpy(), **{n: p.numpy() for n, p in zip(ins[1:], past)}}
        kv_name = f"{name} kv-cache step"
        streamable = cls is am.NeoX
        check_form(check, tmp, kv_name, proto, feeds, flags=bind, generate=streamable,
                   analog=streamable, greedy=lambda: greedy_torch(full),
                   full_logits=(lambda ids: full_logits(full, ids)) if streamable else None)
        check_fused(check, tmp, kv_name, bind)
        if streamable:
            continue
        path = os.path.join(tmp, kv_name, "model.onnx")
        for mode, status, says in (("digital", 0, "warning: this KV-cache graph has no step "
                                    "function"), ("analog", 1, "error: full-sequence attention "
                                                  "with a KV cache")):
            proc = subprocess.run([gcim_compile(), path, f"--attention={mode}", *bind, "-o",
                                   os.path.join(tmp, kv_name, mode + "-out")],
                                  capture_output=True, text=True)
            check.expect(f"{kv_name}: --attention={mode} exits {status} saying it has no step "
                         "function because of the CumSum",
                         proc.returncode == status and says in proc.stderr and
                         "CumSum" in proc.stderr, proc.stderr.strip()[-400:])


def check_bloom_analog(check, tmp):
    """Bloom's ALiBi attention is not fused: --attention=analog's warning names the bias
    instead of compiling silently."""
    path = save(language_model(am.Bloom)[0], os.path.join(tmp, "bloom-analog"))
    proc = subprocess.run([gcim_compile(), path, "-o", os.path.join(tmp, "bloom-analog", "out"),
                           "--attention=analog"], capture_output=True, text=True)
    check.expect("bloom under --attention=analog: the warning names the ALiBi-like bias",
                 proc.returncode == 0 and "not on the gain cells" in proc.stderr and
                 "an ALiBi-like bias is added to the scores (a 4x1x6 term" in proc.stderr,
                 proc.stderr.strip()[-400:])


def check_cross_attention(check, tmp):
    """A Whisper/BART-like decoder: digital against ONNX Runtime; --attention=analog refuses
    the cross-attention naming the node, auto compiles."""
    torch.manual_seed(0)
    ids, states = token_ids(), torch.randn(1, 5, am.WIDTH)
    proto = export(am.Seq2SeqDecoder(), (ids, states), ["input_ids", "encoder_hidden_states"],
                   ["logits"])
    check_form(check, tmp, "whisper-like decoder with cross-attention", proto,
               {"input_ids": ids.numpy(), "encoder_hidden_states": states.numpy()},
               analog=False)
    check_fused(check, tmp, "whisper-like decoder with cross-attention", count=4)
    check_refusal(check, tmp, "cross-attention on the gain cells", proto,
                  "'/cross/MatMul_1': error: attention of 6 queries over 5 keys of another "
                  "sequence (cross-attention) does not run on the gain cells",
                  ["--attention=analog"])


def varied(proto):
    """int32 ids, no value_info or output shapes, a graph input and an initializer as extra
    outputs, a Constant output, nodes without names, an empty graph name, a dead node."""
    proto = copy.deepcopy(proto)
    graph = proto.graph
    graph.input[0].type.tensor_type.elem_type = TensorProto.INT32
    del graph.value_info[:]
    for output in graph.output:
        output.type.tensor_type.ClearField("shape")
    for node in graph.node:
        node.name = ""
    graph.name = ""
    graph.output.append(copy.deepcopy(graph.input[0]))
    init = graph.initializer[0]
    graph.output.append(helper.make_tensor_value_info(init.name, init.data_type, init.dims))
    graph.node.append(helper.make_node("Constant", [], ["const_out"], value=numpy_helper.from_array(
        np.arange(3, dtype=np.float32))))
    graph.output.append(helper.make_tensor_value_info("const_out", TensorProto.FLOAT, [3]))
    graph.node.append(helper.make_node("Relu", [graph.node[5].output[0]], ["dead"]))
    return proto


def check_variations(check, tmp):
    """GPT-NeoX (parallel attention and MLP, a quarter of each head rotated) exported with
    do_constant_folding=False and varied as above, its weights in one file per tensor."""
    proto, feeds = language_model(am.NeoX, do_constant_folding=False)
    check_form(check, tmp, "gpt-neox, no constant folding, varied, external data per tensor",
               varied(proto),
               {"input_ids": feeds["input_ids"].astype(np.int32)}, analog=False,
               save_kw=dict(save_as_external_data=True, all_tensors_to_one_file=False,
                            size_threshold=0))


def check_refusals(check, tmp):
    """Broken or untakeable models: exit 1, the node named with what to do, no folder."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "abc"]
    split = helper.make_node("Split", ["x"], list("abc"), name="sp", axis=1, num_outputs=3)
    model = helper.make_model(helper.make_graph([split], "g", [x], outs),
                              opset_imports=[helper.make_opsetid("", 18)])
    check_refusal(check, tmp, "Split with num_outputs above the axis's length", model,
                  "'sp': error: 'Split' node 'sp': 'num_outputs' is 3, more than the 2 "
                  "elements of the axis to split")
    proto, _ = language_model(am.NeoX)
    data = proto.SerializeToString()
    check_refusal(check, tmp, "a truncated file", data[:len(data) // 2],
                  "error: not an ONNX model (malformed or truncated protobuf)")
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="stem", pads=[1, 1, 1, 1])
    model = helper.make_model(helper.make_graph(
        [conv], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "w")]),
        opset_imports=[helper.make_opsetid("", 17)])
    check_refusal(check, tmp, "a Conv that is not a patch embedding", model,
                  "'stem': error: 'Conv' node 'stem': only a patch embedding is supported")


PARTS = [check_architectures, check_kv_cache, check_bloom_analog, check_cross_attention, check_variations,
         check_refusals]

if __name__ == "__main__":
    sys.exit(main())
