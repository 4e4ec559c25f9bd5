"""Writes a GPT-2-style model as torch's exporter writes it, in the onnx dialect's generic form.

Token and position embeddings (position ids folded to a constant, as the importer does),
per layer LayerNorm (one op at opset >= 17, decomposed below), fused QKV projection, Split,
Reshape/Transpose head plumbing, MatMul with K transposed directly from (B,T,H,D), Div by
sqrt(d), Where with a causal bool mask and finfo.min, Softmax, MatMul with V, output
projection, GELU MLP (tanh form), final LayerNorm and LM head. Weights are splat constants.

Usage: gpt2.py [--layers L] [--heads H] [--dim D] [--tokens T] [--vocab V] [--positions P]
               [--opset 14|17] [--batch B] [--name NAME]
"""
import argparse

def t(shape, el="f32"):
    return "tensor<" + "x".join(str(s) for s in shape) + ("x" if shape else "") + el + ">"

def segments(n, groups=32):
    """The segment sizes the importer writes for n values of a 32-way variadic group."""
    return "array<i32: " + ", ".join(["1"] * n + ["0"] * (groups - n)) + ">"

class W:
    def __init__(s): s.lines = []; s.n = 0
    def v(s, base="v"):
        s.n += 1; return f"%{base}{s.n}"
    def const(s, val, shape, el="f32"):
        r = s.v("c"); s.lines.append(f'  {r} = "onnx.constant"() {{value = dense<{val}> : {t(shape, el)}}} : () -> {t(shape, el)}'); return r
    def op(s, name, args, types, out, attrs=""):
        r = s.v()
        a = f" {{{attrs}}}" if attrs else ""
        s.lines.append(f'  {r} = "onnx.{name}"({", ".join(args)}){a} : ({", ".join(types)}) -> {out}'); return r

def layernorm(w, x, shape, C, opset):
    g = w.const("1.0", [C]); b = w.const("0.0", [C])
    if opset >= 17:
        return w.op("layer_normalization", [x, g, b], [t(shape), t([C]), t([C])], t(shape), "axis = -1 : i64, epsilon = 9.99999974E-6 : f32, resultSegmentSizes = array<i32: 1, 0, 0>, stash_type = 1 : i64")
    ax = w.const("-1", [1], "i64")
    red = shape[:-1] + [1]
    m = w.op("reduce_mean", [x, ax], [t(shape), t([1], "i64")], t(red), "keepdims = 1 : i64, noop_with_empty_axes = 0 : i64")
    d = w.op("sub", [x, m], [t(shape), t(red)], t(shape))
    two = w.const("2.0", [])
    p = w.op("pow", [d, two], [t(shape), t([])], t(shape))
    ax2 = w.const("-1", [1], "i64")
    var = w.op("reduce_mean", [p, ax2], [t(shape), t([1], "i64")], t(red), "keepdims = 1 : i64, noop_with_empty_axes = 0 : i64")
    eps = w.const("9.99999974E-6", [])
    ve = w.op("add", [var, eps], [t(red), t([])], t(red))
    sd = w.op("sqrt", [ve], [t(red)], t(red))
    n = w.op("div", [d, sd], [t(shape), t(red)], t(shape))
    n2 = w.op("mul", [n, g], [t(shape), t([C])], t(shape))
    return w.op("add", [n2, b], [t(shape), t([C])], t(shape))

def linear(w, x, shape, cin, cout):
    W_ = w.const("0.01", [cin, cout]); b = w.const("0.0", [cout])
    out = shape[:-1] + [cout]
    m = w.op("mat_mul", [x, W_], [t(shape), t([cin, cout])], t(out))
    return w.op("add", [m, b], [t(out), t([cout])], t(out)), out

def causal(T):
    return "[[[" + ", ".join("[" + ", ".join("true" if j <= i else "false" for j in range(T)) + "]" for i in range(T)) + "]]]"

def attention(w, x, B, T, H, D):
    C = H * D
    qkv, qs = linear(w, x, [B, T, C], C, 3 * C)
    sz = w.const(str(C), [3], "i64")
    r = w.v(); w.lines.append(f'  {r}:3 = "onnx.split"({qkv}, {sz}) {{axis = 2 : i64, resultSegmentSizes = {segments(3)}}} : ({t(qs)}, {t([3],"i64")}) -> ({t([B,T,C])}, {t([B,T,C])}, {t([B,T,C])})')
    shp = w.const(f"[{B}, {T}, {H}, {D}]", [4], "i64")
    parts = []
    for i in range(3):
        parts.append(w.op("reshape", [f"{r}#{i}", shp], [t([B,T,C]), t([4],"i64")], t([B,T,H,D]), "allowzero = 0 : i64"))
    q = w.op("transpose", [parts[0]], [t([B,T,H,D])], t([B,H,T,D]), "perm = array<i64: 0, 2, 1, 3>")
    kt = w.op("transpose", [parts[1]], [t([B,T,H,D])], t([B,H,D,T]), "perm = array<i64: 0, 2, 3, 1>")
    v = w.op("transpose", [parts[2]], [t([B,T,H,D])], t([B,H,T,D]), "perm = array<i64: 0, 2, 1, 3>")
    S = [B, H, T, T]
    s = w.op("mat_mul", [q, kt], [t([B,H,T,D]), t([B,H,D,T])], t(S))
    c = w.const(f"{D ** 0.5:.6f}", [])
    sd = w.op("div", [s, c], [t(S), t([])], t(S))
    m = w.const(causal(T), [1, 1, T, T], "i1")
    mn = w.const("-3.40282347E+38", [])
    sm = w.op("where", [m, sd, mn], [t([1,1,T,T],"i1"), t(S), t([])], t(S))
    p = w.op("softmax", [sm], [t(S)], t(S), "axis = -1 : i64")
    o = w.op("mat_mul", [p, v], [t(S), t([B,H,T,D])], t([B,H,T,D]))
    o1 = w.op("transpose", [o], [t([B,H,T,D])], t([B,T,H,D]), "perm = array<i64: 0, 2, 1, 3>")
    shp2 = w.const(f"[{B}, {T}, {C}]", [3], "i64")
    o2 = w.op("reshape", [o1, shp2], [t([B,T,H,D]), t([3],"i64")], t([B,T,C]), "allowzero = 0 : i64")
    out, _ = linear(w, o2, [B, T, C], C, C)
    return out

def gelu(w, x, shape):
    half = w.const("0.5", []); three = w.const("3.0", []); k = w.const("0.044715", []); s2p = w.const("0.797884583", []); one = w.const("1.0", [])
    a = w.op("mul", [half, x], [t([]), t(shape)], t(shape))
    p = w.op("pow", [x, three], [t(shape), t([])], t(shape))
    b = w.op("mul", [k, p], [t([]), t(shape)], t(shape))
    c = w.op("add", [x, b], [t(shape), t(shape)], t(shape))
    d = w.op("mul", [s2p, c], [t([]), t(shape)], t(shape))
    e = w.op("tanh", [d], [t(shape)], t(shape))
    f = w.op("add", [one, e], [t([]), t(shape)], t(shape))
    return w.op("mul", [a, f], [t(shape), t(shape)], t(shape))

def gpt2(name, L=2, H=2, D=8, T=4, V=32, P=16, opset=17, B=1):
    C = H * D
    w = W()
    wte = w.const("0.02", [V, C]); wpe = w.const("0.01", [P, C])
    tok = w.op("gather", [wte, "%ids"], [t([V, C]), t([B, T], "i64")], t([B, T, C]), "axis = 0 : i64")
    pos = w.const("[[" + ", ".join(str(i) for i in range(T)) + "]]", [1, T], "i64")
    pe = w.op("gather", [wpe, pos], [t([P, C]), t([1, T], "i64")], t([1, T, C]), "axis = 0 : i64")
    x = w.op("add", [tok, pe], [t([B, T, C]), t([1, T, C])], t([B, T, C]))
    for l in range(L):
        h = layernorm(w, x, [B, T, C], C, opset)
        a = attention(w, h, B, T, H, D)
        x = w.op("add", [x, a], [t([B, T, C]), t([B, T, C])], t([B, T, C]))
        h = layernorm(w, x, [B, T, C], C, opset)
        f, fs = linear(w, h, [B, T, C], C, 4 * C)
        g = gelu(w, f, fs)
        m, _ = linear(w, g, fs, 4 * C, C)
        x = w.op("add", [x, m], [t([B, T, C]), t([B, T, C])], t([B, T, C]))
    h = layernorm(w, x, [B, T, C], C, opset)
    lm = w.const("0.02", [C, V])
    logits = w.op("mat_mul", [h, lm], [t([B, T, C]), t([C, V])], t([B, T, V]))
    head = f'func.func @{name}(%ids: {t([B, T], "i64")} {{onnx.name = "input_ids"}}) -> ({t([B, T, V])} {{onnx.name = "logits"}}) {{'
    return "\n".join([head] + w.lines + [f"  return {logits} : {t([B, T, V])}", "}"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--dim", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=32)
    parser.add_argument("--positions", type=int, default=16)
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--name", default="gpt2")
    a = parser.parse_args()
    print(gpt2(a.name, L=a.layers, H=a.heads, D=a.dim, T=a.tokens, V=a.vocab, P=a.positions,
               opset=a.opset, B=a.batch))


main()
