#!/usr/bin/python3
"""position-ids.py: decoders exported as Hugging Face and optimum export them, with inputs
`input_ids`, `attention_mask`, `position_ids` (int64 (batch, tokens): past length + arange)
and, for the KV-cache form, `past_key_values.<i>.key/value` (dynamic axes, bound by
--input-shape). Three forms: `llama` (python/gcim_models/llama.py, RoPE as transformers'
LlamaRotaryEmbedding computes it: inv_freq @ position_ids, then Cos/Sin), `mistral` (the same
with a sliding window of 4) and `gpt2` (python/gcim_models/gpt2.py, a learned position
embedding gathered by position_ids). The mask is attention_mask combined with the causal
(windowed) mask as padding-mask.py's `where` form.

Checks per form (docs/Passes.md, gcim-stream; docs/UserGuide.md, "position_ids"):
(a) the full-sequence and the KV-cache exports compiled with --padding-mask=unpadded have a
    step function from one token (position_ids is the step counter there), whose
    --generate equals torch's greedy decode over the full sequence;
(b) their model_run (which keeps position_ids an input) equals ONNX Runtime, for positions
    past + arange and for other positions (shifted by 3: kept exact, as the model computes);
(c) --attention=analog maps every layer of the KV-cache export to the gain cells (the
    report), and its --generate equals the analog full-sequence build's;
(d) the full-sequence export compiled with --padding-mask=unpadded and only
    `--max input_ids=8` (which bounds attention_mask and position_ids too) runs 1, 4, 7 and 8
    tokens (1 and 3 token by token through the step function, 4 and 7 padded to 8, 8 the
    static code) equal to ONNX Runtime on the same export at that length; token by token, a
    padded attention_mask is refused with model_run's message and positions other than
    0, 1, ... naming position_ids (exit 1, no output); padded to 8, shifted positions run
    exact.
Tolerance: 1e-4 relative (max(1, |ref|)) against ONNX Runtime, the float32 reordering of the
same ops (as codegen-gpt2.py).
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, compile_model, generate, run_program  # noqa: E402
from ortharness import Checker, run_ort  # noqa: E402

from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402
from gcim_models.llama import Decoder, DecoderConfig  # noqa: E402

RTOL = 1e-4
SEQ, PAST, PROMPT, COUNT, SHIFT = 8, 7, [3, 14, 15], 5, 3
LENGTHS = (1, SEQ // 2, SEQ - 1, SEQ)  # a step, padded from T / 2 on, padded, the static code
MIN = torch.finfo(torch.float32).min


def hf_mask(keep, attention_mask):
    """transformers' combination of a causal (windowed) keep-mask with attention_mask."""
    causal = torch.zeros(keep.shape).masked_fill(~keep, MIN)[None, None]
    keys = attention_mask[:, None, None, :].to(torch.float32)
    return causal.masked_fill((causal + keys) == 0, MIN)


class HFLlama(torch.nn.Module):
    """Decoder's modules run with Hugging Face's inputs (llama and mistral)."""

    def __init__(self, family):
        super().__init__()
        self.m = Decoder(DecoderConfig(family=family, seed=7, init_std=0.2)).eval()
        self.layers, self.kv_heads = self.m.config.layers, self.m.config.kv_heads
        self.head_dim, self.vocab = self.m.config.head_dim, self.m.config.vocab

    def forward(self, input_ids, attention_mask, position_ids, *flat):
        m, c = self.m, self.m.config
        t, past_len = input_ids.shape[1], flat[0].shape[2] if flat else 0
        inv = m.rotary.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
        freqs = (inv @ position_ids[:, None, :].float()).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[:, None], emb.sin()[:, None]
        rows = torch.arange(t)[:, None] + past_len
        cols = torch.arange(past_len + t)[None, :]
        keep = cols <= rows
        if c.window:
            keep = keep & (cols > rows - c.window)
        mask = hf_mask(keep, attention_mask)
        x, presents = m.embed(input_ids), []
        for i, block in enumerate(m.blocks):
            x, present = block(x, cos, sin, mask, (flat[2 * i], flat[2 * i + 1]) if flat else None)
            presents += list(present)
        logits = m.head(m.norm(x))
        return (logits, *presents) if flat else logits


class HFGPT2(torch.nn.Module):
    """GPT2's modules with Hugging Face's inputs: wpe gathered by position_ids."""

    def __init__(self, _family):
        super().__init__()
        config = GPT2Config(layers=2, heads=2, head_dim=16, vocab=64, context=16, init_std=0.5,
                            seed=6)
        self.g = GPT2(config).eval()
        self.layers, self.kv_heads, self.head_dim = config.layers, config.heads, config.head_dim
        self.vocab = config.vocab

    def forward(self, input_ids, attention_mask, position_ids, *flat):
        g = self.g
        x, presents = g.wte(input_ids) + g.wpe(position_ids), []
        t, past_len = input_ids.shape[1], flat[0].shape[2] if flat else 0
        keep = torch.arange(past_len + t)[None, :] <= torch.arange(t)[:, None] + past_len
        mask = hf_mask(keep, attention_mask)
        for i, block in enumerate(g.h):
            attn = block.attn
            q, k, v = (attn._split_heads(z)
                       for z in attn.c_attn(block.ln_1(x)).split(attn.inner, dim=2))
            if flat:
                k, v = torch.cat((flat[2 * i], k), dim=-2), torch.cat((flat[2 * i + 1], v), dim=-2)
            w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(attn.head_dim) + mask
            y = torch.matmul(F.softmax(w, dim=-1), v)
            x = x + attn.c_proj(attn._merge_heads(y))
            x = x + block.mlp(block.ln_2(x))
            presents += [k, v]
        logits = F.linear(g.ln_f(x), g.wte.weight)
        return (logits, *presents) if flat else logits


FORMS = {"llama": HFLlama, "mistral": HFLlama, "gpt2": HFGPT2}


def export(model, path, kv):
    """torch.onnx.export with transformers' input and output names and dynamic axes."""
    t, past = (1, PAST) if kv else (SEQ, 0)
    args = [torch.randint(0, model.vocab, (1, t)), torch.ones(1, past + t, dtype=torch.int64),
            torch.arange(past, past + t)[None]]
    names, outputs = ["input_ids", "attention_mask", "position_ids"], ["logits"]
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "total"},
            "position_ids": {0: "batch", 1: "sequence"}}
    for i in range(model.layers if kv else 0):
        for kind in ("key", "value"):
            names.append(f"past_key_values.{i}.{kind}")
            outputs.append(f"present.{i}.{kind}")
            args.append(torch.randn(1, model.kv_heads, past, model.head_dim))
            axes[names[-1]] = {0: "batch", 2: "past_sequence"}
            axes[outputs[-1]] = {0: "batch", 2: "total_sequence"}
    with torch.no_grad():
        torch.onnx.export(model, tuple(args), path, input_names=names, output_names=outputs,
                          dynamic_axes=axes, opset_version=17)
    return path


def shapes(model, kv):
    t, total = (1, PAST + 1) if kv else (SEQ, SEQ)
    flags = [f"--input-shape=input_ids=1x{t}", f"--input-shape=position_ids=1x{t}",
             f"--input-shape=attention_mask=1x{total}"]
    if kv:
        flags.append(f"--input-shape=past_key_values.*=1x{model.kv_heads}x{PAST}x{model.head_dim}")
    return flags


def feeds(model, kv, shift, seed=1, tokens=SEQ):
    gen = np.random.default_rng(seed)
    t, past = (1, PAST) if kv else (tokens, 0)
    out = {"input_ids": gen.integers(0, model.vocab, (1, t)).astype(np.int64),
           "attention_mask": np.ones((1, past + t), np.int64),
           "position_ids": (np.arange(past, past + t)[None] + shift).astype(np.int64)}
    for i in range(model.layers if kv else 0):
        for kind in ("key", "value"):
            out[f"past_key_values.{i}.{kind}"] = gen.standard_normal(
                (1, model.kv_heads, PAST, model.head_dim)).astype(np.float32)
    return out


def refusal(out, inputs):
    """The program's stderr when it exits 1 and writes no output; None when it does not."""
    with tempfile.TemporaryDirectory(prefix="gcim-refused-") as tmp:
        results = os.path.join(tmp, "out")
        cmd = [os.path.join(out, "model"), "--output-dir", results]
        for name, array in inputs.items():
            np.save(os.path.join(tmp, f"{name}.npy"), array)
            cmd += ["--input", f"{name}={os.path.join(tmp, name)}.npy"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wrote = os.path.isdir(results) and os.listdir(results)
        return proc.stderr if proc.returncode == 1 and not wrote else None


def check_run_lengths(check, tmp, form, model, path):
    """(d): one --max build at every length, and what its step path refuses."""
    what = f"{form}, --max input_ids={SEQ}"
    out = os.path.join(tmp, f"{form}-max")
    compile_model(path, out, "--attention=digital", "--padding-mask=unpadded", "--max",
                  f"input_ids={SEQ}")
    build(out)
    for n in LENGTHS:
        inputs = feeds(model, False, 0, seed=n, tokens=n)
        check.close(f"{what}: {n} tokens vs ONNX Runtime",
                    run_program(out, "model", inputs).get("logits", np.zeros(0)),
                    run_ort(path, inputs)["logits"])
    n = SEQ // 2 - 1  # token by token
    padded = feeds(model, False, 0, tokens=n)
    padded["attention_mask"][0, 1] = 0
    stderr = refusal(out, padded)
    check.expect(f"{what}: {n} tokens with a padded attention_mask are refused as model_run "
                 "refuses them", stderr is not None and
                 "input 'attention_mask' holds 0 at element 1: attention" in stderr and
                 "compiled assuming no padding (all 1)" in stderr, str(stderr))
    stderr = refusal(out, feeds(model, False, SHIFT, tokens=n))
    check.expect(f"{what}: {n} tokens with positions shifted by {SHIFT} are refused naming "
                 "position_ids", stderr is not None and
                 f"input 'position_ids' holds {SHIFT} at element 0, but {n} tokens go one at a "
                 "time through the step function" in stderr, str(stderr))
    inputs = feeds(model, False, SHIFT, tokens=SEQ - 1)
    check.close(f"{what}: {SEQ - 1} tokens (padded to {SEQ}) with positions shifted by {SHIFT} "
                "vs ONNX Runtime", run_program(out, "model", inputs).get("logits", np.zeros(0)),
                run_ort(path, inputs)["logits"])


def compiled(path, out, flags):
    compile_model(path, out, *flags)
    build(out)
    with open(os.path.join(out, "model.h")) as f:
        return "model_step(" in f.read()


def torch_greedy(model):
    ids = list(PROMPT)
    with torch.no_grad():
        for _ in range(COUNT):
            x = torch.tensor([ids])
            logits = model(x, torch.ones_like(x), torch.arange(len(ids))[None])
            ids.append(int(logits[0, -1].argmax()))
    return ids[len(PROMPT):]


def check_form(check, tmp, form):
    torch.manual_seed(0)
    model = FORMS[form](form).eval()
    want = torch_greedy(model)
    check.expect(f"{form}: torch's greedy tokens are not one token repeated", len(set(want)) > 1,
                 str(want))
    builds = {}
    for kv in (False, True):
        what = f"{form}, {'KV cache' if kv else 'full sequence'}"
        path = export(model, os.path.join(tmp, f"{form}-{kv}.onnx"), kv)
        out = os.path.join(tmp, f"{form}-{kv}-digital")
        steps = compiled(path, out, ["--attention=digital", "--padding-mask=unpadded",
                                     *shapes(model, kv)])
        check.expect(f"{what}: a step function", steps)
        for shift in (0, SHIFT):
            inputs = feeds(model, kv, shift)
            ref, got = run_ort(path, inputs), run_program(out, "model", inputs)
            check.close(f"{what}: model_run vs ONNX Runtime, positions past + arange + {shift}",
                        got.get("logits", np.zeros(0)), ref["logits"])
        got = generate(out, PROMPT, COUNT)
        check.expect(f"{what}: --generate equals torch's greedy tokens", got == want,
                     f"{got} vs {want}")
        if not kv:
            check_run_lengths(check, tmp, form, model, path)
        analog = os.path.join(tmp, f"{form}-{kv}-analog")
        report = os.path.join(tmp, f"{form}-{kv}.json")
        steps = compiled(path, analog, ["--attention=analog", "--report", report,
                                        *shapes(model, kv)])
        with open(report) as f:
            layers = json.load(f)["layers"]
        mapped = [layer for layer in layers if layer.get("mapping") != "digital"]
        check.expect(f"{what}, analog: the report maps every layer to the gain cells",
                     steps and len(mapped) == len(layers) == model.layers,
                     f"{len(mapped)} of {len(layers)} layers, step function: {steps}")
        builds[kv] = generate(analog, PROMPT, COUNT)
    check.expect(f"{form}, analog: the KV-cache export's --generate equals the full sequence's",
                 builds[True] == builds[False] and isinstance(builds[True], list),
                 f"{builds[True]} vs {builds[False]}")


def main():
    check = Checker(RTOL)
    print(f"tolerance: {RTOL} relative against ONNX Runtime (float32 reordering)")
    forms = sys.argv[1:] or list(FORMS)
    with tempfile.TemporaryDirectory(prefix="gcim-positions-") as tmp:
        for form in forms:
            check_form(check, tmp, form)
    return check.finish("position-ids")


if __name__ == "__main__":
    sys.exit(main())
