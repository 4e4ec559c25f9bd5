#!/usr/bin/python3
"""codegen-llm.py FAMILY: a Llama/Mistral/Qwen2/Phi-3/Gemma-style decoder (python/gcim_models/
llama.py: 2 layers, 4 query heads over 2 K/V heads (1 for gemma), head_dim 16) exported by
torch.onnx at opset 17 full-sequence and as a one-token KV-cache step, through gcim-compile
--attention=digital.

Checks, for each export: every attention fuses (one gcim.attention per layer, none left
with gcim.unfused) and the graph streams (a step function); the generated C matches ONNX
Runtime within 1e-4 * max(1, |ref|) (float32 in both, summation orders differ: about 1e-6
here); `--generate` equals torch's greedy tokens. The full-sequence export also runs
model_step token by token against model_run (1e-4, as codegen-stream.py), and again with
the attention on the simulated gain cells (--attention=analog, the K/V heads replicated
per query head; tolerance ANALOG_TOLERANCE).

The analog build is also checked against the hardware's semantics: the torch decoder with
every attention replaced by python/gcim_reference's numpy model of the hardware
(gcim_models.llama.gain_cell_attention: gcim's scalers, RoPE before them, the mask's window).
Its logits must equal the program's within 1e-4 * max(1, |ref|), as the digital build's.
A quantiser's input that lies within TIE_DELTA of a rounding boundary may round either way:
the program's digital layers round differently from torch's (float32 against float64
digital layers move the quantiser inputs by at most 2e-6 here), and one flipped step is
not small after two layers (one quantiser step flipped at a random element of each of the
llama reference's 120 quantiser calls in turn: up to 87 % of the logits moved by more than
1e-3, the largest by 1.04, the median flip's largest by 0.029). So every combination of
those near ties is tried (at most MAX_TIES of them; 0-2 here) and the program must match one
of those references within 1e-4. A wrong scaler (b_k 0.40) or window (mistral's ignored)
in the reference fails by 1.8 and 5.0. The same holds for
`--generate`: at every generated position the program's token is the reference's argmax on
the program's own tokens (so the reference's greedy decoding gives the same tokens).

Mistral only: a KV-cache step whose rotary positions are counted from the sliding window's
start max(0, past + 1 - window) (as rolling-buffer caches number them), bound at a past of 7
beyond the window of 4, gets no step function, the reason naming the start's node: the
start looks like a position at pasts 7 and 8 (4, 5), and a step function computing it from
its step index gave wrong logits from the second step (up to 7.3 against torch stepping its
own cache); the importer's probe with a past of one token now shows it is not (compile only).
"""
import itertools
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, build_step_check, compile_model, gcim_compile, generate, run_program  # noqa: E402,E501
from ortharness import Checker, run_ort  # noqa: E402

import gcim_reference.model as reference_model  # noqa: E402
from gcim_models.llama import (  # noqa: E402
    Decoder, DecoderConfig, export_decoder, gain_cell_attention, greedy)

PROMPT, COUNT = [3, 14, 15], 6
# Analog step vs run: the simulated heads are bit-identical in both forms, the digital
# projections around them round differently and can flip a quantiser by one step (about
# 1e-2 of a logit here, as in codegen-stream.py); a wrong position or mask is far more.
ANALOG_TOLERANCE = 0.05
# Quantiser inputs nearer a rounding boundary than this may round either way (5x the 2e-6
# that float32 against float64 digital layers move them); more ties than MAX_TIES fail.
TIE_DELTA, MAX_TIES = 1e-5, 6


class NearTies:
    """Within `with`, gcim_reference's quantiser records the (call, element) whose input lies
    within TIE_DELTA of a rounding boundary in `near`, and rounds those in `flip` the other
    way. Calls are numbered in order, the same for every forward pass of one sequence."""

    def __init__(self, flip=()):
        self.flip, self.near, self.calls = set(flip), [], 0

    def __enter__(self):
        self.exact, reference_model.quantize = reference_model.quantize, self.quantize
        return self

    def __exit__(self, *exc):
        reference_model.quantize = self.exact

    def quantize(self, x, max_value, levels, symmetric=False):
        y = self.exact(x, max_value, levels, symmetric).copy()
        call, self.calls = self.calls, self.calls + 1
        step = np.float32((2.0 if symmetric else 1.0) * max_value / (levels - 1))
        ratio = np.asarray(x, np.float64) / np.float64(step)
        distance = np.abs(ratio - np.floor(ratio) - 0.5) * step
        clipped = np.abs(x) == np.float32(max_value)  # stays at the end whatever the rounding
        self.near += [(call, int(i)) for i in np.flatnonzero((distance <= TIE_DELTA) & ~clipped)]
        for c, i in self.flip:
            if c == call:
                r = ratio.flat[i]
                y.flat[i] = step * np.float32(np.floor(r) + np.ceil(r) - np.rint(r))
        return y


def reference_logits(model, tokens):
    """The hardware reference's logits (T, V) for every rounding of its near ties: (tie
    count, [(flipped ties, logits)]), the exact rounding first; raises past MAX_TIES."""
    def forward(flip=()):
        with NearTies(flip) as ties, torch.no_grad():
            logits = model(torch.tensor([list(tokens)]))[0][0].numpy()
        return ties.near, logits
    near, logits = forward()
    if len(near) > MAX_TIES:
        raise RuntimeError(f"{len(near)} quantiser inputs within {TIE_DELTA} of a boundary")
    return len(near), [(flip, forward(flip)[1] if flip else logits)
                       for n in range(len(near) + 1) for flip in itertools.combinations(near, n)]


def nearest(candidates, got):
    """The candidate with the least max |got - ref| / max(1, |ref|): (error, ties, logits)."""
    return min((float(np.max(np.abs(got - ref) / np.maximum(1, np.abs(ref)))), flip, ref)
               for flip, ref in candidates)


def fused(check, path, layers, what, flags):
    proc = subprocess.run([gcim_compile(), path, "--emit=gcim", *flags], capture_output=True,
                          text=True)
    attentions = len(re.findall(r'"gcim.attention"', proc.stdout))
    unfused = re.findall(r'gcim.unfused = "([^"]*)"', proc.stdout)
    unstreamed = re.findall(r'gcim.unstreamed = "([^"]*)"', proc.stdout)
    check.expect(f"{what}: {layers} attentions fused", attentions == layers and not unfused,
                 f"{attentions} fused, unfused: {unfused}")
    check.expect(f"{what}: streamed", "_step(" in proc.stdout and not unstreamed,
                 f"unstreamed: {unstreamed}")


def check_analog(check, model, path, out, what, tokens):
    """--attention=analog: the gain-cell build's model_step matches its model_run, and its
    logits and --generate tokens are the hardware reference's."""
    compile_model(path, out, "--attention=analog")
    build(out)
    program = build_step_check(out)
    proc = subprocess.run([program, os.path.join(out, "model.weights"), str(ANALOG_TOLERANCE)],
                          capture_output=True, text=True)
    check.expect(f"{what} (analog): model_step matches model_run", proc.returncode == 0,
                 (proc.stdout + proc.stderr).strip()[-400:])
    got = run_program(out, "model", {"input_ids": tokens})["logits"][0]
    model.use_attention(gain_cell_attention())
    try:
        ties, candidates = reference_logits(model, tokens[0])
        error, flip, _ = nearest(candidates, got)
        check.expect(f"{what} (analog): logits = the numpy hardware reference's within 1e-4 "
                     f"({len(flip)} of {ties} near ties flipped)",
                     error <= 1e-4, f"max |diff| / max(1, |ref|) {error:.3g}")
        generated = generate(out, PROMPT, COUNT)
        sequence = PROMPT + (generated if isinstance(generated, list) else [])[:-1]
        chosen = [[int(t) for t in ref[len(PROMPT) - 1:].argmax(axis=1)]
                  for _, ref in reference_logits(model, sequence)[1]]
        check.expect(f"{what} (analog): --generate = the hardware reference's greedy tokens",
                     generated in chosen, f"gcim {generated}, reference {chosen[0]}")
    finally:
        model.use_attention(None)


def check_export(check, model, tmp, kv_cache):
    config = model.config
    what = f"{config.family} {'kv-cache step' if kv_cache else 'full-sequence'}"
    path = os.path.join(tmp, f"{'kv' if kv_cache else 'full'}.onnx")
    onnx.save(export_decoder(model, kv_cache=kv_cache, past=7, seq=None if kv_cache else 12),
              path)
    flags = [f"--input-shape=past_{kind}_{i}=1x{config.kv_heads}x7x{config.head_dim}"
             for i in range(config.layers) for kind in ("key", "value")] if kv_cache else []
    fused(check, path, config.layers, what, flags)
    out = os.path.join(tmp, "kv" if kv_cache else "full")
    compile_model(path, out, "--attention=digital", *flags)
    build(out)
    rng = np.random.default_rng(3)
    inputs = {"input_ids": rng.integers(0, config.vocab, (1, 1 if kv_cache else 12))}
    if kv_cache:
        for i in range(config.layers):
            for kind in ("key", "value"):
                inputs[f"past_{kind}_{i}"] = rng.standard_normal(
                    (1, config.kv_heads, 7, config.head_dim)).astype(np.float32)
    ref, got = run_ort(path, inputs), run_program(out, "model", inputs)
    for name, want in sorted(ref.items()):
        check.close(f"{what}: {name} vs ONNX Runtime", got[name], want)
    if not kv_cache:
        program = build_step_check(out)
        proc = subprocess.run([program, os.path.join(out, "model.weights"), "1e-4"],
                              capture_output=True, text=True)
        check.expect(f"{what}: model_step matches model_run", proc.returncode == 0,
                     (proc.stdout + proc.stderr).strip()[-400:])
    if not kv_cache:
        check_analog(check, model, path, os.path.join(tmp, "analog"), what,
                     inputs["input_ids"])
    want = greedy(model, PROMPT, COUNT)
    got_tokens = generate(out, PROMPT, COUNT)
    check.expect(f"{what}: --generate equals torch's greedy tokens", got_tokens == want,
                 f"gcim {got_tokens}, torch {want}")


class WindowPositions(Decoder):
    """The decoder with rotary positions counted from its sliding window's start."""

    def forward(self, input_ids, pasts=None):
        b, t = input_ids.shape
        past_len = pasts[0].shape[2] if pasts is not None else 0
        start = torch.maximum(torch.tensor(past_len + t - self.config.window), torch.tensor(0))
        cos, sin = self.rotary(torch.arange(past_len, past_len + t) - start)
        x, mask, presents = self.embed(input_ids), self.mask(t, past_len, torch.float32), []
        for i, block in enumerate(self.blocks):
            past = (pasts[2 * i], pasts[2 * i + 1]) if pasts is not None else None
            x, present = block(x, cos, sin, mask, past)
            presents += list(present)
        return self.head(self.norm(x)), presents


def check_window_positions(check, tmp):
    model = WindowPositions(DecoderConfig(family="mistral", seed=7, init_std=0.2)).eval()
    path = os.path.join(tmp, "window-positions.onnx")
    onnx.save(export_decoder(model, kv_cache=True, past=7), path)
    proc = subprocess.run([gcim_compile(), path, "--emit=gcim", "-o", "-",
                           "--input-shape=past_*=1x2x7x16"], capture_output=True, text=True)
    why = re.search(r'gcim\.unstreamed = "([^"]*)"', proc.stdout)
    check.expect("mistral, positions from the window's start: no step function, the start's "
                 "node named", proc.returncode == 0 and why is not None and
                 "'/model/Max' holds what the import computed from the cached length 7" in
                 why.group(1), why.group(1) if why else proc.stderr.strip()[-400:])


def main():
    family = sys.argv[1] if len(sys.argv) > 1 else "llama"
    check = Checker(1e-4)
    model = Decoder(DecoderConfig(family=family, seed=7, init_std=0.2)).eval()
    with tempfile.TemporaryDirectory(prefix=f"gcim-llm-{family}-") as tmp:
        for kv_cache in (False, True):
            try:
                check_export(check, model, tmp, kv_cache)
            except RuntimeError as error:
                check.expect(f"{family}: compiled, built and ran", False, str(error)[-1500:])
        if family == "mistral":
            check.run(check_window_positions, tmp)
    return check.finish(f"codegen-llm {family}")


if __name__ == "__main__":
    sys.exit(main())
