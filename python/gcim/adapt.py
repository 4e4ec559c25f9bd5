"""gcim.adapt: the adaptation algorithm of docs/HardwareModel.md section 4.

    from gcim.adapt import adapt
    result = adapt(hardware_model, reference_model, calibration_batch)

Re-sets only the per-head scalers (a, b) of every gcim.torch.GainCellAttention in the
hardware model so that, on a calibration batch, the mean and standard deviation of each
scaler's output (q, k, v and out; after a*x+b, before clipping) match those of the layer of
the same name in a reference model (for example the same network with the linear cell).
No other weight changes. softmax_reference_statistics gives the targets of a plain softmax
model instead: the same network with exact softmax attention in every gain-cell layer (what
the generated program's --calibrate uses, docs/HardwareModel.md section 4).

Per iteration (at most 100, on the same batch): measure the statistics; alpha goes linearly
from 1.0 to 0.1 over the first 50 iterations, then stays 0.1; where |sigma - sigma*| > tol,
a <- alpha * a * sigma* / sigma + (1 - alpha) * a; where |mu - mu*| > tol,
b <- alpha * (b + mu* - mu) + (1 - alpha) * b; stop when every statistic is within tol.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import torch

from gcim.torch import GainCellAttention

__all__ = ["KINDS", "AdaptResult", "collect_statistics", "softmax_reference_statistics",
           "mismatch", "adapt"]

# Scaler kinds and their (a, b) columns in the (H, 8) scales.
KINDS = {"q": (0, 1), "k": (2, 3), "v": (4, 5), "out": (6, 7)}

Statistics = Dict[str, Dict[str, Tuple[torch.Tensor, torch.Tensor]]]


def _layers(model):
    return {name: m for name, m in model.named_modules() if isinstance(m, GainCellAttention)}


def collect_statistics(model, batch, forward: Optional[Callable] = None) -> Statistics:
    """Runs `forward(model, batch)` (default `model(batch)`) without gradients and returns
    {layer name: {kind: (mean (H,), std (H,))}} for every GainCellAttention in `model`."""
    layers = _layers(model)
    if not layers:
        raise ValueError("the model has no gcim.torch.GainCellAttention layer")
    for m in layers.values():
        m.record = {}
    try:
        with torch.no_grad():
            (forward or (lambda mod, x: mod(x)))(model, batch)
        stats = {name: dict(m.record) for name, m in layers.items()}
    finally:
        for m in layers.values():
            m.record = None
    return stats


def _softmax_forward(layer, q, k, v):
    """Causal softmax attention with scale a_q of each head (the scale gcim-map-attention
    puts there), over the layer's window; records the scaler outputs of q, k, v with the
    layer's scales and the attention's output as "out"."""
    sc = layer.scales.detach()
    T = q.shape[2]
    age = torch.arange(T)[:, None] - torch.arange(T)[None, :]
    allowed = (age >= 0) & (age < layer.hw.window)
    scores = torch.matmul(sc[:, 0].view(1, -1, 1, 1) * q, k.transpose(-1, -2))
    out = torch.matmul(torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1), v)
    if layer.record is not None:
        H = q.shape[1]
        scaled = [sc[:, 2 * i].view(1, -1, 1, 1) * x + sc[:, 2 * i + 1].view(1, -1, 1, 1)
                  for i, x in enumerate((q, k, v))]
        for name, x in zip(("q", "k", "v", "out"), scaled + [out]):
            x = x.detach().transpose(0, 1).reshape(H, -1)
            layer.record[name] = (x.mean(dim=1), x.std(dim=1, unbiased=False))
    return out


def softmax_reference_statistics(model, batch, forward: Optional[Callable] = None) -> Statistics:
    """collect_statistics of `model` with every GainCellAttention computing exact causal
    softmax attention (scale: its a_q) on the same q, k, v: the targets for adapting a model
    that was trained with softmax attention. `model` is unchanged afterwards."""
    layers = _layers(model)
    for m in layers.values():
        m.forward = _softmax_forward.__get__(m)
    try:
        return collect_statistics(model, batch, forward)
    finally:
        for m in layers.values():
            del m.forward


def mismatch(stats: Statistics, target: Statistics, kinds=tuple(KINDS)) -> float:
    """The largest |mu - mu*| or |sigma - sigma*| over layers, heads and scaler kinds."""
    worst = 0.0
    for name, per_kind in target.items():
        for kind in kinds:
            (mu, sd), (mu_t, sd_t) = stats[name][kind], per_kind[kind]
            worst = max(worst, float((mu - mu_t).abs().max()), float((sd - sd_t).abs().max()))
    return worst


@dataclass
class AdaptResult:
    iterations: int                 # statistic measurements that led to an update
    converged: bool                 # every statistic within the tolerance at the end
    mismatch_before: float          # mismatch() before the first update
    mismatch_after: float           # mismatch() after the last update
    history: List[float] = field(default_factory=list)   # mismatch per iteration


def adapt(model, reference, batch, max_iterations: int = 100, tolerance: float = 1e-4,
          kinds=tuple(KINDS), forward: Optional[Callable] = None,
          target: Optional[Statistics] = None) -> AdaptResult:
    """Adapts the scalers of `model` to the statistics of `reference` on `batch` (see the
    module's docstring). Layers are matched by module name; `target` (statistics from
    collect_statistics) replaces `reference` if given. `kinds` restricts the scalers that
    are adapted. Modifies `model`'s scales in place; returns an AdaptResult."""
    if target is None:
        target = collect_statistics(reference, batch, forward)
    layers = _layers(model)
    missing = sorted(set(target) - set(layers))
    if missing:
        raise ValueError(f"the reference has gain-cell layers the model lacks: {missing}")
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown scaler kind '{kind}' (expected one of {list(KINDS)})")
    history = []
    before = None
    converged = False
    iterations = 0
    for it in range(max_iterations + 1):
        stats = collect_statistics(model, batch, forward)
        history.append(mismatch(stats, target, kinds))
        before = history[0] if before is None else before
        if history[-1] <= tolerance:
            converged = True
            break
        if it == max_iterations:
            break
        alpha = max(0.1, 1.0 - 0.9 * it / 50)
        with torch.no_grad():
            for name, per_kind in target.items():
                scales = layers[name].scales
                for kind in kinds:
                    ca, cb = KINDS[kind]
                    (mu, sd), (mu_t, sd_t) = stats[name][kind], per_kind[kind]
                    a, b = scales[:, ca].clone(), scales[:, cb].clone()
                    fix_sd = ((sd - sd_t).abs() > tolerance) & (sd > 0)
                    fix_mu = (mu - mu_t).abs() > tolerance
                    ratio = sd_t / torch.where(sd > 0, sd, torch.ones_like(sd))
                    new_a = alpha * a * ratio + (1 - alpha) * a
                    new_b = alpha * (b + mu_t - mu) + (1 - alpha) * b
                    scales[:, ca] = torch.where(fix_sd, new_a, a)
                    scales[:, cb] = torch.where(fix_mu, new_b, b)
        iterations += 1
    return AdaptResult(iterations, converged, before, history[-1], history)
