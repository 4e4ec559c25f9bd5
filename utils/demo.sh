#!/bin/sh
# demo.sh BUILD_DIR: the README's first command after the build: runs the furthest stage of
# the pipeline that exists on the bundled example.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
echo "== gcim-opt --gcim-verify examples/attention-block.mlir"
"$BUILD/bin/gcim-opt" --gcim-verify examples/attention-block.mlir
