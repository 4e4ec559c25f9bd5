#!/bin/sh
# run.sh [CFLAGS...]: builds bench-sim with the library's own flags (C11, -O3, no FP
# contraction, no -march unless given) and runs it and the PyTorch baseline, one core each.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${TMPDIR:-/tmp}/gcim-bench-sim
cc -std=c11 -O3 -ffp-contract=off "$@" -I"$root/include" "$here/bench-sim.c" \
  "$root/lib/Runtime/Allocator.c" "$root/lib/Runtime/Hardware.c" "$root/lib/Runtime/SimHead.c" \
  "$root/lib/Runtime/SimKernel.c" "$root/lib/Runtime/Chip.c" "$root/lib/Runtime/ChipSim.c" \
  "$root/lib/Runtime/ChipSimProducts.c" "$root/lib/Runtime/SimCalibration.c" \
  -lm -o "$out"
echo "== gcim simulator (C) =="
taskset -c 0 "$out" 20000 7
echo "== PyTorch baseline =="
taskset -c 0 /usr/bin/python3 "$here/bench_torch.py"
