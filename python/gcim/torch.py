"""gcim.torch: the gain-cell attention of docs/HardwareModel.md section 2 as a PyTorch layer.

    from gcim.torch import GainCellAttention
    attn = GainCellAttention(num_heads=4)          # the paper's hardware, nonlinear cell
    y = attn(q, k, v)                              # (B, H, T, D) each -> (B, H, T, D)

The forward pass computes exactly the hardware's semantics in float32 (the masked,
all-tokens-at-once form of the reference model, equal to the decode-step form while
T <= window): per-head scalers a*x then +b, clipping and quantisation of q (16 levels on
[0, 1]) and of k, v (8 levels on [0, 0.9]), the cubic (or linear) cell with leakage, the
HardSigmoid charge-to-pulse clip(S/80, 0, 1), the second product, the per-sub-tile output
quantiser (32 levels on [-1, 1]) on keys tiled by absolute position into 64-token
sub-tiles, the sum over sub-tiles and the output affine.

Training: the quantisers are straight-through (the forward value is the quantised one, the
gradient that of the clipped input), and with the nonlinear cell both analog products take
the gradient of the linear cell g(w) = 19.3 w (the linear surrogate gradient); neither trick
changes a forward value by a single bit (x.detach() + (y - y.detach()) is exact in float32).

Export: under torch.onnx.export the layer becomes one node `ai.gcim.GainCellAttention(q, k,
v, scales)` with the hardware parameters as attributes (pass custom_opsets={"ai.gcim": 1});
gcim's importer and attention fusion turn it into a gain-cell `gcim.attention`.

This module is named `torch` inside the package `gcim`; it imports the real torch by
absolute import (do not put python/gcim/ itself on sys.path).
"""
from dataclasses import dataclass, fields

import numpy as np
import torch
from torch import nn

__all__ = ["NONLINEAR_COEFFS", "DEFAULT_SCALES", "HardwareParams", "GainCellAttention",
           "gaincell_attention", "quantize"]

F32 = np.float32

# docs/HardwareModel.md section 2: a_i = sum_j C[i][j] * 0.9^j over the fitted coefficients.
_FITTED = [
    [0.17393044, 0.15653739, 0.14088365, 0.12679529],
    [5.51975209, 4.96777688, 4.4709992],
    [-1.44776001, -1.30298401],
    [46.05483778],
]
NONLINEAR_COEFFS = tuple(sum(c * 0.9 ** j for j, c in enumerate(row)) for row in _FITTED)
# Initial per-head scalers: a_q b_q a_k b_k a_v b_v a_o b_o.
DEFAULT_SCALES = (1.0, 0.0, 1.0, 0.45, 1.0, 0.45, 1.0, 0.0)


@dataclass(frozen=True)
class HardwareParams:
    """The hardware parameters of the layer (the paper's by default). The first nine
    travel as attributes of the exported ai.gcim.GainCellAttention node."""
    window: int = 1024                      # sliding window M in tokens
    cell: str = "nonlinear"                 # or "linear": g(w) = 19.3 w
    decay: float = 1.6e-4                   # leakage lambda per token; 0 = none
    q_levels: int = 16
    kv_levels: int = 8
    out_levels: int = 32
    first_product_saturation: float = 80.0  # S_sat of the charge-to-pulse circuit
    output_saturation: float = 40.0         # full scale of the output readout
    bf16_decay: bool = False                # QK-path decay powers rounded to bfloat16
    rows: int = 64                          # tokens per sub-tile
    q_max: float = 1.0
    kv_max: float = 0.9
    out_max: float = 1.0
    mid: float = 0.45
    linear_slope: float = 19.3

    def __post_init__(self):
        if self.cell not in ("nonlinear", "linear"):
            raise ValueError(f"cell must be 'nonlinear' or 'linear', got '{self.cell}'")
        if self.window < 1 or self.rows < 1:
            raise ValueError(f"window and rows must be positive, got {self.window}, "
                             f"{self.rows}")
        for name in ("q_levels", "kv_levels", "out_levels"):
            if getattr(self, name) < 2:
                raise ValueError(f"{name} must be at least 2, got {getattr(self, name)}")
        if self.decay < 0:
            raise ValueError(f"decay must not be negative, got {self.decay}")

    def coefficients(self, cell=None):
        """a0..a3 of the cell polynomial as float32 values."""
        if (cell or self.cell) == "linear":
            return [F32(0), F32(self.linear_slope), F32(0), F32(0)]
        return [F32(c) for c in NONLINEAR_COEFFS]

    def onnx_attributes(self):
        """The attributes of the ai.gcim.GainCellAttention node (without num_heads)."""
        return dict(window=self.window, cell=self.cell, decay=self.decay,
                    q_levels=self.q_levels, kv_levels=self.kv_levels,
                    out_levels=self.out_levels,
                    first_product_saturation=self.first_product_saturation,
                    output_saturation=self.output_saturation)


# --- exact float32 building blocks ---------------------------------------------------------

def _step(max_value, levels, symmetric=False):
    return float(F32((2.0 if symmetric else 1.0) * max_value / (levels - 1)))


def quantize(x, max_value, levels, symmetric=False):
    """Q(x) of docs/HardwareModel.md: step = float32(max / (levels - 1)) (2 max / (levels - 1)
    if symmetric), value = step * round_half_even(x / step) in float32, with a
    straight-through gradient (d Q(x) / dx = 1)."""
    step = torch.tensor(_step(max_value, levels, symmetric), dtype=torch.float32)
    value = step * torch.round(x.detach() / step)
    return _straight_through(value, x)


def _straight_through(value, surrogate):
    """`value` in the forward pass, the gradient of `surrogate` in the backward pass. Exact:
    s - s.detach() is +0 for finite s, and value + 0 = value."""
    if not surrogate.requires_grad:
        return value.detach()
    return value.detach() + (surrogate - surrogate.detach())


def _bf16(x):
    """float32 -> bfloat16 (round to nearest even) -> float32, as the reference does."""
    bits = np.asarray(x, F32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(F32)


_DECAY_CACHE = {}


def _decay_table(hw, length, qk_path):
    """(4, length) float32 table: 1, delta^n, delta^(2n), delta^(3n) for ages n = 0 ..
    length-1, as the reference computes them: P1 = float32 pow of float32(exp(-lambda)),
    P2 = P1 * P1, P3 = P2 * P1 (each optionally rounded to bfloat16 on the QK path)."""
    key = (hw.decay, hw.bf16_decay and qk_path, length)
    table = _DECAY_CACHE.get(key)
    if table is None:
        age = np.arange(length)
        if hw.decay == 0:
            p1 = p2 = p3 = np.ones(length, F32)
        else:
            delta = F32(np.exp(-hw.decay))
            p1 = np.power(delta, age.astype(F32)).astype(F32)
            if qk_path and hw.bf16_decay:
                p1 = _bf16(p1)
                p2 = _bf16(p1 * p1)
                p3 = _bf16(p2 * p1)
            else:
                p2 = p1 * p1
                p3 = p2 * p1
        table = torch.from_numpy(np.stack([np.ones(length, F32), p1, p2, p3]))
        _DECAY_CACHE[key] = table
    return table


def _scaler(x, a, b):
    """a * x + b with two float32 roundings; a, b are (H,) and x is (B, H, T, D)."""
    return a.view(1, -1, 1, 1) * x + b.view(1, -1, 1, 1)


def gaincell_attention(q, k, v, scales, hw=None, surrogate=True, record=None):
    """The hardware's attention for every head at once.

    q, k: (B, H, T, D); v: (B, H, T, Dv); the projections before the per-head scalers,
    tokens in order (token t sees tokens t-window+1 .. t). scales: (H, 8) float32 (a_q b_q
    a_k b_k a_v b_v a_o b_o). Returns float32 (B, H, T, Dv). `surrogate`: with the nonlinear
    cell, give both analog products the gradient of the linear cell. `record`: None, or a
    dict that receives the per-head mean and standard deviation of the four scaler outputs
    (after a*x+b, before clipping) under the keys "q", "k", "v", "out".
    """
    hw = hw or HardwareParams()
    q, k, v = (x.to(torch.float32) for x in (q, k, v))
    sc = scales.to(torch.float32)
    if q.dim() != 4 or k.shape != q.shape or v.shape[:3] != q.shape[:3]:
        raise ValueError(f"q, k, v must be (B, H, T, D) with equal B, H, T; got "
                         f"{tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}")
    B, H, T, D = q.shape
    if sc.shape != (H, 8):
        raise ValueError(f"scales must be ({H}, 8), got {tuple(sc.shape)}")
    f32 = lambda x: torch.tensor(float(x), dtype=torch.float32)  # noqa: E731
    mid, kv_max = f32(hw.mid), f32(hw.kv_max)

    sq, sk, sv = (_scaler(x, sc[:, 2 * i], sc[:, 2 * i + 1]) for i, x in enumerate((q, k, v)))
    qq = quantize(torch.clamp(sq, 0.0, hw.q_max), hw.q_max, hw.q_levels)
    kk = quantize(torch.minimum(torch.clamp(sk, min=0.0), kv_max), hw.kv_max, hw.kv_levels)
    vv = quantize(torch.minimum(torch.clamp(sv, min=0.0), kv_max), hw.kv_max, hw.kv_levels)
    wk, wv = kk - mid, vv - mid
    wk_pows = (wk, wk * wk, wk * wk * wk)
    wv_pows = (wv, wv * wv, wv * wv * wv)

    # Causal sliding-window mask and ages; masked entries get age 0 (their terms are gated).
    pos = torch.arange(T)
    age = pos[:, None] - pos[None, :]
    mask = (age >= 0) & (age < hw.window)
    age = torch.where(mask, age, torch.zeros_like(age))
    pk = _decay_table(hw, T, True)[:, age]        # (4, T, T)
    pv = _decay_table(hw, T, False)[:, age]

    use_surrogate = surrogate and hw.cell == "nonlinear" and torch.is_grad_enabled()

    def first_product(cell):
        a = [f32(c) for c in hw.coefficients(cell)]
        S = a[0] * qq.sum(dim=-1, keepdim=True)
        for i in range(3):
            if float(a[i + 1]) != 0:
                S = S + (a[i + 1] * pk[i + 1]) * torch.matmul(qq, wk_pows[i].transpose(-1, -2))
        return S

    S = first_product(hw.cell)
    if use_surrogate:
        S = _straight_through(S, first_product("linear"))
    inv_sat = torch.tensor(F32(1) / F32(hw.first_product_saturation))
    phi = torch.where(mask, torch.clamp(S * inv_sat, 0.0, 1.0), torch.zeros((), dtype=S.dtype))

    # Sub-tiles: key s sits in ring slot s mod M, sub-tile (s mod M) // rows. While T <= M
    # that is tiling by absolute position (reshape of padded keys, the reference's order);
    # beyond, each sub-tile gathers its keys with a 0/1 mask.
    R = hw.rows
    tiles = -(-min(T, hw.window) // R)
    pad = tiles * R - T
    ring = T > hw.window
    if ring:
        tile_of = (pos % hw.window) // R
        select = [(tile_of == n).to(torch.float32) for n in range(tiles)]

    def per_tile(c, w):
        """sum over the keys j of sub-tile n of c[..., t, j] * w[..., j, d]: (B, H, T, n, D)"""
        if ring:
            return torch.stack([torch.matmul(c * m, w) for m in select], dim=3)
        c = nn.functional.pad(c, (0, pad)).view(B, H, T, tiles, R)
        w = nn.functional.pad(w, (0, 0, 0, pad)).view(B, H, tiles, R, -1)
        return torch.einsum("bhtnj,bhnjd->bhtnd", c, w)

    if ring:
        phi_sum = torch.stack([(phi * m).sum(dim=-1) for m in select], dim=3)
    else:
        phi_sum = nn.functional.pad(phi, (0, pad)).view(B, H, T, tiles, R).sum(dim=-1)

    def second_product(cell):
        a = [f32(c) for c in hw.coefficients(cell)]
        Y = a[0] * phi_sum[..., None]
        for i in range(3):
            if float(a[i + 1]) != 0:
                Y = Y + a[i + 1] * per_tile(phi * pv[i + 1], wv_pows[i])
        return Y

    Y = second_product(hw.cell)
    if use_surrogate:
        Y = _straight_through(Y, second_product("linear"))
    inv_out = torch.tensor(F32(1) / F32(hw.output_saturation))
    Z = quantize(torch.clamp(Y * inv_out, -hw.out_max, hw.out_max), hw.out_max,
                 hw.out_levels, symmetric=True)
    out = _scaler(Z.sum(dim=3), sc[:, 6], sc[:, 7])
    if record is not None:
        for name, x in (("q", sq), ("k", sk), ("v", sv), ("out", out)):
            x = x.detach().transpose(0, 1).reshape(H, -1)
            record[name] = (x.mean(dim=1), x.std(dim=1, unbiased=False))
    return out


# --- ONNX export ---------------------------------------------------------------------------

class _GainCellOp(torch.autograd.Function):
    """The layer as one ONNX node: forward computes the hardware's attention (for the
    tracer's shapes), symbolic emits ai.gcim::GainCellAttention."""

    @staticmethod
    def forward(ctx, q, k, v, scales, num_heads, hw):
        with torch.no_grad():
            return gaincell_attention(q, k, v, scales, hw, surrogate=False)

    @staticmethod
    def symbolic(g, q, k, v, scales, num_heads, hw):
        a = hw.onnx_attributes()
        out = g.op("ai.gcim::GainCellAttention", q, k, v, scales,
                   num_heads_i=num_heads, window_i=a["window"], cell_s=a["cell"],
                   decay_f=a["decay"], q_levels_i=a["q_levels"], kv_levels_i=a["kv_levels"],
                   out_levels_i=a["out_levels"],
                   first_product_saturation_f=a["first_product_saturation"],
                   output_saturation_f=a["output_saturation"])
        out.setType(v.type())
        return out


class GainCellAttention(nn.Module):
    """Gain-cell attention with per-head trainable scalers.

    GainCellAttention(num_heads, window=1024, cell="nonlinear", decay=1.6e-4, q_levels=16,
    kv_levels=8, out_levels=32, first_product_saturation=80.0, output_saturation=40.0,
    bf16_decay=False, surrogate=True, scales=None)

    forward(q, k, v): (B, H, T, D), (B, H, T, D), (B, H, T, Dv) -> (B, H, T, Dv), causal.
    `scales` is an (H, 8) nn.Parameter (a_q b_q a_k b_k a_v b_v a_o b_o), initialised to
    DEFAULT_SCALES unless given. Set `record = {}` to collect the scaler statistics of the
    next forward pass (used by gcim.adapt).
    """

    def __init__(self, num_heads, window=1024, cell="nonlinear", decay=1.6e-4, q_levels=16,
                 kv_levels=8, out_levels=32, first_product_saturation=80.0,
                 output_saturation=40.0, bf16_decay=False, surrogate=True, scales=None):
        super().__init__()
        if num_heads < 1:
            raise ValueError(f"num_heads must be positive, got {num_heads}")
        self.num_heads = num_heads
        self.hw = HardwareParams(window=window, cell=cell, decay=decay, q_levels=q_levels,
                                 kv_levels=kv_levels, out_levels=out_levels,
                                 first_product_saturation=first_product_saturation,
                                 output_saturation=output_saturation, bf16_decay=bf16_decay)
        self.surrogate = surrogate
        if scales is None:
            scales = torch.tensor(DEFAULT_SCALES, dtype=torch.float32).repeat(num_heads, 1)
        scales = torch.as_tensor(scales, dtype=torch.float32)
        if scales.shape != (num_heads, 8):
            raise ValueError(f"scales must be ({num_heads}, 8), got {tuple(scales.shape)}")
        self.scales = nn.Parameter(scales.clone())
        self.record = None

    def extra_repr(self):
        changed = [f"{f.name}={getattr(self.hw, f.name)!r}" for f in fields(self.hw)
                   if getattr(self.hw, f.name) != f.default]
        return ", ".join([f"num_heads={self.num_heads}"] + changed)

    def forward(self, q, k, v):
        if torch.onnx.is_in_onnx_export():
            if self.hw.bf16_decay:
                raise ValueError("bf16_decay has no ai.gcim.GainCellAttention attribute; "
                                 "export a model without it")
            return _GainCellOp.apply(q, k, v, self.scales, self.num_heads, self.hw)
        return gaincell_attention(q, k, v, self.scales, self.hw, surrogate=self.surrogate,
                                  record=self.record)
