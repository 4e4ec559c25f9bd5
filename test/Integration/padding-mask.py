#!/usr/bin/python3
"""padding-mask.py: a GPT-style decoder exported as Hugging Face exports one, with an int64
`attention_mask` input (1 = attend) combined with the causal mask in the graph, in two forms
(python/gcim_models/gpt2.py's weights and layout):
- `additive` (HF GPT-2): the causal mask by Where, then (1 - mask) * finfo.min added;
- `where` (HF Llama): Where(Equal(causal + mask, 0), finfo.min, causal) added;
each as a full-sequence export (input_ids, attention_mask (1, T)) and `additive` also as a
one-token KV-cache export (attention_mask (1, past + 1), past_* inputs).

Checks (docs/UserGuide.md, "--padding-mask"):
(a) --attention=digital (padding kept exact by default): the attention is the model's own
    ops, the warning names --padding-mask=unpadded, and the program equals ONNX Runtime with
    an all-ones mask and with a padded one (exact for real padding); the KV-cache export then
    has no step function.
(b) --padding-mask=unpadded: one warning names the input; the program equals ONNX Runtime
    with an all-ones mask; a mask with a zero makes it exit 1 naming the input and the node,
    writing no output.
(c) --attention=analog (unpadded by default): the attention runs on the gain cells (the
    report's heads and the program's --stats count them); a zero still exits 1.
(d) the KV-cache export has a step function: its --generate equals the full-sequence build's
    and torch's greedy tokens (digital), and the analog full build's (analog).
(e) a float16 attention_mask under --padding-mask=unpadded: all ones runs and equals ONNX
    Runtime, a zero exits 1 naming its bits.
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

RTOL = 1e-4
SEQ, PAST, PROMPT, COUNT = 8, 7, [3, 14, 15], 5
# init_std 0.5, seed 6: peaked enough that greedy decoding varies ([25, 18, 43, 26, 25]).
CONFIG = GPT2Config(layers=2, heads=2, head_dim=16, vocab=64, context=16, init_std=0.5, seed=6)
MIN = torch.finfo(torch.float32).min


class PaddedGPT(torch.nn.Module):
    """GPT2's modules run with an attention_mask as Hugging Face combines it (`form`)."""

    def __init__(self, form):
        super().__init__()
        self.gpt, self.form = GPT2(CONFIG).eval(), form

    def attend(self, attn, x, mask, past):
        q, k, v = (attn._split_heads(t) for t in attn.c_attn(x).split(attn.inner, dim=2))
        if past is not None:
            k, v = torch.cat((past[0], k), dim=-2), torch.cat((past[1], v), dim=-2)
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(attn.head_dim)
        tq, tk = q.size(-2), k.size(-2)
        keys = mask[:, None, None, :].to(torch.float32)
        if self.form == "additive":
            w = torch.where(attn.bias[:, :, tk - tq:tk, :tk], w, torch.full([], MIN))
            w = w + (1.0 - keys) * MIN
        else:
            causal = torch.full((tq, tk), MIN).triu(tk - tq + 1)[None, None]
            w = w + causal.masked_fill((causal + keys) == 0, MIN)
        y = torch.matmul(F.softmax(w, dim=-1), v)
        return attn.c_proj(attn._merge_heads(y)), [k, v]

    def forward(self, input_ids, attention_mask, *past_flat):
        g = self.gpt
        past = [past_flat[i:i + 2] for i in range(0, len(past_flat), 2)] or None
        start = past[0][0].size(-2) if past else 0
        positions = torch.arange(start, start + input_ids.size(-1)).unsqueeze(0)
        x = g.wte(input_ids) + g.wpe(positions)
        presents = []
        for i, block in enumerate(g.h):
            a, present = self.attend(block.attn, block.ln_1(x), attention_mask,
                                     past[i] if past else None)
            x = x + a
            x = x + block.mlp(block.ln_2(x))
            presents += present
        logits = F.linear(g.ln_f(x), g.wte.weight)
        return (logits, *presents) if past else logits


def export(model, path, kv, mask_type=torch.int64):
    ids = torch.randint(0, CONFIG.vocab, (1, 1 if kv else SEQ))
    mask = torch.ones(1, PAST + 1 if kv else SEQ, dtype=mask_type)
    names, args = ["input_ids", "attention_mask"], [ids, mask]
    outputs = ["logits"]
    for i in range(CONFIG.layers if kv else 0):
        names += [f"past_key_{i}", f"past_value_{i}"]
        outputs += [f"present_key_{i}", f"present_value_{i}"]
        args += [torch.randn(1, CONFIG.heads, PAST, CONFIG.head_dim) for _ in range(2)]
    torch.onnx.export(model, tuple(args), path, input_names=names, output_names=outputs,
                      opset_version=17)
    return path


def feeds(kv, mask, seed=1):
    gen = np.random.default_rng(seed)
    out = {"input_ids": gen.integers(0, CONFIG.vocab, (1, 1 if kv else SEQ)).astype(np.int64),
           "attention_mask": mask}
    for i in range(CONFIG.layers if kv else 0):
        for kind in ("key", "value"):
            out[f"past_{kind}_{i}"] = gen.standard_normal(
                (1, CONFIG.heads, PAST, CONFIG.head_dim)).astype(np.float32)
    return out


def masks(length, dtype=np.int64):
    ones = np.ones((1, length), dtype)
    padded = ones.copy()
    padded[0, -1] = 0  # right padding: only the last query's row changes
    return ones, padded


def compiled(check, what, path, out, flags, warning):
    proc = compile_model(path, out, *flags)
    check.expect(f"{what}: the compile-time warning", warning in proc.stderr,
                 proc.stderr.strip()[-500:])
    build(out)
    with open(os.path.join(out, "model.h")) as f:
        return "model_step(" in f.read()


def against_ort(check, what, path, out, inputs):
    ref, got = run_ort(path, inputs), run_program(out, "model", inputs)
    check.close(f"{what}: logits vs ONNX Runtime", got.get("logits", np.zeros(0)),
                ref["logits"])
    return ref["logits"]


def refuses_padding(check, what, out, inputs, shown="0"):
    with tempfile.TemporaryDirectory(prefix="gcim-padded-") as tmp:
        cmd = [os.path.join(out, "model"), "--output-dir", os.path.join(tmp, "out")]
        for name, array in inputs.items():
            np.save(os.path.join(tmp, f"{name}.npy"), array)
            cmd += ["--input", f"{name}={os.path.join(tmp, name)}.npy"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        check.expect(f"{what}: a padded mask exits 1", proc.returncode == 1,
                     f"exit {proc.returncode}")
        check.expect(f"{what}: the message names the input and what gcim supports",
                     f"input 'attention_mask' holds {shown} at element" in proc.stderr and
                     "compiled assuming no padding (all 1); gcim supports unpadded sequences, "
                     "batch rows without padding" in proc.stderr, proc.stderr.strip())
        check.expect(f"{what}: no output written", not os.path.exists(os.path.join(tmp, "out")))


def torch_greedy(model):
    ids = list(PROMPT)
    with torch.no_grad():
        for _ in range(COUNT):
            x = torch.tensor([ids])
            ids.append(int(model(x, torch.ones_like(x))[0, -1].argmax()))
    return ids[len(PROMPT):]


UNPADDED = ("attention (node '{node}') is compiled assuming input 'attention_mask' holds no "
            "padding (all 1)")
EXACT = "the mask depends on input 'attention_mask', a run-time mask: kept exact"


def check_full(check, tmp, form, model):
    path = export(model, os.path.join(tmp, f"{form}.onnx"), kv=False)
    ones, padded = masks(SEQ)
    out = os.path.join(tmp, f"{form}-exact")
    compiled(check, f"{form}, digital", path, out, ["--attention=digital"], EXACT)
    refs = [against_ort(check, f"{form}, digital (exact), {name}", path, out, feeds(False, mask))
            for name, mask in (("all ones", ones), ("padded", padded))]
    change = float(np.abs(refs[0][0, -1] - refs[1][0, -1]).max())
    check.expect(f"{form}: the padding changes the last position's logits in ONNX Runtime",
                 change > 1e-2, f"by at most {change:.3g}")
    out = os.path.join(tmp, f"{form}-unpadded")
    compiled(check, f"{form}, --padding-mask=unpadded", path, out,
             ["--attention=digital", "--padding-mask=unpadded"], "holds no padding (all 1)")
    against_ort(check, f"{form}, unpadded, all ones", path, out, feeds(False, ones))
    refuses_padding(check, f"{form}, unpadded", out, feeds(False, padded))
    analog = os.path.join(tmp, f"{form}-analog")
    report = os.path.join(tmp, f"{form}.json")
    compiled(check, f"{form}, analog", path, analog, ["--attention=analog", "--report", report],
             "holds no padding (all 1)")
    with open(report) as f:
        heads = [h for h in json.load(f)["heads"] if h.get("mapping") != "digital"]
    check.expect(f"{form}, analog: the report maps every head to the gain cells",
                 len(heads) >= CONFIG.layers * CONFIG.heads, f"{len(heads)} heads")
    stats = os.path.join(tmp, f"{form}-stats.json")
    run_program(analog, "model", feeds(False, ones), ["--stats", stats])
    with open(stats) as f:
        ran = json.load(f).get("heads", 0)
    check.expect(f"{form}, analog: --stats counts the simulated heads",
                 ran == CONFIG.layers * CONFIG.heads, f"{ran} heads")
    refuses_padding(check, f"{form}, analog", analog, feeds(False, padded))
    return out, analog


def check_cache(check, tmp, model, full_digital, full_analog):
    path = export(model, os.path.join(tmp, "kv.onnx"), kv=True)
    ones, padded = masks(PAST + 1)
    steps = compiled(check, "KV cache, digital (exact)", path, os.path.join(tmp, "kv-exact"),
                     ["--attention=digital"], EXACT)
    check.expect("KV cache, digital (exact): no step function (the attention is unfused)",
                 not steps)
    out = os.path.join(tmp, "kv-unpadded")
    steps = compiled(check, "KV cache, unpadded", path, out,
                     ["--attention=digital", "--padding-mask=unpadded"],
                     "holds no padding (all 1)")
    check.expect("KV cache, unpadded: a step function", steps)
    against_ort(check, "KV cache, unpadded, all ones", path, out, feeds(True, ones))
    refuses_padding(check, "KV cache, unpadded", out, feeds(True, padded))
    want = torch_greedy(model)
    check.expect("torch's greedy tokens are not one token repeated", len(set(want)) > 1,
                 str(want))
    for name, build_dir in (("KV cache", out), ("full sequence", full_digital)):
        got = generate(build_dir, PROMPT, COUNT)
        check.expect(f"{name}, unpadded: --generate equals torch's greedy tokens", got == want,
                     f"{got} vs {want}")
    analog = os.path.join(tmp, "kv-analog")
    steps = compiled(check, "KV cache, analog", path, analog, ["--attention=analog"],
                     "holds no padding (all 1)")
    got, ref = generate(analog, PROMPT, COUNT), generate(full_analog, PROMPT, COUNT)
    check.expect("KV cache, analog: --generate equals the analog full build's",
                 steps and got == ref and isinstance(got, list), f"{got} vs {ref}")
    refuses_padding(check, "KV cache, analog", analog, feeds(True, padded))


def check_half(check, tmp):
    """(e) A float16 attention_mask (a float mask through a float16 converter): the program
    reads its elements as float16 bits, so an all-ones mask runs (1.0 is 0x3C00, not 1)
    and a zero is refused, shown as its bits."""
    path = export(PaddedGPT("additive").eval(), os.path.join(tmp, "half.onnx"), False,
                  torch.float16)
    out = os.path.join(tmp, "half")
    compiled(check, "float16 mask", path, out, ["--attention=digital", "--padding-mask=unpadded"],
             "holds no padding (all 1)")
    ones, padded = masks(SEQ, np.float16)
    against_ort(check, "float16 mask, all ones", path, out, feeds(False, ones))
    refuses_padding(check, "float16 mask", out, feeds(False, padded), "bits 0x0000")


def main():
    torch.manual_seed(0)
    check = Checker(RTOL)
    print(f"tolerance: {RTOL} relative against ONNX Runtime (float32 reordering)")
    with tempfile.TemporaryDirectory(prefix="gcim-padding-") as tmp:
        builds = {}
        for form in ("additive", "where"):
            builds[form] = check_full(check, tmp, form, PaddedGPT(form).eval())
        check_cache(check, tmp, PaddedGPT("additive").eval(), *builds["additive"])
        check_half(check, tmp)
    return check.finish("padding-mask")


if __name__ == "__main__":
    sys.exit(main())
