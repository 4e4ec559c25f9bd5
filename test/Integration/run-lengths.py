#!/usr/bin/python3
"""run-lengths.py: one build runs any sequence length up to the model's limit.

A GPT-2-style export with dynamic axes and 16 learned positions is compiled once without
--input-shape (`--max input_ids=8`: batch 1, code planned for 8 tokens), and a Llama-style export (RoPE, angles folded by the
exporter for 12 tokens) at T = 12; both with --attention=digital. With the same build:
- the program runs full sequences of three lengths (shorter than, equal to and, for the
  learned positions, longer than the compiled T) through model_run_tokens, and every
  output matches ONNX Runtime at that length (the dynamic export; for the Llama-style
  model a static export of that length with the same weights) within
  1e-4 * max(1, |ref|) (float32 in both, summation orders differ);
- model_capacity is the model's own limit: 16 (the position table), 12 (the exact
  attention's cache of the RoPE model);
- --generate fills the positions and equals torch's greedy decoding; one token more is
  refused before the first step, naming both numbers;
- the Llama-style model with attention on the gain cells has no limit: it generates past
  its compiled T and past its table-free positions (40 tokens from a prompt of 3), and
  its first tokens equal the ones the same build generates within T.
A KV-cache export of the Llama-style model compiles with one pattern flag
(`--input-shape 'past_*=1x2x31x16'`) and generates the full-sequence twin's tokens.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from codegenharness import build, compile_model, run_program  # noqa: E402
from ortharness import Checker, run_ort  # noqa: E402

import gcim  # noqa: E402
from gcim_models.export import ExportOptions, export_model, save_model  # noqa: E402
from gcim_models.gpt2 import GPT2, GPT2Config  # noqa: E402
from gcim_models.llama import Decoder, DecoderConfig, export_decoder, greedy  # noqa: E402


def generate(out, count, prompt):
    proc = subprocess.run([os.path.join(out, "model"), "--generate", str(count), "--prompt",
                           ",".join(map(str, prompt))], capture_output=True, text=True)
    return proc.returncode, [int(t) for t in proc.stdout.split()], proc.stderr


def capacity(out):
    """model_capacity through the Python package (None: no limit)."""
    with gcim.load(out) as model:
        return model.capacity


def check_lengths(check, what, reference, out, lengths, vocab):
    """`reference(n)`: an ONNX file ONNX Runtime runs at n tokens."""
    rng = np.random.default_rng(11)
    for n in lengths:
        inputs = {"input_ids": rng.integers(0, vocab, (1, n))}
        ref, got = run_ort(reference(n), inputs), run_program(out, "model", inputs)
        for name, want in sorted(ref.items()):
            check.close(f"{what}, {n} tokens: {name} {want.shape} vs ONNX Runtime",
                        got[name], want)


def torch_greedy_gpt2(model, prompt, count):
    ids = list(prompt)
    with torch.no_grad():
        for _ in range(count):
            ids.append(int(model(torch.tensor([ids]))[0][0, -1].argmax()))
    return ids[len(prompt):]


def check_generation(check, what, out, limit, want):
    prompt, count = [3, 14, 15], limit - 2  # 3 + count - 1 = limit positions
    status, got, err = generate(out, count, prompt)
    check.expect(f"{what}: --generate {count} from 3 tokens fills {limit} positions and "
                 f"equals torch's greedy tokens", status == 0 and got == want(prompt, count),
                 err or f"gcim {got}")
    status, got, err = generate(out, count + 1, prompt)
    check.expect(f"{what}: one more token is refused up front with both numbers",
                 status == 1 and not got and f"need {limit + 1} positions, but the model "
                 f"takes {limit}" in err, err)


def main():
    check = Checker(1e-4)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="gcim-lengths-") as tmp:
        gpt2 = GPT2(GPT2Config(layers=2, heads=2, head_dim=16, vocab=48, context=16,
                               init_std=0.1, seed=4)).eval()
        gpt2_path = os.path.join(tmp, "gpt2.onnx")
        save_model(export_model(gpt2, ExportOptions(opset=17, dynamic=True)), gpt2_path)
        out = os.path.join(tmp, "gpt2")
        compile_model(gpt2_path, out, "--attention=digital", "--max", "input_ids=8")
        build(out)
        check_lengths(check, "GPT-2-style compiled at 8", lambda n: gpt2_path, out, (5, 8, 16),
                      48)
        check.expect("GPT-2-style: capacity is the 16-row position table", capacity(out) == 16,
                     f"{capacity(out)}")
        check_generation(check, "GPT-2-style", out, 16,
                         lambda p, n: torch_greedy_gpt2(gpt2, p, n))

        llama = Decoder(DecoderConfig(family="llama", seed=7, init_std=0.2)).eval()
        def llama_export(n):  # static shapes: one export per length, the same weights
            path = os.path.join(tmp, f"llama{n}.onnx")
            if not os.path.exists(path):
                onnx.save(export_decoder(llama, kv_cache=False, seq=n), path)
            return path
        llama_path = llama_export(12)
        out = os.path.join(tmp, "llama")
        compile_model(llama_path, out, "--attention=digital")
        build(out)
        check_lengths(check, "Llama-style compiled at 12", llama_export, out, (3, 7, 12), 64)
        check.expect("Llama-style (exact attention): capacity is the compiled 12",
                     capacity(out) == 12, f"{capacity(out)}")
        check_generation(check, "Llama-style", out, 12, lambda p, n: greedy(llama, p, n))

        analog = os.path.join(tmp, "analog")
        compile_model(llama_path, analog, "--attention=analog")
        build(analog)
        status, long_run, err = generate(analog, 40, [3, 14, 15])
        _, short_run, _ = generate(analog, 8, [3, 14, 15])
        check.expect("Llama-style on the gain cells: no limit (40 tokens past the compiled 12), "
                     "the first 8 as a run within T", status == 0 and len(long_run) == 40 and
                     long_run[:8] == short_run and capacity(analog) is None,
                     err or f"{long_run[:8]} vs {short_run}")

        kv_path, kv_out = os.path.join(tmp, "kv.onnx"), os.path.join(tmp, "kv")
        onnx.save(export_decoder(llama, kv_cache=True, past=7), kv_path)
        compile_model(kv_path, kv_out, "--attention=digital", "--input-shape",
                      "past_*=1x2x31x16")
        build(kv_out)
        status, got, err = generate(kv_out, 20, [3, 14, 15])
        check.expect("KV-cache export with one --input-shape pattern: --generate 20 equals "
                     "torch's greedy tokens", status == 0 and got == greedy(llama,
                                                                            [3, 14, 15], 20),
                     err or f"{got}")
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
