#!/bin/sh
# run.sh [decode|prefill|compile|bandwidth|all] [BUILD]: the end-to-end benchmarks of
# issue 7 on a GPT-2-small-shaped model (not a test; see bench/README.md).
#
#   decode     PREFIX_step at context 128 and 1024: gcim digital and analog against ONNX
#              Runtime (--kv-cache --dynamic export), each with 1 and 2 threads
#   prefill    PREFIX_run on 128 and 512 tokens against ONNX Runtime (1 and 2 threads each)
#   compile    gcim-compile wall time and peak RSS (/usr/bin/time -v), 5 runs
#   bandwidth  the machine's memory read bandwidth (bench/e2e/bandwidth.c), 1 and 2 threads
#
# Models and output folders go to $WORK (default /tmp/gcim-bench-e2e; never committed).
# The generated C is built with CFLAGS (default -O3 -march=native: a build for this
# machine; the generated Makefile's own default is the portable -O2). RUNS (default 7)
# timed calls per figure; medians are printed as RESULT lines. ROUNDS (default 1) repeats
# the decode comparison.
set -eu
what=${1:-all}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${2:-$root/build}" && pwd)
work=${WORK:-/tmp/gcim-bench-e2e}
runs=${RUNS:-7}
cflags=${CFLAGS:--O3 -march=native}
compile="$build/bin/gcim-compile"
mkdir -p "$work"
py=/usr/bin/python3

models() {
  [ -f "$work/gpt2.onnx" ] ||
    $py "$root/python/export_gpt2.py" --gpt2-small --dynamic -o "$work/gpt2.onnx"
  [ -f "$work/gpt2-kv.onnx" ] ||
    $py "$root/python/export_gpt2.py" --gpt2-small --kv-cache --dynamic -o "$work/gpt2-kv.onnx"
}

# gen NAME TOKENS ATTENTION: compiles the full-sequence model for (1, TOKENS) into
# $work/NAME and builds gcim-bench against it.
gen() {
  out="$work/$1"
  rm -rf "$out"
  "$compile" "$work/gpt2.onnx" --input-shape "input_ids=1x$2" --attention="$3" \
    --name model -o "$out"
  make -s -C "$out" CFLAGS="$cflags" >/dev/null
  # shellcheck disable=SC2086
  cc -std=c99 $cflags -I"$out" -I"$out/runtime/include" "$here/gcim-bench.c" \
    "$out/libmodel.a" -lpthread -lm -o "$out/gcim-bench"
}

ort() { node "$here/ort-bench.js" "$@"; }

bandwidth() {
  cc -O3 -march=native -pthread "$here/bandwidth.c" -o "$work/bandwidth"
  "$work/bandwidth" 512 "$runs" 1 | grep RESULT
  "$work/bandwidth" 512 "$runs" 2 | grep RESULT
}

decode() {
  models
  [ -x "$work/decode-digital/gcim-bench" ] || gen decode-digital 1024 digital
  [ -x "$work/decode-analog/gcim-bench" ] || gen decode-analog 1024 analog
  # ROUNDS rounds, each timing every contender in turn, so that a shared machine's load
  # shifts hit them alike; compare the figures of one round.
  for round in $(seq "${ROUNDS:-1}"); do
    echo "round $round"
    ort decode "$work/gpt2-kv.onnx" 1 "$runs" 128 1024 | grep RESULT
    "$work/decode-digital/gcim-bench" decode "$work/decode-digital/model.weights" "$runs" \
      128 1024 | sed -e 's/^RESULT/RESULT digital/' | grep RESULT
    "$work/decode-analog/gcim-bench" decode "$work/decode-analog/model.weights" "$runs" \
      128 1024 | sed -e 's/^RESULT/RESULT analog/' | grep RESULT
    ort decode "$work/gpt2-kv.onnx" 2 "$runs" 128 1024 | grep RESULT
    GCIM_THREADS=2 "$work/decode-digital/gcim-bench" decode \
      "$work/decode-digital/model.weights" "$runs" 128 1024 |
      sed -e 's/^RESULT/RESULT digital 2 threads/' | grep RESULT
    GCIM_THREADS=2 "$work/decode-analog/gcim-bench" decode \
      "$work/decode-analog/model.weights" "$runs" 128 1024 |
      sed -e 's/^RESULT/RESULT analog 2 threads/' | grep RESULT
  done
}

prefill() {
  models
  for t in 128 512; do
    [ -x "$work/prefill-$t/gcim-bench" ] || gen "prefill-$t" "$t" digital
    ort prefill "$work/gpt2.onnx" 1 "$runs" "$t" | grep RESULT
    "$work/prefill-$t/gcim-bench" prefill "$work/prefill-$t/model.weights" "$runs" |
      sed -e 's/^RESULT/RESULT digital/' | grep RESULT
    ort prefill "$work/gpt2.onnx" 2 "$runs" "$t" | grep RESULT
    GCIM_THREADS=2 "$work/prefill-$t/gcim-bench" prefill "$work/prefill-$t/model.weights" \
      "$runs" | sed -e 's/^RESULT/RESULT digital 2 threads/' | grep RESULT
  done
}

compile_time() {
  models
  ls -l "$work/gpt2.onnx"
  for i in 1 2 3 4 5; do
    rm -rf "$work/compile-out"
    /usr/bin/time -f "RESULT gcim-compile wall %e s peak RSS %M KB" "$compile" \
      "$work/gpt2.onnx" --input-shape input_ids=1x128 --attention=digital \
      -o "$work/compile-out" 2>&1 | grep RESULT
  done
  ls -l "$work/compile-out/"*.weights
}

case $what in
  decode) decode ;;
  prefill) prefill ;;
  compile) compile_time ;;
  bandwidth) bandwidth ;;
  all) bandwidth; compile_time; decode; prefill ;;
  *) echo "usage: run.sh [decode|prefill|compile|bandwidth|all] [BUILD]" >&2; exit 2 ;;
esac
