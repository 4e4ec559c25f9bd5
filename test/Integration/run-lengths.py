#!/usr/bin/python3
"""run-lengths.py: one build runs any sequence length up to the model's limit.

A GPT-2-style export with dynamic axes and 16 learned positions is compiled with no shape
flag at all (the bound is the position table's 16 rows, said in one stderr note), and a
Llama-style export with dynamic axes whose RoPE positions are computed in the graph (no
limit of its own) with `--max input_ids=16`; both with --attention=digital. With the same
build:
- the program runs full sequences of three lengths (and the GPT-2-style model also the
  compiled 16, which runs the static code; of the others, those from 8 on run the static
  code padded to 16, the shorter ones step by step) and every output matches ONNX Runtime
  on the same dynamic export at that length within 1e-4 * max(1, |ref|) (float32 in both,
  summation orders differ);
- model_capacity is the bound: 16 (the position table), 16 (the exact attention's cache,
  sized to --max); --help shows it, `(1, <=16)`;
- --generate fills the 16 positions, past the longest length run, and equals torch's
  greedy decoding; one token more is refused before the first step, naming both numbers;
- with attention on the gain cells the dynamic Llama-style export takes its --max 16
  positions (the importer folds their cos/sin into tables), and a static export (whose
  exporter folded the RoPE angles for 12 tokens) its 12: its plain causal mask cannot tell
  whether the model slides a window of 12 or more tokens past them; a Mistral-style static
  export of 12 tokens, whose mask shows its window of 4, has no limit: it generates past
  its compiled 12 (40 tokens from a prompt of 3), its first tokens those the same build
  generates within T.
model_run_tokens refuses a length out of range naming its limits (1 to 16; at least 1).
A KV-cache export of the Llama-style model compiles with one pattern flag
(`--input-shape 'past_*=1x2x31x16'`) and generates the same tokens as its full-sequence
twin's program (compared with each other, and both with torch).
"""
import ctypes
import io
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
from gcim_models.llama import (Decoder, DecoderConfig, StepWrapper,  # noqa: E402
                                export_decoder, greedy)


def generate(out, count, prompt):
    proc = subprocess.run([os.path.join(out, "model"), "--generate", str(count), "--prompt",
                           ",".join(map(str, prompt))], capture_output=True, text=True)
    return proc.returncode, [int(t) for t in proc.stdout.split()], proc.stderr


def capacity(out):
    """model_capacity through the Python package (None: no limit)."""
    with gcim.load(out) as model:
        return model.capacity


def run_tokens_refusal(out, n):
    """model_run_tokens(s, n, NULL, NULL) for an n it refuses before reading any buffer: its
    status and message (the C API only: the program checks a length when reading inputs)."""
    with gcim.load(out) as model:
        run_tokens = model._fn("run_tokens")
        run_tokens.restype = ctypes.c_int
        run_tokens.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p]
        status = run_tokens(model._live_state(), n, None, None)
        return status, model._fn("error")(model._live_state()).decode()


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


def export_dynamic(model, path):
    """The full-sequence Llama-style model with dynamic batch and sequence axes."""
    ids = torch.randint(0, model.config.vocab, (1, 5), generator=torch.Generator().manual_seed(1))
    buffer = io.BytesIO()
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
    with torch.no_grad():
        torch.onnx.export(StepWrapper(model, False).eval(), (ids,), buffer, opset_version=17,
                          input_names=["input_ids"], output_names=["logits"],
                          dynamic_axes=axes, do_constant_folding=True)
    onnx.save(onnx.load_model_from_string(buffer.getvalue()), path)


def help_shows_bound(out):
    text = subprocess.run([os.path.join(out, "model"), "--help"], capture_output=True,
                          text=True).stdout
    found = "input_ids              int64 (1, <=16)" in text
    return found, "" if found else text


def main():
    check = Checker(1e-4)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="gcim-lengths-") as tmp:
        gpt2 = GPT2(GPT2Config(layers=2, heads=2, head_dim=16, vocab=48, context=16,
                               init_std=0.1, seed=4)).eval()
        gpt2_path = os.path.join(tmp, "gpt2.onnx")
        save_model(export_model(gpt2, ExportOptions(opset=17, dynamic=True)), gpt2_path)
        out = os.path.join(tmp, "gpt2")
        note = compile_model(gpt2_path, out, "--attention=digital").stderr
        check.expect("GPT-2-style, no shape flag: one note names the bound and its table",
                     "note: sequence length up to 16, the rows of the position table "
                     "'model.wpe.weight'" in note, note)
        build(out)
        check_lengths(check, "GPT-2-style bounded by its table", lambda n: gpt2_path, out,
                      (4, 9, 13, 16), 48)
        check.expect("GPT-2-style: capacity is the 16-row position table", capacity(out) == 16,
                     f"{capacity(out)}")
        check.expect("GPT-2-style: --help shows the bound", *help_shows_bound(out))
        check_generation(check, "GPT-2-style", out, 16,
                         lambda p, n: torch_greedy_gpt2(gpt2, p, n))

        llama = Decoder(DecoderConfig(family="llama", seed=7, init_std=0.2)).eval()
        llama_path = os.path.join(tmp, "llama.onnx")
        export_dynamic(llama, llama_path)
        out = os.path.join(tmp, "llama")
        compile_model(llama_path, out, "--attention=digital", "--max", "input_ids=16")
        build(out)
        check_lengths(check, "Llama-style bounded by --max 16", lambda n: llama_path, out,
                      (3, 7, 12), 64)
        check.expect("Llama-style (exact attention): capacity is the --max bound 16",
                     capacity(out) == 16, f"{capacity(out)}")
        check.expect("Llama-style: --help shows the bound", *help_shows_bound(out))
        check_generation(check, "Llama-style", out, 16, lambda p, n: greedy(llama, p, n))

        # The importer folds the cos/sin of the --max positions into tables: the gain cells
        # take as many. A static export, whose exporter folded the angles (t * frequency),
        # has no limit there: the step function computes them from its position.
        analog = os.path.join(tmp, "analog")
        compile_model(llama_path, analog, "--attention=analog", "--max", "input_ids=16")
        build(analog)
        check.expect("Llama-style on the gain cells, --max 16: capacity 16", capacity(analog) == 16,
                     f"{capacity(analog)}")
        static_path, analog = os.path.join(tmp, "llama12.onnx"), os.path.join(tmp, "analog12")
        onnx.save(export_decoder(llama, kv_cache=False, seq=12), static_path)
        compile_model(static_path, analog, "--attention=analog")
        with open(os.path.join(analog, "model.h")) as header:  # no build needed to read it
            bound = "#define model_CAPACITY 12\n" in header.read()
        check.expect("Llama-style static export on the gain cells: capacity its 12 tokens (the "
                     "mask shows no window past them)", bound, "model.h")
        mistral = Decoder(DecoderConfig(family="mistral", seed=7, init_std=0.2)).eval()
        static_path, analog = os.path.join(tmp, "mistral12.onnx"), os.path.join(tmp, "mistral12")
        onnx.save(export_decoder(mistral, kv_cache=False, seq=12), static_path)
        compile_model(static_path, analog, "--attention=analog")
        build(analog)
        status, long_run, err = generate(analog, 40, [3, 14, 15])
        _, short_run, _ = generate(analog, 8, [3, 14, 15])
        check.expect("Mistral-style static export (window 4 seen) on the gain cells: no limit "
                     "(40 tokens past the compiled 12), the first 8 as a run within T",
                     status == 0 and len(long_run) == 40 and long_run[:8] == short_run and
                     capacity(analog) is None, err or f"{long_run[:8]} vs {short_run}")

        status, message = run_tokens_refusal(analog, 0)
        check.expect("no limit: model_run_tokens refuses 0 tokens naming the least length",
                     status == -1 and message == "a sequence of 0 tokens, but the model takes "
                     "at least 1", message)
        status, message = run_tokens_refusal(out, 17)
        check.expect("a limit: model_run_tokens refuses 17 tokens naming both ends",
                     status == -1 and message == "a sequence of 17 tokens, but the model takes "
                     "1 to 16", message)

        kv_path, kv_out = os.path.join(tmp, "kv.onnx"), os.path.join(tmp, "kv")
        onnx.save(export_decoder(llama, kv_cache=True, past=7), kv_path)
        compile_model(kv_path, kv_out, "--attention=digital", "--input-shape",
                      "past_*=1x2x31x16")
        build(kv_out)
        status, got, err = generate(kv_out, 14, [3, 14, 15])
        _, twin, twin_err = generate(out, 14, [3, 14, 15])
        check.expect("KV-cache export with one --input-shape pattern: --generate 14 equals its "
                     "full-sequence twin's program", status == 0 and got == twin and
                     len(got) == 14, err or twin_err or f"{got} vs {twin}")
        check.expect("... and both equal torch's greedy tokens",
                     got == greedy(llama, [3, 14, 15], 14), f"{got}")
    return check.finish(os.path.basename(__file__))


if __name__ == "__main__":
    sys.exit(main())
