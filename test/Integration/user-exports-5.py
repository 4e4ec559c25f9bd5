#!/usr/bin/python3
"""user-exports-5.py: the decoders users bring that no earlier test tried, as the Hugging
Face implementations write them (test/Integration/archmodels5.py), exported by torch 1.13
at opsets 14 and 17 with dynamic axes on every input (the past included) and with Hugging
Face's past_key_values, through gcim-compile and the generated C against ONNX Runtime and
torch, with user-exports-2.py's helpers; and the refusals.

Checks:
- outputs (logits and presents) match ONNX Runtime within 1e-4 * max(1, |ref|)
  (user-exports-2's RTOL: float32 in both, the sums in another order); each step of the
  KV-cache exports' step function over 8 tokens matches the full-sequence torch model's
  row within the same tolerance (greedy tokens of a tiny random model can agree when a
  step computes a wrong position); --generate equals torch's greedy tokens;
- Llama with linear rope_scaling, exported with a KV cache: the position P / factor the
  import folds follows the step (it was frozen: no step function);
- Llama with dynamic NTK rope_scaling (its base grown from the sequence length), dynamic
  axes, --max: refused naming the node computed from the length (it ran other lengths with
  the bound length's base, logits off by 3e-3, silently);
- Qwen2-MoE (TopK router, a shared expert behind a sigmoid gate), dynamic axes, --max,
  exported with keep_initializers_as_inputs=True and do_constant_folding=False: streams
  through the TopK and generates (it had no step function, and --max was refused);
- GPT-J with layer_past (k.float() of the cache) and Baichuan's W_pack split with a KV
  cache stream and generate (neither had a step function);
- the attentions of Llama-3.1 ("llama3") and YaRN scaling (cos and sin times its attention
  factor), Falcon's new decoder architecture, Phi-3, Gemma (head dim 16, one kv head),
  StableLM (partial rotary), Persimmon (per-head q/k LayerNorm), OLMo (non-parametric
  LayerNorm, clip_qkv; opset 14, as torch 1.13 writes an invalid LayerNormalization at 17)
  fuse and stream: one gcim.attention per layer, a step function;
- a Mamba-style model (no attention: a causal depthwise Conv1d, the selective scan as a
  Python loop) matches and compiles under --attention=analog and auto;
- a batch of 2 left-padded as generate pads it (positions from attention_mask's cumsum)
  matches;
- Phi-3 exported with export_params=False is refused naming the missing weight (exit 1,
  no output folder; it compiled into a program that wanted every weight as an input);
- Cohere's torch.repeat_interleave of the rotary frequencies (a Loop in torch 1.13's export)
  is refused naming the Loop and what to write instead; written so (stacked pairs), Cohere
  (parallel block, LayerNorm without bias, logit scale) matches, fuses and generates.
"""
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import archmodels as am  # noqa: E402
import archmodels5 as m5  # noqa: E402
from codegenharness import gcim_compile  # noqa: E402
from ortharness import Checker, load_test  # noqa: E402

ue2 = load_test("user-exports-2")

PAST = 7  # cached positions: the step check's 8 tokens fit in the step function's PAST + 1
MAX = ("--max", "input_ids=16")


def model(cls):
    """Seeded, then constructed: the same weights in every export of a class."""
    torch.manual_seed(0)
    return cls().eval()


def logits_of(module):
    return lambda ids: module(ids)[0]


def full_export(module, opset=17, **kw):
    """input_ids (dynamic batch and tokens) -> logits (the presents unnamed)."""
    ids = ue2.token_ids()
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "logits": {0: "batch", 1: "tokens"}}
    return (ue2.export(module, (ids,), ["input_ids"], ["logits"], opset, dynamic_axes=axes, **kw),
            {"input_ids": ids.numpy()})


def kv_export(module, opset=17):
    """One new token after PAST cached ones, as Hugging Face passes past_key_values: every
    axis dynamic but the heads and head dim; the flags that bind them."""
    kv, dim = module.kv_heads, getattr(module, "head_dim", am.DIM)
    names = [f"past_key_values.{i}.{kind}" for i in range(module.layers)
             for kind in ("key", "value")]
    outs = ["logits"] + [n.replace("past_key_values", "present") for n in names]
    ids = ue2.token_ids()[:, :1]
    cache = [torch.randn(1, kv, PAST, dim, generator=torch.Generator().manual_seed(i))
             for i in range(len(names))]
    axes = {"input_ids": {0: "batch", 1: "tokens"}, **{n: {0: "batch", 2: "past"} for n in names}}
    proto = ue2.export(module, (ids, *cache), ["input_ids", *names], outs, opset,
                       dynamic_axes=axes)
    feeds = {"input_ids": ids.numpy(), **{n: c.numpy() for n, c in zip(names, cache)}}
    flags = ("--input-shape=input_ids=1x1", f"--input-shape=past_key_values.*=1x{kv}x{PAST}x{dim}")
    return proto, feeds, flags


def check_kv(check, tmp, name, cls, opset=17):
    """A KV-cache export: against ONNX Runtime, each step against the full model, --generate
    against torch's greedy tokens, fused."""
    module = model(cls)
    proto, feeds, flags = kv_export(module, opset)
    ue2.check_form(check, tmp, name, proto, feeds, flags=flags, generate=True,
                   greedy=lambda: ue2.greedy_torch(logits_of(module)),
                   full_logits=lambda ids: ue2.full_logits(logits_of(module), ids))
    ue2.check_fused(check, tmp, name, flags, heads=am.HEADS)


def check_rope_scaling(check, tmp):
    check_kv(check, tmp, "llama linear rope scaling kv cache", lambda: m5.LlamaScaled("linear"))
    proto, _ = full_export(model(lambda: m5.LlamaScaled("dynamic", max_position=4)))
    ue2.check_refusal(check, tmp, "llama dynamic ntk, --max", proto,
                      "but the program can run only the compiled 16: gcim-stream made no step "
                      "function: 'onnx.constant' node '/Expand_1' holds what the import "
                      "computed from the sequence length 16", MAX)


def check_moe(check, tmp):
    """Qwen2-MoE exported at opset 14 as some users export: initializers as inputs too, no
    constant folding."""
    qwen = model(m5.Qwen2Moe)
    name = "qwen2-moe, keep_initializers_as_inputs, do_constant_folding=False"
    proto, feeds = full_export(qwen, 14, keep_initializers_as_inputs=True,
                               do_constant_folding=False)
    check.expect(f"{name}: the export lists its initializers as inputs",
                 len(proto.graph.input) > len(proto.graph.initializer) > 1)
    ue2.check_form(check, tmp, name, proto, feeds, flags=MAX, generate=True,
                   greedy=lambda: ue2.greedy_torch(logits_of(qwen)))
    ue2.check_fused(check, tmp, name, MAX)


def check_split_caches(check, tmp):
    check_kv(check, tmp, "gpt-j kv cache", m5.GptJCached)
    check_kv(check, tmp, "baichuan w_pack kv cache", m5.Baichuan)


def check_streamed(check, tmp, name, proto, flags):
    """Compiles to the gcim IR: one fused attention per layer and a step function."""
    path = ue2.save(proto, os.path.join(tmp, name))
    proc = subprocess.run([gcim_compile(), path, "--emit=gcim", "--attention=digital", "-q",
                           "-o", "-", *flags], capture_output=True, text=True)
    fused = proc.stdout.count('"gcim.attention"(')
    check.expect(f"{name}: 2 attentions fused, a step function",
                 proc.returncode == 0 and fused == 2 and "gcim.unfused" not in proc.stdout and
                 "gcim.step_function" in proc.stdout,
                 f"exit {proc.returncode}, {fused} fused: {proc.stderr.strip()[-300:]}")


def check_forms(check, tmp):
    """The other architectures: fused and streamed, full sequence (--max) or KV cache."""
    for name, cls in (("llama-3.1 rope scaling", lambda: m5.LlamaScaled("llama3")),
                      ("falcon new decoder architecture", m5.FalconNew),
                      ("persimmon", m5.Persimmon)):
        check_streamed(check, tmp, name, full_export(model(cls))[0], MAX)
    check_streamed(check, tmp, "olmo (opset 14)", full_export(model(m5.Olmo), 14)[0], MAX)
    for name, cls in (("yarn rope scaling kv cache", lambda: m5.LlamaScaled("yarn")),
                      ("phi-3 kv cache", m5.Phi3), ("gemma kv cache", m5.Gemma),
                      ("stablelm kv cache", m5.StableLmCached)):
        proto, _, flags = kv_export(model(cls))
        check_streamed(check, tmp, name, proto, flags)


def check_mamba(check, tmp):
    ids = ue2.token_ids()
    proto = ue2.export(model(m5.Mamba), (ids,), ["input_ids"], ["logits"], 17)
    ue2.check_form(check, tmp, "mamba", proto, {"input_ids": ids.numpy()})


def check_left_padding(check, tmp):
    """A batch of 2, the second sequence padded on the left as generate pads a batch:
    positions from attention_mask's cumsum, the padded keys masked; exact (the padding
    mask keeps the attention digital)."""
    ids = ue2.token_ids(2)
    mask = torch.ones_like(ids)
    mask[1, :2], ids[1, :2] = 0, 0
    axes = {n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask")}
    proto = ue2.export(model(lambda: m5.LeftPadded(m5.LlamaScaled("llama3"))), (ids, mask),
                       ["input_ids", "attention_mask"], ["logits"], 17, dynamic_axes=axes)
    ue2.check_form(check, tmp, "llama-3.1, batch 2 left-padded", proto,
                   {"input_ids": ids.numpy(), "attention_mask": mask.numpy()},
                   flags=("--input-shape=input_ids=2x6", "--input-shape=attention_mask=2x6"))


def check_export_params(check, tmp):
    ue2.check_refusal(check, tmp, "phi-3 export_params=False",
                      full_export(model(m5.Phi3), export_params=False)[0],
                      "'embed.weight': error: input 'embed.weight' is the weights of node "
                      "'/embed/Gather', but the model holds no weights (no initializers): it "
                      "was exported without its parameters (torch.onnx.export's "
                      "export_params=False); export it with them", MAX)


def check_cohere(check, tmp):
    """Hugging Face's Cohere (repeat_interleave: a Loop) is refused saying what to write;
    written so (stacked pairs), it matches, streams and generates."""
    proto, _ = full_export(model(m5.Cohere))
    ue2.check_refusal(check, tmp, "cohere, repeat_interleave", proto,
                      "'/Loop': error: unsupported op 'Loop' (1 node, first '/Loop'): "
                      "torch.repeat_interleave over an axis whose size the exporter did not "
                      "infer writes a Loop over sequences", MAX)
    cohere = model(lambda: m5.Cohere(interleave="stack"))
    ue2.check_form(check, tmp, "cohere, stacked pairs", *full_export(cohere), flags=MAX,
                   generate=True, greedy=lambda: ue2.greedy_torch(logits_of(cohere)))
    ue2.check_fused(check, tmp, "cohere, stacked pairs", MAX)


def main():
    check = Checker(ue2.RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-user-exports-5-") as tmp:
        for part in PARTS:
            check.run(part, tmp)
    return check.finish("user-exports-5")


PARTS = [check_rope_scaling, check_moe, check_split_caches, check_forms, check_mamba,
         check_left_padding, check_export_params, check_cohere]

if __name__ == "__main__":
    sys.exit(main())
