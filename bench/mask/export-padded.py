#!/usr/bin/python3
"""export-padded.py FORM OUT.onnx [--layers N] [--tokens T] [--batch B]: the compile-time
benchmark of the padding-mask classification (bench/README.md, "Padding masks"), a decoder
with an int64 `attention_mask` (B, T) input combined with the causal mask as Hugging Face
combines it, computed once and used by every layer:
- `llama`: Where(Equal(causal + keys, 0), finfo.min, causal) added to the scores (LlamaModel);
- `gpt2`: each layer's Where on its causal bool buffer, then (1 - keys) * finfo.min added
  (GPT2Model's extended mask).
The widths are tiny (2 heads of 16): the classification's cost depends on T and the layers.
"""
import argparse
import math
import os
import sys

import torch
from torch.nn import functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402

MIN = torch.finfo(torch.float32).min


class Padded(torch.nn.Module):
    def __init__(self, form, config):
        super().__init__()
        self.gpt, self.form = GPT2(config).eval(), form

    def attend(self, attn, x, mask):
        q, k, v = (attn._split_heads(t) for t in attn.c_attn(x).split(attn.inner, dim=2))
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(attn.head_dim)
        if self.form == "gpt2":
            t = q.size(-2)
            w = torch.where(attn.bias[:, :, :t, :t], w, torch.full([], MIN))
        y = torch.matmul(F.softmax(w + mask, dim=-1), v)
        return attn.c_proj(attn._merge_heads(y))

    def forward(self, input_ids, attention_mask):
        g, t = self.gpt, input_ids.size(-1)
        keys = attention_mask[:, None, None, :].to(torch.float32)
        if self.form == "gpt2":
            mask = (1.0 - keys) * MIN
        else:
            causal = torch.full((t, t), MIN).triu(1)[None, None]
            mask = causal.masked_fill((causal + keys) == 0, MIN)
        x = g.wte(input_ids) + g.wpe(torch.arange(t).unsqueeze(0))
        for block in g.h:
            x = x + self.attend(block.attn, block.ln_1(x), mask)
            x = x + block.mlp(block.ln_2(x))
        return F.linear(g.ln_f(x), g.wte.weight)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("form", choices=["llama", "gpt2"])
    parser.add_argument("out")
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--tokens", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    config = GPT2Config(layers=args.layers, heads=2, head_dim=16, vocab=64, context=args.tokens)
    model = Padded(args.form, config)
    ids = torch.zeros(args.batch, args.tokens, dtype=torch.int64)
    torch.onnx.export(model, (ids, torch.ones_like(ids)), args.out,
                      input_names=["input_ids", "attention_mask"], output_names=["logits"],
                      opset_version=17)


if __name__ == "__main__":
    main()
