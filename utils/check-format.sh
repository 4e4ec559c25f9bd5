#!/bin/sh
# check-format.sh: fails when a tracked C file (.c, .h) is not formatted as .clang-format
# says, listing each such file. clang-format from Debian (package clang-format, version 14);
# CLANG_FORMAT overrides the binary. Formats nothing: run `clang-format -i FILE` to fix.
set -eu
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  echo "check-format: $CLANG_FORMAT not found (utils/install-deps.sh installs it)" >&2
  exit 2
fi
unformatted=0
total=0
for file in $(git ls-files '*.c' '*.h'); do
  total=$((total + 1))
  if ! "$CLANG_FORMAT" --dry-run -Werror "$file" >/dev/null 2>&1; then
    echo "$file"
    unformatted=$((unformatted + 1))
  fi
done
echo "check-format: $unformatted of $total files not formatted"
[ "$unformatted" -eq 0 ]
