"""user_models.py: small models written and exported the way users write and export them
(torch.nn.MultiheadAttention, nn.TransformerEncoderLayer/DecoderLayer, hand-written GPT
blocks, float16 conversions, old-IR initializer inputs, unused inputs and outputs), used by
test/Integration/user-exports.py to check gcim against ONNX Runtime on forms nobody on the
team wrote for gcim.

Each builder returns (torch module, example inputs as a tuple, input names, output names,
dynamic_axes or None). Sizes are tiny (model width 16, 2 heads, 6 tokens) so that a whole
set exports, compiles and builds in seconds."""
import io
import math

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

WIDTH, HEADS, TOKENS, BATCH = 16, 2, 6, 2


def causal_float_mask(n):
    return torch.triu(torch.full((n, n), float("-inf")), diagonal=1)


def causal_bool_mask(n):
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)


class Mha(torch.nn.Module):
    """nn.MultiheadAttention as self-attention, optionally with a constant causal mask."""

    def __init__(self, batch_first, need_weights, mask):
        super().__init__()
        self.attn = torch.nn.MultiheadAttention(WIDTH, HEADS, batch_first=batch_first)
        self.need_weights = need_weights
        self.mask = mask

    def forward(self, x):
        n = x.shape[1] if self.attn.batch_first else x.shape[0]
        mask = None
        if self.mask == "float":
            mask = causal_float_mask(n)
        elif self.mask == "bool":
            mask = causal_bool_mask(n)
        y, w = self.attn(x, x, x, attn_mask=mask, need_weights=self.need_weights)
        return (y, w) if self.need_weights else y


class MhaPadding(torch.nn.Module):
    """nn.MultiheadAttention with a key_padding_mask given at run time."""

    def __init__(self):
        super().__init__()
        self.attn = torch.nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)

    def forward(self, x, padding):
        return self.attn(x, x, x, key_padding_mask=padding, need_weights=False)[0]


class Unfusable(torch.nn.Module):
    """The two nn.MultiheadAttention forms the gain cells cannot take: need_weights=True
    (outputs y and the head-averaged weights) and a key_padding_mask (output y)."""

    def __init__(self):
        super().__init__()
        self.weights = Mha(True, True, "float")
        self.padding = MhaPadding()

    def forward(self, x, padding):
        y, weights = self.weights(x)
        return y, weights, self.padding(x, padding)


class Encoder(torch.nn.Module):
    """nn.TransformerEncoder (two layers) with a mean-pooled classifier head."""

    def __init__(self, norm_first, activation, causal, classes=3):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(WIDTH, HEADS, 32, dropout=0.0,
                                                 activation=activation, batch_first=True,
                                                 norm_first=norm_first)
        self.encoder = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = torch.nn.Linear(WIDTH, classes)
        self.causal = causal

    def forward(self, x):
        mask = causal_float_mask(x.shape[1]) if self.causal else None
        return self.head(self.encoder(x, mask=mask).mean(dim=1))


class DecoderLayer(torch.nn.Module):
    """nn.TransformerDecoderLayer: causal self-attention, cross-attention to a memory."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.TransformerDecoderLayer(WIDTH, HEADS, 32, dropout=0.0,
                                                      batch_first=True, norm_first=True,
                                                      activation="gelu")

    def forward(self, x, memory):
        return self.layer(x, memory, tgt_mask=causal_float_mask(x.shape[1]))


class Seq2Seq(torch.nn.Module):
    """nn.Transformer, one encoder and one decoder layer, sequence-first."""

    def __init__(self):
        super().__init__()
        self.model = torch.nn.Transformer(WIDTH, HEADS, 1, 1, 32, dropout=0.0)

    def forward(self, src, tgt):
        mask = self.model.generate_square_subsequent_mask(tgt.shape[0])
        return self.model(src, tgt, tgt_mask=mask)


class GptBlock(torch.nn.Module):
    """A hand-written GPT block: a torch.tril buffer, masked_fill, and a scale by Div."""

    def __init__(self, fill, scale_by_div, softmax_dim, vocab=32, context=8):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, WIDTH)
        self.pos = torch.nn.Embedding(context, WIDTH)
        self.norm1 = torch.nn.LayerNorm(WIDTH)
        self.qkv = torch.nn.Linear(WIDTH, 3 * WIDTH)
        self.proj = torch.nn.Linear(WIDTH, WIDTH)
        self.norm2 = torch.nn.LayerNorm(WIDTH)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(WIDTH, 32), torch.nn.GELU(),
                                       torch.nn.Linear(32, WIDTH))
        self.lm_head = torch.nn.Linear(WIDTH, vocab, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(context, context)))
        self.fill, self.scale_by_div, self.softmax_dim = fill, scale_by_div, softmax_dim

    def attention(self, x):
        b, t, c = x.shape
        d = c // HEADS
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, HEADS, d).transpose(1, 2) for z in (q, k, v))
        if self.scale_by_div:
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        else:
            scores = (q @ k.transpose(-2, -1)) * d ** -0.5
        fill = float("-inf") if self.fill == "inf" else torch.finfo(scores.dtype).min
        scores = scores.masked_fill(self.tril[:t, :t] == 0, fill)
        weights = torch.softmax(scores, dim=self.softmax_dim)
        return self.proj((weights @ v).transpose(1, 2).reshape(b, t, c))

    def forward(self, ids):
        t = ids.shape[1]
        x = self.embed(ids) + self.pos(torch.arange(t))
        x = x + self.attention(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return self.lm_head(x)


def export(module, args, input_names, output_names, opset=17, dynamic_axes=None,
           keep_initializers_as_inputs=False):
    """torch.onnx.export of an eval-mode module into an onnx.ModelProto. Not under
    torch.no_grad(): there torch 1.13's nn.MultiheadAttention takes its fast path, an
    operator torch cannot export."""
    module.eval()
    buffer = io.BytesIO()
    torch.onnx.export(module, args, buffer, opset_version=opset, input_names=input_names,
                      output_names=output_names, dynamic_axes=dynamic_axes,
                      keep_initializers_as_inputs=keep_initializers_as_inputs)
    return onnx.load_from_string(buffer.getvalue())


def to_float16(model):
    """The model with every float32 tensor, value and Cast target turned into float16, as
    onnxconverter-common's convert_float_to_float16 does with keep_io_types=False."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    f32, f16 = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16

    def convert_tensor(tensor):
        if tensor.data_type == f32:
            tensor.CopyFrom(numpy_helper.from_array(
                numpy_helper.to_array(tensor).astype(np.float16), tensor.name))

    def convert_values(values):
        for value in values:
            if value.type.tensor_type.elem_type == f32:
                value.type.tensor_type.elem_type = f16

    graph = model.graph
    for tensor in graph.initializer:
        convert_tensor(tensor)
    convert_values(graph.input)
    convert_values(graph.output)
    convert_values(graph.value_info)
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.TENSOR:
                convert_tensor(attribute.t)
            if node.op_type == "Cast" and attribute.name == "to" and attribute.i == f32:
                attribute.i = f16
    return model


def with_unused_io(model):
    """The model with an input no node reads and an extra output that is a graph input."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    graph.input.append(helper.make_tensor_value_info("unused", onnx.TensorProto.FLOAT, [3]))
    first = graph.input[0]
    echo = helper.make_node("Identity", [first.name], ["input_echo"], name="echo")
    graph.node.append(echo)
    echoed = onnx.ValueInfoProto()
    echoed.CopyFrom(first)
    echoed.name = "input_echo"
    graph.output.append(echoed)
    return model


class MhaLm(torch.nn.Module):
    """A causal language model built on nn.MultiheadAttention (a float causal mask made from
    the sequence length, as users write it with dynamic axes)."""

    def __init__(self, vocab=32, context=8):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, WIDTH)
        self.pos = torch.nn.Embedding(context, WIDTH)
        self.attn = torch.nn.MultiheadAttention(WIDTH, HEADS, batch_first=True)
        self.lm_head = torch.nn.Linear(WIDTH, vocab)

    def forward(self, ids):
        t = ids.shape[1]
        x = self.embed(ids) + self.pos(torch.arange(t))
        y = self.attn(x, x, x, attn_mask=causal_float_mask(t), need_weights=False)[0]
        return self.lm_head(x + y)


class Zoo(torch.nn.Module):
    """Every fusable form above in one module (one export, one compile, one build):
    inputs x (batch-first), x_sf (sequence-first), input_ids and, with `cross`, memory and
    src (nn.Transformer's source); one output per form. Without `cross`, no
    cross-attention (TransformerDecoderLayer, nn.Transformer): what the gain cells hold."""

    def __init__(self, cross=True):
        super().__init__()
        self.cross = cross
        self.mha_batch_first = Mha(True, False, None)
        self.mha_float_mask = Mha(False, False, "float")
        self.mha_bool_mask = Mha(True, False, "bool")
        self.encoder_post_relu = Encoder(False, "relu", False)
        self.encoder_pre_gelu_causal = Encoder(True, "gelu", True)
        self.gpt_div_inf = GptBlock("inf", True, -1)
        self.gpt_mul_finfo_axis3 = GptBlock("min", False, 3)
        if cross:
            self.decoder_layer = DecoderLayer()
            self.transformer = Seq2Seq()
        # gcim.attention ops: one per MultiheadAttention and GPT block, two per encoder,
        # two in the decoder layer, three in nn.Transformer
        self.attentions = 3 + 2 + 2 + 2 + (2 + 3 if cross else 0)
        self.inputs = ["x", "x_sf", "input_ids"] + (["memory", "src"] if cross else [])
        self.outputs = ["mha_batch_first", "mha_float_mask", "mha_bool_mask",
                        "encoder_post_relu", "encoder_pre_gelu_causal", "gpt_div_inf",
                        "gpt_mul_finfo_axis3"] + (["decoder_layer", "transformer"]
                                                  if cross else [])

    def forward(self, x, x_sf, input_ids, memory=None, src=None):
        outputs = (self.mha_batch_first(x), self.mha_float_mask(x_sf), self.mha_bool_mask(x),
                   self.encoder_post_relu(x), self.encoder_pre_gelu_causal(x),
                   self.gpt_div_inf(input_ids), self.gpt_mul_finfo_axis3(input_ids))
        if self.cross:
            outputs += (self.decoder_layer(x, memory), self.transformer(src, x_sf))
        return outputs

    def example_inputs(self, seed=0):
        g = torch.Generator().manual_seed(seed)
        inputs = (torch.randn(BATCH, TOKENS, WIDTH, generator=g),
                  torch.randn(TOKENS, BATCH, WIDTH, generator=g),
                  torch.randint(0, 32, (1, TOKENS), generator=g))
        if self.cross:
            inputs += (torch.randn(BATCH, 4, WIDTH, generator=g),
                       torch.randn(5, BATCH, WIDTH, generator=g))
        return inputs
