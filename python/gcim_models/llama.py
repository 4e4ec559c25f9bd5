"""llama.py: small decoder LLMs in plain torch, written like today's architectures, and their
ONNX export (torch.onnx at opset 17, dynamo=False).

One model, `Decoder`, with the variations of the families users bring:
- `llama`: RMSNorm, RoPE computed in the graph from position ids (inv_freq -> outer product
  -> Cos/Sin), grouped-query attention (K/V heads repeated by expand + reshape), SwiGLU;
- `llama-tables`: the same with precomputed cos/sin tables gathered by position;
- `mistral`: llama with a sliding window, the mask built from position comparisons
  (LessOrEqual / GreaterOrEqual, as transformers does);
- `qwen2`: llama with biases on the Q, K and V projections;
- `phi3`: a fused QKV projection and partial rotary (the first half of each head rotated);
- `gemma`: embeddings scaled by sqrt(d), RMSNorm with (1 + weight), tanh GELU gating, MQA.
Exported full-sequence (`input_ids` -> `logits`) or as one-token KV-cache steps
(`input_ids`, `past_key_<i>`, `past_value_<i>` -> `logits`, `present_key_<i>`,
`present_value_<i>`, K/V heads stored before the repeat, (B, Hkv, T, D)); the rotary position
of a cache step is the cache length.
"""
import dataclasses
import io
import math
from dataclasses import dataclass

import numpy as np
import onnx
import torch
from torch import nn
from torch.nn import functional as F

import gcim_reference

FAMILIES = ("llama", "llama-tables", "mistral", "qwen2", "phi3", "gemma")


@dataclass
class DecoderConfig:
    family: str = "llama"
    layers: int = 2
    heads: int = 4
    kv_heads: int = 2
    head_dim: int = 16
    vocab: int = 64
    context: int = 16
    ffn: int = 96
    window: int = 0  # sliding window (mistral); 0: none
    rope_theta: float = 10000.0
    seed: int = 0
    init_std: float = 0.1

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}")
        if self.heads % self.kv_heads:
            raise ValueError("heads must be a multiple of kv_heads")
        if self.family == "gemma":
            self.kv_heads = 1
        if self.family == "mistral" and not self.window:
            self.window = 4

    @property
    def embd(self):
        return self.heads * self.head_dim

    @property
    def rotary_dim(self):
        return self.head_dim // 2 if self.family == "phi3" else self.head_dim


class RMSNorm(nn.Module):
    def __init__(self, dim, gemma=False):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dim) if gemma else torch.ones(dim))
        self.gemma = gemma

    def forward(self, x):
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)
        return x * (1.0 + self.weight if self.gemma else self.weight)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Rotary(nn.Module):
    """cos/sin (T, rotary_dim) for positions: computed in the graph or gathered from tables."""

    def __init__(self, config):
        super().__init__()
        dim = config.rotary_dim
        inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, dim, 2).float() / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.tables = config.family == "llama-tables"
        if self.tables:
            pos = torch.arange(config.context).float()
            freqs = torch.cat([torch.outer(pos, inv_freq)] * 2, dim=-1)
            self.register_buffer("cos_table", freqs.cos(), persistent=False)
            self.register_buffer("sin_table", freqs.sin(), persistent=False)

    def forward(self, positions):
        if self.tables:
            return self.cos_table[positions], self.sin_table[positions]
        freqs = positions.float()[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos(), emb.sin()


class Attention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        c, d = config, config.head_dim
        bias = c.family == "qwen2"
        if c.family == "phi3":
            self.qkv = nn.Linear(c.embd, (c.heads + 2 * c.kv_heads) * d, bias=False)
        else:
            self.q = nn.Linear(c.embd, c.heads * d, bias=bias)
            self.k = nn.Linear(c.embd, c.kv_heads * d, bias=bias)
            self.v = nn.Linear(c.embd, c.kv_heads * d, bias=bias)
        self.o = nn.Linear(c.heads * d, c.embd, bias=False)
        self.attention_fn = None  # Decoder.use_attention: None is softmax

    def project(self, x):
        c, d = self.config, self.config.head_dim
        if c.family == "phi3":
            return self.qkv(x).split([c.heads * d, c.kv_heads * d, c.kv_heads * d], dim=-1)
        return self.q(x), self.k(x), self.v(x)

    def rope(self, x, cos, sin):
        r = self.config.rotary_dim
        if r == self.config.head_dim:
            return x * cos + rotate_half(x) * sin
        rot, rest = x[..., :r], x[..., r:]  # partial rotary (phi3)
        return torch.cat((rot * cos + rotate_half(rot) * sin, rest), dim=-1)

    def forward(self, x, cos, sin, mask, past=None):
        c, d = self.config, self.config.head_dim
        b, t, _ = x.shape
        q, k, v = self.project(x)
        q = q.view(b, t, c.heads, d).transpose(1, 2)
        k = k.view(b, t, c.kv_heads, d).transpose(1, 2)
        v = v.view(b, t, c.kv_heads, d).transpose(1, 2)
        q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
        if past is not None:
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        present = (k, v)
        group = c.heads // c.kv_heads
        if group > 1:  # repeat_kv as transformers writes it: expand + reshape
            tk = k.shape[2]
            k = k[:, :, None].expand(b, c.kv_heads, group, tk, d).reshape(b, c.heads, tk, d)
            v = v[:, :, None].expand(b, c.kv_heads, group, tk, d).reshape(b, c.heads, tk, d)
        if self.attention_fn is not None:
            y = self.attention_fn(q, k, v, mask, 1.0 / math.sqrt(d))
        else:
            scores = q @ k.transpose(2, 3) / math.sqrt(d) + mask
            y = F.softmax(scores, dim=-1) @ v
        return self.o(y.transpose(1, 2).reshape(b, t, c.heads * d)), present


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        gemma = config.family == "gemma"
        self.norm1, self.norm2 = RMSNorm(config.embd, gemma), RMSNorm(config.embd, gemma)
        self.attn = Attention(config)
        self.gate = nn.Linear(config.embd, config.ffn, bias=False)
        self.up = nn.Linear(config.embd, config.ffn, bias=False)
        self.down = nn.Linear(config.ffn, config.embd, bias=False)
        self.gemma = gemma

    def forward(self, x, cos, sin, mask, past=None):
        a, present = self.attn(self.norm1(x), cos, sin, mask, past)
        x = x + a
        h = self.norm2(x)
        act = F.gelu(self.gate(h), approximate="tanh") if self.gemma else F.silu(self.gate(h))
        return x + self.down(act * self.up(h)), present


class Decoder(nn.Module):
    def __init__(self, config: DecoderConfig):
        super().__init__()
        torch.manual_seed(config.seed)
        self.config = config
        self.embed = nn.Embedding(config.vocab, config.embd)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.norm = RMSNorm(config.embd, config.family == "gemma")
        self.head = nn.Linear(config.embd, config.vocab, bias=False)
        self.rotary = Rotary(config)
        for name, p in self.named_parameters():
            if "norm" not in name:
                nn.init.normal_(p, std=config.init_std)

    def use_attention(self, attention_fn):
        """Replaces every layer's softmax attention by attention_fn(q, k, v, mask, scale) -> y,
        q (B, H, T, D) after RoPE, k and v (B, H, T_k, D) after RoPE and the GQA repeat, mask
        the additive (T, T_k) mask (e.g. `gain_cell_attention()`); None restores softmax.
        Not for export: the ONNX graph is traced from the softmax path."""
        for block in self.blocks:
            block.attn.attention_fn = attention_fn
        return self

    def mask(self, t, past_len, dtype):
        """(t, past + t) additive mask from position comparisons: key j is visible to query i
        when j <= i (and i - j < window)."""
        rows = torch.arange(t)[:, None] + past_len
        cols = torch.arange(past_len + t)[None, :]
        keep = cols <= rows
        if self.config.window:
            keep = keep & (cols > rows - self.config.window)
        return torch.zeros(keep.shape, dtype=dtype).masked_fill(~keep, torch.finfo(dtype).min)

    def forward(self, input_ids, pasts=None):
        b, t = input_ids.shape
        past_len = pasts[0].shape[2] if pasts is not None else 0
        x = self.embed(input_ids)
        if self.config.family == "gemma":
            x = x * math.sqrt(self.config.embd)
        positions = torch.arange(past_len, past_len + t)
        cos, sin = self.rotary(positions)
        mask = self.mask(t, past_len, x.dtype)
        presents = []
        for i, block in enumerate(self.blocks):
            past = (pasts[2 * i], pasts[2 * i + 1]) if pasts is not None else None
            x, present = block(x, cos, sin, mask, past)
            presents += list(present)
        return self.head(self.norm(x)), presents


class StepWrapper(nn.Module):
    """Flat arguments for torch.onnx: (input_ids, past_key_0, past_value_0, ...)."""

    def __init__(self, model, kv_cache):
        super().__init__()
        self.model, self.kv_cache = model, kv_cache

    def forward(self, input_ids, *pasts):
        logits, presents = self.model(input_ids, list(pasts) if self.kv_cache else None)
        return (logits, *presents) if self.kv_cache else logits


def names(config, kv_cache):
    ins, outs = ["input_ids"], ["logits"]
    if kv_cache:
        for i in range(config.layers):
            ins += [f"past_key_{i}", f"past_value_{i}"]
            outs += [f"present_key_{i}", f"present_value_{i}"]
    return ins, outs


def export_decoder(model: Decoder, kv_cache=False, seq=None, past=None, opset=17):
    """torch.onnx.export (opset 17) to a ModelProto: full-sequence (`seq` tokens, default the
    context; static shapes) or one KV-cache step (`seq` 1 after `past` tokens; the cache
    length dynamic: bind it with gcim-compile --input-shape)."""
    c = model.config
    seq = seq or (1 if kv_cache else c.context)
    past = c.context - seq if past is None and kv_cache else (past or 0)
    gen = torch.Generator().manual_seed(1)
    args = [torch.randint(0, c.vocab, (1, seq), generator=gen)]
    if kv_cache:
        args += [torch.randn(1, c.kv_heads, past, c.head_dim, generator=gen)
                 for _ in range(2 * c.layers)]
    ins, outs = names(c, kv_cache)
    # The cache length is a dynamic axis, as in transformers' exports: a static one would
    # let the exporter fold the new token's position (and its RoPE angles) to constants.
    axes = {n: {2: "past_sequence"} for n in ins[1:]}
    axes.update({n: {2: "total_sequence"} for n in outs[1:]})
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(StepWrapper(model, kv_cache).eval(), tuple(args), buffer,
                          opset_version=opset, input_names=ins, output_names=outs,
                          dynamic_axes=axes if kv_cache else None, do_constant_folding=True)
    return onnx.load_model_from_string(buffer.getvalue())


def greedy(model: Decoder, prompt, count):
    """torch's greedy decoding over the full sequence (the reference of --generate)."""
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(count):
            logits, _ = model(torch.tensor([ids]))
            ids.append(int(logits[0, -1].argmax()))
    return ids[len(prompt):]


def causal_window(keep):
    """The window w of a causal sliding-window mask (query i sees keys i - w < j <= i; w = T
    when unbounded), or None when `keep` (T, T) booleans is not such a mask."""
    t = keep.shape[0]
    window = int(keep.sum(axis=1).max()) if t else 0
    age = np.arange(t)[:, None] - np.arange(t)[None, :]
    return window if np.array_equal(keep, (age >= 0) & (age < window)) else None


def gain_cell_attention(params=None):
    """The attention of `gcim-compile --attention=analog` (docs/Passes.md, gcim-map-attention)
    as python/gcim_reference's numpy model of the hardware computes it, for
    Decoder.use_attention: the hardware's default scalers (a = 1, b_q = 0, b_k = b_v = 0.45,
    b_o = 0) with a_q times the attention's scale, on q and k after RoPE and K/V heads already
    repeated per query head (--gqa=replicate; share gives the same outputs). The window comes
    from the mask as gcim takes it: a sliding window of w keys is a ring of w slots, an
    unbounded causal mask gets the hardware's window, which the sequence must fit (both as
    gcim-map-attention maps them). Full sequences only (a KV-cache step needs the cache's
    cells, which the numpy model keeps only within one call)."""
    base = params or gcim_reference.Params()

    def attention_fn(q, k, v, mask, scale):
        heads, t = q.shape[1], q.shape[2]
        if k.shape[2] != t:
            raise ValueError("the hardware reference runs full sequences, not KV-cache steps")
        window = causal_window((mask == 0).numpy())
        if window is None:
            raise ValueError("the gain cells realise causal sliding-window masks only")
        if window > base.window:
            raise ValueError(f"a window of {window} tokens exceeds the hardware's {base.window}")
        p = dataclasses.replace(base, window=window if window < t else base.window)
        scales = np.tile(np.asarray(gcim_reference.DEFAULT_SCALES, np.float32), (heads, 1))
        scales[:, 0] *= np.float32(scale)
        y = gcim_reference.attention(q.numpy(), k.numpy(), v.numpy(), scales, p)
        return torch.from_numpy(y)

    return attention_fn
