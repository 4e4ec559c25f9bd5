"""model.py: the gain-cell attention of docs/HardwareModel.md section 2, in numpy float32.

Written from the specification only (not from the C simulator), as an independent check
of it. Two forms:

- `attention_steps`: the decode-step semantics (ring buffer of `window` slots, slot
  t mod window, sub-tile = slot // 64, unwritten slots gated), one token at a time;
- `attention_masked`: every token at once with a mask 0 <= t - s < window and sub-tiles by
  absolute position s // 64, as the published reference computes it; equal to the step
  form while T <= window.
"""
from dataclasses import dataclass, field

import numpy as np

F32 = np.float32

# docs/HardwareModel.md section 2: a_i = sum_j C[i][j] * 0.9^j.
_FITTED = [
    [0.17393044, 0.15653739, 0.14088365, 0.12679529],
    [5.51975209, 4.96777688, 4.4709992],
    [-1.44776001, -1.30298401],
    [46.05483778],
]
NONLINEAR_COEFFS = tuple(sum(c * 0.9 ** j for j, c in enumerate(row)) for row in _FITTED)
DEFAULT_SCALES = (1.0, 0.0, 1.0, 0.45, 1.0, 0.45, 1.0, 0.0)


@dataclass
class Params:
    """The hardware parameters the functional model uses (the paper's by default)."""
    model: str = "nonlinear"          # or "linear": g(w) = 19.3 w
    window: int = 1024                # M
    rows: int = 64                    # tokens per sub-tile
    decay: float = 1.6e-4             # lambda per token; 0 = no decay
    bf16_decay: bool = False          # round the QK-path decay powers to bfloat16
    levels: tuple = (16, 8, 32)       # query, K/V, output
    q_max: float = 1.0
    kv_max: float = 0.9
    out_max: float = 1.0
    mid: float = 0.45
    s_sat: float = 80.0
    out_sat: float = 40.0
    linear_slope: float = 19.3
    coeffs: tuple = field(default=NONLINEAR_COEFFS)

    def cell(self):
        """The coefficients a0..a3 of g as float32."""
        if self.model == "linear":
            return [F32(0), F32(self.linear_slope), F32(0), F32(0)]
        return [F32(c) for c in self.coeffs]


def quantize(x, max_value, levels, symmetric=False):
    """Q(x): step = max / (levels - 1) (2 max / (levels - 1) if symmetric) in float32,
    value = step * round_half_even(x / step), all in float32."""
    step = F32((2.0 if symmetric else 1.0) * max_value / (levels - 1))
    return (step * np.rint(x / step)).astype(F32)


def scale(x, a, b):
    """The scaler a * x + b with two float32 roundings."""
    return (F32(a) * x).astype(F32) + F32(b)


def bf16(x):
    """Rounds float32 values to bfloat16 (nearest even), kept as float32."""
    bits = np.asarray(x, dtype=F32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(F32)


def decay_powers(age, p, qk_path):
    """delta^(i * age) for i = 1, 2, 3: P1 = float32 pow of float32(exp(-lambda)), then
    repeated float32 products; the QK path optionally rounds each to bfloat16."""
    age = np.asarray(age)
    if p.decay == 0:
        ones = np.ones(age.shape, F32)
        return ones, ones, ones
    delta = F32(np.exp(-p.decay))
    p1 = np.power(delta, age.astype(F32)).astype(F32)
    if qk_path and p.bf16_decay:
        p1 = bf16(p1)
        p2 = bf16(p1 * p1)
        return p1, p2, bf16(p2 * p1)
    p2 = p1 * p1
    return p1, p2, p2 * p1


def _inputs(q, k, v, sc, p):
    """Scaled, clipped and quantised q and the stored weights w, w^2, w^3 of K and V."""
    ql, kvl, _ = p.levels
    qq = quantize(np.clip(scale(q, sc[0], sc[1]), F32(0), F32(p.q_max)), p.q_max, ql)
    kk = quantize(np.clip(scale(k, sc[2], sc[3]), F32(0), F32(p.kv_max)), p.kv_max, kvl)
    vv = quantize(np.clip(scale(v, sc[4], sc[5]), F32(0), F32(p.kv_max)), p.kv_max, kvl)
    wk = kk - F32(p.mid)
    wv = vv - F32(p.mid)
    return qq, (wk, wk * wk, wk * wk * wk), (wv, wv * wv, wv * wv * wv)


def _output(zsum, sc):
    return (F32(sc[6]) * zsum).astype(F32) + F32(sc[7])


def attention_steps(q, k, v, scales, p):
    """One head, token by token: q, k, v are (T, D) projections before the scalers;
    returns (T, D) float32."""
    q, k, v = (np.asarray(x, F32) for x in (q, k, v))
    sc = [F32(s) for s in scales]
    T, D = q.shape
    M, R = p.window, p.rows
    tiles = -(-M // R)
    a = p.cell()
    qq, wk, wv = _inputs(q, k, v, sc, p)
    Kw = [np.zeros((tiles * R, D), F32) for _ in range(3)]
    Vw = [np.zeros((tiles * R, D), F32) for _ in range(3)]
    written = np.full(tiles * R, -1, np.int64)
    out = np.zeros((T, D), F32)
    inv_sat, inv_out = F32(1) / F32(p.s_sat), F32(1) / F32(p.out_sat)
    for t in range(T):
        s = t % M
        for i in range(3):
            Kw[i][s] = wk[i][t]
            Vw[i][s] = wv[i][t]
        written[s] = t
        valid = written >= 0
        age = np.where(valid, t - written, 0)
        pk, pv = decay_powers(age, p, True), decay_powers(age, p, False)
        qt = qq[t]
        S = a[0] * qt.sum(dtype=F32)
        for i in range(3):
            if a[i + 1] != 0:
                S = S + (a[i + 1] * pk[i]) * (Kw[i] @ qt)
        phi = np.where(valid, np.clip(S * inv_sat, F32(0), F32(1)), F32(0)).astype(F32)
        Y = a[0] * phi.reshape(tiles, R).sum(axis=1, dtype=F32)[:, None]
        for i in range(3):
            if a[i + 1] != 0:
                c = (phi * pv[i]).reshape(tiles, R)
                Y = Y + a[i + 1] * np.einsum("nj,njd->nd", c, Vw[i].reshape(tiles, R, D))
        Z = quantize(np.clip(Y * inv_out, F32(-p.out_max), F32(p.out_max)), p.out_max,
                     p.levels[2], symmetric=True)
        out[t] = _output(Z.sum(axis=0, dtype=F32), sc)
    return out


def attention_masked(q, k, v, scales, p):
    """One head, all tokens at once with the causal sliding-window mask and sub-tiles by
    absolute position (the published reference's form); equals attention_steps while
    T <= window."""
    q, k, v = (np.asarray(x, F32) for x in (q, k, v))
    sc = [F32(s) for s in scales]
    T, D = q.shape
    R = p.rows
    tiles = -(-T // R)
    a = p.cell()
    qq, wk, wv = _inputs(q, k, v, sc, p)
    age = np.arange(T)[:, None] - np.arange(T)[None, :]
    mask = (age >= 0) & (age < p.window)
    age = np.where(mask, age, 0)
    pk, pv = decay_powers(age, p, True), decay_powers(age, p, False)
    S = a[0] * qq.sum(axis=1, dtype=F32)[:, None]
    for i in range(3):
        if a[i + 1] != 0:
            S = S + (a[i + 1] * pk[i]) * (qq @ wk[i].T)
    phi = np.where(mask, np.clip(S * (F32(1) / F32(p.s_sat)), F32(0), F32(1)), F32(0))
    pad = tiles * R - T
    phi = np.pad(phi.astype(F32), ((0, 0), (0, pad)))
    Y = a[0] * phi.reshape(T, tiles, R).sum(axis=2, dtype=F32)[:, :, None]
    for i in range(3):
        if a[i + 1] != 0:
            c = phi * np.pad(pv[i], ((0, 0), (0, pad)))
            w = np.pad(wv[i], ((0, pad), (0, 0))).reshape(tiles, R, D)
            Y = Y + a[i + 1] * np.einsum("tnj,njd->tnd", c.reshape(T, tiles, R), w)
    Z = quantize(np.clip(Y * (F32(1) / F32(p.out_sat)), F32(-p.out_max), F32(p.out_max)),
                 p.out_max, p.levels[2], symmetric=True)
    return _output(Z.sum(axis=1, dtype=F32), sc)


def attention(q, k, v, scales=None, p=None, masked=False):
    """All heads: q, k, v (B, H, T, D); scales (H, 8) or None for the initial values."""
    p = p or Params()
    q = np.asarray(q)
    B, H, T, D = q.shape
    if scales is None:
        scales = np.tile(np.asarray(DEFAULT_SCALES, F32), (H, 1))
    head = attention_masked if masked else attention_steps
    out = np.zeros((B, H, T, D), F32)
    for b in range(B):
        for h in range(H):
            out[b, h] = head(q[b, h], k[b, h], v[b, h], scales[h], p)
    return out


def output_step(p, a_o):
    """One output step in the final output: |a_o| * 2 max / (levels - 1)."""
    return abs(float(a_o)) * 2.0 * p.out_max / (p.levels[2] - 1)


def compare(actual, expected, scales, p, max_fraction=1e-3, atol=1e-5):
    """The tolerance of the simulator tests: at most `max_fraction` of the outputs differ,
    each by exactly one output step (|a_o| * 2/31), all others within `atol`. Returns
    (ok, message)."""
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    if actual.shape != expected.shape:
        return False, f"shape {actual.shape} != {expected.shape}"
    H = actual.shape[1]
    steps = np.array([output_step(p, scales[h][6]) for h in range(H)])[None, :, None, None]
    diff = np.abs(actual - expected)
    close = diff <= atol
    one_step = np.abs(diff - steps) <= atol + 1e-6 * np.abs(expected)
    flips = int(np.sum(one_step & ~close))
    bad = int(np.sum(~close & ~one_step))
    n = actual.size
    message = (f"{n} outputs: {flips} differ by one output step ({flips / n:.4%}, allowed "
               f"{max_fraction:.1%}), {bad} differ otherwise (allowed 0; tolerance {atol:g} "
               f"or one step); max |diff| {diff.max() if n else 0:.6g}")
    return bad == 0 and flips <= max_fraction * n, message
