#!/usr/bin/python3
"""user-exports-3.py: more architectures as the Hugging Face implementations write them
(test/Integration/archmodels3.py: Gemma-2, a T5 / Flan-T5 encoder and decoder,
GPT-BigCode, MPT, StableLM, a Mixtral-style sparse MoE, DistilBERT, Llama-3 rope scaling
with a KV cache, CodeGen), exported by torch 1.13 at opsets 14 to 17, through gcim-compile
and the generated C against ONNX Runtime, with user-exports-2.py's helpers; and the
refusals of what gcim does not take.

Checks:
- every form compiles with --attention=digital, builds with warnings as errors, and its
  outputs match ONNX Runtime within 1e-4 * max(1, |ref|) (float32 in both, the sums in
  another order: up to about 1e-6 seen); MPT against ONNX Runtime at its `basic`
  optimisation level, as its `extended` fusions crash ONNX Runtime 1.30 (SIGSEGV) on it;
- the language models' --generate equals ONNX Runtime's greedy tokens (or torch's, for a
  static export and for the KV-cache step export);
- the attentions of Gemma-2 without its attention soft-capping (alternating sliding-window
  and global layers: windows 3 and 0), StableLM (partial rotary, per-head q/k
  LayerNorms), CodeGen (mp_num-interleaved qkv, interleaved rotary), Llama-3 (GQA, rope
  from a rescaled inv_freq, full sequence and KV cache) and DistilBERT under
  --padding-mask=unpadded fuse: one gcim.attention per layer with the model's 4 heads;
- those that do not fuse say why, naming what is in the way: Gemma-2's tanh soft-capping,
  T5's relative position bias (also with an attention_mask added to it), MPT's ALiBi bias
  (and no warning about its clip_qkv Clip, which is not attention), GPT-BigCode's (batch,
  tokens x heads) rows; --attention=analog and the default auto still compile every form;
- a T5 decoder: the self-attention's position bias keeps it unfused, the cross-attention
  fuses; GPT-BigCode's one-token KV-cache export matches (presents too);
- a Mixtral-style sparse MoE (TopK and OneHot routing) matches and its attentions fuse;
- refusals exit 1, name the node and what to do, and leave no output folder: a KV-cache
  export of two new tokens under --attention=analog, T5's cross-attention and
  GPT-BigCode's cache (named as the input it comes from) under --attention=analog.
"""
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import archmodels as am  # noqa: E402
import archmodels3 as m3  # noqa: E402
from codegenharness import build, compile_model, gcim_compile, generate, run_program  # noqa: E402
from ortharness import Checker, load_test, run_ort  # noqa: E402

ue2 = load_test("user-exports-2")

MAX = ("--max", "input_ids=16")
PAST = 7  # cached positions: PROMPT and COUNT fit in the step function's PAST + 1
KV_NAMES = [f"past_key_values.{i}.{kind}" for i in range(2) for kind in ("key", "value")]


def model(cls, **kw):
    """The module as language_model builds it: seeded, then constructed."""
    torch.manual_seed(0)
    return cls(**kw).eval()


def check_decoders(check, tmp):
    """The decoders, static and with dynamic axes, generating through the step function
    when their attention fuses."""
    dynamic = [("codegen", m3.CodeGen), ("stablelm-2 parallel, qk layernorm",
                lambda: m3.StableLm(parallel=True, qk_norm=True)),
               ("llama-3 rope scaling", m3.Llama3),
               ("gemma-2 without attention soft-capping", lambda: m3.Gemma2(cap=None))]
    for name, cls in dynamic:
        ue2.check_form(check, tmp, name, *ue2.language_model(cls, dynamic=True), flags=MAX,
                       generate=True)
    stablelm = model(m3.StableLm)
    ue2.check_form(check, tmp, "stablelm sequential (opset 15)",
                   *ue2.language_model(lambda: stablelm, opset=15), generate=True,
                   greedy=lambda: ue2.greedy_torch(stablelm))
    # Unfused attention makes no step function: static exports, no --generate.
    ue2.check_form(check, tmp, "gemma-2", *ue2.language_model(m3.Gemma2))
    ue2.check_form(check, tmp, "gpt-bigcode", *ue2.language_model(m3.BigCode, opset=16))
    for name in ("codegen", "stablelm-2 parallel, qk layernorm", "llama-3 rope scaling"):
        ue2.check_fused(check, tmp, name, MAX)
    ue2.check_fused(check, tmp, "stablelm sequential (opset 15)")
    check_windows(check, tmp, "gemma-2 without attention soft-capping", [3, 0])


def check_windows(check, tmp, name, windows):
    """The fused attentions of the model saved as `name`, in order, have these sliding
    windows (0: global) and Gemma-2's scale query_pre_attn_scalar ** -0.5 = 24 ** -0.5."""
    proc = subprocess.run([gcim_compile(), os.path.join(tmp, name, "model.onnx"), "--emit=gcim",
                           "--attention=digital", "-q", "-o", "-", *MAX],
                          capture_output=True, text=True)
    fused = [line for line in proc.stdout.splitlines() if '"gcim.attention"(' in line]
    got = [int(line.split("window = ")[1].split(" ")[0]) for line in fused]
    check.expect(f"{name}: fused with the windows {windows}, scale 24 ** -0.5",
                 got == windows and all("scale = 0.20412" in line for line in fused),
                 f"windows {got}: {fused[0][-200:] if fused else proc.stderr[-300:]}")


def check_mpt(check, tmp):
    """MPT (opset 14, static): ONNX Runtime at `basic` (its extended fusions crash on this
    graph), and torch; --generate says there is no step function (ALiBi is not fused); the
    warning names the ALiBi bias, not the Clip."""
    mpt = model(m3.Mpt)
    proto, feeds = ue2.language_model(lambda: mpt, opset=14)
    path = ue2.save(proto, os.path.join(tmp, "mpt"))
    out = os.path.join(tmp, "mpt", "digital")
    compile_model(path, out, "--attention=digital", "-q")
    build(out)
    got = run_program(out, "model", feeds)["logits"]
    check.close("mpt: logits vs ONNX Runtime (basic)", got,
                run_ort(path, feeds, opt_level="basic")["logits"])
    with torch.no_grad():
        check.close("mpt: logits vs torch", got, mpt(torch.from_numpy(feeds["input_ids"])))
    said = generate(out, ue2.PROMPT, ue2.COUNT)
    check.expect("mpt: --generate says the program has no step function",
                 "this program has no step function" in str(said), str(said))
    expect_reason(check, "mpt", path, "an ALiBi-like bias is added to the scores (a 1x4x1x6 "
                  "term", forbidden="'/Clip'")


def expect_reason(check, name, path, reason, forbidden=None, flags=()):
    """--attention=analog compiles with one warning that the attention runs digitally,
    naming `reason` (and not `forbidden`)."""
    proc = subprocess.run([gcim_compile(), path, "--emit=tiles", "--attention=analog",
                           *flags], capture_output=True, text=True)
    ok = (proc.returncode == 0 and "it runs digitally as the model's own ops" in proc.stderr
          and reason in proc.stderr and (forbidden is None or forbidden not in proc.stderr))
    check.expect(f"{name}: under --attention=analog the warning names why it is not fused", ok,
                 proc.stderr.strip()[-500:])


def check_unfused_reasons(check, tmp):
    """The attentions that do not fuse say why (the models check_decoders and
    check_encoders saved)."""
    for name, reason in [("gemma-2", "(the scores are soft-capped (a Tanh between the MatMuls"),
                         ("t5 encoder", "a position bias is added to the scores (a 1x4x6x6 "
                          "term: a bias per head over queries and keys, as T5's relative "
                          "position bias)"),
                         ("t5 encoder, padded attention_mask", "a position bias is added to "
                          "the scores (a 2x4x6x6 term"),
                         ("gpt-bigcode", "a Reshape between the MatMuls does more than split "
                          "or merge the (batch x heads) rows of the scores")]:
        expect_reason(check, name, os.path.join(tmp, name, "model.onnx"), reason)


def check_encoders(check, tmp):
    """T5 (batch 2, without and with a padded attention_mask) and DistilBERT with a padded
    attention_mask (batch 2): exact; DistilBERT fuses under --padding-mask=unpadded."""
    ids = ue2.token_ids(2)
    proto = ue2.export(model(m3.T5Encoder), (ids,), ["input_ids"], ["logits"], 16)
    ue2.check_form(check, tmp, "t5 encoder", proto, {"input_ids": ids.numpy()})
    mask = torch.ones_like(ids)
    mask[1, 4:] = 0
    proto = ue2.export(model(m3.T5Encoder), (ids, mask), ["input_ids", "attention_mask"],
                       ["logits"], 16)
    ue2.check_form(check, tmp, "t5 encoder, padded attention_mask", proto,
                   {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    proto = ue2.export(model(m3.DistilBert), (ids, mask), ["input_ids", "attention_mask"],
                       ["logits"], 14)
    ue2.check_form(check, tmp, "distilbert, padded attention_mask", proto,
                   {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    ue2.check_fused(check, tmp, "distilbert, padded attention_mask",
                    ("--padding-mask=unpadded",))


def llama3_kv(new_tokens, past=PAST):
    """Llama3's KV-cache export: `new_tokens` ids after `past` cached positions."""
    llama = model(m3.Llama3)
    ids = ue2.token_ids()[:, :new_tokens]
    cache = [torch.randn(1, 2, past, am.DIM, generator=torch.Generator().manual_seed(i))
             for i in range(4)]
    axes = {n: {0: "batch", 2: "past"} for n in KV_NAMES}
    outs = ["logits"] + [n.replace("past_key_values", "present") for n in KV_NAMES]
    proto = ue2.export(llama, (ids, *cache), ["input_ids", *KV_NAMES], outs, 17,
                       dynamic_axes=axes)
    feeds = {"input_ids": ids.numpy(), **{n: c.numpy() for n, c in zip(KV_NAMES, cache)}}
    return llama, proto, feeds


def check_kv_cache(check, tmp):
    """Llama-3's one-token KV-cache export: present and logits against ONNX Runtime, fused,
    --generate equals torch's greedy tokens (the step function); two new tokens are refused
    on the gain cells."""
    llama, proto, feeds = llama3_kv(1)
    flags = (f"--input-shape=past_key_values.*=1x2x{PAST}x8",)
    ue2.check_form(check, tmp, "llama-3 kv cache", proto, feeds, flags=flags, generate=True,
                   greedy=lambda: ue2.greedy_torch(lambda ids: llama(ids)[0]),
                   full_logits=lambda ids: ue2.full_logits(llama, ids))
    ue2.check_fused(check, tmp, "llama-3 kv cache", flags)
    _, proto, _ = llama3_kv(2)
    ue2.check_refusal(check, tmp, "llama-3 kv cache, two new tokens, analog", proto,
                      f"'/attn/MatMul_1': error: attention over a KV cache with 2 new tokens "
                      f"({PAST + 2} keys): the gain cells take one new token per step; export a "
                      "one-token KV-cache step or use --attention=digital",
                      ["--attention=analog", *flags])


def check_t5_decoder(check, tmp):
    """A T5 decoder: digital against ONNX Runtime; the self-attention's position bias
    keeps it unfused, the cross-attention (zeros for its bias) fuses; --attention=analog
    refuses the cross-attention naming the node."""
    ids, states = ue2.token_ids(), torch.randn(1, 5, am.WIDTH,
                                               generator=torch.Generator().manual_seed(1))
    proto = ue2.export(model(m3.T5Decoder), (ids, states),
                       ["input_ids", "encoder_hidden_states"], ["logits"], 17)
    name = "t5 decoder with cross-attention"
    ue2.check_form(check, tmp, name, proto,
                   {"input_ids": ids.numpy(), "encoder_hidden_states": states.numpy()},
                   analog=False)
    proc = subprocess.run([gcim_compile(), os.path.join(tmp, name, "model.onnx"), "--emit=gcim",
                           "--attention=digital", "-o", "-"], capture_output=True, text=True)
    check.expect(f"{name}: 2 attentions (the cross-attentions) fused, 2 left naming the bias",
                 proc.stdout.count('"gcim.attention"(') == 2 and
                 proc.stdout.count("gcim.unfused = \"a position bias") == 2,
                 proc.stderr.strip()[-300:])
    ue2.check_refusal(check, tmp, "t5 cross-attention on the gain cells", proto,
                      "error: attention of 6 queries over 5 keys of another sequence "
                      "(cross-attention) does not run on the gain cells",
                      ["--attention=analog"])


def check_bigcode_cache(check, tmp):
    """GPT-BigCode's one-token KV-cache export (layer_past: k and v in one (batch, past,
    2 x dim) input): presents and logits against ONNX Runtime; --attention=analog refuses
    it naming the cache input (before: called cross-attention)."""
    bigcode = model(m3.BigCode)
    past = [torch.randn(1, PAST, 2 * am.DIM, generator=torch.Generator().manual_seed(i))
            for i in range(2)]
    names = [f"past_key_values.{i}" for i in range(2)]
    ids = ue2.token_ids()[:, :1]
    proto = ue2.export(bigcode, (ids, *past), ["input_ids", *names],
                       ["logits", "present.0", "present.1"], 17,
                       dynamic_axes={n: {1: "past"} for n in names})
    flags = [f"--input-shape=past_key_values.*=1x{PAST}x{2 * am.DIM}"]
    ue2.check_form(check, tmp, "gpt-bigcode kv cache", proto,
                   {"input_ids": ids.numpy(), **{n: p.numpy() for n, p in zip(names, past)}},
                   flags=flags, analog=False)
    ue2.check_refusal(check, tmp, "gpt-bigcode kv cache on the gain cells", proto,
                      f"'/MatMul_1': error: attention of 4 queries over {PAST + 1} keys that "
                      "include input 'past_key_values.0', a KV cache gcim does not take for one",
                      ["--attention=analog", *flags])


def check_sparse_moe(check, tmp):
    """A Mixtral-style sparse MoE FFN (router Softmax, TopK, one_hot masks) matches ONNX
    Runtime and its attentions fuse."""
    ue2.check_form(check, tmp, "mixtral-style sparse moe", *ue2.language_model(m3.MixtralLike))
    ue2.check_fused(check, tmp, "mixtral-style sparse moe")


def main():
    check = Checker(ue2.RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-user-exports-3-") as tmp:
        for part in PARTS:
            check.run(part, tmp)
    return check.finish("user-exports-3")


PARTS = [check_decoders, check_mpt, check_encoders, check_unfused_reasons, check_kv_cache,
         check_t5_decoder, check_bigcode_cache, check_sparse_moe]

if __name__ == "__main__":
    sys.exit(main())
