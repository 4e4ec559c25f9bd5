#!/bin/sh
# run.sh [BUILD]: the import benchmark (not a test). Generates the GPT-2-small-shaped
# model once (bench/import/gpt2.onnx, not committed), builds import-bench against the
# libraries of BUILD (default: build), and runs five imports of import-bench and of
# gcim-compile under /usr/bin/time -v.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
model="$here/gpt2.onnx"
[ -f "$model" ] || /usr/bin/python3 "$here/make-gpt2.py" "$model"
# Link exactly as gcim-compile is linked.
libs=$(sed -e 's/^.*-o [^ ]*//' "$build/tools/gcim-compile/CMakeFiles/gcim-compile.dir/link.txt" |
       sed -e "s|\.\./\.\./|$build/|g")
cc -std=c11 -O2 -I"$root/include" -I"$build/include" -isystem /usr/lib/llvm-22/include \
   -c "$here/import-bench.c" -o "$build/import-bench.o"
# shellcheck disable=SC2086
c++ "$build/import-bench.o" -o "$build/import-bench" $libs
ls -l "$model"
for i in 1 2 3 4 5; do
  /usr/bin/time -f "import-bench: wall %e s, peak RSS %M KB" "$build/import-bench" "$model" input_ids=1x16
done
for i in 1 2 3 4 5; do
  /usr/bin/time -f "gcim-compile (with printing): wall %e s, peak RSS %M KB" \
    "$build/bin/gcim-compile" "$model" --input-shape input_ids=1x16 --timing \
    --mlir-elide-resource-strings-if-larger=64 -o /dev/null
done
