#!/usr/bin/python3
"""export_contrib.py: writes a seeded random 2-layer Llama-like decoder with onnx.helper in
the operator forms ONNX Runtime's model builder and opset-23 exporters write, rather than
torch's elementwise RoPE and MatMul/Softmax attention:

- `opset23`: ONNX RotaryEmbedding on q and k (3-D, position_ids) and ONNX Attention
  (grouped-query heads, past_key/past_value in and present_key/present_value out);
- `gqa`: com.microsoft GroupQueryAttention on a packed QKV projection, rotary inside it
  (do_rotary with cos_cache/sin_cache), seqlens_k and total_sequence_length from shapes;
- `ms-rotary`: com.microsoft RotaryEmbedding on separate q and k, then
  GroupQueryAttention without rotary and with a sliding window (local_window_size 3).

Every form: SimplifiedLayerNormalization (default domain, as the model builder writes it),
SwiGLU MLP, 4 query heads over 2 K/V heads of 16, vocabulary 64, rotary caches for 32
positions. Inputs `input_ids` (1, sequence) and with --kv-cache `past_key_<i>`,
`past_value_<i>` (1, 2, past, 16); outputs `logits` and with --kv-cache
`present_key_<i>`, `present_value_<i>`. The sequence and past lengths are symbolic.

Example:
  /usr/bin/python3 python/export_contrib.py --form gqa --kv-cache -o step.onnx
  gcim-compile step.onnx -o out --input-shape input_ids=1x1 --input-shape 'past_*=1x2x7x16'
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

FORMS = ("opset23", "gqa", "ms-rotary")
LAYERS, HEADS, KV_HEADS, HEAD_DIM, VOCAB, POSITIONS = 2, 4, 2, 16, 64, 32
HIDDEN, FFN, WINDOW = HEADS * HEAD_DIM, 128, 3


class Graph:
    """Nodes and initializers of the model being written; names are unique by a counter."""

    def __init__(self, seed):
        self.nodes, self.inits, self.rng, self.count = [], [], np.random.default_rng(seed), 0

    def op(self, op_type, inputs, outputs=1, domain="", **attrs):
        """Appends a node; `outputs` a count or names (None: a fresh name). Returns the
        output name, or the list of them when there are several."""
        self.count += 1
        outputs = [None] * outputs if isinstance(outputs, int) else outputs
        names = [n or f"{op_type.lower()}_{self.count}_{i}" for i, n in enumerate(outputs)]
        self.nodes.append(h.make_node(op_type, inputs, names, name=f"{op_type}_{self.count}",
                                      domain=domain, **attrs))
        return names[0] if len(names) == 1 else names

    def const(self, name, array):
        self.inits.append(nh.from_array(np.asarray(array), name))
        return name

    def weight(self, name, rows, cols):
        return self.const(name, (self.rng.standard_normal((rows, cols)) / np.sqrt(rows))
                          .astype(np.float32))

    def norm(self, x, name):
        scale = self.const(name, (1.0 + 0.1 * self.rng.standard_normal(HIDDEN))
                           .astype(np.float32))
        return self.op("SimplifiedLayerNormalization", [x, scale], axis=-1, epsilon=1e-6)


def rotary_caches(g):
    half = HEAD_DIM // 2
    angles = np.outer(np.arange(POSITIONS), 10000.0 ** (-np.arange(half) / half))
    return (g.const("cos_cache", np.cos(angles).astype(np.float32)),
            g.const("sin_cache", np.sin(angles).astype(np.float32)))


def lengths(g, kv_cache):
    """Past length P and new tokens S as int64 scalars, read from the inputs' shapes."""
    def dim(x, axis):
        return g.op("Gather", [g.op("Shape", [x]), g.const(f"axis_{x}_{axis}",
                                                             np.array(axis, np.int64))])
    past = dim("past_key_0", 2) if kv_cache else g.const("no_past", np.array(0, np.int64))
    return past, dim("input_ids", 1)


def attention(g, form, x, layer, kv_cache, past_len, tokens, cos, sin):
    """One attention block of `form`; returns its output (1, S, HIDDEN)."""
    pk, pv = (f"past_key_{layer}", f"past_value_{layer}") if kv_cache else ("", "")
    presents = [f"present_key_{layer}", f"present_value_{layer}"] if kv_cache else []
    total = g.op("Add", [past_len, tokens])
    positions = g.op("Unsqueeze", [g.op("Range", [past_len, total, g.const(
        f"one_{layer}", np.array(1, np.int64))]), g.const(f"batch_{layer}", np.array([0]))])
    kv_width = KV_HEADS * HEAD_DIM
    if form == "gqa":
        qkv = g.op("MatMul", [x, g.weight(f"wqkv_{layer}", HIDDEN, HIDDEN + 2 * kv_width)])
        query, key, value, extra = qkv, "", "", dict(do_rotary=1)
        caches = [cos, sin]
    else:
        query = g.op("MatMul", [x, g.weight(f"wq_{layer}", HIDDEN, HIDDEN)])
        key = g.op("MatMul", [x, g.weight(f"wk_{layer}", HIDDEN, kv_width)])
        value = g.op("MatMul", [x, g.weight(f"wv_{layer}", HIDDEN, kv_width)])
        caches, extra = [], {}
    if form == "opset23":
        query = g.op("RotaryEmbedding", [query, cos, sin, positions], num_heads=HEADS)
        key = g.op("RotaryEmbedding", [key, cos, sin, positions], num_heads=KV_HEADS)
        out = g.op("Attention", [query, key, value, "", pk, pv], [None] + presents,
                   q_num_heads=HEADS, kv_num_heads=KV_HEADS, is_causal=0 if kv_cache else 1)
    else:
        if form == "ms-rotary":
            query = g.op("RotaryEmbedding", [query, positions, cos, sin], domain="com.microsoft",
                         num_heads=HEADS)
            key = g.op("RotaryEmbedding", [key, positions, cos, sin], domain="com.microsoft",
                       num_heads=KV_HEADS)
            extra = dict(local_window_size=WINDOW)
        total32 = g.op("Cast", [total], to=T.INT32)
        seqlens = g.op("Sub", [g.op("Unsqueeze", [total32, g.const(
            f"axis0_{layer}", np.array([0]))]), g.const(f"one32_{layer}", np.array([1], np.int32))])
        out = g.op("GroupQueryAttention", [query, key, value, pk, pv, seqlens, total32] + caches,
                   [None] + presents, domain="com.microsoft", num_heads=HEADS,
                   kv_num_heads=KV_HEADS, **extra)
    out = out[0] if presents else out
    return g.op("MatMul", [out, g.weight(f"wo_{layer}", HIDDEN, HIDDEN)])


def build(form, kv_cache=False, seed=0):
    """The decoder of `form` as a ModelProto (opset 23, com.microsoft 1)."""
    if form not in FORMS:
        raise ValueError(f"unknown form '{form}' (one of {', '.join(FORMS)})")
    g = Graph(seed)
    cos, sin = rotary_caches(g)
    past_len, tokens = lengths(g, kv_cache)
    embed = g.const("embed", g.rng.standard_normal((VOCAB, HIDDEN)).astype(np.float32))
    x = g.op("Gather", [embed, "input_ids"])
    for layer in range(LAYERS):
        a = attention(g, form, g.norm(x, f"attn_norm_{layer}"), layer, kv_cache, past_len,
                      tokens, cos, sin)
        x = g.op("Add", [x, a])
        n = g.norm(x, f"mlp_norm_{layer}")
        gate = g.op("MatMul", [n, g.weight(f"wg_{layer}", HIDDEN, FFN)])
        up = g.op("MatMul", [n, g.weight(f"wu_{layer}", HIDDEN, FFN)])
        act = g.op("Mul", [g.op("Mul", [gate, g.op("Sigmoid", [gate])]), up])
        x = g.op("Add", [x, g.op("MatMul", [act, g.weight(f"wd_{layer}", FFN, HIDDEN)])])
    g.op("MatMul", [g.norm(x, "final_norm"), g.weight("lm_head", HIDDEN, VOCAB)], ["logits"])
    cache = [1, KV_HEADS, "past_sequence", HEAD_DIM]
    inputs = [h.make_tensor_value_info("input_ids", T.INT64, [1, "sequence"])]
    outputs = [h.make_tensor_value_info("logits", T.FLOAT, [1, "sequence", VOCAB])]
    for layer in range(LAYERS if kv_cache else 0):
        for kind in ("key", "value"):
            inputs.append(h.make_tensor_value_info(f"past_{kind}_{layer}", T.FLOAT, cache))
            outputs.append(h.make_tensor_value_info(f"present_{kind}_{layer}", T.FLOAT,
                                                    [1, KV_HEADS, "total_sequence", HEAD_DIM]))
    graph = h.make_graph(g.nodes, f"contrib_{form}", inputs, outputs, g.inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 23),
                                               h.make_opsetid("com.microsoft", 1)])
    model.ir_version = 10
    return model


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--form", choices=FORMS, default="gqa")
    p.add_argument("--kv-cache", action="store_true",
                   help="past_key_<i>/past_value_<i> in, present_* out")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True)
    args = p.parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from gcim_models.export import save_model
    save_model(build(args.form, args.kv_cache, args.seed), args.output)  # whole or not at all
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
