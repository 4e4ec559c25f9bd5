#!/bin/sh
# lengths.sh: the cost of a run-time sequence length against static code of the same
# length. A dynamic GPT-2-style export (SHAPE layers x heads x head dimension, default
# 2x4x16 like the example language model; vocabulary 65, 256 learned positions; random
# weights: the time does not depend on them) is compiled with --attention=digital and built
# with make CFLAGS='-O3 -march=native':
#   bounded:  no shape flag, so its length is a run-time one bounded by the 256 positions;
#   static N: --input-shape input_ids=1xN, the fully static code of length N, for each N
#             of LENGTHS (default "96 128").
# Each N runs through both programs (bounded: PREFIX_run_tokens, which steps below 128 and
# pads to 256 from 128 on; static: PREFIX_run), and the bounded program also runs 256 (its
# compiled length: the static code). Prints the median CPU time (user + system, of the
# whole process: start-up, weights mapping, .npy I/O included) of RUNS runs of each
# (default 15), steadier than wall time on a shared machine.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/gcim-bench-lengths}
RUNS=${RUNS:-15}
LENGTHS=${LENGTHS:-96 128}
SHAPE=${SHAPE:-2x4x16}
PY=/usr/bin/python3
rm -rf "$WORK" && mkdir -p "$WORK"
PYTHONPATH="$ROOT/python" $PY - "$WORK" "$SHAPE" $LENGTHS 256 <<'PY'
import sys, numpy as np
from gcim_models.export import ExportOptions, export_model, save_model
from gcim_models.gpt2 import GPT2, GPT2Config
work = sys.argv[1]
layers, heads, head_dim = (int(v) for v in sys.argv[2].split("x"))
model = GPT2(GPT2Config(layers=layers, heads=heads, head_dim=head_dim, vocab=65, context=256,
                        seed=1)).eval()
save_model(export_model(model, ExportOptions(opset=17, dynamic=True)), f"{work}/lm.onnx")
ids = np.random.default_rng(0).integers(0, 65, (1, 256))
for n in sys.argv[3:]:
    np.save(f"{work}/{n}.npy", ids[:, :int(n)])
PY
build() { # NAME FLAGS...
  name=$1 && shift
  "$ROOT/build/bin/gcim-compile" "$WORK/lm.onnx" -o "$WORK/$name" --attention=digital \
      --emit-main --name lm -q "$@"
  make -s -C "$WORK/$name" CFLAGS='-O3 -march=native' > /dev/null
}
measure() { # PROGRAM LENGTH LABEL
  $PY - "$WORK/$1/lm" "$WORK/$2.npy" "$WORK/res" "$RUNS" "$3" <<'PY'
import resource, statistics, subprocess, sys
program, ids, out, runs, label = sys.argv[1:]
times = []
for _ in range(int(runs)):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([program, "--threads", "1", "--input", f"input_ids={ids}", "--output-dir",
                    out], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
print(f"{label:44}: median CPU {statistics.median(times) * 1e3:6.1f} ms over {runs} runs "
      f"(min {min(times) * 1e3:.1f})")
PY
}
build bounded
for n in $LENGTHS; do
  build "static$n" --input-shape "input_ids=1x$n"
  measure "static$n" "$n" "static (1x$n): PREFIX_run, $n tokens"
  measure bounded "$n" "bounded (<=256): run_tokens, $n tokens"
done
measure bounded 256 "bounded (<=256): run_tokens, 256 tokens"
