"""archmodels5.py: tiny torch models written the way the Hugging Face implementations of
the decoders users bring write them, for user-exports-5.py: Llama with rope_scaling
(linear, dynamic NTK, Llama-3.1's "llama3", YaRN), Qwen2-MoE (a shared expert behind a
sigmoid gate), Falcon's new decoder architecture (grouped kv heads in one fused qkv,
parallel attention and MLP on two LayerNorms), Phi-3 (fused qkv and gate_up), Gemma,
StableLM (partial rotary) and GPT-J with a KV cache as Hugging Face passes
past_key_values, Cohere/Command-R (parallel block, LayerNorm without bias, interleaved
rotary, logit scale), OLMo (non-parametric LayerNorm, clip_qkv), Persimmon (per-head q/k
LayerNorm, fused qkv, squared ReLU), Baichuan/InternLM (W_pack) and a Mamba-style model
(no attention: a causal depthwise Conv1d and a selective scan written as a Python loop).

Every decoder takes (input_ids, *past) with past the flat (key, value) per layer of shape
(batch, kv heads, past length, head dim) and returns (logits, *presents), positions
past + arange as Hugging Face's generate makes them. Sizes follow archmodels.py (width 32,
4 heads of 8, vocabulary 40, context 16)."""
import math

import torch
from torch import nn
from torch.nn import functional as F

from archmodels import CONTEXT, DIM, HEADS, VOCAB, WIDTH, rotate_every_two, rotate_half
from archmodels3 import RMSNorm, llama3_inv_freq, repeat_kv

MIN = torch.finfo(torch.float32).min


def causal_mask(t, past):
    """(1, 1, t, past + t): 0 where a query sees a key, finfo.min above its position."""
    keep = torch.arange(past + t)[None, :] <= torch.arange(t)[:, None] + past
    return torch.zeros(t, past + t).masked_fill(~keep, MIN)[None, None]


def rope(inv_freq, position_ids, scaling=1.0, interleave=None):
    """LlamaRotaryEmbedding.forward: inv_freq @ position_ids, cos and sin times the
    attention scaling (YaRN's mscale; 1 otherwise); Cohere repeats each frequency twice
    (interleaved pairs) instead of concatenating the halves: by torch.repeat_interleave
    (`interleave="repeat"`, as Hugging Face writes it) or as stacked pairs ("stack")."""
    inv = inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
    freqs = (inv @ position_ids[:, None, :].float()).transpose(1, 2)
    if interleave == "repeat":
        emb = torch.repeat_interleave(freqs, 2, dim=-1)
    elif interleave == "stack":
        emb = torch.stack((freqs, freqs), dim=-1).flatten(-2)
    else:
        emb = torch.cat((freqs, freqs), dim=-1)
    return (emb.cos() * scaling)[:, None], (emb.sin() * scaling)[:, None]


def apply_rope(z, cos, sin, rot=None, interleave=False):
    """q * cos + rotate_half(q) * sin on the first `rot` features of each head."""
    rot = z.shape[-1] if rot is None else rot
    z_rot, z_pass = z[..., :rot], z[..., rot:]
    turned = rotate_every_two(z_rot) if interleave else rotate_half(z_rot)
    out = z_rot * cos + turned * sin
    return torch.cat((out, z_pass), dim=-1) if rot < z.shape[-1] else out


def inv_freq_of(dim, base=10000.0):
    return 1.0 / base ** (torch.arange(0, dim, 2).float() / dim)


def yarn_inv_freq(dim, base=10000.0, factor=4.0, original=8, beta_fast=32, beta_slow=1):
    """_compute_yarn_parameters: interpolated and extrapolated frequencies blended by a
    linear ramp between the correction dimensions; and the attention factor (mscale)."""
    pos_freqs = base ** (torch.arange(0, dim, 2).float() / dim)
    extrapolation, interpolation = 1.0 / pos_freqs, 1.0 / (factor * pos_freqs)

    def correction_dim(rotations):
        return (dim * math.log(original / (rotations * 2 * math.pi))) / (2 * math.log(base))

    low = max(math.floor(correction_dim(beta_fast)), 0)
    high = min(math.ceil(correction_dim(beta_slow)), dim - 1)
    ramp = torch.clamp((torch.arange(dim // 2).float() - low) / max(high - low, 1e-3), 0, 1)
    extrapolation_factor = 1 - ramp
    inv_freq = (interpolation * (1 - extrapolation_factor)
                + extrapolation * extrapolation_factor)
    return inv_freq, 0.1 * math.log(factor) + 1.0


def swiglu(block, h):
    return block["down"](F.silu(block["gate"](h)) * block["up"](h))


def linear(n_in, n_out, bias=False):
    return nn.Linear(n_in, n_out, bias=bias)


class CausalLM(nn.Module):
    """The frame every decoder here shares: embeddings, the positions past + arange, the
    additive causal mask over past + new keys, the blocks (each returns its new hidden
    state and its present (k, v)), the final norm and head."""

    def __init__(self, layers=2, kv_heads=HEADS):
        super().__init__()
        self.layers, self.kv_heads = layers, kv_heads
        self.embed = nn.Embedding(VOCAB, WIDTH)
        self.lm_head = linear(WIDTH, VOCAB)

    def forward(self, input_ids, *past):
        b, t = input_ids.shape
        past_len = past[0].shape[2] if past else 0
        position_ids = (torch.arange(t) + past_len)[None].expand(b, t)
        return self.run(input_ids, position_ids, causal_mask(t, past_len), past)

    def run(self, input_ids, position_ids, mask, past=()):
        rope_tables = self.tables(position_ids, position_ids.shape[1] + (
            past[0].shape[2] if past else 0))
        x = self.embed_tokens(input_ids)
        presents = []
        for i, block in enumerate(self.blocks):
            layer_past = (past[2 * i], past[2 * i + 1]) if past else None
            x, present = self.block(block, x, rope_tables, mask, layer_past)
            presents += list(present)
        return (self.head(x), *presents)

    def embed_tokens(self, input_ids):
        return self.embed(input_ids)

    def head(self, x):
        return self.lm_head(self.norm(x))

    def rope_attention(self, block, h, tables, mask, past, interleave=False):
        """The q, k and v projections of h (query heads and kv heads of DIM), rotated and
        attended: (batch, t, width) and the present (k, v)."""
        b, t, _ = h.shape
        q = block["q"](h).view(b, t, HEADS, DIM).transpose(1, 2)
        k = block["k"](h).view(b, t, self.kv_heads, DIM).transpose(1, 2)
        v = block["v"](h).view(b, t, self.kv_heads, DIM).transpose(1, 2)
        q = apply_rope(q, *tables, interleave=interleave)
        k = apply_rope(k, *tables, interleave=interleave)
        return self.attend(q, k, v, mask, past)

    def attend(self, q, k, v, mask, past, scale=None):
        """Appends k, v to the cache, repeats them to the query heads, softmax(q k^T *
        scale + mask) v; returns (batch, t, width) and the present (k, v)."""
        if past is not None:
            k, v = torch.cat((past[0], k), dim=2), torch.cat((past[1], v), dim=2)
        present = (k, v)
        groups = q.shape[1] // k.shape[1]
        k, v = repeat_kv(k, groups), repeat_kv(v, groups)
        scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
        scores = torch.matmul(q, k.transpose(2, 3)) * scale + mask
        y = torch.matmul(F.softmax(scores, dim=-1, dtype=torch.float32), v)
        b, _, t, _ = q.shape
        return y.transpose(1, 2).reshape(b, t, -1), present


class LlamaScaled(CausalLM):
    """Llama with rope_scaling: `linear` (positions divided by the factor), `dynamic`
    (NTK: the base grown from the sequence length when it passes max_position_embeddings,
    as LlamaDynamicNTKScalingRotaryEmbedding recomputes it in the forward), `llama3`
    (Llama-3.1's frequency bands) or `yarn` (blended frequencies and cos/sin times its
    attention factor); GQA (2 kv heads), RMSNorm, SwiGLU."""

    def __init__(self, scaling, layers=2, factor=4.0, max_position=8):
        super().__init__(layers, kv_heads=2)
        self.scaling, self.factor, self.max_position = scaling, factor, max_position
        self.mscale = 1.0
        if scaling == "llama3":
            inv_freq = llama3_inv_freq(DIM, base=10000.0, factor=factor, original=max_position)
        elif scaling == "yarn":
            inv_freq, self.mscale = yarn_inv_freq(DIM, factor=factor, original=max_position)
        else:
            inv_freq = inv_freq_of(DIM)
        self.register_buffer("inv_freq", inv_freq)
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=RMSNorm(WIDTH), ln2=RMSNorm(WIDTH), q=linear(WIDTH, WIDTH),
            k=linear(WIDTH, 2 * DIM), v=linear(WIDTH, 2 * DIM), o=linear(WIDTH, WIDTH),
            gate=linear(WIDTH, 2 * WIDTH), up=linear(WIDTH, 2 * WIDTH),
            down=linear(2 * WIDTH, WIDTH))) for _ in range(layers))
        self.norm = RMSNorm(WIDTH)

    def tables(self, position_ids, seq_len):
        if self.scaling == "linear":
            return rope(self.inv_freq, position_ids.float() / self.factor)
        if self.scaling == "dynamic" and seq_len > self.max_position:
            base = 10000.0 * ((self.factor * seq_len / self.max_position)
                              - (self.factor - 1)) ** (DIM / (DIM - 2))
            return rope(inv_freq_of(DIM, base), position_ids)
        return rope(self.inv_freq, position_ids, self.mscale)

    def block(self, block, x, tables, mask, past):
        y, present = self.rope_attention(block, block["ln1"](x), tables, mask, past)
        x = x + block["o"](y)
        return x + swiglu(block, block["ln2"](x)), present


class Qwen2Moe(CausalLM):
    """Qwen2-MoE: Qwen2 attention (q/k/v with bias, o without), a sparse MoE of 4 experts
    (softmax router, top 2 not renormalised) plus a shared expert scaled by
    sigmoid(shared_expert_gate(x))."""

    def __init__(self, layers=2, experts=4, top=2):
        super().__init__(layers, kv_heads=2)
        self.experts, self.top = experts, top
        self.register_buffer("inv_freq", inv_freq_of(DIM))

        def expert(width):
            return nn.ModuleDict(dict(gate=linear(WIDTH, width), up=linear(WIDTH, width),
                                      down=linear(width, WIDTH)))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=RMSNorm(WIDTH), ln2=RMSNorm(WIDTH), q=linear(WIDTH, WIDTH, True),
            k=linear(WIDTH, 2 * DIM, True), v=linear(WIDTH, 2 * DIM, True),
            o=linear(WIDTH, WIDTH), router=linear(WIDTH, experts),
            experts=nn.ModuleList(expert(16) for _ in range(experts)),
            shared_expert=expert(2 * WIDTH), shared_expert_gate=linear(WIDTH, 1)))
            for _ in range(layers))
        self.norm = RMSNorm(WIDTH)

    def tables(self, position_ids, seq_len):
        return rope(self.inv_freq, position_ids)

    def moe(self, block, h):
        routing = F.softmax(block["router"](h), dim=-1, dtype=torch.float)
        weights, selected = torch.topk(routing, self.top, dim=-1)
        masks = F.one_hot(selected, num_classes=self.experts).to(h.dtype)
        per_expert = (masks * weights[..., None]).sum(dim=-2)
        out = torch.zeros_like(h)
        for e, expert in enumerate(block["experts"]):
            out = out + swiglu(expert, h) * per_expert[..., e:e + 1]
        shared = swiglu(block["shared_expert"], h)
        return out + torch.sigmoid(block["shared_expert_gate"](h)) * shared

    def block(self, block, x, tables, mask, past):
        y, present = self.rope_attention(block, block["ln1"](x), tables, mask, past)
        x = x + block["o"](y)
        return x + self.moe(block, block["ln2"](x)), present


class FalconNew(CausalLM):
    """Falcon-40B/180B (new_decoder_architecture): one query_key_value Linear laid out per
    kv group as (kv heads, queries per group + 2, head dim), rotary on the whole head, the
    parallel block on two LayerNorms (ln_attn, ln_mlp), a GELU MLP, no biases."""

    def __init__(self, layers=2, kv_heads=2):
        super().__init__(layers, kv_heads)
        self.register_buffer("inv_freq", inv_freq_of(DIM))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln_attn=nn.LayerNorm(WIDTH), ln_mlp=nn.LayerNorm(WIDTH),
            qkv=linear(WIDTH, (HEADS + 2 * kv_heads) * DIM), dense=linear(WIDTH, WIDTH),
            up=linear(WIDTH, 4 * WIDTH), down=linear(4 * WIDTH, WIDTH)))
            for _ in range(layers))
        self.norm = nn.LayerNorm(WIDTH)

    def tables(self, position_ids, seq_len):
        return rope(self.inv_freq, position_ids)

    def block(self, block, x, tables, mask, past):
        b, t, _ = x.shape
        kv, groups = self.kv_heads, HEADS // self.kv_heads
        fused = block["qkv"](block["ln_attn"](x)).view(b, t, kv, groups + 2, DIM)
        q = fused[:, :, :, :-2].reshape(b, t, HEADS, DIM).transpose(1, 2)
        k, v = fused[:, :, :, [-2]], fused[:, :, :, [-1]]
        k, v = k.reshape(b, t, kv, DIM).transpose(1, 2), v.reshape(b, t, kv, DIM).transpose(1, 2)
        q, k = apply_rope(q, *tables), apply_rope(k, *tables)
        y, present = self.attend(q, k, v, mask, past)
        mlp = block["down"](F.gelu(block["up"](block["ln_mlp"](x))))
        return x + block["dense"](y) + mlp, present


class Phi3(CausalLM):
    """Phi-3: qkv_proj fused (query heads, then kv heads of keys and values), gate_up_proj
    fused and chunked, RMSNorm, full rotary."""

    def __init__(self, layers=2, kv_heads=2):
        super().__init__(layers, kv_heads)
        self.register_buffer("inv_freq", inv_freq_of(DIM))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=RMSNorm(WIDTH), ln2=RMSNorm(WIDTH),
            qkv_proj=linear(WIDTH, (HEADS + 2 * kv_heads) * DIM), o=linear(WIDTH, WIDTH),
            gate_up_proj=linear(WIDTH, 4 * WIDTH), down=linear(2 * WIDTH, WIDTH)))
            for _ in range(layers))
        self.norm = RMSNorm(WIDTH)

    def tables(self, position_ids, seq_len):
        return rope(self.inv_freq, position_ids)

    def block(self, block, x, tables, mask, past):
        b, t, _ = x.shape
        qkv = block["qkv_proj"](block["ln1"](x))
        kv_width = self.kv_heads * DIM
        q = qkv[..., :WIDTH].view(b, t, HEADS, DIM).transpose(1, 2)
        k = qkv[..., WIDTH:WIDTH + kv_width].view(b, t, self.kv_heads, DIM).transpose(1, 2)
        v = qkv[..., WIDTH + kv_width:].view(b, t, self.kv_heads, DIM).transpose(1, 2)
        q, k = apply_rope(q, *tables), apply_rope(k, *tables)
        y, present = self.attend(q, k, v, mask, past)
        x = x + block["o"](y)
        gate, up = block["gate_up_proj"](block["ln2"](x)).chunk(2, dim=-1)
        return x + block["down"](up * F.silu(gate)), present


class Gemma(CausalLM):
    """Gemma: embeddings times sqrt(width), multi-query (one kv head), a head dim (16)
    that is not width / heads, Gemma RMSNorm (1 + weight), a tanh-GELU gated MLP, the
    head tied to the embeddings."""

    def __init__(self, layers=2, head_dim=16):
        super().__init__(layers, kv_heads=1)
        self.head_dim = head_dim
        self.register_buffer("inv_freq", inv_freq_of(head_dim))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=RMSNorm(WIDTH, True), ln2=RMSNorm(WIDTH, True),
            q=linear(WIDTH, HEADS * head_dim), k=linear(WIDTH, head_dim),
            v=linear(WIDTH, head_dim), o=linear(HEADS * head_dim, WIDTH),
            gate=linear(WIDTH, 2 * WIDTH), up=linear(WIDTH, 2 * WIDTH),
            down=linear(2 * WIDTH, WIDTH))) for _ in range(layers))
        self.norm = RMSNorm(WIDTH, True)

    def embed_tokens(self, input_ids):
        return self.embed(input_ids) * torch.tensor(WIDTH ** 0.5)

    def head(self, x):
        return F.linear(self.norm(x), self.embed.weight)

    def tables(self, position_ids, seq_len):
        return rope(self.inv_freq, position_ids)

    def block(self, block, x, tables, mask, past):
        b, t, _ = x.shape
        h, d = block["ln1"](x), self.head_dim
        q = block["q"](h).view(b, t, HEADS, d).transpose(1, 2)
        k, v = (block[n](h).view(b, t, 1, d).transpose(1, 2) for n in "kv")
        q, k = apply_rope(q, *tables), apply_rope(k, *tables)
        y, present = self.attend(q, k, v, mask, past)
        x = x + block["o"](y)
        h = block["ln2"](x)
        return x + block["down"](F.gelu(block["gate"](h), approximate="tanh")
                                 * block["up"](h)), present


class StableLmCached(CausalLM):
    """StableLM-2 with a cache: LayerNorm, a quarter of each head rotated, q/k/v with bias,
    a sequential block with a SwiGLU MLP."""

    def __init__(self, layers=2):
        super().__init__(layers)
        self.rot = DIM // 4
        self.register_buffer("inv_freq", inv_freq_of(self.rot))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(WIDTH), ln2=nn.LayerNorm(WIDTH), q=linear(WIDTH, WIDTH, True),
            k=linear(WIDTH, WIDTH, True), v=linear(WIDTH, WIDTH, True), o=linear(WIDTH, WIDTH),
            gate=linear(WIDTH, 2 * WIDTH), up=linear(WIDTH, 2 * WIDTH),
            down=linear(2 * WIDTH, WIDTH))) for _ in range(layers))
        self.norm = nn.LayerNorm(WIDTH)

    def tables(self, position_ids, seq_len):
        return rope(self.inv_freq, position_ids)

    def block(self, block, x, tables, mask, past):
        b, t, _ = x.shape
        h = block["ln1"](x)
        q, k, v = (block[n](h).view(b, t, HEADS, DIM).transpose(1, 2) for n in "qkv")
        q, k = apply_rope(q, *tables, rot=self.rot), apply_rope(k, *tables, rot=self.rot)
        y, present = self.attend(q, k, v, mask, past)
        x = x + block["o"](y)
        return x + swiglu(block, block["ln2"](x)), present


class GptJCached(CausalLM):
    """GPT-J with layer_past: interleaved rotary on the first rotary_dim features from an
    embed_positions (sin, cos) table gathered at position_ids, the parallel block on one
    LayerNorm, the cache (batch, heads, past, dim) after the permute, a torch.where causal
    mask from a bool buffer sliced at [past : past + t, : past + t]."""

    def __init__(self, layers=2, rotary_dim=4):
        super().__init__(layers)
        self.rot = rotary_dim
        sinusoid = torch.outer(torch.arange(CONTEXT).float(), inv_freq_of(rotary_dim))
        self.register_buffer("embed_positions", torch.cat((sinusoid.sin(), sinusoid.cos()), 1))
        self.register_buffer("bias", torch.tril(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool))
                             .view(1, 1, CONTEXT, CONTEXT))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln=nn.LayerNorm(WIDTH), q=linear(WIDTH, WIDTH), k=linear(WIDTH, WIDTH),
            v=linear(WIDTH, WIDTH), out=linear(WIDTH, WIDTH), fc_in=linear(WIDTH, 4 * WIDTH, True),
            fc_out=linear(4 * WIDTH, WIDTH, True))) for _ in range(layers))
        self.norm = nn.LayerNorm(WIDTH)
        self.lm_head = linear(WIDTH, VOCAB, True)

    def tables(self, position_ids, seq_len):
        sincos = self.embed_positions[position_ids]
        sin, cos = torch.split(sincos, self.rot // 2, dim=-1)
        sin = torch.repeat_interleave(sin[:, :, None, :], 2, 3)
        cos = torch.repeat_interleave(cos[:, :, None, :], 2, 3)
        return cos, sin

    def block(self, block, x, tables, mask, past):
        b, t, _ = x.shape
        h = block["ln"](x)
        q, k, v = (block[n](h).view(b, t, HEADS, DIM) for n in "qkv")
        cos, sin = tables
        q = apply_rope(q, cos, sin, self.rot, interleave=True).permute(0, 2, 1, 3)
        k = apply_rope(k, cos, sin, self.rot, interleave=True).permute(0, 2, 1, 3)
        v = v.permute(0, 2, 1, 3)
        if past is not None:
            k, v = torch.cat((past[0], k), dim=-2), torch.cat((past[1], v), dim=-2)
        present = (k, v)
        s = k.shape[-2]
        scores = torch.matmul(q.float(), k.float().transpose(-1, -2))
        scores = torch.where(self.bias[:, :, s - t:s, :s], scores, torch.tensor(MIN))
        scores = scores / torch.sqrt(torch.tensor(DIM, dtype=torch.float32))
        y = (F.softmax(scores, dim=-1) @ v).permute(0, 2, 1, 3).reshape(b, t, WIDTH)
        mlp = block["fc_out"](F.gelu(block["fc_in"](h), approximate="tanh"))
        return x + block["out"](y) + mlp, present


class CohereLayerNorm(nn.Module):
    """CohereLayerNorm: mean and variance in float32, a weight and no bias."""

    def __init__(self, width, eps=1e-5):
        super().__init__()
        self.weight, self.eps = nn.Parameter(1.0 + 0.1 * torch.randn(width)), eps

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        variance = (x - mean).pow(2).mean(-1, keepdim=True)
        return self.weight * ((x - mean) * torch.rsqrt(variance + self.eps))


class Cohere(CausalLM):
    """Cohere / Command-R: one CohereLayerNorm feeding attention and a SwiGLU MLP in
    parallel, interleaved rotary (each frequency repeated twice, by repeat_interleave or,
    `interleave="stack"`, as stacked pairs), GQA, the head tied to the embeddings and
    multiplied by logit_scale."""

    def __init__(self, layers=2, logit_scale=0.0625, interleave="repeat"):
        super().__init__(layers, kv_heads=2)
        self.logit_scale, self.interleave = logit_scale, interleave
        self.register_buffer("inv_freq", inv_freq_of(DIM))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln=CohereLayerNorm(WIDTH), q=linear(WIDTH, WIDTH), k=linear(WIDTH, 2 * DIM),
            v=linear(WIDTH, 2 * DIM), o=linear(WIDTH, WIDTH), gate=linear(WIDTH, 2 * WIDTH),
            up=linear(WIDTH, 2 * WIDTH), down=linear(2 * WIDTH, WIDTH)))
            for _ in range(layers))
        self.norm = CohereLayerNorm(WIDTH)

    def head(self, x):
        return F.linear(self.norm(x), self.embed.weight) * self.logit_scale

    def tables(self, position_ids, seq_len):
        return rope(self.inv_freq, position_ids, interleave=self.interleave)

    def block(self, block, x, tables, mask, past):
        h = block["ln"](x)
        y, present = self.rope_attention(block, h, tables, mask, past, interleave=True)
        return x + block["o"](y) + swiglu(block, h), present


class Olmo(CausalLM):
    """OLMo: LayerNorm without parameters (F.layer_norm without weight or bias), q/k/v
    clamped to +-clip_qkv, SwiGLU, no biases."""

    def __init__(self, layers=2, clip_qkv=0.5):
        super().__init__(layers)
        self.clip = clip_qkv
        self.register_buffer("inv_freq", inv_freq_of(DIM))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            q=linear(WIDTH, WIDTH), k=linear(WIDTH, WIDTH), v=linear(WIDTH, WIDTH),
            o=linear(WIDTH, WIDTH), gate=linear(WIDTH, 2 * WIDTH), up=linear(WIDTH, 2 * WIDTH),
            down=linear(2 * WIDTH, WIDTH))) for _ in range(layers))

    def norm(self, x):
        return F.layer_norm(x, (WIDTH,), None, None, 1e-5)

    def tables(self, position_ids, seq_len):
        return rope(self.inv_freq, position_ids)

    def block(self, block, x, tables, mask, past):
        b, t, _ = x.shape
        h = self.norm(x)
        q, k, v = (block[n](h).clamp(min=-self.clip, max=self.clip)
                   .view(b, t, HEADS, DIM).transpose(1, 2) for n in "qkv")
        q, k = apply_rope(q, *tables), apply_rope(k, *tables)
        y, present = self.attend(q, k, v, mask, past)
        x = x + block["o"](y)
        return x + swiglu(block, self.norm(x)), present


class Persimmon(CausalLM):
    """Persimmon/Fuyu: query_key_value fused per head (heads, 3, dim), LayerNorm over each
    head's q and k (q_layernorm, k_layernorm: one weight shared by the heads), half of
    each head rotated, a squared-ReLU MLP, LayerNorms and biases everywhere."""

    def __init__(self, layers=2):
        super().__init__(layers)
        self.rot = DIM // 2
        self.register_buffer("inv_freq", inv_freq_of(self.rot, 25000.0))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(WIDTH), ln2=nn.LayerNorm(WIDTH),
            query_key_value=linear(WIDTH, 3 * WIDTH, True), dense=linear(WIDTH, WIDTH, True),
            q_layernorm=nn.LayerNorm(DIM), k_layernorm=nn.LayerNorm(DIM),
            up=linear(WIDTH, 4 * WIDTH, True), down=linear(4 * WIDTH, WIDTH, True)))
            for _ in range(layers))
        self.norm = nn.LayerNorm(WIDTH)

    def tables(self, position_ids, seq_len):
        return rope(self.inv_freq, position_ids)

    def block(self, block, x, tables, mask, past):
        b, t, _ = x.shape
        fused = block["query_key_value"](block["ln1"](x)).view(b, t, HEADS, 3, DIM)
        q, k, v = fused[..., 0, :], fused[..., 1, :], fused[..., 2, :]
        q, k = block["q_layernorm"](q), block["k_layernorm"](k)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        q = apply_rope(q, *tables, rot=self.rot)
        k = apply_rope(k, *tables, rot=self.rot)
        y, present = self.attend(q, k, v, mask, past)
        x = x + block["dense"](y)
        return x + block["down"](F.relu(block["up"](block["ln2"](x))) ** 2), present


class Baichuan(CausalLM):
    """Baichuan-7B / InternLM: W_pack, one Linear for q, k and v, split by
    unflatten(-1, (3, width)).unsqueeze(0).transpose(0, -2).squeeze(-2) (unflatten written
    as the view torch 1.13 can export); rotary, RMSNorm, SwiGLU."""

    def __init__(self, layers=2):
        super().__init__(layers)
        self.register_buffer("inv_freq", inv_freq_of(DIM))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=RMSNorm(WIDTH), ln2=RMSNorm(WIDTH), W_pack=linear(WIDTH, 3 * WIDTH),
            o=linear(WIDTH, WIDTH), gate=linear(WIDTH, 2 * WIDTH), up=linear(WIDTH, 2 * WIDTH),
            down=linear(2 * WIDTH, WIDTH))) for _ in range(layers))
        self.norm = RMSNorm(WIDTH)

    def tables(self, position_ids, seq_len):
        return rope(self.inv_freq, position_ids)

    def block(self, block, x, tables, mask, past):
        b, t, _ = x.shape
        proj = block["W_pack"](block["ln1"](x))
        proj = proj.view(b, t, 3, WIDTH).unsqueeze(0).transpose(0, -2).squeeze(-2)
        q, k, v = (proj[i].view(b, t, HEADS, DIM).transpose(1, 2) for i in range(3))
        q, k = apply_rope(q, *tables), apply_rope(k, *tables)
        y, present = self.attend(q, k, v, mask, past)
        x = x + block["o"](y)
        return x + swiglu(block, block["ln2"](x)), present


class Mamba(nn.Module):
    """Mamba (MambaMixer's slow_forward): in_proj to x and the gate z, a causal depthwise
    Conv1d (padding kernel - 1, cut to the sequence), SiLU, x_proj to dt, B and C, dt_proj
    and softplus, A = -exp(A_log), the selective scan as a Python loop over the tokens,
    the D skip, times SiLU(z), out_proj; RMSNorm residual blocks."""

    def __init__(self, layers=2, inner=64, state=4, kernel=4, rank=4):
        super().__init__()
        self.inner, self.state, self.rank = inner, state, rank
        self.embed = nn.Embedding(VOCAB, WIDTH)

        def mixer():
            conv = nn.Conv1d(inner, inner, kernel, groups=inner, padding=kernel - 1)
            a_log = torch.log(torch.arange(1, state + 1).float()).expand(inner, -1)
            return nn.ModuleDict(dict(
                norm=RMSNorm(WIDTH), in_proj=linear(WIDTH, 2 * inner), conv1d=conv,
                x_proj=linear(inner, rank + 2 * state), dt_proj=linear(rank, inner, True),
                out_proj=linear(inner, WIDTH), A=ParameterHolder(a_log.clone()),
                D=ParameterHolder(torch.ones(inner))))
        self.blocks = nn.ModuleList(mixer() for _ in range(layers))
        self.norm_f = RMSNorm(WIDTH)
        self.lm_head = linear(WIDTH, VOCAB)

    def mix(self, m, h):
        b, t, _ = h.shape
        xz = m["in_proj"](h).transpose(1, 2)
        x, z = xz.chunk(2, dim=1)
        x = F.silu(m["conv1d"](x)[..., :t])
        params = m["x_proj"](x.transpose(1, 2))
        dt, B, C = torch.split(params, [self.rank, self.state, self.state], dim=-1)
        dt = F.softplus(m["dt_proj"](dt)).transpose(1, 2)
        A = -torch.exp(m["A"].value.float())
        delta_a = torch.exp(A[None, :, None, :] * dt[:, :, :, None])
        delta_b_u = dt[:, :, :, None] * B[:, None, :, :].float() * x[:, :, :, None].float()
        ssm = torch.zeros(b, self.inner, self.state)
        ys = []
        for i in range(t):
            ssm = delta_a[:, :, i, :] * ssm + delta_b_u[:, :, i, :]
            ys.append(torch.matmul(ssm, C[:, i, :].unsqueeze(-1)))
        y = torch.stack(ys, dim=-1)[:, :, 0, :]
        y = (y + x * m["D"].value[None, :, None]) * F.silu(z)
        return m["out_proj"](y.transpose(1, 2))

    def forward(self, input_ids):
        x = self.embed(input_ids)
        for m in self.blocks:
            x = x + self.mix(m, m["norm"](x))
        return self.lm_head(self.norm_f(x))


class ParameterHolder(nn.Module):
    """A parameter in a ModuleDict (MambaMixer's A_log and D)."""

    def __init__(self, value):
        super().__init__()
        self.value = nn.Parameter(value)


class LeftPadded(nn.Module):
    """A batch padded on the left as Hugging Face's generate feeds it: position_ids from
    attention_mask (cumsum - 1, padding at 1), the causal mask with the padded keys at
    finfo.min (as _prepare_4d_causal_attention_mask_with_cache_position)."""

    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        position_ids = attention_mask.long().cumsum(-1) - 1
        position_ids = position_ids.masked_fill(attention_mask == 0, 1)
        causal = causal_mask(t, 0)
        padded = attention_mask[:, None, None, :] == 0
        return self.decoder.run(input_ids, position_ids, causal.masked_fill(padded, MIN))[0]
