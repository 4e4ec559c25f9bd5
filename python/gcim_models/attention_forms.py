"""attention_forms.py: small single-attention ONNX models, one per form that gcim's
attention fusion must recognise, with numpy references for the forms ONNX Runtime can run.

Every builder takes an AttentionShape and returns an onnx.ModelProto built with onnx.helper
(the torch form with torch.onnx.export). Weights and example inputs come from a seeded numpy
generator, so the output is byte-for-byte deterministic for a given shape and seed.
"""
import io
import math
from dataclasses import dataclass

import numpy as np
import onnx
import onnx.numpy_helper
from onnx import TensorProto, helper

# Opset and IR versions per form. onnx 1.12 knows opsets up to 17 and IR version 8; the
# ONNX-23 form says IR version 11, the version ONNX 1.18 (opset 23) writes.
DEFAULT_OPSET = 17
DEFAULT_IR = 8
OPSET23_IR = 11

# Hardware constants of the gain-cell form (docs/HardwareModel.md section 2).
S_SAT = 80.0
OUT_SAT = 40.0


@dataclass
class AttentionShape:
    batch: int = 1
    heads: int = 2
    seq: int = 8
    head_dim: int = 64
    seed: int = 0
    opset: int = DEFAULT_OPSET  # for the torch form: 14 or 17

    def __post_init__(self):
        for name in ("batch", "heads", "seq", "head_dim"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.opset not in (14, 17):
            raise ValueError(f"opset must be 14 or 17, got {self.opset}")

    @property
    def hidden(self):
        return self.heads * self.head_dim

    @property
    def bhtd(self):
        return [self.batch, self.heads, self.seq, self.head_dim]

    @property
    def btc(self):
        return [self.batch, self.seq, self.hidden]


def _value(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def _model(nodes, name, inputs, outputs, initializers=(), opsets=(("", DEFAULT_OPSET),),
           ir_version=DEFAULT_IR, doc=""):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers),
                              doc_string=doc)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                              producer_name="gcim make_attention_models")
    model.ir_version = ir_version
    return model


def _qkv_inputs(s):
    return [_value("q", s.bhtd), _value("k", s.bhtd), _value("v", s.bhtd)]


def _causal_bool(seq):
    return np.tril(np.ones((seq, seq), dtype=bool))


# --- (a) ONNX-23 Attention ---------------------------------------------------------------

def build_onnx_attention(s):
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], name="attention",
                            is_causal=1, scale=1.0 / math.sqrt(s.head_dim))
    return _model([node], "onnx_attention", _qkv_inputs(s), [_value("y", s.bhtd)],
                  opsets=(("", 23),), ir_version=OPSET23_IR,
                  doc="ONNX opset-23 Attention, 4-D (B, H, T, D) inputs, causal")


# --- (b) com.microsoft Attention and MultiHeadAttention -----------------------------------

def _ms_weights(s):
    rng = np.random.default_rng(s.seed)
    w = (rng.standard_normal((s.hidden, 3 * s.hidden)) / math.sqrt(s.hidden)).astype(np.float32)
    b = (0.1 * rng.standard_normal(3 * s.hidden)).astype(np.float32)
    return w, b


def build_ms_attention(s):
    w, b = _ms_weights(s)
    node = helper.make_node("Attention", ["x", "qkv_weight", "qkv_bias"], ["y"],
                            name="attention", domain="com.microsoft", num_heads=s.heads,
                            unidirectional=1)
    return _model([node], "ms_attention", [_value("x", s.btc)], [_value("y", s.btc)],
                  [onnx.numpy_helper.from_array(w, "qkv_weight"),
                   onnx.numpy_helper.from_array(b, "qkv_bias")],
                  opsets=(("", DEFAULT_OPSET), ("com.microsoft", 1)),
                  doc="com.microsoft Attention: packed QKV weights (hidden, 3*hidden), "
                      "bias (3*hidden), unidirectional")


def build_ms_multihead_attention(s):
    node = helper.make_node("MultiHeadAttention", ["q", "k", "v"], ["y"], name="attention",
                            domain="com.microsoft", num_heads=s.heads, unidirectional=1)
    inputs = [_value("q", s.btc), _value("k", s.btc), _value("v", s.btc)]
    return _model([node], "ms_multihead_attention", inputs, [_value("y", s.btc)],
                  opsets=(("", DEFAULT_OPSET), ("com.microsoft", 1)),
                  doc="com.microsoft MultiHeadAttention: q, k, v (B, T, H*D), unidirectional")


# --- (c) ai.gcim GainCellAttention ---------------------------------------------------------

def gaincell_scales(heads):
    """Initial per-head scalers (heads, 8): a_q b_q a_k b_k a_v b_v a_o b_o."""
    row = np.array([1.0, 0.0, 1.0, 0.45, 1.0, 0.45, 1.0, 0.0], dtype=np.float32)
    return np.tile(row, (heads, 1))


def _gaincell_node(s, inputs, cell):
    return helper.make_node(
        "GainCellAttention", inputs, ["y"], name="attention", domain="ai.gcim",
        num_heads=s.heads, window=1024, cell=cell, decay=1.6e-4, q_levels=16, kv_levels=8,
        out_levels=32, first_product_saturation=S_SAT, output_saturation=OUT_SAT)


def build_gcim_gaincell(s):
    node = _gaincell_node(s, ["q", "k", "v", "scales"], "nonlinear")
    return _model([node], "gcim_gaincell", _qkv_inputs(s), [_value("y", s.bhtd)],
                  [onnx.numpy_helper.from_array(gaincell_scales(s.heads), "scales")],
                  opsets=(("", DEFAULT_OPSET), ("ai.gcim", 1)),
                  doc="ai.gcim GainCellAttention, nonlinear cell, per-head scalers (H, 8)")


def build_gcim_gaincell_linear(s):
    node = _gaincell_node(s, ["q", "k", "v"], "linear")
    return _model([node], "gcim_gaincell_linear", _qkv_inputs(s), [_value("y", s.bhtd)],
                  opsets=(("", DEFAULT_OPSET), ("ai.gcim", 1)),
                  doc="ai.gcim GainCellAttention, linear cell, no scalers")


# --- (d) HardSigmoid attention as a hardware-aware PyTorch model exports it -----------------

def _hardsigmoid_graph(s, name, use_hardsigmoid):
    mask = onnx.numpy_helper.from_array(
        _causal_bool(s.seq).astype(np.float32).reshape(1, 1, s.seq, s.seq), "causal_mask")
    nodes = [helper.make_node("Transpose", ["k"], ["k_t"], name="k_transpose",
                              perm=[0, 1, 3, 2]),
             helper.make_node("MatMul", ["q", "k_t"], ["scores"], name="qk")]
    inits = [mask]
    if use_hardsigmoid:
        nodes.append(helper.make_node("HardSigmoid", ["scores"], ["phi"], name="phi",
                                      alpha=1.0 / S_SAT, beta=0.0))
    else:
        inits += [onnx.numpy_helper.from_array(np.array(1.0 / S_SAT, np.float32), "inv_s_sat"),
                  onnx.numpy_helper.from_array(np.array(0.0, np.float32), "clip_min"),
                  onnx.numpy_helper.from_array(np.array(1.0, np.float32), "clip_max")]
        nodes += [helper.make_node("Mul", ["scores", "inv_s_sat"], ["scaled"], name="scale"),
                  helper.make_node("Clip", ["scaled", "clip_min", "clip_max"], ["phi"],
                                   name="phi")]
    nodes += [helper.make_node("Mul", ["phi", "causal_mask"], ["phi_masked"], name="mask"),
              helper.make_node("MatMul", ["phi_masked", "v"], ["y"], name="phi_v")]
    return _model(nodes, name, _qkv_inputs(s), [_value("y", s.bhtd)], inits,
                  doc="HardSigmoid attention: MatMul(q, k^T) -> "
                      + ("HardSigmoid(alpha=1/80, beta=0)" if use_hardsigmoid
                         else "Mul 1/80 -> Clip(0, 1)")
                      + " -> Mul causal lower-triangular mask -> MatMul v")


def build_hardsigmoid_clip(s):
    return _hardsigmoid_graph(s, "hardsigmoid_clip", use_hardsigmoid=False)


def build_hardsigmoid(s):
    return _hardsigmoid_graph(s, "hardsigmoid", use_hardsigmoid=True)


# --- (e) softmax attention exported by torch ------------------------------------------------

def build_torch_softmax(s):
    import torch
    from torch.nn import functional as F

    class Attention(torch.nn.Module):
        """The attention core of HuggingFace GPT-2 (_attn) on (B, H, T, D) tensors."""

        def __init__(self, context):
            super().__init__()
            self.register_buffer("bias", torch.tril(torch.ones((context, context),
                                                               dtype=torch.bool))
                                 .view(1, 1, context, context), persistent=False)

        def forward(self, q, k, v):
            w = torch.matmul(q, k.transpose(-1, -2))
            w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype)
            query_length, key_length = q.size(-2), k.size(-2)
            mask = self.bias[:, :, key_length - query_length:key_length, :key_length]
            w = torch.where(mask, w, torch.full([], torch.finfo(w.dtype).min, dtype=w.dtype))
            return torch.matmul(F.softmax(w, dim=-1), v)

    args = tuple(torch.zeros(s.bhtd) for _ in range(3))
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(Attention(s.seq).eval(), args, buffer, opset_version=s.opset,
                          input_names=["q", "k", "v"], output_names=["y"])
    model = onnx.load_model_from_string(buffer.getvalue())
    model.producer_name = "gcim make_attention_models (torch " + torch.__version__ + ")"
    model.graph.doc_string = ("softmax attention exported by torch: MatMul -> Div -> Where "
                              "(causal, finfo(float32).min) -> Softmax -> MatMul")
    return model


# --- the table -------------------------------------------------------------------------------

@dataclass
class Form:
    build: object
    description: str
    runs_in_ort: bool  # does onnxruntime-node 1.30 run it (checked by test/Integration)


FORMS = {
    "onnx-attention": Form(build_onnx_attention, "ONNX opset-23 Attention (4-D, is_causal)",
                           True),
    "ms-attention": Form(build_ms_attention,
                         "com.microsoft Attention (packed QKV, unidirectional)", True),
    "ms-multihead-attention": Form(build_ms_multihead_attention,
                                   "com.microsoft MultiHeadAttention (unidirectional)", True),
    "gcim-gaincell": Form(build_gcim_gaincell,
                          "ai.gcim GainCellAttention (nonlinear cell, scalers)", False),
    "gcim-gaincell-linear": Form(build_gcim_gaincell_linear,
                                 "ai.gcim GainCellAttention (linear cell, no scalers)", False),
    "hardsigmoid-clip": Form(build_hardsigmoid_clip,
                             "MatMul -> Mul 1/80 -> Clip(0,1) -> Mul mask -> MatMul", True),
    "hardsigmoid": Form(build_hardsigmoid,
                        "MatMul -> HardSigmoid(1/80, 0) -> Mul mask -> MatMul", True),
    "torch-softmax": Form(build_torch_softmax,
                          "torch export: MatMul -> Div -> Where -> Softmax -> MatMul", True),
}


def build(name, shape):
    if name not in FORMS:
        raise ValueError(f"unknown form '{name}' (forms: {', '.join(FORMS)})")
    return FORMS[name].build(shape)


# --- example inputs and numpy references -----------------------------------------------------

def example_inputs(name, s, seed=1):
    """Inputs for a form: q, k, v (B, H, T, D) or (B, T, H*D), or x (B, T, H*D)."""
    rng = np.random.default_rng(seed)
    if name == "ms-attention":
        return {"x": rng.standard_normal(s.btc).astype(np.float32)}
    shape = s.btc if name == "ms-multihead-attention" else s.bhtd
    # For the HardSigmoid forms, scale q so that q.k / 80 spans both clip bounds.
    gain = 80.0 / math.sqrt(s.head_dim) if name.startswith("hardsigmoid") else 1.0
    return {"q": (gain * rng.standard_normal(shape)).astype(np.float32),
            "k": rng.standard_normal(shape).astype(np.float32),
            "v": rng.standard_normal(shape).astype(np.float32)}


def _mask(seq, causal):
    return _causal_bool(seq) if causal else np.ones((seq, seq), dtype=bool)


def _softmax_attention(q, k, v, scale, causal):
    """Softmax attention on (B, H, T, D) in float64."""
    scores = (q.astype(np.float64) @ np.swapaxes(k.astype(np.float64), -1, -2)) * scale
    scores = np.where(_mask(q.shape[-2], causal), scores, -np.inf)
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return (scores / scores.sum(axis=-1, keepdims=True)) @ v.astype(np.float64)


def _split(x, heads):
    b, t, c = x.shape
    return x.reshape(b, t, heads, c // heads).transpose(0, 2, 1, 3)


def _merge(x):
    b, h, t, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * d)


def hardsigmoid_scores(q, k, causal=True):
    """phi = clip(q.k / 80, 0, 1), masked, in float64."""
    scores = q.astype(np.float64) @ np.swapaxes(k.astype(np.float64), -1, -2)
    return np.clip(scores / S_SAT, 0.0, 1.0) * _mask(q.shape[-2], causal)


def reference(name, s, inputs, causal=True):
    """The form's output {"y": float64 array}; None for forms without a numpy reference.
    causal=False gives the same attention without its mask (for tests that must fail)."""
    scale = 1.0 / math.sqrt(s.head_dim)
    if name in ("onnx-attention", "torch-softmax"):
        return {"y": _softmax_attention(inputs["q"], inputs["k"], inputs["v"], scale, causal)}
    if name == "ms-attention":
        w, b = _ms_weights(s)
        qkv = inputs["x"].astype(np.float64) @ w.astype(np.float64) + b
        q, k, v = (_split(part, s.heads) for part in np.split(qkv, 3, axis=-1))
        return {"y": _merge(_softmax_attention(q, k, v, scale, causal))}
    if name == "ms-multihead-attention":
        q, k, v = (_split(inputs[n], s.heads) for n in ("q", "k", "v"))
        return {"y": _merge(_softmax_attention(q, k, v, scale, causal))}
    if name.startswith("hardsigmoid"):
        return {"y": hardsigmoid_scores(inputs["q"], inputs["k"], causal)
                     @ inputs["v"].astype(np.float64)}
    return None
