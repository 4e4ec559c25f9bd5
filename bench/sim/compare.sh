#!/bin/sh
# compare.sh REV [PAIRS]: bench-sim (window 1024, d 64, nonlinear, decay) built with run.sh's
# flags from git revision REV and from the working tree, run alternately pinned to one core
# PAIRS times (default 9, 10,000 steps x 5 runs each); prints each pair's medians in us CPU
# per head-step, their ratio (tree / REV) and the median ratio. Extra CFLAGS: GCIM_CFLAGS.
set -eu
rev=$1
pairs=${2:-9}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gcim-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
git -C "$root" archive "$rev" include lib/Runtime bench/sim | tar -x -C "$work"
build() { # build SOURCE_ROOT OUTPUT
  cc -std=c11 -O3 -ffp-contract=off ${GCIM_CFLAGS:-} -I"$1/include" "$1/bench/sim/bench-sim.c" \
    "$1/lib/Runtime/Allocator.c" "$1/lib/Runtime/Hardware.c" "$1/lib/Runtime/SimHead.c" \
    "$1/lib/Runtime/SimKernel.c" $(ls "$1"/lib/Runtime/Chip*.c "$1"/lib/Runtime/SimCalibration.c \
    2>/dev/null || true) -lm -o "$2"
}
build "$work" "$work/before"
build "$root" "$work/after"
median() { sed 's/median: \([0-9.]*\) us.*/\1/' ; }
for i in $(seq "$pairs"); do
  b=$(taskset -c 0 "$work/before" 10000 5 | tail -1 | median)
  a=$(taskset -c 0 "$work/after" 10000 5 | tail -1 | median)
  echo "$b $a" | awk '{printf "%s %.2f us, tree %.2f us, ratio %.3f\n", "'"$rev"'", $1, $2, $2 / $1}'
done | tee "$work/pairs"
sort -t' ' -k8 -n "$work/pairs" | awk '{r[NR] = $8} END {printf "median ratio %.3f over %d pairs\n", r[int((NR + 1) / 2)], NR}'
