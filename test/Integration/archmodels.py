"""archmodels.py: tiny torch models written the way the Hugging Face implementations of
popular architectures write them (GPT-NeoX/Pythia, GPT-J, Falcon, Bloom, OPT, Phi, a
Whisper/BART-like decoder with cross-attention, BERT/RoBERTa encoders, a ViT), for
user-exports-2.py: the forms of their attention (partial and interleaved rotary, ALiBi,
multi-query, parallel blocks, learned positions with an offset, non-causal attention,
patch embeddings) exported by torch 1.13's torch.onnx.export as users export them.

Sizes are tiny (width 32, 4 heads of 8, 6 tokens) so that every model exports, compiles
and builds in a second or two."""
import math

import torch
from torch import nn
from torch.nn import functional as F

WIDTH, HEADS, DIM, VOCAB, CONTEXT, TOKENS = 32, 4, 8, 40, 16, 6


def causal_bool(n):
    return torch.tril(torch.ones(n, n, dtype=torch.bool)).view(1, 1, n, n)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rotate_every_two(x):
    """GPT-J's interleaved rotation: pairs (x0, x1) -> (-x1, x0)."""
    x1, x2 = x[..., ::2], x[..., 1::2]
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


class NeoXRotary(nn.Module):
    """cos/sin caches as buffers (1, 1, context, rotary_dim), sliced to the sequence."""

    def __init__(self, dim, base=10000.0):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
        freqs = torch.einsum("i,j->ij", torch.arange(CONTEXT).float(), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos()[None, None])
        self.register_buffer("sin_cached", emb.sin()[None, None])

    def forward(self, t):
        return self.cos_cached[:, :, :t], self.sin_cached[:, :, :t]


class NeoXAttention(nn.Module):
    """GPT-NeoX/Pythia: fused qkv laid out per head (heads, 3 * dim), rotary on the first
    quarter of each head, scores by baddbmm with alpha 1/sqrt(d), mask by torch.where with
    finfo.min."""

    def __init__(self, rotary_pct=0.25):
        super().__init__()
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.dense = nn.Linear(WIDTH, WIDTH)
        self.rot = int(DIM * rotary_pct)
        self.rotary = NeoXRotary(self.rot)
        self.register_buffer("bias", causal_bool(CONTEXT))
        self.register_buffer("masked_bias", torch.tensor(-1e9))
        self.norm_factor = math.sqrt(DIM)

    def forward(self, x):
        b, t, _ = x.shape
        qkv = self.qkv(x).view(b, t, HEADS, 3 * DIM).permute(0, 2, 1, 3)
        q, k, v = qkv[..., :DIM], qkv[..., DIM:2 * DIM], qkv[..., 2 * DIM:]
        cos, sin = self.rotary(t)
        q_rot, q_pass = q[..., :self.rot], q[..., self.rot:]
        k_rot, k_pass = k[..., :self.rot], k[..., self.rot:]
        q = torch.cat((q_rot * cos + rotate_half(q_rot) * sin, q_pass), dim=-1)
        k = torch.cat((k_rot * cos + rotate_half(k_rot) * sin, k_pass), dim=-1)
        qf, kf = q.reshape(b * HEADS, t, DIM), k.reshape(b * HEADS, t, DIM)
        scores = torch.zeros(b * HEADS, t, t, dtype=q.dtype)
        scores = torch.baddbmm(scores, qf, kf.transpose(1, 2), beta=1.0,
                               alpha=1.0 / self.norm_factor).view(b, HEADS, t, t)
        mask_value = torch.tensor(torch.finfo(scores.dtype).min, dtype=scores.dtype)
        scores = torch.where(self.bias[:, :, :t, :t], scores, mask_value)
        y = F.softmax(scores, dim=-1) @ v
        return self.dense(y.permute(0, 2, 1, 3).reshape(b, t, WIDTH))


class NeoX(nn.Module):
    """GPT-NeoX with the parallel residual: x + attn(ln1(x)) + mlp(ln2(x))."""

    def __init__(self, layers=2):
        super().__init__()
        self.embed_in = nn.Embedding(VOCAB, WIDTH)
        self.layers = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(WIDTH), ln2=nn.LayerNorm(WIDTH), attn=NeoXAttention(),
            mlp=nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(),
                              nn.Linear(4 * WIDTH, WIDTH)))) for _ in range(layers))
        self.final_ln = nn.LayerNorm(WIDTH)
        self.embed_out = nn.Linear(WIDTH, VOCAB, bias=False)

    def forward(self, input_ids):
        x = self.embed_in(input_ids)
        for layer in self.layers:
            x = x + layer["attn"](layer["ln1"](x)) + layer["mlp"](layer["ln2"](x))
        return self.embed_out(self.final_ln(x))


class NeoXCached(nn.Module):
    """One step of a NeoX model over its KV cache, as GPTNeoXAttention runs with layer_past:
    rotary at the positions after the past, k and v appended to the cache on the tokens
    axis, baddbmm over (batch x heads, tokens, past + tokens); returns the logits and the
    presents."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, *past):
        b, t = input_ids.shape
        x = self.model.embed_in(input_ids)
        presents = []
        for i, layer in enumerate(self.model.layers):
            attn, h = layer["attn"], layer["ln1"](x)
            qkv = attn.qkv(h).view(b, t, HEADS, 3 * DIM).permute(0, 2, 1, 3)
            q, k, v = qkv[..., :DIM], qkv[..., DIM:2 * DIM], qkv[..., 2 * DIM:]
            start = past[2 * i].shape[-2]
            cos = attn.rotary.cos_cached[:, :, start:start + t]
            sin = attn.rotary.sin_cached[:, :, start:start + t]
            q_rot, q_pass = q[..., :attn.rot], q[..., attn.rot:]
            k_rot, k_pass = k[..., :attn.rot], k[..., attn.rot:]
            q = torch.cat((q_rot * cos + rotate_half(q_rot) * sin, q_pass), dim=-1)
            k = torch.cat((k_rot * cos + rotate_half(k_rot) * sin, k_pass), dim=-1)
            k, v = torch.cat((past[2 * i], k), dim=-2), torch.cat((past[2 * i + 1], v), dim=-2)
            presents += [k, v]
            n = k.shape[-2]
            qf, kf = q.reshape(b * HEADS, t, DIM), k.reshape(b * HEADS, n, DIM)
            scores = torch.zeros(b * HEADS, t, n, dtype=q.dtype)
            scores = torch.baddbmm(scores, qf, kf.transpose(1, 2), beta=1.0,
                                   alpha=1.0 / attn.norm_factor).view(b, HEADS, t, n)
            mask_value = torch.tensor(torch.finfo(scores.dtype).min, dtype=scores.dtype)
            scores = torch.where(attn.bias[:, :, n - t:n, :n], scores, mask_value)
            y = F.softmax(scores, dim=-1) @ v
            y = attn.dense(y.permute(0, 2, 1, 3).reshape(b, t, WIDTH))
            x = x + y + layer["mlp"](layer["ln2"](x))
        return (self.model.embed_out(self.model.final_ln(x)), *presents)


class GptJ(nn.Module):
    """GPT-J: one LayerNorm feeding attention and MLP in parallel, interleaved rotary on the
    first rotary_dim of each head from a sin/cos table gathered at position ids, q k v
    without bias, the attention in float32 with a torch.where mask and a divide by a
    sqrt(d) tensor; the lm_head has a bias."""

    def __init__(self, rotary_dim=4, layers=2):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, WIDTH)
        self.rot = rotary_dim
        inv_freq = 1.0 / (10000 ** (torch.arange(0, rotary_dim, 2).float() / rotary_dim))
        sinusoid = torch.einsum("i,j->ij", torch.arange(CONTEXT).float(), inv_freq)
        self.register_buffer("embed_positions",
                             torch.cat((torch.sin(sinusoid), torch.cos(sinusoid)), dim=1))
        self.register_buffer("bias", causal_bool(CONTEXT))
        self.register_buffer("scale_attn", torch.sqrt(torch.tensor(DIM, dtype=torch.float32)))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln=nn.LayerNorm(WIDTH), q=nn.Linear(WIDTH, WIDTH, bias=False),
            k=nn.Linear(WIDTH, WIDTH, bias=False), v=nn.Linear(WIDTH, WIDTH, bias=False),
            out=nn.Linear(WIDTH, WIDTH, bias=False), fc_in=nn.Linear(WIDTH, 4 * WIDTH),
            fc_out=nn.Linear(4 * WIDTH, WIDTH))) for _ in range(layers))
        self.ln_f = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB)

    def rotary(self, x, sin, cos):
        sin = torch.repeat_interleave(sin[:, :, None, :], 2, 3)
        cos = torch.repeat_interleave(cos[:, :, None, :], 2, 3)
        return x * cos + rotate_every_two(x) * sin

    def attention(self, block, h, position_ids):
        b, t, _ = h.shape
        q, k, v = (block[n](h).view(b, t, HEADS, DIM) for n in ("q", "k", "v"))
        sincos = self.embed_positions[position_ids]
        sin, cos = torch.split(sincos, sincos.shape[-1] // 2, dim=-1)
        parts = []
        for z in (q, k):
            z_rot, z_pass = z[..., :self.rot], z[..., self.rot:]
            parts.append(torch.cat([self.rotary(z_rot, sin, cos), z_pass], dim=-1))
        q, k = (z.permute(0, 2, 1, 3) for z in parts)
        v = v.permute(0, 2, 1, 3)
        scores = torch.matmul(q.float(), k.float().transpose(-1, -2))
        mask_value = torch.tensor(torch.finfo(scores.dtype).min, dtype=scores.dtype)
        scores = torch.where(self.bias[:, :, :t, :t], scores, mask_value) / self.scale_attn
        y = nn.functional.softmax(scores, dim=-1).to(v.dtype) @ v
        return block["out"](y.permute(0, 2, 1, 3).reshape(b, t, WIDTH))

    def forward(self, input_ids):
        t = input_ids.shape[1]
        position_ids = torch.arange(0, t, dtype=torch.long).unsqueeze(0)
        x = self.wte(input_ids)
        for block in self.blocks:
            h = block["ln"](x)
            mlp = block["fc_out"](F.gelu(block["fc_in"](h), approximate="tanh"))
            x = x + self.attention(block, h, position_ids) + mlp
        return self.lm_head(self.ln_f(x))


class Falcon(nn.Module):
    """Falcon-7B: multi-query (one k/v head, fused qkv of (heads + 2) * dim), rotary on the
    whole head, a parallel block on one LayerNorm, an additive float mask made from a bool
    one by masked_fill with finfo.min, k and v expanded to the heads."""

    def __init__(self, layers=2):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, WIDTH)
        self.rotary = NeoXRotary(DIM)
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln=nn.LayerNorm(WIDTH), qkv=nn.Linear(WIDTH, (HEADS + 2) * DIM, bias=False),
            dense=nn.Linear(WIDTH, WIDTH, bias=False),
            up=nn.Linear(WIDTH, 4 * WIDTH, bias=False),
            down=nn.Linear(4 * WIDTH, WIDTH, bias=False))) for _ in range(layers))
        self.ln_f = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def attention(self, block, h, mask):
        b, t, _ = h.shape
        fused = block["qkv"](h).view(b, t, HEADS + 2, DIM)
        q = fused[..., :-2, :].transpose(1, 2)
        k, v = fused[..., [-2], :].transpose(1, 2), fused[..., [-1], :].transpose(1, 2)
        cos, sin = self.rotary(t)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.expand(b, HEADS, t, DIM), v.expand(b, HEADS, t, DIM)
        scores = q @ k.transpose(-1, -2) / math.sqrt(DIM)
        y = F.softmax(scores + mask, dim=-1, dtype=h.dtype) @ v
        return block["dense"](y.transpose(1, 2).reshape(b, t, WIDTH))

    def forward(self, input_ids):
        t = input_ids.shape[1]
        x = self.word_embeddings(input_ids)
        keep = torch.ones(t, t, dtype=torch.bool).tril()
        mask = torch.zeros(t, t).masked_fill(~keep, torch.finfo(torch.float32).min)
        for block in self.blocks:
            h = block["ln"](x)
            x = x + self.attention(block, h, mask) + block["down"](F.gelu(block["up"](h)))
        return self.lm_head(self.ln_f(x))


def alibi_slopes(heads):
    closest = 2 ** math.floor(math.log2(heads))
    base = 2 ** (-(2 ** -(math.log2(closest) - 3)))
    return torch.pow(torch.tensor(base), torch.arange(1, 1 + closest, dtype=torch.float32))


class Bloom(nn.Module):
    """Bloom: ALiBi (slopes x key position, from an all-ones attention mask's cumsum, as
    build_alibi_tensor writes it) added to the scores by baddbmm, an embedding LayerNorm, a
    fused qkv per head, a bool causal mask by masked_fill with finfo.min, softmax in
    float32 (a Cast)."""

    def __init__(self, layers=2):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, WIDTH)
        self.ln_emb = nn.LayerNorm(WIDTH)
        self.register_buffer("slopes", alibi_slopes(HEADS))
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(WIDTH), qkv=nn.Linear(WIDTH, 3 * WIDTH),
            dense=nn.Linear(WIDTH, WIDTH), ln2=nn.LayerNorm(WIDTH),
            up=nn.Linear(WIDTH, 4 * WIDTH), down=nn.Linear(4 * WIDTH, WIDTH)))
            for _ in range(layers))
        self.ln_f = nn.LayerNorm(WIDTH)
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def attention(self, block, h, alibi, causal):
        b, t, _ = h.shape
        fused = block["qkv"](h).view(b, t, HEADS, 3, DIM)
        q = fused[..., 0, :].transpose(1, 2).reshape(b * HEADS, t, DIM)
        k = fused[..., 1, :].permute(0, 2, 3, 1).reshape(b * HEADS, DIM, t)
        v = fused[..., 2, :].transpose(1, 2).reshape(b * HEADS, t, DIM)
        scores = alibi.baddbmm(batch1=q, batch2=k, beta=1.0, alpha=1.0 / math.sqrt(DIM))
        scores = scores.view(b, HEADS, t, t).masked_fill(causal, torch.finfo(h.dtype).min)
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(h.dtype)
        y = torch.bmm(probs.view(b * HEADS, t, t), v).view(b, HEADS, t, DIM)
        return block["dense"](y.permute(0, 2, 1, 3).reshape(b, t, WIDTH))

    def forward(self, input_ids):
        b, t = input_ids.shape
        attention_mask = torch.ones(b, t)
        positions = ((attention_mask.cumsum(dim=-1) - 1) * attention_mask)[:, None, :]
        alibi = (self.slopes[..., None] * positions).reshape(b * HEADS, 1, t)
        causal = ~torch.ones(t, t, dtype=torch.bool).tril()[None, None]
        x = self.ln_emb(self.word_embeddings(input_ids))
        for block in self.blocks:
            x = x + self.attention(block, block["ln1"](x), alibi, causal)
            h = block["ln2"](x)
            x = x + block["down"](F.gelu(block["up"](h), approximate="tanh"))
        return self.lm_head(self.ln_f(x))


class Opt(nn.Module):
    """OPT: learned positions at an offset of 2 from an all-ones attention mask's cumsum,
    q scaled before the product, bmm on (batch x heads, tokens, dim), an additive causal
    mask of finfo.min, ReLU; pre-LayerNorm (125m) or post-LayerNorm (350m)."""

    def __init__(self, pre_norm=True, layers=2):
        super().__init__()
        self.pre_norm = pre_norm
        self.embed_tokens = nn.Embedding(VOCAB, WIDTH)
        self.embed_positions = nn.Embedding(CONTEXT + 2, WIDTH)
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(WIDTH), q=nn.Linear(WIDTH, WIDTH), k=nn.Linear(WIDTH, WIDTH),
            v=nn.Linear(WIDTH, WIDTH), out=nn.Linear(WIDTH, WIDTH), ln2=nn.LayerNorm(WIDTH),
            fc1=nn.Linear(WIDTH, 4 * WIDTH), fc2=nn.Linear(4 * WIDTH, WIDTH)))
            for _ in range(layers))
        self.final_ln = nn.LayerNorm(WIDTH) if pre_norm else None
        self.lm_head = nn.Linear(WIDTH, VOCAB, bias=False)

    def attention(self, block, h, mask):
        b, t, _ = h.shape
        q = block["q"](h) * DIM ** -0.5

        def heads(z):
            return z.view(b, t, HEADS, DIM).transpose(1, 2).reshape(b * HEADS, t, DIM)
        q, k, v = heads(q), heads(block["k"](h)), heads(block["v"](h))
        scores = torch.bmm(q, k.transpose(1, 2)).view(b, HEADS, t, t) + mask
        scores = torch.max(scores, torch.tensor(torch.finfo(scores.dtype).min))
        probs = F.softmax(scores.view(b * HEADS, t, t), dim=-1)
        y = torch.bmm(probs, v).view(b, HEADS, t, DIM).transpose(1, 2)
        return block["out"](y.reshape(b, t, WIDTH))

    def forward(self, input_ids):
        b, t = input_ids.shape
        attention_mask = torch.ones(b, t, dtype=torch.long)
        positions = (torch.cumsum(attention_mask, dim=1) * attention_mask).long() - 1
        x = self.embed_tokens(input_ids) + self.embed_positions(positions + 2)
        mask = torch.full((t, t), torch.finfo(torch.float32).min)
        cond = torch.arange(t)
        mask = mask.masked_fill(cond < (cond + 1).view(t, 1), 0.0)[None, None]
        for block in self.blocks:
            a = x
            if self.pre_norm:
                x = a + self.attention(block, block["ln1"](a), mask)
            else:
                x = block["ln1"](a + self.attention(block, a, mask))
            h = block["ln2"](x) if self.pre_norm else x
            y = x + block["fc2"](F.relu(block["fc1"](h)))
            x = y if self.pre_norm else block["ln2"](y)
        if self.final_ln is not None:
            x = self.final_ln(x)
        return self.lm_head(x)


class OptCached(nn.Module):
    """One step of a pre-LayerNorm OPT model over its KV cache, as OPTAttention runs with
    past_key_value: positions from the cumsum of an all-ones mask over past + tokens, k and
    v appended to the (batch, heads, past, dim) cache, bmm over (batch x heads) rows."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, *past):
        m, (b, t) = self.model, input_ids.shape
        start = past[0].shape[2]
        attention_mask = torch.ones(b, start + t, dtype=torch.long)
        positions = (torch.cumsum(attention_mask, dim=1) * attention_mask).long() - 1
        x = m.embed_tokens(input_ids) + m.embed_positions(positions[:, start:] + 2)
        presents = []
        for i, block in enumerate(m.blocks):
            h = block["ln1"](x)

            def heads(z):
                return z.view(b, t, HEADS, DIM).transpose(1, 2)
            k = torch.cat((past[2 * i], heads(block["k"](h))), dim=2)
            v = torch.cat((past[2 * i + 1], heads(block["v"](h))), dim=2)
            presents += [k, v]
            n = k.shape[2]
            q = heads(block["q"](h) * DIM ** -0.5).reshape(b * HEADS, t, DIM)
            scores = torch.bmm(q, k.reshape(b * HEADS, n, DIM).transpose(1, 2))
            scores = torch.max(scores.view(b, HEADS, t, n),
                               torch.tensor(torch.finfo(scores.dtype).min))
            probs = F.softmax(scores.view(b * HEADS, t, n), dim=-1)
            y = torch.bmm(probs, v.reshape(b * HEADS, n, DIM)).view(b, HEADS, t, DIM)
            x = x + block["out"](y.transpose(1, 2).reshape(b, t, WIDTH))
            x = x + block["fc2"](F.relu(block["fc1"](block["ln2"](x))))
        return (m.lm_head(m.final_ln(x)), *presents)


class Phi(nn.Module):
    """Phi-2: partial rotary (the first 40 % of each head: 4 of 10), q/k/v/dense with bias,
    a parallel block on one LayerNorm with a tanh-GELU fc1/fc2 MLP, a lm_head with bias."""

    def __init__(self, layers=2, heads=4, dim=10):
        super().__init__()
        width = heads * dim
        self.heads, self.dim, self.width = heads, dim, width
        self.rot = int(dim * 0.4)
        self.embed = nn.Embedding(VOCAB, width)
        self.rotary = NeoXRotary(self.rot)
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln=nn.LayerNorm(width), q=nn.Linear(width, width), k=nn.Linear(width, width),
            v=nn.Linear(width, width), dense=nn.Linear(width, width),
            fc1=nn.Linear(width, 4 * width), fc2=nn.Linear(4 * width, width)))
            for _ in range(layers))
        self.final_ln = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, VOCAB)

    def attention(self, block, h, mask):
        b, t, _ = h.shape
        q, k, v = (block[n](h).view(b, t, self.heads, self.dim).transpose(1, 2)
                   for n in ("q", "k", "v"))
        cos, sin = self.rotary(t)
        cos, sin = cos[0, 0], sin[0, 0]
        rotated = []
        for z in (q, k):
            z_rot, z_pass = z[..., :self.rot], z[..., self.rot:]
            rotated.append(torch.cat((z_rot * cos + rotate_half(z_rot) * sin, z_pass), -1))
        q, k = rotated
        scores = torch.matmul(q.to(torch.float32), k.to(torch.float32).transpose(2, 3))
        scores = scores / math.sqrt(self.dim) + mask
        probs = F.softmax(scores, dim=-1, dtype=v.dtype)
        y = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, self.width)
        return block["dense"](y)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        x = self.embed(input_ids)
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)[None, None]
        for block in self.blocks:
            h = block["ln"](x)
            mlp = block["fc2"](F.gelu(block["fc1"](h), approximate="tanh"))
            x = x + self.attention(block, h, mask) + mlp
        return self.lm_head(self.final_ln(x))


class BartAttention(nn.Module):
    """BART/Whisper attention: q scaled by d^-1/2 after the projection, (batch x heads)
    bmm, optional additive mask."""

    def __init__(self, k_bias=True):
        super().__init__()
        self.q, self.v, self.out = (nn.Linear(WIDTH, WIDTH) for _ in range(3))
        self.k = nn.Linear(WIDTH, WIDTH, bias=k_bias)  # Whisper's k has no bias

    def forward(self, x, source, mask=None):
        b, t, _ = x.shape
        s = source.shape[1]
        q = (self.q(x) * DIM ** -0.5).view(b, t, HEADS, DIM).transpose(1, 2)
        k = self.k(source).view(b, s, HEADS, DIM).transpose(1, 2)
        v = self.v(source).view(b, s, HEADS, DIM).transpose(1, 2)
        q, k, v = (z.reshape(b * HEADS, -1, DIM) for z in (q, k, v))
        scores = torch.bmm(q, k.transpose(1, 2))
        if mask is not None:
            scores = (scores.view(b, HEADS, t, s) + mask).view(b * HEADS, t, s)
        y = torch.bmm(F.softmax(scores, dim=-1), v).view(b, HEADS, t, DIM)
        return self.out(y.transpose(1, 2).reshape(b, t, WIDTH))


class Seq2SeqDecoder(nn.Module):
    """A Whisper/BART-like decoder: token and learned position embeddings, pre-LN causal
    self-attention, cross-attention over the encoder's hidden states (a graph input),
    GELU MLP, the lm_head tied to the token embedding."""

    def __init__(self, layers=2):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, WIDTH)
        self.embed_positions = nn.Embedding(CONTEXT, WIDTH)
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(WIDTH), self_attn=BartAttention(False), ln2=nn.LayerNorm(WIDTH),
            cross=BartAttention(False), ln3=nn.LayerNorm(WIDTH),
            fc1=nn.Linear(WIDTH, 4 * WIDTH), fc2=nn.Linear(4 * WIDTH, WIDTH)))
            for _ in range(layers))
        self.ln = nn.LayerNorm(WIDTH)

    def forward(self, input_ids, encoder_hidden_states):
        t = input_ids.shape[1]
        x = self.embed_tokens(input_ids) + self.embed_positions(torch.arange(t))
        mask = torch.full((t, t), float("-inf")).triu(1)[None, None]
        for block in self.blocks:
            h = block["ln1"](x)
            x = x + block["self_attn"](h, h, mask)
            x = x + block["cross"](block["ln2"](x), encoder_hidden_states)
            x = x + block["fc2"](F.gelu(block["fc1"](block["ln3"](x))))
        return self.ln(x) @ self.embed_tokens.weight.t()


class Bert(nn.Module):
    """BERT (token types, absolute positions) or RoBERTa (positions from the ids' padding,
    offset by padding_idx + 1): embeddings LayerNorm, post-LN non-causal encoder layers with
    an extended attention mask made from an all-ones mask ((1 - mask) * finfo.min), a
    pooler (tanh of the first token) and a classifier."""

    def __init__(self, roberta=False, layers=2, pad=1):
        super().__init__()
        self.roberta, self.pad = roberta, pad
        self.word = nn.Embedding(VOCAB, WIDTH, padding_idx=pad if roberta else None)
        self.position = nn.Embedding(CONTEXT + pad + 1, WIDTH)
        self.token_type = nn.Embedding(2 if not roberta else 1, WIDTH)
        self.ln = nn.LayerNorm(WIDTH, eps=1e-12)
        self.blocks = nn.ModuleList(nn.ModuleDict(dict(
            q=nn.Linear(WIDTH, WIDTH), k=nn.Linear(WIDTH, WIDTH), v=nn.Linear(WIDTH, WIDTH),
            out=nn.Linear(WIDTH, WIDTH), ln1=nn.LayerNorm(WIDTH, eps=1e-12),
            up=nn.Linear(WIDTH, 4 * WIDTH), down=nn.Linear(4 * WIDTH, WIDTH),
            ln2=nn.LayerNorm(WIDTH, eps=1e-12))) for _ in range(layers))
        self.pooler = nn.Linear(WIDTH, WIDTH)
        self.classifier = nn.Linear(WIDTH, 3)

    def attention(self, block, x, extended):
        b, t, _ = x.shape

        def heads(z):
            return z.view(b, t, HEADS, DIM).permute(0, 2, 1, 3)
        q, k, v = heads(block["q"](x)), heads(block["k"](x)), heads(block["v"](x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(DIM) + extended
        y = torch.matmul(nn.functional.softmax(scores, dim=-1), v)
        return block["out"](y.permute(0, 2, 1, 3).contiguous().view(b, t, WIDTH))

    def forward(self, input_ids, token_type_ids=None):
        b, t = input_ids.shape
        if self.roberta:
            mask = input_ids.ne(self.pad).int()
            positions = (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + self.pad
            types = torch.zeros_like(input_ids)
        else:
            positions = torch.arange(t).expand(b, t)
            types = token_type_ids
        x = self.word(input_ids) + self.position(positions) + self.token_type(types)
        x = self.ln(x)
        attention_mask = torch.ones(b, t)
        extended = (1.0 - attention_mask[:, None, None, :]) * torch.finfo(torch.float32).min
        for block in self.blocks:
            x = block["ln1"](x + self.attention(block, x, extended))
            x = block["ln2"](x + block["down"](F.gelu(block["up"](x))))
        return self.classifier(torch.tanh(self.pooler(x[:, 0])))


class ViT(nn.Module):
    """ViT: patch embedding by a strided Conv2d (`conv`) or by reshape/permute and a Linear
    (as some hand-written ViTs do), a class token, learned positions, pre-LN non-causal
    encoder layers, a head on the class token."""

    def __init__(self, conv=True, image=8, patch=4, channels=3, layers=2):
        super().__init__()
        self.conv, self.patch, self.channels = conv, patch, channels
        patches = (image // patch) ** 2
        if conv:
            self.embed = nn.Conv2d(channels, WIDTH, patch, stride=patch)
        else:
            self.embed = nn.Linear(channels * patch * patch, WIDTH)
        self.cls = nn.Parameter(torch.randn(1, 1, WIDTH))
        self.pos = nn.Parameter(torch.randn(1, patches + 1, WIDTH))
        layer = nn.TransformerEncoderLayer(WIDTH, HEADS, 4 * WIDTH, dropout=0.0,
                                           activation="gelu", batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(WIDTH, 5)

    def forward(self, pixels):
        b, c, hgt, wid = pixels.shape
        p = self.patch
        if self.conv:
            x = self.embed(pixels).flatten(2).transpose(1, 2)
        else:
            x = pixels.reshape(b, c, hgt // p, p, wid // p, p).permute(0, 2, 4, 1, 3, 5)
            x = self.embed(x.reshape(b, (hgt // p) * (wid // p), c * p * p))
        x = torch.cat((self.cls.expand(b, -1, -1), x), dim=1) + self.pos
        return self.head(self.encoder(x)[:, 0])
