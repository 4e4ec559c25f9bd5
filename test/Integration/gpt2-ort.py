#!/usr/bin/python3
"""gpt2-ort.py: e2e test: export the GPT-2-style model with torch, run it in ONNX Runtime
(ort-run.js) and compare logits (and presents) with torch; with --kv-cache also check that a
prefill plus token-by-token decoding with past/present equals the full-sequence run.

Tolerance: |ort - torch| <= 1e-4 * max(1, |torch|). Both sides compute in float32 with
different kernels (summation order, fused LayerNorm/GELU/Softmax in ORT, MLAS GEMM blocking).
For these sizes (reductions over at most 4*256 terms, logits O(1-10) with init_std 0.1) the
float32 rounding differences we observe are 1e-6 to 1e-5; 1e-4 leaves a 10x margin for other
machines' SIMD paths, while errors of the kind the test exists to find (a wrong mask offset,
head split, position id or cache concatenation) change logits by 1e-2 or more. The test also
checks that it can fail: the ORT result must be out of tolerance of the torch result of a
plausible bug (no causal mask; a cache that is ignored).
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ortharness import Checker, run_ort  # noqa: E402

from gcim_models.export import ExportOptions, export_model, save_model  # noqa: E402
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402

RTOL = 1e-4


def torch_run(model, ids, past=None):
    with torch.no_grad():
        logits, presents = model(torch.from_numpy(ids), past)
    return logits.numpy(), [(k.numpy(), v.numpy()) for k, v in presents]


def kv_feeds(config, ids, presents):
    feeds = {"input_ids": ids}
    for i, (k, v) in enumerate(presents):
        feeds[f"past_key_{i}"] = k
        feeds[f"past_value_{i}"] = v
    return feeds


def ort_presents(config, out):
    return [(out[f"present_key_{i}"], out[f"present_value_{i}"]) for i in range(config.layers)]


def check_presents(check, what, got, ref):
    for i, ((gk, gv), (rk, rv)) in enumerate(zip(got, ref)):
        check.close(f"{what} present_key_{i}", gk, rk)
        check.close(f"{what} present_value_{i}", gv, rv)


def empty_past(config, batch):
    shape = (batch, config.heads, 0, config.head_dim)
    return [(np.zeros(shape, np.float32), np.zeros(shape, np.float32))
            for _ in range(config.layers)]


def test_no_cache(check, config, model, path, args, rng):
    shapes = [(args.batch, args.seq)]
    if args.dynamic:
        shapes += [(2, 5), (1, config.context)]
    for batch, seq in shapes:
        ids = rng.integers(0, config.vocab, (batch, seq), dtype=np.int64)
        ref, _ = torch_run(model, ids)
        out = run_ort(path, {"input_ids": ids})
        check.close(f"logits B={batch} T={seq}", out["logits"], ref)
    # A plausible bug to reject: the same model without its causal mask.
    wrong, _ = torch_run(without_mask(model), ids)
    check_rejects(check, "a model without causal mask", out["logits"], wrong)


def test_static_cache(check, config, model, path, args, rng):
    seq, past = ExportOptions(kv_cache=True, seq=args.seq, past=args.past).resolve(config)
    ids = rng.integers(0, config.vocab, (args.batch, past + seq), dtype=np.int64)
    ref_logits, ref_presents = torch_run(model, ids)
    _, past_kv = torch_run(model, ids[:, :past])
    out = run_ort(path, kv_feeds(config, ids[:, past:], past_kv))
    check.close(f"logits T={seq} after past {past}", out["logits"], ref_logits[:, past:])
    check_presents(check, f"past {past} + T={seq}", ort_presents(config, out), ref_presents)
    # A plausible bug to reject: the cache ignored (or, with no past, the mask).
    if past:
        wrong, _ = torch_run(model, ids[:, past:])
        check_rejects(check, "a run that ignores the past", out["logits"], wrong)
    else:
        wrong, _ = torch_run(without_mask(model), ids)
        check_rejects(check, "a model without causal mask", out["logits"], wrong)


def test_dynamic_cache(check, config, model, path, args, rng):
    total, prefill, batch = args.decode_total, args.prefill, args.batch
    ids = rng.integers(0, config.vocab, (batch, total), dtype=np.int64)
    ref_logits, ref_presents = torch_run(model, ids)
    # All T tokens at once, empty past.
    out = run_ort(path, kv_feeds(config, ids, empty_past(config, batch)))
    check.close(f"logits all {total} tokens at once (empty past)", out["logits"], ref_logits)
    check_presents(check, f"all {total} at once", ort_presents(config, out), ref_presents)
    # Prefill, then one token at a time feeding presents back as past.
    out = run_ort(path, kv_feeds(config, ids[:, :prefill], empty_past(config, batch)))
    check.close(f"logits prefill {prefill}", out["logits"], ref_logits[:, :prefill])
    presents = ort_presents(config, out)
    steps = []
    for t in range(prefill, total):
        out = run_ort(path, kv_feeds(config, ids[:, t:t + 1], presents))
        presents = ort_presents(config, out)
        steps.append(out["logits"])
    check.close(f"logits decoded one by one ({prefill}..{total - 1})",
                np.concatenate(steps, axis=1), ref_logits[:, prefill:])
    check_presents(check, "after decoding", presents, ref_presents)
    # The torch model itself: decoding with past equals the full run.
    _, tp = torch_run(model, ids[:, :prefill])
    tp = [(torch.from_numpy(k), torch.from_numpy(v)) for k, v in tp]
    torch_steps = []
    for t in range(prefill, total):
        with torch.no_grad():
            logits, tp = model(torch.from_numpy(ids[:, t:t + 1]), tp)
        torch_steps.append(logits.numpy())
    check.close("torch decoded one by one vs torch full", np.concatenate(torch_steps, axis=1),
                ref_logits[:, prefill:])
    # A plausible bug to reject: decoding that ignores the cache.
    wrong = np.concatenate([torch_run(model, ids[:, t:t + 1])[0] for t in range(prefill, total)],
                           axis=1)
    check_rejects(check, "decoding that ignores the past", np.concatenate(steps, axis=1), wrong)


def without_mask(model):
    mutated = GPT2(model.config).eval()
    mutated.load_state_dict(model.state_dict())
    for block in mutated.h:
        block.attn.bias.fill_(True)
    return mutated


def check_rejects(check, what, got, wrong):
    """The comparison must be able to fail: `got` must be out of tolerance of `wrong`."""
    excess = np.abs(got - wrong) - RTOL * np.maximum(1.0, np.abs(wrong))
    check.expect(f"tolerance rejects {what}", bool(excess.max() > 0),
                 f"max excess over tolerance {excess.max():.3e}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--head-dim", type=int, default=32)
    p.add_argument("--embd", type=int, default=None)
    p.add_argument("--vocab", type=int, default=96)
    p.add_argument("--context", type=int, default=32)
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--gelu", default="tanh")
    p.add_argument("--kv-cache", action="store_true")
    p.add_argument("--dynamic", action="store_true")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seq", type=int, default=None)
    p.add_argument("--past", type=int, default=None)
    p.add_argument("--prefill", type=int, default=3)
    p.add_argument("--decode-total", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    name = (f"gpt2-ort L{args.layers} H{args.heads} D{args.head_dim}"
            f"{f' E{args.embd}' if args.embd else ''} opset {args.opset} "
            f"gelu {args.gelu}{' kv-cache' if args.kv_cache else ''}"
            f"{' dynamic' if args.dynamic else ''}")
    print(name)
    config = GPT2Config(layers=args.layers, heads=args.heads, head_dim=args.head_dim,
                        embd=args.embd, vocab=args.vocab, context=args.context, gelu=args.gelu, seed=args.seed,
                        init_std=0.1)
    model = GPT2(config).eval()
    seq = args.seq
    if seq is None and args.dynamic and args.kv_cache:
        seq, past = 3, 2  # trace with both axes non-trivial
    else:
        past = args.past
    options = ExportOptions(opset=args.opset, kv_cache=args.kv_cache, dynamic=args.dynamic,
                            batch=args.batch, seq=seq, past=past)
    args.seq, _ = options.resolve(config)
    rng = np.random.default_rng(args.seed + 1)
    check = Checker(RTOL)
    with tempfile.TemporaryDirectory(prefix="gcim-gpt2-") as tmp:
        path = os.path.join(tmp, "model.onnx")
        save_model(export_model(model, options), path)
        if not args.kv_cache:
            test_no_cache(check, config, model, path, args, rng)
        elif not args.dynamic:
            test_static_cache(check, config, model, path, args, rng)
        else:
            test_dynamic_cache(check, config, model, path, args, rng)
    return check.finish(name)


if __name__ == "__main__":
    sys.exit(main())
