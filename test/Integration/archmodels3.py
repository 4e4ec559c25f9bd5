"""archmodels3.py: more tiny torch models written the way the Hugging Face implementations
write them, for user-exports-3.py: Gemma-2 (soft-capping, alternating sliding-window and
global layers, sandwich RMSNorms), a T5 encoder and decoder (bucketed relative position
bias, no scaling, cross-attention), GPT-BigCode (multi-query on (batch, tokens x heads)
rows, its k/v cache in one tensor), MPT (ALiBi, clip_qkv), StableLM (partial rotary with
LayerNorm, per-head q/k LayerNorm), a Mixtral-style sparse MoE FFN on a Llama attention,
DistilBERT (masked_fill with finfo.min from an attention_mask), Llama-3 rope scaling with a
KV cache, and CodeGen (mp_num-interleaved qkv, GPT-J rotary).

Sizes follow archmodels.py (width 32, 4 heads of 8, vocabulary 40, context 16)."""
import math

import torch
from torch import nn
from torch.nn import functional as F

from archmodels import CONTEXT, DIM, HEADS, VOCAB, WIDTH, alibi_slopes, rotate_every_two
from archmodels import GptJ, rotate_half

MIN = torch.finfo(torch.float32).min


def rope_tables(inv_freq, t, offset=0):
    """cos, sin (t, dim) as LlamaRotaryEmbedding computes them from inv_freq."""
    freqs = torch.outer(torch.arange(offset, offset + t).float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def repeat_kv(x, groups):
    b, kv, t, d = x.shape
    return x[:, :, None].expand(b, kv, groups, t, d).reshape(b, kv * groups, t, d)


class RMSNorm(nn.Module):
    """Llama's (weight) or Gemma's (1 + weight, computed in float32) RMSNorm."""

    def __init__(self, width, gemma=False, eps=1e-6):
        super().__init__()
        self.gemma, self.eps = gemma, eps
        self.weight = nn.Parameter(torch.randn(width) * 0.1 + (0.0 if gemma else 1.0))

    def forward(self, x):
        y = x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)
        return y * (1.0 + self.weight.float()) if self.gemma else self.weight * y


class Gemma2(nn.Module):
    """Gemma-2: embeddings times sqrt(width), GQA (4 query heads, 2 kv heads), queries
    scaled by query_pre_attn_scalar ** -0.5, attention logits soft-capped (/cap, tanh, *cap)
    before the mask (cap None: not, as Hugging Face's sdpa and flash paths drop it), even
    layers with a sliding window of 3, pre- and post-attention and -feedforward Gemma
    RMSNorms, a gated tanh-GELU MLP, final logits soft-capped."""

    def __init__(self, layers=2, kv_heads=2, window=3, scalar=24.0, cap=50.0, final_cap=30.0):
        super().__init__()
        self.kv_heads, self.window, self.scalar = kv_heads, window, scalar
        self.cap, self.final_cap = cap, final_cap
        self.embed = nn.Embedding(VOCAB, WIDTH)
        self.register_buffer("inv_freq", 1.0 / 10000 ** (torch.arange(0, DIM, 2).float() / DIM))

        def block():
            return nn.ModuleDict(dict(
                ln_in=RMSNorm(WIDTH, True), ln_post_attn=RMSNorm(WIDTH, True),
                ln_pre_ff=RMSNorm(WIDTH, True), ln_post_ff=RMSNorm(WIDTH, True),
                q=nn.Linear(WIDTH, WIDTH, bias=False),
                k=nn.Linear(WIDTH, kv_heads * DIM, bias=False),
                v=nn.Linear(WIDTH, kv_heads * DIM, bias=False),
                o=nn.Linear(WIDTH, WIDTH, bias=False),
                gate=nn.Linear(WIDTH, 2 * WIDTH, bias=False),
                up=nn.Linear(WIDTH, 2 * WIDTH, bias=False),
                down=nn.Linear(2 * WIDTH, WIDTH, bias=False)))
        self.blocks = nn.ModuleList(block() for _ in range(layers))
        self.norm = RMSNorm(WIDTH, True)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def attention(self, block, h, mask, cos, sin):
        b, t, _ = h.shape
        q = block["q"](h).view(b, t, HEADS, DIM).transpose(1, 2)
        k = block["k"](h).view(b, t, self.kv_heads, DIM).transpose(1, 2)
        v = block["v"](h).view(b, t, self.kv_heads, DIM).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, HEADS // self.kv_heads), repeat_kv(v, HEADS // self.kv_heads)
        scores = torch.matmul(q, k.transpose(2, 3)) * self.scalar ** -0.5
        if self.cap is not None:
            scores = torch.tanh(scores / self.cap) * self.cap
        probs = F.softmax(scores + mask, dim=-1, dtype=torch.float32).to(q.dtype)
        y = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, WIDTH)
        return block["o"](y)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        x = self.embed(input_ids) * torch.tensor(WIDTH ** 0.5, dtype=torch.float32)
        cos, sin = rope_tables(self.inv_freq, t)
        causal = torch.full((t, t), MIN).triu(1)
        rows, cols = torch.arange(t)[:, None], torch.arange(t)[None, :]
        windowed = causal.masked_fill(cols <= rows - self.window, MIN)
        for i, block in enumerate(self.blocks):
            mask = (windowed if i % 2 == 0 else causal)[None, None]
            a = self.attention(block, block["ln_in"](x), mask, cos, sin)
            x = x + block["ln_post_attn"](a)
            h = block["ln_pre_ff"](x)
            f = block["down"](F.gelu(block["gate"](h), approximate="tanh") * block["up"](h))
            x = x + block["ln_post_ff"](f)
        logits = self.lm_head(self.norm(x))
        return torch.tanh(logits / self.final_cap) * self.final_cap


def t5_bucket(relative, bidirectional, buckets=8, max_distance=16):
    """T5Attention._relative_position_bucket."""
    out = torch.zeros_like(relative)
    if bidirectional:
        buckets //= 2
        out = out + (relative > 0).to(torch.long) * buckets
        relative = torch.abs(relative)
    else:
        relative = -torch.min(relative, torch.zeros_like(relative))
    exact = buckets // 2
    small = relative < exact
    large = exact + (torch.log(relative.float() / exact) / math.log(max_distance / exact) *
                     (buckets - exact)).to(torch.long)
    large = torch.min(large, torch.full_like(large, buckets - 1))
    return out + torch.where(small, relative, large)


class T5Encoder(nn.Module):
    """A T5 / Flan-T5 encoder: no 1/sqrt(d) scaling, a bidirectional bucketed relative
    position bias computed in the first layer and shared by the others, T5's RMSNorm
    (no mean, no bias), a gated-GELU FFN (Flan-T5) and a final norm; a classifier head.
    An attention_mask, when given, is added to the bias as T5's extended mask."""

    def __init__(self, layers=2, buckets=8):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, WIDTH)
        self.bias = nn.Embedding(buckets, HEADS)
        self.buckets = buckets
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=RMSNorm(WIDTH), q=nn.Linear(WIDTH, WIDTH, bias=False),
            k=nn.Linear(WIDTH, WIDTH, bias=False), v=nn.Linear(WIDTH, WIDTH, bias=False),
            o=nn.Linear(WIDTH, WIDTH, bias=False), ln2=RMSNorm(WIDTH),
            wi0=nn.Linear(WIDTH, 2 * WIDTH, bias=False),
            wi1=nn.Linear(WIDTH, 2 * WIDTH, bias=False),
            wo=nn.Linear(2 * WIDTH, WIDTH, bias=False))) for _ in range(layers))
        self.final = RMSNorm(WIDTH)
        self.head = nn.Linear(WIDTH, 3)

    def position_bias(self, t):
        context = torch.arange(t, dtype=torch.long)[:, None]
        memory = torch.arange(t, dtype=torch.long)[None, :]
        buckets = t5_bucket(memory - context, True, self.buckets)
        return self.bias(buckets).permute(2, 0, 1).unsqueeze(0)  # (1, heads, t, t)

    def forward(self, input_ids, attention_mask=None):
        b, t = input_ids.shape
        x = self.embed(input_ids)
        bias = self.position_bias(t)
        if attention_mask is not None:  # T5Stack: the extended mask added to the bias
            bias = bias + (1.0 - attention_mask[:, None, None, :].float()) * MIN
        for block in self.blocks:
            h = block["ln1"](x)
            q, k, v = (block[n](h).view(b, t, HEADS, DIM).transpose(1, 2) for n in "qkv")
            scores = torch.matmul(q, k.transpose(3, 2)) + bias
            probs = F.softmax(scores.float(), dim=-1).type_as(scores)
            y = torch.matmul(probs, v).transpose(1, 2).contiguous().view(b, t, WIDTH)
            x = x + block["o"](y)
            h = block["ln2"](x)
            x = x + block["wo"](F.gelu(block["wi0"](h), approximate="tanh") * block["wi1"](h))
        return self.head(self.final(x))


class BigCode(nn.Module):
    """GPT-BigCode / StarCoder: multi-query, one fused c_attn of width + 2 * dim, the
    queries as (batch, tokens x heads, dim) rows against (batch, dim, keys) by baddbmm with
    beta 0, scores viewed (batch, tokens, heads, keys), a torch.where causal mask of shape
    (batch, tokens, 1, keys), bmm with (batch, keys, dim) values; learned positions. With
    past inputs, each layer's cache is its (batch, past, 2 * dim) key_value, concatenated
    and returned as present."""

    def __init__(self, layers=2):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(VOCAB, WIDTH), nn.Embedding(CONTEXT, WIDTH)
        self.register_buffer("bias", torch.tril(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool)))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(WIDTH), c_attn=nn.Linear(WIDTH, WIDTH + 2 * DIM),
            c_proj=nn.Linear(WIDTH, WIDTH), ln2=nn.LayerNorm(WIDTH),
            fc=nn.Linear(WIDTH, 4 * WIDTH), proj=nn.Linear(4 * WIDTH, WIDTH)))
            for _ in range(layers))
        self.ln_f = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def attention(self, block, h, mask, past):
        b, t, _ = h.shape
        query, key_value = block["c_attn"](h).split((WIDTH, 2 * DIM), dim=2)
        if past is not None:
            key_value = torch.cat((past, key_value), dim=-2)
        s = key_value.shape[1]
        key, value = key_value.split((DIM, DIM), dim=-1)
        query = query.reshape(b, t * HEADS, DIM)
        key = key.transpose(-1, -2)  # (b, dim, keys)
        empty = torch.empty(b, t * HEADS, s, dtype=query.dtype)
        w = torch.baddbmm(empty, query, key, beta=0, alpha=DIM ** -0.5).view(b, t, HEADS, s)
        w = torch.where(mask, w, torch.full([], MIN, dtype=w.dtype))
        w = F.softmax(w, dim=-1)
        y = torch.bmm(w.view(b, t * HEADS, s), value).view(b, t, WIDTH)
        return block["c_proj"](y), key_value

    def forward(self, input_ids, *past):
        b, t = input_ids.shape
        past_len = past[0].shape[1] if past else 0
        x = self.wte(input_ids) + self.wpe(torch.arange(past_len, past_len + t)[None])
        mask = self.bias[None, past_len:past_len + t, :past_len + t].unsqueeze(2)
        presents = []
        for i, block in enumerate(self.blocks):
            a, present = self.attention(block, block["ln1"](x), mask, past[i] if past else None)
            presents.append(present)
            x = x + a
            h = block["ln2"](x)
            x = x + block["proj"](F.gelu(block["fc"](h), approximate="tanh"))
        logits = self.lm_head(self.ln_f(x))
        return (logits, *presents) if past else logits


class Mpt(nn.Module):
    """MPT: a fused Wqkv clamped to +-clip_qkv, ALiBi from slopes x (1 - keys .. 0) added
    to the scores, softmax_scale 1/sqrt(d), a bool causal mask by masked_fill with
    finfo.min, LayerNorms without bias, no biases anywhere."""

    def __init__(self, layers=2, clip=0.5):
        super().__init__()
        self.clip = clip
        self.wte = nn.Embedding(VOCAB, WIDTH)
        self.register_buffer("slopes", alibi_slopes(HEADS).view(1, HEADS, 1, 1))
        self.norms = nn.ParameterList(nn.Parameter(torch.ones(WIDTH) + 0.1 * torch.randn(WIDTH))
                                      for _ in range(2 * layers + 1))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            Wqkv=nn.Linear(WIDTH, 3 * WIDTH, bias=False),
            out=nn.Linear(WIDTH, WIDTH, bias=False),
            up=nn.Linear(WIDTH, 4 * WIDTH, bias=False),
            down=nn.Linear(4 * WIDTH, WIDTH, bias=False))) for _ in range(layers))

    def norm(self, i, x):
        return F.layer_norm(x, (WIDTH,), self.norms[i], None, 1e-5)

    def attention(self, block, h, alibi, causal):
        b, t, _ = h.shape
        qkv = block["Wqkv"](h).clamp(min=-self.clip, max=self.clip)
        q, k, v = qkv.chunk(3, dim=2)
        q = q.view(b, t, HEADS, DIM).transpose(1, 2)
        k = k.view(b, t, HEADS, DIM).permute(0, 2, 3, 1)
        v = v.view(b, t, HEADS, DIM).transpose(1, 2)
        scores = q.matmul(k) * (1 / math.sqrt(DIM)) + alibi
        scores = scores.masked_fill(causal.view(1, 1, t, t), MIN)
        y = torch.softmax(scores, dim=-1).matmul(v)
        return block["out"](y.transpose(1, 2).reshape(b, t, WIDTH))

    def forward(self, input_ids):
        t = input_ids.shape[1]
        alibi = self.slopes * torch.arange(1 - t, 1, dtype=torch.float32).view(1, 1, 1, t)
        causal = ~torch.ones(t, t, dtype=torch.bool).tril()
        x = self.wte(input_ids)
        for i, block in enumerate(self.blocks):
            x = x + self.attention(block, self.norm(2 * i, x), alibi, causal)
            x = x + block["down"](F.gelu(block["up"](self.norm(2 * i + 1, x))))
        return F.linear(self.norm(len(self.norms) - 1, x), self.wte.weight)


class StableLm(nn.Module):
    """StableLM / StableLM-2: LayerNorm, a quarter of each head rotated (rotary from
    inv_freq, cos/sin sliced from a cached table), optional per-head q/k LayerNorms
    (qk_layernorm, StableLM-2 12B), sequential or parallel residual, a SwiGLU MLP."""

    def __init__(self, layers=2, parallel=False, qk_norm=False):
        super().__init__()
        self.parallel, self.qk_norm, self.rot = parallel, qk_norm, DIM // 4
        self.embed = nn.Embedding(VOCAB, WIDTH)
        inv_freq = 1.0 / 10000 ** (torch.arange(0, self.rot, 2).float() / self.rot)
        cos, sin = rope_tables(inv_freq, CONTEXT)
        self.register_buffer("cos_cached", cos)
        self.register_buffer("sin_cached", sin)
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(WIDTH), ln2=nn.LayerNorm(WIDTH),
            q=nn.Linear(WIDTH, WIDTH), k=nn.Linear(WIDTH, WIDTH), v=nn.Linear(WIDTH, WIDTH),
            o=nn.Linear(WIDTH, WIDTH, bias=False),
            q_norms=nn.ModuleList(nn.LayerNorm(DIM) for _ in range(HEADS)),
            k_norms=nn.ModuleList(nn.LayerNorm(DIM) for _ in range(HEADS)),
            gate=nn.Linear(WIDTH, 2 * WIDTH, bias=False),
            up=nn.Linear(WIDTH, 2 * WIDTH, bias=False),
            down=nn.Linear(2 * WIDTH, WIDTH, bias=False))) for _ in range(layers))
        self.norm = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def head_norm(self, norms, z):
        """StableLmLayerNormPerHead: split the heads, one LayerNorm each, concatenate."""
        heads = torch.split(z, 1, dim=1)
        return torch.cat([norm(h) for norm, h in zip(norms, heads)], dim=1)

    def attention(self, block, h):
        b, t, _ = h.shape
        q, k, v = (block[n](h).view(b, t, HEADS, DIM).transpose(1, 2) for n in "qkv")
        if self.qk_norm:
            q, k = self.head_norm(block["q_norms"], q), self.head_norm(block["k_norms"], k)
        cos, sin = self.cos_cached[:t], self.sin_cached[:t]
        rotated = []
        for z in (q, k):
            z_rot, z_pass = z[..., :self.rot], z[..., self.rot:]
            rotated.append(torch.cat((z_rot * cos + rotate_half(z_rot) * sin, z_pass), -1))
        q, k = rotated
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(DIM)
        scores = scores + torch.full((t, t), MIN).triu(1)
        y = torch.matmul(F.softmax(scores, dim=-1, dtype=torch.float32), v)
        return block["o"](y.transpose(1, 2).reshape(b, t, WIDTH))

    def forward(self, input_ids):
        x = self.embed(input_ids)
        for block in self.blocks:
            h = block["ln1"](x)
            a = self.attention(block, h)
            if self.parallel:
                g = h
            else:
                x = x + a
                g = block["ln2"](x)
            f = block["down"](F.silu(block["gate"](g)) * block["up"](g))
            x = x + a + f if self.parallel else x + f
        return self.lm_head(self.norm(x))


class LlamaAttention(nn.Module):
    """Llama/Mixtral attention: q/k/v without bias, GQA by repeat_kv, RoPE from cos/sin,
    an additive causal mask; with a KV cache (past key/value in, present out) if given."""

    def __init__(self, kv_heads=2):
        super().__init__()
        self.kv_heads = kv_heads
        self.q = nn.Linear(WIDTH, WIDTH, bias=False)
        self.k = nn.Linear(WIDTH, kv_heads * DIM, bias=False)
        self.v = nn.Linear(WIDTH, kv_heads * DIM, bias=False)
        self.o = nn.Linear(WIDTH, WIDTH, bias=False)

    def forward(self, h, cos, sin, mask, past=None):
        b, t, _ = h.shape
        q = self.q(h).view(b, t, HEADS, DIM).transpose(1, 2)
        k = self.k(h).view(b, t, self.kv_heads, DIM).transpose(1, 2)
        v = self.v(h).view(b, t, self.kv_heads, DIM).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        if past is not None:
            k, v = torch.cat((past[0], k), dim=2), torch.cat((past[1], v), dim=2)
        present = (k, v)
        groups = HEADS // self.kv_heads
        k, v = repeat_kv(k, groups), repeat_kv(v, groups)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(DIM) + mask
        y = torch.matmul(F.softmax(scores, dim=-1, dtype=torch.float32), v)
        return self.o(y.transpose(1, 2).reshape(b, t, WIDTH)), present


class SparseMoe(nn.Module):
    """Mixtral's / Qwen-MoE's sparse block, written densely as exports need: router
    logits, Softmax, TopK(2), the top weights renormalised, per-expert weights from
    one_hot masks, every expert run on every token and weighted (zero off its tokens)."""

    def __init__(self, experts=4, top=2):
        super().__init__()
        self.experts, self.top = experts, top
        self.gate = nn.Linear(WIDTH, experts, bias=False)
        self.w1 = nn.ModuleList(nn.Linear(WIDTH, WIDTH, bias=False) for _ in range(experts))
        self.w2 = nn.ModuleList(nn.Linear(WIDTH, WIDTH, bias=False) for _ in range(experts))
        self.w3 = nn.ModuleList(nn.Linear(WIDTH, WIDTH, bias=False) for _ in range(experts))

    def forward(self, x):
        routing = F.softmax(self.gate(x), dim=-1, dtype=torch.float)
        weights, selected = torch.topk(routing, self.top, dim=-1)
        weights = weights / weights.sum(dim=-1, keepdim=True)
        masks = F.one_hot(selected, num_classes=self.experts).to(x.dtype)  # (b, t, top, E)
        per_expert = (masks * weights[..., None]).sum(dim=-2)  # (b, t, E)
        out = torch.zeros_like(x)
        for e in range(self.experts):
            y = self.w2[e](F.silu(self.w1[e](x)) * self.w3[e](x))
            out = out + y * per_expert[..., e:e + 1]
        return out


class MixtralLike(nn.Module):
    """Llama attention (GQA, RoPE) with the sparse MoE FFN, RMSNorms."""

    def __init__(self, layers=2):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, WIDTH)
        self.register_buffer("inv_freq", 1.0 / 10000 ** (torch.arange(0, DIM, 2).float() / DIM))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=RMSNorm(WIDTH), attn=LlamaAttention(), ln2=RMSNorm(WIDTH), moe=SparseMoe()))
            for _ in range(layers))
        self.norm = RMSNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        cos, sin = rope_tables(self.inv_freq, t)
        mask = torch.full((t, t), MIN).triu(1)[None, None]
        x = self.embed(input_ids)
        for block in self.blocks:
            x = x + block["attn"](block["ln1"](x), cos, sin, mask)[0]
            x = x + block["moe"](block["ln2"](x))
        return self.lm_head(self.norm(x))


def llama3_inv_freq(dim, base=500000.0, factor=8.0, low=1.0, high=4.0, original=8192):
    """_compute_llama3_parameters: long wavelengths divided by factor, short kept, the
    band between smoothly interpolated."""
    inv_freq = 1.0 / base ** (torch.arange(0, dim, 2).float() / dim)
    low_wavelen, high_wavelen = original / low, original / high
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
    smooth = (original / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


class Llama3(nn.Module):
    """Llama-3: rope scaling baked into the inv_freq buffer, cos/sin computed in the
    forward from inv_freq @ position (past length + arange), GQA, RMSNorm, SwiGLU; with
    past_key_values.<i>.key/value inputs and present.<i>.key/value outputs."""

    def __init__(self, layers=2):
        super().__init__()
        self.layers = layers
        self.embed = nn.Embedding(VOCAB, WIDTH)
        self.register_buffer("inv_freq", llama3_inv_freq(DIM, base=500.0, original=16))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=RMSNorm(WIDTH), attn=LlamaAttention(), ln2=RMSNorm(WIDTH),
            gate=nn.Linear(WIDTH, 2 * WIDTH, bias=False),
            up=nn.Linear(WIDTH, 2 * WIDTH, bias=False),
            down=nn.Linear(2 * WIDTH, WIDTH, bias=False))) for _ in range(layers))
        self.norm = RMSNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def forward(self, input_ids, *past):
        t = input_ids.shape[1]
        past_len = past[0].shape[2] if past else 0
        positions = (torch.arange(t) + past_len).float()
        freqs = (self.inv_freq[:, None] @ positions[None, :]).transpose(0, 1)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        keep = torch.arange(past_len + t)[None, :] <= torch.arange(t)[:, None] + past_len
        mask = torch.zeros(t, past_len + t).masked_fill(~keep, MIN)[None, None]
        x = self.embed(input_ids)
        presents = []
        for i, block in enumerate(self.blocks):
            layer_past = (past[2 * i], past[2 * i + 1]) if past else None
            a, present = block["attn"](block["ln1"](x), cos, sin, mask, layer_past)
            presents += list(present)
            x = x + a
            h = block["ln2"](x)
            x = x + block["down"](F.silu(block["gate"](h)) * block["up"](h))
        return (self.lm_head(self.norm(x)), *presents)


class DistilBert(nn.Module):
    """DistilBERT: learned positions, embeddings LayerNorm, q divided by sqrt(d) before the
    product, the attention_mask input turned into a bool (mask == 0) of shape
    (batch, 1, 1, keys) and applied by masked_fill with finfo.min, post-LN blocks."""

    def __init__(self, layers=2):
        super().__init__()
        self.word, self.position = nn.Embedding(VOCAB, WIDTH), nn.Embedding(CONTEXT, WIDTH)
        self.ln = nn.LayerNorm(WIDTH, eps=1e-12)
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            q_lin=nn.Linear(WIDTH, WIDTH), k_lin=nn.Linear(WIDTH, WIDTH),
            v_lin=nn.Linear(WIDTH, WIDTH), out_lin=nn.Linear(WIDTH, WIDTH),
            sa_layer_norm=nn.LayerNorm(WIDTH, eps=1e-12), lin1=nn.Linear(WIDTH, 4 * WIDTH),
            lin2=nn.Linear(4 * WIDTH, WIDTH), output_layer_norm=nn.LayerNorm(WIDTH, eps=1e-12)))
            for _ in range(layers))
        self.classifier = nn.Linear(WIDTH, 2)

    def attention(self, block, x, mask):
        b, t, _ = x.shape

        def shape(z):
            return z.view(b, -1, HEADS, DIM).transpose(1, 2)
        q = shape(block["q_lin"](x)) / math.sqrt(DIM)
        k, v = shape(block["k_lin"](x)), shape(block["v_lin"](x))
        scores = torch.matmul(q, k.transpose(2, 3))
        mask = (mask == 0).view(b, 1, 1, t).expand_as(scores)
        scores = scores.masked_fill(mask, torch.tensor(torch.finfo(scores.dtype).min))
        y = torch.matmul(F.softmax(scores, dim=-1), v)
        return block["out_lin"](y.transpose(1, 2).contiguous().view(b, -1, WIDTH))

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        x = self.ln(self.word(input_ids) + self.position(torch.arange(t)[None]))
        for block in self.blocks:
            x = block["sa_layer_norm"](x + self.attention(block, x, attention_mask))
            x = block["output_layer_norm"](x + block["lin2"](F.gelu(block["lin1"](x))))
        return self.classifier(x[:, 0])


class CodeGen(nn.Module):
    """CodeGen: one qkv_proj split as the model-parallel layout (mp_num 4 groups of
    query, value, key), GPT-J's interleaved rotary on the first rotary_dim of each head
    from a sincos table, the attention in float32, a torch.where causal mask, scores
    divided by a sqrt(d) tensor, one LayerNorm feeding a parallel attention and MLP."""

    def __init__(self, layers=2, rotary_dim=4, mp_num=4):
        super().__init__()
        self.rot, self.mp = rotary_dim, mp_num
        self.wte = nn.Embedding(VOCAB, WIDTH)
        inv_freq = 1.0 / (10000 ** (torch.arange(0, rotary_dim, 2).float() / rotary_dim))
        sinusoid = torch.einsum("i,j->ij", torch.arange(CONTEXT).float(), inv_freq)
        self.register_buffer("embed_positions", torch.cat((sinusoid.sin(), sinusoid.cos()), 1))
        self.register_buffer("causal", torch.tril(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool))
                             .view(1, 1, CONTEXT, CONTEXT))
        self.register_buffer("scale_attn", torch.sqrt(torch.tensor(DIM, dtype=torch.float32)))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln=nn.LayerNorm(WIDTH), qkv_proj=nn.Linear(WIDTH, 3 * WIDTH, bias=False),
            out_proj=nn.Linear(WIDTH, WIDTH, bias=False), fc_in=nn.Linear(WIDTH, 4 * WIDTH),
            fc_out=nn.Linear(4 * WIDTH, WIDTH))) for _ in range(layers))
        self.ln_f = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB)

    def split_heads(self, x):
        reshaped = x.reshape(x.shape[:-1] + (HEADS // self.mp, DIM))
        return reshaped.reshape(x.shape[:-2] + (-1,) + reshaped.shape[-1:])

    def rotary(self, x, sin, cos):
        sin = torch.repeat_interleave(sin[:, :, None, :], 2, 3)
        cos = torch.repeat_interleave(cos[:, :, None, :], 2, 3)
        return x * cos + rotate_every_two(x) * sin

    def attention(self, block, h, position_ids):
        b, t, _ = h.shape
        qkv = block["qkv_proj"](h).reshape(b, t, self.mp, -1)
        local = DIM * HEADS // self.mp
        query, value, key = torch.split(qkv, local, dim=-1)
        query, value, key = (self.split_heads(z) for z in (query, value, key))
        value = value.permute(0, 2, 1, 3)
        sin, cos = torch.split(self.embed_positions[position_ids], self.rot // 2, dim=-1)
        parts = []
        for z in (query, key):
            z_rot, z_pass = z[..., :self.rot], z[..., self.rot:]
            parts.append(torch.cat([self.rotary(z_rot, sin, cos), z_pass], dim=-1))
        query, key = (z.permute(0, 2, 1, 3) for z in parts)
        scores = torch.matmul(query.to(torch.float32), key.to(torch.float32).transpose(-1, -2))
        scores = scores / self.scale_attn
        scores = torch.where(self.causal[:, :, :t, :t], scores, torch.tensor(MIN))
        y = torch.matmul(F.softmax(scores, dim=-1), value)
        return block["out_proj"](y.permute(0, 2, 1, 3).reshape(b, t, WIDTH))

    forward = GptJ.forward  # GPT-J's parallel block and head, with this attention


class T5Decoder(nn.Module):
    """A T5 decoder: causal self-attention with a unidirectional bucketed position bias
    (the causal mask added to it, as T5 does: bias + (1 - mask) * finfo.min), and
    cross-attention over the encoder's hidden states (a graph input) whose position bias
    is zeros; no scaling, T5's RMSNorm, a ReLU FFN, the lm_head scaled by width ** -0.5."""

    def __init__(self, layers=2, buckets=8):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, WIDTH)
        self.bias = nn.Embedding(buckets, HEADS)
        self.buckets = buckets

        def attention():
            return nn.ModuleDict({n: nn.Linear(WIDTH, WIDTH, bias=False) for n in "qkvo"})
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=RMSNorm(WIDTH), self_attn=attention(), ln2=RMSNorm(WIDTH), cross=attention(),
            ln3=RMSNorm(WIDTH), wi=nn.Linear(WIDTH, 2 * WIDTH, bias=False),
            wo=nn.Linear(2 * WIDTH, WIDTH, bias=False))) for _ in range(layers))
        self.final = RMSNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    @staticmethod
    def attend(attn, x, source, bias):
        b, t, _ = x.shape
        s = source.shape[1]
        q = attn["q"](x).view(b, t, HEADS, DIM).transpose(1, 2)
        k, v = (attn[n](source).view(b, s, HEADS, DIM).transpose(1, 2) for n in "kv")
        scores = torch.matmul(q, k.transpose(3, 2)) + bias
        y = torch.matmul(F.softmax(scores.float(), dim=-1).type_as(scores), v)
        return attn["o"](y.transpose(1, 2).contiguous().view(b, t, WIDTH))

    def forward(self, input_ids, encoder_hidden_states):
        b, t = input_ids.shape
        s = encoder_hidden_states.shape[1]
        relative = torch.arange(t)[None, :] - torch.arange(t)[:, None]
        bias = self.bias(t5_bucket(relative, False, self.buckets)).permute(2, 0, 1)[None]
        causal = torch.tril(torch.ones(t, t))[None, None]
        self_bias = bias + (1.0 - causal) * MIN
        cross_bias = torch.zeros(1, HEADS, t, s)
        x = self.embed(input_ids)
        for block in self.blocks:
            h = block["ln1"](x)
            x = x + self.attend(block["self_attn"], h, h, self_bias)
            x = x + self.attend(block["cross"], block["ln2"](x), encoder_hidden_states,
                                cross_bias)
            x = x + block["wo"](F.relu(block["wi"](block["ln3"](x))))
        return self.lm_head(self.final(x) * WIDTH ** -0.5)
