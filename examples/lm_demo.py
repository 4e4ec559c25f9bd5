#!/usr/bin/python3
"""lm_demo.py: the language model's table for `make demo` and examples/README.md, every
number measured by a program that gcim-compile generated (no PyTorch).

    lm_demo.py --build build [--seeds 3] [--markdown]

Compiles and builds four programs from the shipped files: the digital model
(shakespeare_digital.onnx, --attention=digital), its naive mapping onto the gain cells
(--attention=analog), that mapping calibrated by gcim (the naive program's --calibrate on
shakespeare_calibration.npy, training text, then gcim-compile --scalers) and the fine-tuned
gain-cell model (shakespeare.onnx). Prints each one's held-out perplexity (--eval on the 64
windows of shakespeare_heldout.npy), the gain-cell programs' perplexity under noise (--hw with
write noise 0.02 V, read noise at 30 dB SNR and a 20 % retention spread, --seed 0 ..
seeds-1: mean, standard deviation, min, max), the energy and latency per token of the
simulated attention (--eval --json's stats), and a sample from a prompt (--generate,
temperature 0.8, --seed 0: greedy decoding of a model this small repeats "the the").
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
HELDOUT = os.path.join(HERE, "shakespeare_heldout.npy")
CALIBRATION = os.path.join(HERE, "shakespeare_calibration.npy")
PROMPT = "ROMEO:\n"
NOISE = ["--write-noise", "0.02", "--read-noise-snr", "30", "--retention-spread", "0.2"]
NOISE_LABEL = "write noise 0.02 V, read noise 30 dB, retention spread 20 %"


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def build_programs(bin_dir, tmp):
    """{name: program path} of the four programs (the calibrated one via its cache)."""
    compile_ = os.path.join(bin_dir, "gcim-compile")

    def program(name, model, *flags):
        out = os.path.join(tmp, name)
        run([compile_, os.path.join(HERE, model), "-o", out, "--emit-main", "--name",
             "shakespeare", "-q", *flags])
        run(["make", "-s", "-C", out])
        return os.path.join(out, "shakespeare")

    programs = {"digital": program("digital", "shakespeare_digital.onnx",
                                   "--attention=digital"),
                "naive": program("naive", "shakespeare_digital.onnx", "--attention=analog")}
    cache = os.path.join(tmp, "scalers.json")
    run([programs["naive"], "--calibrate", CALIBRATION, "--scalers", cache])
    programs["calibrated"] = program("calibrated", "shakespeare_digital.onnx",
                                     "--attention=analog", "--scalers", cache)
    programs["finetuned"] = program("finetuned", "shakespeare.onnx", "--attention=analog")
    with open(cache) as f:
        return programs, json.load(f)


def evaluate(prog, *extra):
    return json.loads(run([prog, "--eval", HELDOUT, "--json", *extra]))


def sample(prog, vocab, count):
    ids = ",".join(str(vocab.index(c)) for c in PROMPT)
    tokens = run([prog, "--generate", str(count), "--prompt", ids, "--temperature", "0.8",
                  "--seed", "0"]).split()
    return PROMPT + "".join(vocab[int(t)] for t in tokens)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default="build", help="gcim's build directory")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sample", type=int, default=100, help="characters to generate")
    parser.add_argument("--markdown", action="store_true", help="the table as markdown")
    args = parser.parse_args(argv)
    bin_dir = os.path.join(os.path.abspath(args.build), "bin")
    meta = {p.key: p.value for p in onnx.load(os.path.join(HERE, "shakespeare_digital.onnx"),
                                               load_external_data=False).metadata_props}
    vocab = json.loads(meta["gcim.lm"])["vocab"]
    rows = (("digital", "(1) digital (softmax), `--attention=digital`"),
            ("naive", "(2) the digital model on the gain cells, `--attention=analog`"),
            ("calibrated", "(4') (2) calibrated by gcim, `--calibrate` + `--scalers`"),
            ("finetuned", "(5) fine-tuned on the gain cells, `shakespeare.onnx`"))
    try:
        with tempfile.TemporaryDirectory(prefix="gcim-lm-demo-") as tmp:
            hw = os.path.join(tmp, "noise.json")
            run([os.path.join(bin_dir, "gcim-sim"), "hardware", *NOISE, "-o", hw])
            programs, cache = build_programs(bin_dir, tmp)
            results = {name: evaluate(programs[name]) for name, _ in rows}
            noisy = {name: [evaluate(programs[name], "--hw", hw, "--seed", str(s))["perplexity"]
                            for s in range(args.seeds)] for name in ("calibrated", "finetuned")}
            samples = {name: sample(programs[name], vocab, args.sample)
                       for name in ("digital", "naive", "calibrated", "finetuned")}
    except (OSError, RuntimeError, ValueError) as e:
        print(f"lm_demo: error: {e}", file=sys.stderr)
        return 1
    tokens = results["digital"]["tokens"]
    print(f"held-out perplexity measured by the generated programs ({tokens} predicted "
          f"characters; a uniform guess scores {len(vocab)}):")
    bar = "| " if args.markdown else "  "
    if args.markdown:
        print("\n| model | perplexity | next-character accuracy |\n| --- | --- | --- |")
    for name, label in rows:
        r = results[name]
        label = label if args.markdown else label.replace("`", "")
        sep = " | " if args.markdown else "  "
        print(f"{bar}{label:<62}{sep}{r['perplexity']:.3f}{sep}{r['accuracy']:.4f}"
              f"{' |' if args.markdown else ''}")
    print(f"calibration: {cache['iterations']} iterations on {cache['tokens']} training-text "
          f"tokens, statistic mismatch {cache['mismatch'][0]:.3g} -> "
          f"{cache['mismatch'][-1]:.3g}")
    print(f"under noise ({NOISE_LABEL}; --seed 0..{args.seeds - 1}):")
    for name, ppl in noisy.items():
        print(f"  {name:<11} perplexity {np.mean(ppl):.3f} +- {np.std(ppl):.3f} "
              f"(min {min(ppl):.3f}, max {max(ppl):.3f})")
    per_token = results["finetuned"]["stats"]["perToken"]
    energy = per_token["energyPJ"]
    print(f"simulated attention per token (2 layers x 2 heads, fine-tuned model): energy "
          f"{energy['total'] / 1000:.2f} nJ (analog products "
          f"{(energy['firstProduct'] + energy['secondProduct']) / 1000:.2f} nJ, DACs "
          f"{energy['dac'] / 1000:.2f} nJ, digital control {energy['digital'] / 1000:.2f} nJ), "
          f"latency {per_token['latencyNs']:.0f} ns")
    print(f"samples from the prompt {PROMPT!r} (temperature 0.8, seed 0):")
    for name, text in samples.items():
        print(f"  --- {name}\n" + "\n".join("  " + line for line in text.split("\n")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
