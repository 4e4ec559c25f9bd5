#!/bin/sh
# lengths.sh: the cost of a run-time sequence length. The example language model
# (examples/shakespeare_digital.onnx, 256 positions) compiled once at T = 256
# (--attention=digital, make CFLAGS='-O3 -march=native'): the program on 256 tokens runs
# the static PREFIX_run, on 255 tokens PREFIX_run_tokens (255 PREFIX_step calls). Prints
# the median CPU time (user + system, of the whole process: start-up, weights mapping,
# .npy I/O included) of RUNS runs of each (default 15), steadier than wall time on a
# shared machine.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/gcim-bench-lengths}
RUNS=${RUNS:-15}
PY=/usr/bin/python3
rm -rf "$WORK" && mkdir -p "$WORK"
"$ROOT/build/bin/gcim-compile" "$ROOT/examples/shakespeare_digital.onnx" -o "$WORK/out" \
    --attention=digital --emit-main --name lm -q
make -s -C "$WORK/out" CFLAGS='-O3 -march=native' > /dev/null
$PY - "$ROOT/examples/shakespeare_heldout.npy" "$WORK" <<'PY'
import sys, numpy as np
windows = np.load(sys.argv[1])
np.save(f"{sys.argv[2]}/static.npy", windows[:1, :256])
np.save(f"{sys.argv[2]}/tokens.npy", windows[:1, :255])
PY
for form in static tokens; do
  $PY - "$WORK/out/lm" "$WORK/$form.npy" "$WORK/res" "$RUNS" "$form" <<'PY'
import resource, statistics, subprocess, sys
program, ids, out, runs, form = sys.argv[1:]
times = []
for _ in range(int(runs)):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([program, "--threads", "1", "--input", f"input_ids={ids}", "--output-dir",
                    out], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
label = {"static": "PREFIX_run, 256 tokens (static)",
         "tokens": "PREFIX_run_tokens, 255 tokens"}[form]
print(f"{label:36}: median CPU {statistics.median(times) * 1e3:6.1f} ms over {runs} runs "
      f"(min {min(times) * 1e3:.1f})")
PY
done
