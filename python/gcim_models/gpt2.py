"""gpt2.py: a minimal GPT-2-style language model in plain torch, exported by export_gpt2.py.

Mirrors HuggingFace's GPT2LMHeadModel closely enough that torch's ONNX exporter writes the same
attention subgraph (fused c_attn, split, view + transpose heads, q @ k^T / sqrt(d), causal mask
with torch.where on a lower-triangular bool buffer and finfo(float32).min, softmax, @ v, merge
heads, c_proj), with an optional KV cache given as per-layer past key/value tensors
(B, H, T_past, D) concatenated along the time axis.
"""
import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class GPT2Config:
    layers: int = 2
    heads: int = 2
    head_dim: int = 32
    embd: Optional[int] = None  # residual width; default heads * head_dim
    vocab: int = 128
    context: int = 64
    gelu: str = "tanh"  # "tanh" (GPT-2's approximation) or "erf"
    seed: int = 0
    init_std: float = 0.02  # GPT-2's; tests use larger values for peaked attention
    layer_norm_eps: float = 1e-5

    def __post_init__(self):
        if self.embd is None:
            self.embd = self.heads * self.head_dim
        for name in ("layers", "heads", "head_dim", "embd", "vocab", "context"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not self.init_std > 0:
            raise ValueError(f"init_std must be positive, got {self.init_std}")
        if self.gelu not in ("tanh", "erf"):
            raise ValueError(f"gelu must be 'tanh' or 'erf', got '{self.gelu}'")

    @classmethod
    def gpt2_small(cls, **overrides):
        config = dict(layers=12, heads=12, head_dim=64, embd=768, vocab=50257, context=1024)
        config.update(overrides)
        return cls(**config)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPT2Config):
        super().__init__()
        self.heads = config.heads
        self.head_dim = config.head_dim
        self.inner = config.heads * config.head_dim
        self.c_attn = nn.Linear(config.embd, 3 * self.inner)
        self.c_proj = nn.Linear(self.inner, config.embd)
        ctx = config.context
        # Lower-triangular bool buffer as in HuggingFace GPT-2 (`bias`, not a parameter).
        self.register_buffer(
            "bias", torch.tril(torch.ones((ctx, ctx), dtype=torch.bool)).view(1, 1, ctx, ctx),
            persistent=False)

    def _split_heads(self, x):
        # (B, T, H*D) -> (B, H, T, D), as HF: view then permute.
        shape = x.size()[:-1] + (self.heads, self.head_dim)
        return x.view(shape).permute(0, 2, 1, 3)

    def _merge_heads(self, x):
        x = x.permute(0, 2, 1, 3).contiguous()
        shape = x.size()[:-2] + (self.inner,)
        return x.view(shape)

    def forward(self, x, past: Optional[Tuple[torch.Tensor, torch.Tensor]] = None):
        q, k, v = self.c_attn(x).split(self.inner, dim=2)
        q = self._split_heads(q)
        k = self._split_heads(k)
        v = self._split_heads(v)
        if past is not None:
            k = torch.cat((past[0], k), dim=-2)
            v = torch.cat((past[1], v), dim=-2)
        present = (k, v)

        w = torch.matmul(q, k.transpose(-1, -2))
        w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype, device=w.device)
        query_length, key_length = q.size(-2), k.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length:key_length, :key_length]
        mask_value = torch.finfo(w.dtype).min
        mask_value = torch.full([], mask_value, dtype=w.dtype, device=w.device)
        w = torch.where(causal_mask, w, mask_value)
        w = F.softmax(w, dim=-1)
        y = torch.matmul(w, v)
        return self.c_proj(self._merge_heads(y)), present


class MLP(nn.Module):
    def __init__(self, config: GPT2Config):
        super().__init__()
        self.c_fc = nn.Linear(config.embd, 4 * config.embd)
        self.c_proj = nn.Linear(4 * config.embd, config.embd)
        self.approximate = "tanh" if config.gelu == "tanh" else "none"

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate=self.approximate))


class Block(nn.Module):
    def __init__(self, config: GPT2Config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.embd, eps=config.layer_norm_eps)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.embd, eps=config.layer_norm_eps)
        self.mlp = MLP(config)

    def forward(self, x, past=None):
        a, present = self.attn(self.ln_1(x), past)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, present


class GPT2(nn.Module):
    """forward(input_ids[, past]) -> (logits, presents).

    input_ids: int64 (B, T). past: None or a list of (key, value) per layer, each
    (B, H, T_past, D); T_past + T must not exceed the context length. presents: the
    concatenated (key, value) per layer, (B, H, T_past + T, D).
    """

    def __init__(self, config: GPT2Config):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab, config.embd)
        self.wpe = nn.Embedding(config.context, config.embd)
        self.h = nn.ModuleList([Block(config) for _ in range(config.layers)])
        self.ln_f = nn.LayerNorm(config.embd, eps=config.layer_norm_eps)
        self._init_weights(config.seed)

    def _init_weights(self, seed):
        # GPT-2's initialisation, from a private generator so the result depends on the
        # seed alone (not on the global RNG state).
        gen = torch.Generator().manual_seed(seed)
        std = self.config.init_std
        residual_std = std / math.sqrt(2 * self.config.layers)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("bias"):
                    p.normal_(0.0, std, generator=gen)
                elif "ln_" in name:
                    p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
                elif name.endswith("c_proj.weight"):
                    p.normal_(0.0, residual_std, generator=gen)
                else:
                    p.normal_(0.0, std, generator=gen)

    def forward(self, input_ids, past: Optional[List[Tuple[torch.Tensor, torch.Tensor]]] = None):
        past_length = 0 if past is None else past[0][0].size(-2)
        seq_length = input_ids.size(-1)
        position_ids = torch.arange(past_length, past_length + seq_length, dtype=torch.long,
                                    device=input_ids.device).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(position_ids)
        presents = []
        for i, block in enumerate(self.h):
            x, present = block(x, None if past is None else past[i])
            presents.append(present)
        x = self.ln_f(x)
        # LM head tied to the token embedding.
        logits = F.linear(x, self.wte.weight)
        return logits, presents


class ExportWrapper(nn.Module):
    """Flat-argument wrapper for torch.onnx.export.

    Without a cache: forward(input_ids) -> logits. With a cache:
    forward(input_ids, past_key_0, past_value_0, ...) -> (logits, present_key_0,
    present_value_0, ...).
    """

    def __init__(self, model: GPT2, kv_cache: bool):
        super().__init__()
        self.model = model
        self.kv_cache = kv_cache

    def forward(self, input_ids, *past_flat):
        if not self.kv_cache:
            logits, _ = self.model(input_ids)
            return logits
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, past)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


def input_names(config: GPT2Config, kv_cache: bool) -> List[str]:
    names = ["input_ids"]
    if kv_cache:
        for i in range(config.layers):
            names += [f"past_key_{i}", f"past_value_{i}"]
    return names


def output_names(config: GPT2Config, kv_cache: bool) -> List[str]:
    names = ["logits"]
    if kv_cache:
        for i in range(config.layers):
            names += [f"present_key_{i}", f"present_value_{i}"]
    return names
