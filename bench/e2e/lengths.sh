#!/bin/sh
# lengths.sh: the cost of a run-time sequence length against static code of the same
# length. A dynamic GPT-2-style export shaped like the example language model (2 layers,
# width 64, 4 heads, vocabulary 65, 256 learned positions; random weights: the time does
# not depend on them) is compiled twice with --attention=digital and built with
# make CFLAGS='-O3 -march=native':
#   bounded: no shape flag, so its length is a run-time one bounded by the 256 positions;
#   static:  --input-shape input_ids=1xN, the fully static code of length N (default 128).
# The program of each runs N tokens (bounded: PREFIX_run_tokens, N PREFIX_step calls;
# static: PREFIX_run), and the bounded one also 256 (its compiled length: the static code).
# Prints the median CPU time (user + system, of the whole process: start-up, weights
# mapping, .npy I/O included) of RUNS runs of each (default 15), steadier than wall time on
# a shared machine.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/gcim-bench-lengths}
RUNS=${RUNS:-15}
N=${N:-128}
SHAPE=${SHAPE:-2x4x16} # layers x heads x head dimension
PY=/usr/bin/python3
rm -rf "$WORK" && mkdir -p "$WORK"
PYTHONPATH="$ROOT/python" $PY - "$WORK" "$N" "$SHAPE" <<'PY'
import sys, numpy as np
from gcim_models.export import ExportOptions, export_model, save_model
from gcim_models.gpt2 import GPT2, GPT2Config
work, n = sys.argv[1], int(sys.argv[2])
layers, heads, head_dim = (int(v) for v in sys.argv[3].split("x"))
model = GPT2(GPT2Config(layers=layers, heads=heads, head_dim=head_dim, vocab=65, context=256,
                        seed=1)).eval()
save_model(export_model(model, ExportOptions(opset=17, dynamic=True)), f"{work}/lm.onnx")
ids = np.random.default_rng(0).integers(0, 65, (1, 256))
np.save(f"{work}/n.npy", ids[:, :n])
np.save(f"{work}/256.npy", ids)
PY
"$ROOT/build/bin/gcim-compile" "$WORK/lm.onnx" -o "$WORK/bounded" --attention=digital \
    --emit-main --name lm -q
"$ROOT/build/bin/gcim-compile" "$WORK/lm.onnx" -o "$WORK/static" --attention=digital \
    --emit-main --name lm -q --input-shape "input_ids=1x$N"
make -s -C "$WORK/bounded" CFLAGS='-O3 -march=native' > /dev/null
make -s -C "$WORK/static" CFLAGS='-O3 -march=native' > /dev/null
for form in "static n" "bounded n" "bounded 256"; do
  set -- $form
  $PY - "$WORK/$1/lm" "$WORK/$2.npy" "$WORK/res" "$RUNS" "$1, $2" "$N" <<'PY'
import resource, statistics, subprocess, sys
program, ids, out, runs, form, n = sys.argv[1:]
times = []
for _ in range(int(runs)):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([program, "--threads", "1", "--input", f"input_ids={ids}", "--output-dir",
                    out], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
label = {"static, n": f"static (1x{n}): PREFIX_run, {n} tokens",
         "bounded, n": f"bounded (<=256): run_tokens, {n} tokens",
         "bounded, 256": "bounded (<=256): run_tokens, 256 tokens"}[form]
print(f"{label:42}: median CPU {statistics.median(times) * 1e3:6.1f} ms over {runs} runs "
      f"(min {min(times) * 1e3:.1f})")
PY
done
