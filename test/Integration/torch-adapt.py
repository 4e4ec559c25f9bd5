#!/usr/bin/python3
"""torch-adapt.py: e2e test of gcim.adapt (docs/HardwareModel.md section 4) on a small GPT-style
model with random weights: the reference is the model with the linear cell and trained-looking
scales, the hardware model the same weights with the nonlinear cell and the initial scales.
Checks that adaptation lowers the statistic mismatch (largest |mu - mu*| or |sigma - sigma*|
over layers, heads and the q, k, v, out scalers) by at least 10x, that it changes only the
scales, that the alpha schedule's first step sets a freshly mismatched scaler exactly, and
that a model already at the target stops after zero updates.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ortharness import Checker  # noqa: E402

import torch  # noqa: E402
from gcim.adapt import adapt, collect_statistics, mismatch  # noqa: E402
from gcim.torch import GainCellAttention  # noqa: E402
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402

from torch import nn  # noqa: E402


class Attn(nn.Module):
    def __init__(self, config, **hw):
        super().__init__()
        self.h, self.d = config.heads, config.head_dim
        self.c_attn = nn.Linear(config.embd, 3 * self.h * self.d)
        self.c_proj = nn.Linear(self.h * self.d, config.embd)
        self.gaincell = GainCellAttention(config.heads, **hw)

    def forward(self, x, past=None):
        B, T, _ = x.shape
        q, k, v = (t.view(B, T, self.h, self.d).transpose(1, 2)
                   for t in self.c_attn(x).split(self.h * self.d, dim=2))
        y = self.gaincell(q, k, v).transpose(1, 2).reshape(B, T, -1)
        return self.c_proj(y), None


def model(cell, seed=0):
    config = GPT2Config(layers=2, heads=2, head_dim=32, vocab=40, context=24, init_std=0.2,
                        seed=seed)
    m = GPT2(config)
    torch.manual_seed(seed)
    for block in m.h:
        block.attn = Attn(config, cell=cell)
    m._init_weights(seed)
    return m.eval()


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    torch.set_num_threads(1)
    check = Checker(1e-6)
    reference = model("linear")
    with torch.no_grad():
        gen = torch.Generator().manual_seed(1)
        for block in reference.h:
            s = block.attn.gaincell.scales
            s.copy_(torch.tensor([1, 0, 1, 0.45, 1, 0.45, 1, 0]).repeat(2, 1))
            s[:, 0::2] *= 0.5 + torch.rand(s[:, 0::2].shape, generator=gen)
            s[:, 1::2] += 0.1 * torch.randn(s[:, 1::2].shape, generator=gen)
    hardware = model("nonlinear")
    hardware.load_state_dict({k: v for k, v in reference.state_dict().items()
                              if not k.endswith("scales")}, strict=False)
    batch = torch.randint(0, 40, (8, 24), generator=torch.Generator().manual_seed(2))
    before = {k: v.clone() for k, v in hardware.state_dict().items()}
    target = collect_statistics(reference, batch)
    start = mismatch(collect_statistics(hardware, batch), target)
    result = adapt(hardware, reference, batch)
    end = mismatch(collect_statistics(hardware, batch), target)
    check.expect("adaptation lowers the statistic mismatch at least 10x", end * 10 <= start,
                 f"{start:.4g} -> {end:.4g} in {result.iterations} iterations "
                 f"(converged: {result.converged}; history {result.history[:3]} ...)")
    check.expect("the result reports the mismatch before and after",
                 abs(result.mismatch_before - start) < 1e-9
                 and abs(result.mismatch_after - end) < 1e-9)
    after = hardware.state_dict()
    changed = sorted(k for k in before if not torch.equal(before[k], after[k]))
    check.expect("only the per-head scales changed",
                 changed and all(k.endswith("gaincell.scales") for k in changed), str(changed))
    # The first step (alpha = 1) sets b to b + mu* - mu exactly: a target that is the model's
    # own statistics shifted by 0.1 in one mean moves that b by 0.1.
    fresh = model("nonlinear")
    own = collect_statistics(fresh, batch)
    shifted = {name: dict(kinds) for name, kinds in own.items()}
    mu, sd = own["h.0.attn.gaincell"]["out"]
    shifted["h.0.attn.gaincell"]["out"] = (mu + 0.1, sd)
    b_before = fresh.h[0].attn.gaincell.scales[:, 7].clone()
    adapt(fresh, None, batch, max_iterations=1, target=shifted)
    delta = (fresh.h[0].attn.gaincell.scales[:, 7] - b_before).detach().numpy()
    check.close("first update of b_o is mu* - mu = 0.1", delta, np.full(2, 0.1, np.float32))
    same = adapt(model("nonlinear"), model("nonlinear"), batch)
    check.expect("a model at its target needs no update",
                 same.iterations == 0 and same.converged, str(same.history))
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
