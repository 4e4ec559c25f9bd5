"""archmodels4.py: tiny torch models written the way the Hugging Face implementations of
the encoders, encoder-decoders, speech and vision models deployed beside LLMs write them
(Whisper, wav2vec2/HuBERT, CLIP's text and vision towers, ALBERT, RoBERTa/XLM-R, ELECTRA,
BART/Marian, DeBERTa-v2), for user-exports-4.py. The structure of each forward pass follows the HF
code (module by module); sizes are tiny (archmodels.py's width 32, 4 heads of 8) and the
weights random, so that each exports, compiles and builds in a second or two."""
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from archmodels import CONTEXT, DIM, HEADS, VOCAB, WIDTH

MIN = torch.finfo(torch.float32).min


class HfAttention(nn.Module):
    """BartAttention / WhisperAttention / Wav2Vec2Attention: q scaled by d^-1/2 after its
    projection, heads as (batch x heads) rows for bmm, an optional additive mask viewed as
    (batch, heads, t, s); keys and values from `source` (cross-attention) or from x."""

    def __init__(self, k_bias=True):
        super().__init__()
        self.q_proj, self.v_proj, self.out_proj = (nn.Linear(WIDTH, WIDTH) for _ in range(3))
        self.k_proj = nn.Linear(WIDTH, WIDTH, bias=k_bias)

    def shape(self, z, b):
        return z.view(b, -1, HEADS, DIM).transpose(1, 2).contiguous()

    def forward(self, x, source=None, mask=None):
        b, t, _ = x.shape
        source = x if source is None else source
        q = self.shape(self.q_proj(x) * DIM ** -0.5, b).view(b * HEADS, -1, DIM)
        k = self.shape(self.k_proj(source), b).view(b * HEADS, -1, DIM)
        v = self.shape(self.v_proj(source), b).view(b * HEADS, -1, DIM)
        s = k.shape[1]
        scores = torch.bmm(q, k.transpose(1, 2))
        if mask is not None:
            scores = (scores.view(b, HEADS, t, s) + mask).view(b * HEADS, t, s)
        y = torch.bmm(F.softmax(scores, dim=-1), v)
        y = y.view(b, HEADS, t, DIM).transpose(1, 2).reshape(b, t, WIDTH)
        return self.out_proj(y)


def causal_4d(b, t):
    """HF's _make_causal_mask: finfo.min above the diagonal, expanded to (b, 1, t, t)."""
    mask = torch.full((t, t), MIN)
    cond = torch.arange(t)
    mask.masked_fill_(cond < (cond + 1).view(t, 1), 0.0)
    return mask[None, None].expand(b, 1, t, t)


def expand_padding(mask, t):
    """HF's _expand_mask: (b, s) ones/zeros -> (b, 1, t, s) of 0 / finfo.min."""
    b, s = mask.shape
    inverted = 1.0 - mask[:, None, None, :].expand(b, 1, t, s).to(torch.float32)
    return inverted.masked_fill(inverted.to(torch.bool), MIN)


class EncoderLayer(nn.Module):
    """BART/Whisper/wav2vec2 encoder layer: pre-LN (`pre`) or post-LN."""

    def __init__(self, pre=True, act=F.gelu):
        super().__init__()
        self.pre, self.act = pre, act
        self.self_attn = HfAttention(k_bias=not pre)
        self.self_attn_layer_norm = nn.LayerNorm(WIDTH)
        self.fc1, self.fc2 = nn.Linear(WIDTH, 4 * WIDTH), nn.Linear(4 * WIDTH, WIDTH)
        self.final_layer_norm = nn.LayerNorm(WIDTH)

    def forward(self, x, mask=None):
        if self.pre:
            x = x + self.self_attn(self.self_attn_layer_norm(x), mask=mask)
            return x + self.fc2(self.act(self.fc1(self.final_layer_norm(x))))
        x = self.self_attn_layer_norm(x + self.self_attn(x, mask=mask))
        return self.final_layer_norm(x + self.fc2(self.act(self.fc1(x))))


class DecoderLayer(nn.Module):
    """BART/Whisper decoder layer: causal self-attention, cross-attention, MLP."""

    def __init__(self, pre=True):
        super().__init__()
        self.pre = pre
        self.self_attn, self.encoder_attn = HfAttention(not pre), HfAttention(not pre)
        self.self_attn_layer_norm = nn.LayerNorm(WIDTH)
        self.encoder_attn_layer_norm = nn.LayerNorm(WIDTH)
        self.fc1, self.fc2 = nn.Linear(WIDTH, 4 * WIDTH), nn.Linear(4 * WIDTH, WIDTH)
        self.final_layer_norm = nn.LayerNorm(WIDTH)

    def forward(self, x, states, mask, cross_mask=None):
        if self.pre:
            x = x + self.self_attn(self.self_attn_layer_norm(x), mask=mask)
            x = x + self.encoder_attn(self.encoder_attn_layer_norm(x), states, cross_mask)
            return x + self.fc2(F.gelu(self.fc1(self.final_layer_norm(x))))
        x = self.self_attn_layer_norm(x + self.self_attn(x, mask=mask))
        x = self.encoder_attn_layer_norm(x + self.encoder_attn(x, states, cross_mask))
        return self.final_layer_norm(x + self.fc2(F.gelu(self.fc1(x))))


def sinusoids(length, channels, max_timescale=10000):
    """Whisper's encoder position table."""
    increment = np.log(max_timescale) / (channels // 2 - 1)
    inv = torch.exp(-increment * torch.arange(channels // 2))
    scaled = torch.arange(length)[:, None] * inv[None, :]
    return torch.cat([torch.sin(scaled), torch.cos(scaled)], dim=1)


MELS, FRAMES = 8, 16  # Whisper's 80 x 3000 log-mel input, tiny: 8 encoder positions


class WhisperEncoder(nn.Module):
    """conv1 (kernel 3, padding 1) and conv2 (stride 2) with GELU, the sinusoidal table,
    pre-LN layers without a mask, a final LayerNorm."""

    def __init__(self, layers=2):
        super().__init__()
        self.conv1 = nn.Conv1d(MELS, WIDTH, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(WIDTH, WIDTH, kernel_size=3, stride=2, padding=1)
        self.register_buffer("embed_positions", sinusoids(FRAMES // 2, WIDTH))
        self.layers = nn.ModuleList(EncoderLayer() for _ in range(layers))
        self.layer_norm = nn.LayerNorm(WIDTH)

    def forward(self, input_features):
        x = F.gelu(self.conv1(input_features))
        x = F.gelu(self.conv2(x)).permute(0, 2, 1)
        x = x + self.embed_positions
        for layer in self.layers:
            x = layer(x)
        return self.layer_norm(x)


class WhisperDecoder(nn.Module):
    """Token and learned positions, pre-LN causal self-attention and cross-attention, the
    logits by the tied token embedding."""

    def __init__(self, layers=2):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, WIDTH)
        self.embed_positions = nn.Embedding(CONTEXT, WIDTH)
        self.layers = nn.ModuleList(DecoderLayer() for _ in range(layers))
        self.layer_norm = nn.LayerNorm(WIDTH)

    def forward(self, input_ids, encoder_hidden_states):
        b, t = input_ids.shape
        x = self.embed_tokens(input_ids) + self.embed_positions.weight[:t]
        mask = causal_4d(b, t)
        for layer in self.layers:
            x = layer(x, encoder_hidden_states, mask)
        return self.layer_norm(x) @ self.embed_tokens.weight.t()


class Whisper(nn.Module):
    """WhisperForConditionalGeneration: the encoder over the features, the decoder over
    the ids (one graph, as optimum's merged export without a cache)."""

    def __init__(self):
        super().__init__()
        self.encoder, self.decoder = WhisperEncoder(), WhisperDecoder()

    def forward(self, input_features, decoder_input_ids):
        return self.decoder(decoder_input_ids, self.encoder(input_features))


SAMPLES = 400  # raw audio samples, tiny


class Wav2Vec2(nn.Module):
    """Wav2Vec2/HuBERT base: the conv feature extractor (first layer with GroupNorm of one
    group per channel, GELU), the feature projection (LayerNorm, Linear), the positional
    convolution (grouped Conv1d with padding, weight norm, SamePad dropping the last
    frame for an even kernel, GELU), a LayerNorm, post-LN encoder layers, a CTC head."""

    def __init__(self, layers=2, pos_kernel=8, pos_groups=4, conv=((10, 5), (3, 2), (2, 2))):
        super().__init__()
        channels = 16
        self.convs = nn.ModuleList(nn.Conv1d(1 if i == 0 else channels, channels, k, stride=s,
                                             bias=False) for i, (k, s) in enumerate(conv))
        self.group_norm = nn.GroupNorm(channels, channels, affine=True)
        self.projection_norm = nn.LayerNorm(channels)
        self.projection = nn.Linear(channels, WIDTH)
        pos = nn.Conv1d(WIDTH, WIDTH, pos_kernel, padding=pos_kernel // 2, groups=pos_groups)
        self.pos_conv = nn.utils.weight_norm(pos, name="weight", dim=2)
        self.remove = 1 if pos_kernel % 2 == 0 else 0
        self.layer_norm = nn.LayerNorm(WIDTH)
        self.layers = nn.ModuleList(EncoderLayer(pre=False) for _ in range(layers))
        self.lm_head = nn.Linear(WIDTH, VOCAB)

    def forward(self, input_values):
        x = input_values[:, None]
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i == 0:
                x = self.group_norm(x)
            x = F.gelu(x)
        x = self.projection(self.projection_norm(x.transpose(1, 2)))
        pos = self.pos_conv(x.transpose(1, 2))
        if self.remove:
            pos = pos[:, :, :-self.remove]
        x = self.layer_norm(x + F.gelu(pos).transpose(1, 2))
        for layer in self.layers:
            x = layer(x)
        return self.lm_head(x)


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class ClipLayer(nn.Module):
    """CLIPEncoderLayer: pre-LN, CLIPAttention (q scaled, bmm rows, causal and padding
    masks added in turn), QuickGELU MLP."""

    def __init__(self):
        super().__init__()
        self.self_attn = HfAttention()
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.fc1, self.fc2 = nn.Linear(WIDTH, 4 * WIDTH), nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, x, mask=None):
        x = x + self.self_attn(self.layer_norm1(x), mask=mask)
        return x + self.fc2(quick_gelu(self.fc1(self.layer_norm2(x))))


class ClipText(nn.Module):
    """CLIPTextTransformer + text_projection: token and position embeddings, the causal
    mask, pooled at the end-of-text token (ArgMax of the ids, as HF's
    `input_ids.argmax(dim=-1)` for the original vocabulary) or, `eos_first=False`, at the
    last position."""

    def __init__(self, layers=2, argmax_pool=True):
        super().__init__()
        self.argmax_pool = argmax_pool
        self.token_embedding = nn.Embedding(VOCAB, WIDTH)
        self.position_embedding = nn.Embedding(CONTEXT, WIDTH)
        self.register_buffer("position_ids", torch.arange(CONTEXT)[None])
        self.layers = nn.ModuleList(ClipLayer() for _ in range(layers))
        self.final_layer_norm = nn.LayerNorm(WIDTH)
        self.text_projection = nn.Linear(WIDTH, 16, bias=False)

    def forward(self, input_ids):
        b, t = input_ids.shape
        x = self.token_embedding(input_ids) + self.position_embedding(self.position_ids[:, :t])
        mask = causal_4d(b, t)
        for layer in self.layers:
            x = layer(x, mask)
        x = self.final_layer_norm(x)
        if self.argmax_pool:
            pooled = x[torch.arange(b), input_ids.to(torch.int).argmax(dim=-1)]
        else:
            pooled = x[:, -1]
        return self.text_projection(pooled)


class ClipVision(nn.Module):
    """CLIPVisionTransformer + visual_projection: a Conv2d patch embedding without bias,
    the class embedding, learned positions, pre_layrnorm (sic), layers, the class token's
    post_layernorm."""

    def __init__(self, layers=2, image=8, patch=4):
        super().__init__()
        self.patch_embedding = nn.Conv2d(3, WIDTH, patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(WIDTH))
        patches = (image // patch) ** 2
        self.position_embedding = nn.Embedding(patches + 1, WIDTH)
        self.register_buffer("position_ids", torch.arange(patches + 1)[None])
        self.pre_layrnorm = nn.LayerNorm(WIDTH)
        self.layers = nn.ModuleList(ClipLayer() for _ in range(layers))
        self.post_layernorm = nn.LayerNorm(WIDTH)
        self.visual_projection = nn.Linear(WIDTH, 16, bias=False)

    def forward(self, pixel_values):
        b = pixel_values.shape[0]
        x = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(b, 1, -1), x], dim=1)
        x = self.pre_layrnorm(x + self.position_embedding(self.position_ids))
        for layer in self.layers:
            x = layer(x)
        return self.visual_projection(self.post_layernorm(x[:, 0, :]))


class BertLayer(nn.Module):
    """BertLayer as ALBERT, RoBERTa and ELECTRA share it: q/k/v, scores / sqrt(d) plus the
    extended mask, post-LN, GELU intermediate."""

    def __init__(self):
        super().__init__()
        self.query, self.key, self.value, self.dense = (nn.Linear(WIDTH, WIDTH)
                                                        for _ in range(4))
        self.attention_norm = nn.LayerNorm(WIDTH, eps=1e-12)
        self.intermediate, self.output = nn.Linear(WIDTH, 4 * WIDTH), nn.Linear(4 * WIDTH, WIDTH)
        self.output_norm = nn.LayerNorm(WIDTH, eps=1e-12)

    def heads(self, z):
        b, t, _ = z.shape
        return z.view(b, t, HEADS, DIM).permute(0, 2, 1, 3)

    def forward(self, x, extended):
        b, t, _ = x.shape
        q, k, v = self.heads(self.query(x)), self.heads(self.key(x)), self.heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(DIM) + extended
        y = torch.matmul(F.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous()
        x = self.attention_norm(x + self.dense(y.view(b, t, WIDTH)))
        return self.output_norm(x + self.output(F.gelu(self.intermediate(x))))


def extended_mask(attention_mask):
    """get_extended_attention_mask: (1 - mask)[:, None, None, :] * finfo.min."""
    return (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * MIN


class Albert(nn.Module):
    """ALBERT: factorized embeddings (vocabulary x 16, then a Linear up to the width), one
    layer's weights shared by all `layers`, a tanh pooler over the first token."""

    def __init__(self, layers=3, embedding=16):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, embedding)
        self.position_embeddings = nn.Embedding(CONTEXT, embedding)
        self.token_type_embeddings = nn.Embedding(2, embedding)
        self.norm = nn.LayerNorm(embedding, eps=1e-12)
        self.embedding_hidden_mapping_in = nn.Linear(embedding, WIDTH)
        self.shared = BertLayer()
        self.count = layers
        self.pooler = nn.Linear(WIDTH, WIDTH)

    def forward(self, input_ids, attention_mask, token_type_ids):
        t = input_ids.shape[1]
        x = (self.word_embeddings(input_ids) + self.position_embeddings(torch.arange(t)[None])
             + self.token_type_embeddings(token_type_ids))
        x = self.embedding_hidden_mapping_in(self.norm(x))
        extended = extended_mask(attention_mask)
        for _ in range(self.count):
            x = self.shared(x, extended)
        return x, torch.tanh(self.pooler(x[:, 0]))


def roberta_positions(input_ids, padding_idx):
    """create_position_ids_from_input_ids: a CumSum of the non-padding mask."""
    mask = input_ids.ne(padding_idx).int()
    return (torch.cumsum(mask, dim=1).type_as(mask) * mask).long() + padding_idx


class Roberta(nn.Module):
    """RoBERTa / XLM-R (or ELECTRA, `electra`: absolute positions, an embedding width
    below the hidden width projected up, the discriminator head per token)."""

    def __init__(self, layers=2, electra=False, pad=1):
        super().__init__()
        self.electra, self.pad = electra, pad
        embedding = 16 if electra else WIDTH
        self.word_embeddings = nn.Embedding(VOCAB, embedding, padding_idx=pad)
        self.position_embeddings = nn.Embedding(CONTEXT + pad + 1, embedding)
        self.token_type_embeddings = nn.Embedding(1 if not electra else 2, embedding)
        self.norm = nn.LayerNorm(embedding, eps=1e-12)
        self.project = nn.Linear(embedding, WIDTH) if electra else nn.Identity()
        self.layers = nn.ModuleList(BertLayer() for _ in range(layers))
        self.dense = nn.Linear(WIDTH, WIDTH)
        self.head = nn.Linear(WIDTH, 1 if electra else 3)

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        if self.electra:
            positions = torch.arange(t)[None]
        else:
            positions = roberta_positions(input_ids, self.pad)
        types = torch.zeros_like(input_ids)
        x = (self.word_embeddings(input_ids) + self.position_embeddings(positions)
             + self.token_type_embeddings(types))
        x = self.project(self.norm(x))
        extended = extended_mask(attention_mask)
        for layer in self.layers:
            x = layer(x, extended)
        if self.electra:  # ElectraDiscriminatorPredictions: a logit per token
            return self.head(F.gelu(self.dense(x))).squeeze(-1)
        return self.head(torch.tanh(self.dense(x[:, 0])))  # RobertaClassificationHead


class Bart(nn.Module):
    """BART / Marian: shared token embeddings (scaled by sqrt(width) for Marian, `marian`),
    learned positions offset by 2 (BART) or sinusoidal ones (Marian), post-LN layers, the
    encoder's padding mask on both its self-attention and the decoder's cross-attention,
    the decoder causal; logits by the tied embedding plus final_logits_bias."""

    def __init__(self, layers=2, marian=False):
        super().__init__()
        self.marian = marian
        self.shared = nn.Embedding(VOCAB, WIDTH, padding_idx=1)
        self.scale = math.sqrt(WIDTH) if marian else 1.0
        if marian:
            self.register_buffer("positions", sinusoids(CONTEXT, WIDTH))
        else:
            self.encoder_positions = nn.Embedding(CONTEXT + 2, WIDTH)
            self.decoder_positions = nn.Embedding(CONTEXT + 2, WIDTH)
            self.encoder_norm, self.decoder_norm = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.encoder = nn.ModuleList(EncoderLayer(pre=False) for _ in range(layers))
        self.decoder = nn.ModuleList(DecoderLayer(pre=False) for _ in range(layers))
        self.register_buffer("final_logits_bias", torch.randn(1, VOCAB))

    def embed(self, ids, which):
        t = ids.shape[1]
        x = self.shared(ids) * self.scale
        if self.marian:
            return x + self.positions[:t]
        table = self.encoder_positions if which == 0 else self.decoder_positions
        x = x + table(torch.arange(t)[None] + 2)
        return (self.encoder_norm if which == 0 else self.decoder_norm)(x)

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        states = self.embed(input_ids, 0)
        mask = expand_padding(attention_mask, input_ids.shape[1])
        for layer in self.encoder:
            states = layer(states, mask)
        b, t = decoder_input_ids.shape
        x = self.embed(decoder_input_ids, 1)
        causal, cross = causal_4d(b, t), expand_padding(attention_mask, t)
        for layer in self.decoder:
            x = layer(x, states, causal, cross)
        return x @ self.shared.weight.t() + self.final_logits_bias


class XSoftmax(torch.autograd.Function):
    """DeBERTa's masked softmax with its own ONNX symbolic (as HF's XSoftmax): masked_fill
    of finfo.min where the mask is 0, softmax, masked_fill of 0."""

    @staticmethod
    def forward(ctx, scores, mask, dim):
        rmask = ~(mask.to(torch.bool))
        probs = torch.softmax(scores.masked_fill(rmask, MIN), dim)
        return probs.masked_fill(rmask, 0)

    @staticmethod
    def symbolic(g, scores, mask, dim):
        from torch.onnx import symbolic_helper, symbolic_opset9 as opset9
        cast = g.op("Cast", mask, to_i=symbolic_helper.cast_pytorch_to_onnx["Long"])
        rmask = g.op("Cast", g.op("Sub", g.op("Constant", value_t=torch.tensor(1)), cast),
                     to_i=symbolic_helper.cast_pytorch_to_onnx["Bool"])
        out = opset9.masked_fill(g, scores, rmask, g.op("Constant", value_t=torch.tensor(MIN)))
        out = opset9.softmax(g, out, dim)
        return opset9.masked_fill(g, out, rmask,
                                  g.op("Constant", value_t=torch.tensor(0, dtype=torch.bool)))


def log_bucket_position(relative, buckets, max_position):
    """DeBERTa-v2's make_log_bucket_position."""
    sign = torch.sign(relative)
    mid = buckets // 2
    abs_pos = torch.where((relative < mid) & (relative > -mid), torch.tensor(mid - 1).type_as(
        relative), torch.abs(relative))
    log_pos = torch.ceil(torch.log(abs_pos / mid) / torch.log(torch.tensor(
        (max_position - 1) / mid)) * (mid - 1)) + mid
    return torch.where(abs_pos <= mid, relative.type_as(log_pos), log_pos * sign)


class DebertaV2(nn.Module):
    """DeBERTa-v2/v3: disentangled attention (content-to-position and position-to-content
    terms gathered from relative-position buckets, keys and queries of the shared relative
    embeddings, scores scaled by sqrt(3 d)), XSoftmax with a (b, 1, t, t) mask made from
    attention_mask, post-LN layers."""

    def __init__(self, layers=2, buckets=4, max_position=16):
        super().__init__()
        self.span, self.buckets, self.max_position = buckets, buckets, max_position
        self.word_embeddings = nn.Embedding(VOCAB, WIDTH)
        self.norm = nn.LayerNorm(WIDTH, eps=1e-7)
        self.rel_embeddings = nn.Embedding(2 * buckets, WIDTH)
        self.rel_norm = nn.LayerNorm(WIDTH, eps=1e-7)
        self.layers = nn.ModuleList(BertLayer() for _ in range(layers))
        self.head = nn.Linear(WIDTH, 3)

    def heads(self, z):
        b, t, _ = z.shape
        return z.view(b, t, HEADS, DIM).permute(0, 2, 1, 3).contiguous().view(-1, t, DIM)

    def attention(self, layer, x, mask, relative, rel):
        b, t, _ = x.shape
        q, k, v = self.heads(layer.query(x)), self.heads(layer.key(x)), self.heads(layer.value(x))
        scale = math.sqrt(DIM * 3)
        scores = torch.bmm(q, k.transpose(-1, -2) / scale)
        pos_q = self.heads(layer.query(rel)).repeat(b, 1, 1)
        pos_k = self.heads(layer.key(rel)).repeat(b, 1, 1)
        c2p_pos = torch.clamp(relative + self.span, 0, 2 * self.span - 1)
        c2p = torch.gather(torch.bmm(q, pos_k.transpose(-1, -2)), -1,
                           c2p_pos.expand(b * HEADS, t, t))
        p2c_pos = torch.clamp(-relative + self.span, 0, 2 * self.span - 1)
        p2c = torch.gather(torch.bmm(k, pos_q.transpose(-1, -2)), -1,
                           p2c_pos.expand(b * HEADS, t, t)).transpose(-1, -2)
        scores = (scores + c2p / scale + p2c / scale).view(-1, HEADS, t, t)
        probs = XSoftmax.apply(scores, mask, -1)
        y = torch.bmm(probs.view(-1, t, t), v).view(-1, HEADS, t, DIM).permute(0, 2, 1, 3)
        x = layer.attention_norm(x + layer.dense(y.reshape(b, t, WIDTH)))
        return layer.output_norm(x + layer.output(F.gelu(layer.intermediate(x))))

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        x = self.norm(self.word_embeddings(input_ids)) * attention_mask[..., None]
        ids = torch.arange(t)
        relative = log_bucket_position(ids[:, None] - ids[None, :], self.buckets,
                                       self.max_position).long()[None]
        rel = self.rel_norm(self.rel_embeddings.weight)[None]
        extended = attention_mask[:, None, None, :]
        mask = extended * extended.squeeze(-2).unsqueeze(-1)
        for layer in self.layers:
            x = self.attention(layer, x, mask, relative, rel)
        return self.head(x[:, 0])
