#!/bin/sh
# check-symbols.sh [BUILD]: lists the external symbols of gcim's static libraries (nm) that
# lack the project's prefix (gcim, Gcim or GCIM), library by library, and fails if there is
# any. Names matching a line of utils/check-symbols.allow are accepted. BUILD: build/.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
allow=$(grep -v '^#' "$root/utils/check-symbols.allow" | grep -v '^$' | paste -sd '|' -)
libraries=$(find "$build/lib" -name '*.a' | sort)
if [ -z "$libraries" ]; then
  echo "check-symbols: no libraries under $build/lib (build first)" >&2
  exit 2
fi
total=0
for library in $libraries; do
  # Defined external symbols: text, data, read-only data, BSS, common.
  bad=$(nm -g --defined-only "$library" | awk 'NF == 3 && $2 ~ /^[TDRBC]$/ {print $3}' |
        sort -u | grep -Ev "^(gcim|Gcim|GCIM)" | grep -Evx "${allow:-^$}" || true)
  count=$(printf '%s' "$bad" | grep -c . || true)
  echo "$(basename "$library"): $count unprefixed"
  [ "$count" -eq 0 ] || printf '%s\n' "$bad" | sed 's/^/  /'
  total=$((total + count))
done
echo "check-symbols: $total unprefixed external symbols"
[ "$total" -eq 0 ]
