#!/bin/sh
# run.sh [decode|prefill|quant|quant-q4|compile|compile-q8|compile-q4|bandwidth|all] [BUILD]: the
# end-to-end benchmarks of issue 7 on a GPT-2-small-shaped model (not a test; see
# bench/README.md).
#
#   decode     PREFIX_step at context 128 and 1024: gcim digital and analog against ONNX
#              Runtime (--kv-cache --dynamic export), each with 1 and 2 threads
#   prefill    PREFIX_run on 128 and 512 tokens against ONNX Runtime (1 and 2 threads each)
#   quant      decode with int8 weights: the QDQ export of quantize.py (weight-only int8 per
#              output column) in gcim against ONNX Runtime on the float32 export and on
#              the same QDQ file, 1 and 2 threads; RATIO lines as for decode, RATIO-INT8
#              lines over ONNX Runtime's int8 time; the load average before each round
#   quant-q4   the same with 4-bit weights: quantize.py --bits 4 (com.microsoft MatMulNBits)
#   compile    gcim-compile wall and CPU time and peak RSS (/usr/bin/time), 5 runs, medians
#   compile-q8 the same for the int8 QDQ file of quantize.py (gpt2-q8.onnx)
#   compile-q4 the same for the 4-bit MatMulNBits file of quantize.py --bits 4 (gpt2-q4.onnx)
#   bandwidth  the machine's memory read bandwidth (bench/e2e/bandwidth.c), 1 and 2 threads
#
# Models and output folders go to $WORK (default /tmp/gcim-bench-e2e; never committed).
# Every gcim figure is taken twice: the generated folder built as users get it (`make`,
# the Makefile's own portable CFLAGS: "default build") and built with CFLAGS (default
# -O3 -march=native: "tuned build"). RUNS (default 7) timed calls per figure; medians are
# printed as RESULT lines, and each round ends with RATIO lines: every gcim median over
# ONNX Runtime's at the same thread count, from that round. ROUNDS (default 1) repeats
# the decode and prefill comparisons.
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

# gen NAME TOKENS ATTENTION [MODEL]: compiles the full-sequence model (default
# $work/gpt2.onnx) for (1, TOKENS) into $work/NAME-tuned, built with $cflags, and
# $work/NAME-default, built with the generated Makefile's defaults; builds gcim-bench
# against each (with the same flags).
gen() {
  model=${4:-$work/gpt2.onnx}
  for build in tuned default; do
    out="$work/$1-$build"
    [ -x "$out/gcim-bench" ] && continue
    rm -rf "$out"
    "$compile" "$model" --input-shape "input_ids=1x$2" --attention="$3" \
      --name model -o "$out"
    if [ "$build" = tuned ]; then
      make -s -C "$out" CFLAGS="$cflags" >/dev/null
      flags=$cflags
    else
      make -s -C "$out" >/dev/null
      flags=-O2
    fi
    # shellcheck disable=SC2086
    cc -std=c99 $flags -I"$out" -I"$out/runtime/include" "$here/gcim-bench.c" \
      "$out/libmodel.a" -lpthread -lm -o "$out/gcim-bench"
  done
}

# gcim NAME LABEL THREADS MODE ARGS...: runs $work/NAME-{default,tuned}/gcim-bench MODE
# WEIGHTS ARGS on THREADS worker threads, RESULT lines labelled "LABEL default|tuned".
gcim() {
  name=$1 label=$2 threads=$3 mode=$4
  shift 4
  for build in default tuned; do
    GCIM_THREADS=$threads "$work/$name-$build/gcim-bench" "$mode" \
      "$work/$name-$build/model.weights" "$@" |
      grep RESULT | sed -e "s/^RESULT/RESULT $label $build threads=$threads/"
  done
}

# Reads one round's RESULT lines; prints them, then RATIO lines: each gcim median wall (and
# CPU) time over ONNX Runtime's for the same measurement and thread count.
ratios() {
  awk '{ print }
    /^RESULT/ {
      t = ""; what = ""; wall = ""; cpu = ""
      for (i = 2; i <= NF; ++i) {
        if ($i ~ /^threads=/) t = $i
        else if ($i ~ /^(P|T)=/) what = $i
        else if ($i == "wall") wall = $(i + 1)
        else if ($i == "cpu") cpu = $(i + 1)
      }
      if ($2 == "decode" || $2 == "prefill") { ortWall[what " " t] = wall; ortCpu[what " " t] = cpu; next }
      if ($2 ~ /^ort-(int8|q4)$/) {
        q8Wall[what " " t] = wall; q8Cpu[what " " t] = cpu; q = substr($2, 5)
      }
      g = $2 " " $3 " " what " " t
      gcimWall[g] = wall; gcimCpu[g] = cpu; key[g] = what " " t
    }
    END {
      for (g in gcimWall) {
        if (key[g] in ortWall)
          printf "RATIO %s: %.2fx ONNX Runtime (CPU %.2fx)\n", g, gcimWall[g] / ortWall[key[g]],
                 gcimCpu[g] / ortCpu[key[g]]
        if (key[g] in q8Wall && g !~ /^ort-/)
          printf "RATIO-%s %s: %.2fx ONNX Runtime %s (CPU %.2fx)\n", toupper(q), g,
                 gcimWall[g] / q8Wall[key[g]], q, gcimCpu[g] / q8Cpu[key[g]]
      }
    }'
}

ort() { node "$here/ort-bench.js" "$@"; }

bandwidth() {
  cc -O3 -march=native -pthread "$here/bandwidth.c" -o "$work/bandwidth"
  "$work/bandwidth" 512 "$runs" 1 | grep RESULT
  "$work/bandwidth" 512 "$runs" 2 | grep RESULT
}

decode() {
  models
  gen decode-digital 1024 digital
  gen decode-analog 1024 analog
  # ROUNDS rounds, each timing every contender in turn, so that a shared machine's load
  # shifts hit them alike; compare the figures of one round.
  for round in $(seq "${ROUNDS:-1}"); do
    echo "round $round"
    for threads in 1 2; do
      ort decode "$work/gpt2-kv.onnx" "$threads" "$runs" 128 1024 | grep RESULT
      gcim decode-digital digital "$threads" decode "$runs" 128 1024
      gcim decode-analog analog "$threads" decode "$runs" 128 1024
    done | ratios
  done
}

# Decode on int8 weights (see the header): gcim compiles the QDQ file, whose MatMul weights
# stay int8 codes; ONNX Runtime runs the float32 export and the same QDQ file (its "all"
# level turns DequantizeLinear -> MatMul into an int8 product, MatMulIntegerToFloat).
# quant 4 (quant-q4): the same on the 4-bit MatMulNBits files of quantize.py --bits 4,
# RATIO-Q4 lines over ONNX Runtime's time on them.
quant() {
  bits=${1:-8} q=q8 label=int8 form=qdq
  [ "$bits" = 4 ] && q=q4 label=q4 form=nbits
  models
  for m in gpt2 gpt2-kv; do
    [ -f "$work/$m-$q.onnx" ] ||
      $py "$here/quantize.py" --bits "$bits" "$work/$m.onnx" "$work/$m-$q.onnx"
  done
  gen "decode-$q" 1024 digital "$work/gpt2-$q.onnx"
  for round in $(seq "${ROUNDS:-1}"); do
    echo "round $round: load average $(cut -d' ' -f1-3 /proc/loadavg)"
    for threads in 1 2; do
      ort decode "$work/gpt2-kv.onnx" "$threads" "$runs" 128 1024 | grep RESULT
      ort decode "$work/gpt2-kv-$q.onnx" "$threads" "$runs" 128 1024 | grep RESULT |
        sed -e "s/^RESULT decode \([^ ]*\) threads=\([0-9]*\)/RESULT ort-$label $form \1 threads=\2/"
      gcim "decode-$q" "$label" "$threads" decode "$runs" 128 1024
    done | ratios
  done
}

prefill() {
  models
  for t in 128 512; do
    gen "prefill-$t" "$t" digital
  done
  for round in $(seq "${ROUNDS:-1}"); do
    echo "round $round"
    for t in 128 512; do
      for threads in 1 2; do
        ort prefill "$work/gpt2.onnx" "$threads" "$runs" "$t" | grep RESULT
        gcim "prefill-$t" digital "$threads" prefill "$runs"
      done
    done | ratios
  done
}

# gcim-compile of MODEL (default gpt2; gpt2-q8 for compile-q8, made by quantize.py with
# BITS, default 8; gpt2-q4 with 4 for compile-q4) to a fresh folder,
# RUNS_COMPILE (default 5) times: each run's wall, user and system CPU time and peak RSS,
# then the medians, the ranges and the peak RSS over the weights file's size (the load
# average before each run is printed with it).
compile_time() {
  models
  model=${1:-gpt2}
  [ -f "$work/$model.onnx" ] ||
    $py "$here/quantize.py" --bits "${2:-8}" "$work/gpt2.onnx" "$work/$model.onnx"
  ls -l "$work/$model.onnx"
  log="$work/compile-times.txt"
  : >"$log"
  for i in $(seq "${RUNS_COMPILE:-5}"); do
    rm -rf "$work/compile-out"
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -o "$work/compile-time.txt" -f "%e %U %S %M" "$compile" \
      "$work/$model.onnx" --input-shape input_ids=1x128 --attention=digital \
      -o "$work/compile-out"
    read -r wall user sys rss <"$work/compile-time.txt"
    echo "$wall $user $sys $rss $load" >>"$log"
    echo "RESULT gcim-compile run $i: wall $wall s, CPU $user + $sys s, peak RSS $rss KB (load $load)"
  done
  weights=$(stat -c %s "$work/compile-out/"*.weights)
  sort -n "$log" | awk -v weights="$weights" '
    { wall[NR] = $1; cpu[NR] = $2 + $3; rss[NR] = $4 }
    function median(a, n,   b, i, j, t) {
      for (i = 1; i <= n; ++i) b[i] = a[i]
      for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
      return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
    }
    END {
      printf "RESULT gcim-compile median wall %.2f s (%.2f-%.2f), median CPU %.2f s, ", median(wall, NR), wall[1], wall[NR], median(cpu, NR)
      printf "median peak RSS %d KB = %.2fx the %d-byte weights file\n", median(rss, NR), median(rss, NR) * 1024 / weights, weights
    }'
}

case $what in
  decode) decode ;;
  prefill) prefill ;;
  quant) quant ;;
  quant-q4) quant 4 ;;
  compile) compile_time ;;
  compile-q8) compile_time gpt2-q8 ;;
  compile-q4) compile_time gpt2-q4 4 ;;
  bandwidth) bandwidth ;;
  all) bandwidth; compile_time; decode; prefill ;;
  *) echo "usage: run.sh [decode|prefill|quant|quant-q4|compile|compile-q8|compile-q4|bandwidth|all]" \
       "[BUILD]" >&2
     exit 2 ;;
esac
