#!/usr/bin/env python3
"""make-gpt2.py OUT.onnx: exports a GPT-2-small-shaped model (124 M parameters, random
weights; 12 layers, 12 heads, 768 wide, 50257-token vocabulary, 1024 positions) with
torch's ONNX exporter and dynamic batch and sequence axes, for the import benchmark.
Run with Debian's /usr/bin/python3 (python3-torch). The .onnx is not committed."""
import math
import sys

import torch
from torch import nn

LAYERS, HEADS, WIDTH, VOCAB, POSITIONS = 12, 12, 768, 50257, 1024


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.qkv, self.proj = nn.Linear(WIDTH, 3 * WIDTH), nn.Linear(WIDTH, WIDTH)
        self.fc, self.out = nn.Linear(WIDTH, 4 * WIDTH), nn.Linear(4 * WIDTH, WIDTH)
        self.register_buffer("mask", torch.tril(torch.ones(POSITIONS, POSITIONS))
                             .view(1, 1, POSITIONS, POSITIONS))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(WIDTH, dim=2)
        q, k, v = (z.view(b, t, HEADS, c // HEADS).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // HEADS)
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        x = x + self.proj(y)
        return x + self.out(nn.functional.gelu(self.fc(self.ln2(x))))


class GPT2(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(VOCAB, WIDTH), nn.Embedding(POSITIONS, WIDTH)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln = nn.LayerNorm(WIDTH)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.wte(ids) + self.wpe(positions)
        for block in self.blocks:
            x = block(x)
        return self.ln(x) @ self.wte.weight.t()


def main():
    torch.manual_seed(0)
    model = GPT2().eval()
    print(f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters")
    ids = torch.zeros(1, 16, dtype=torch.int64)
    torch.onnx.export(model, (ids,), sys.argv[1], input_names=["input_ids"],
                      output_names=["logits"], opset_version=17,
                      dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                    "logits": {0: "batch", 1: "tokens"}})


main()
