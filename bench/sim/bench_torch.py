"""bench_torch.py: a straightforward PyTorch (CPU, one thread) implementation of one head's
decode step with the same semantics as the simulator (docs/HardwareModel.md section 2: ring
buffer, nonlinear cell evaluated per cell on the decayed weight, HardSigmoid, per-sub-tile
output quantisation), timed per head-step at window 1024, d 64. Prints the median of 7 runs."""
import math
import time

import torch

torch.set_num_threads(1)
F = torch.float32
M, D, R = 1024, 64, 64
fitted = [[0.17393044, 0.15653739, 0.14088365, 0.12679529], [5.51975209, 4.96777688, 4.4709992],
          [-1.44776001, -1.30298401], [46.05483778]]
a = [sum(c * 0.9 ** j for j, c in enumerate(row)) for row in fitted]
delta = torch.tensor(math.exp(-1.6e-4), dtype=F)


def quant(x, vmax, levels, symmetric=False):
    step = (2.0 if symmetric else 1.0) * vmax / (levels - 1)
    return torch.round(x / step) * step


def g(w):
    return a[0] + a[1] * w + a[2] * w * w + a[3] * w * w * w


class Head:
    def __init__(self):
        self.K = torch.zeros(M, D)
        self.V = torch.zeros(M, D)
        self.written = torch.full((M,), -1, dtype=torch.long)
        self.t = 0

    def step(self, q, k, v):
        s = self.t % M
        self.K[s] = quant(torch.clamp(k + 0.45, 0, 0.9), 0.9, 8)
        self.V[s] = quant(torch.clamp(v + 0.45, 0, 0.9), 0.9, 8)
        self.written[s] = self.t
        valid = self.written >= 0
        age = (self.t - self.written).clamp(min=0).to(F)
        d = torch.pow(delta, age)[:, None]
        qq = quant(torch.clamp(q, 0, 1), 1.0, 16)
        S = g((self.K - 0.45) * d) @ qq
        phi = torch.where(valid, torch.clamp(S / 80, 0, 1), torch.zeros(()))
        Y = (phi[:, None] * g((self.V - 0.45) * d)).reshape(M // R, R, D).sum(1)
        Z = quant(torch.clamp(Y / 40, -1, 1), 1.0, 32, symmetric=True)
        self.t += 1
        return Z.sum(0)


def main():
    gen = torch.Generator().manual_seed(0)
    pool = torch.randn(3, 4096, D, generator=gen)
    head = Head()
    with torch.no_grad():
        for t in range(M):
            head.step(pool[0, t], pool[1, t], pool[2, t])
        steps, times, walls = 2000, [], []
        for r in range(7):
            start, wall = time.process_time(), time.perf_counter()
            for t in range(steps):
                i = (t * 7 + r) % 4096
                head.step(pool[0, i], pool[1, i], pool[2, i])
            times.append((time.process_time() - start) / steps * 1e6)
            walls.append((time.perf_counter() - wall) / steps * 1e6)
            print(f"run {r}: {times[-1]:.1f} us CPU ({walls[-1]:.1f} us wall) per head-step")
    times.sort()
    walls.sort()
    print(f"median: {times[3]:.1f} us CPU per head-step; median wall {walls[3]:.1f} us "
          f"(torch {torch.__version__}, 1 thread)")


if __name__ == "__main__":
    main()
