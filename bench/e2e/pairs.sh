#!/bin/sh
# pairs.sh A B THREADS PAIRS MODE ARGS...: the ratio of two builds' times, measured as
# interleaved pairs so that a shared machine's load shifts hit both alike (not a test; see
# bench/README.md). A and B are generated folders with a gcim-bench built in them (run.sh
# makes $WORK/NAME-default and $WORK/NAME-tuned); each pair runs A's, then B's
#   GCIM_THREADS=THREADS gcim-bench MODE WEIGHTS ARGS...
# and takes each one's first RESULT line's median wall time. Prints every pair, then the
# median and the range of B / A over the pairs.
set -eu
[ $# -ge 5 ] || { echo "usage: pairs.sh A B THREADS PAIRS MODE ARGS..." >&2; exit 2; }
a=$1 b=$2 threads=$3 pairs=$4
shift 4
# wall DIR MODE ARGS...: DIR's gcim-bench's first median wall time in ms.
wall() {
  dir=$1 mode=$2
  shift 2
  ms=$(GCIM_THREADS=$threads "$dir/gcim-bench" "$mode" "$dir/model.weights" "$@" |
    sed -n -e 's/^RESULT .* median wall \([0-9.]*\) ms.*/\1/p' | head -n 1)
  [ -n "$ms" ] || { echo "pairs.sh: $dir/gcim-bench gave no RESULT" >&2; exit 1; }
  echo "$ms"
}
for i in $(seq "$pairs"); do
  ta=$(wall "$a" "$@") || exit 1
  tb=$(wall "$b" "$@") || exit 1
  echo "pair $i: A $ta ms, B $tb ms, load $(cut -d' ' -f1 /proc/loadavg)"
done | awk -v a="$a" -v b="$b" -v t="$threads" '
  { print; r[NR] = $7 / $4 }
  END {
    for (i = 1; i <= NR; ++i) for (j = i + 1; j <= NR; ++j) if (r[j] < r[i]) { x = r[i]; r[i] = r[j]; r[j] = x }
    m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "RESULT pairs threads=%d: B/A median %.3f (%.3f-%.3f, %d pairs); A=%s B=%s\n", t, m, r[1], r[NR], NR, a, b
  }'
