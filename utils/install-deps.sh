#!/bin/sh
# install-deps.sh: installs what gcim needs to build and test, from Debian's packages and
# npm. Idempotent: a no-op when everything is already there.
set -eu
cd "$(dirname "$0")/.."

# Build: MLIR 22 C API, protobuf-c, ONNX's proto. Tests: lit/FileCheck (llvm-22-tools),
# clang's libFuzzer, python3-onnx/numpy/torch for model exporters and references, the ONNX
# backend node tests, node/npm for the ONNX Runtime reference; pytest, venv, pip and
# setuptools to install and test the Python package (python/) offline. Checks: clang-format
# (utils/check-format.sh) and nm from binutils (utils/check-symbols.sh). The HTML report's
# browser test: headless chromium driven by python3-selenium through chromium-driver. The
# sweep's Slurm test: a one-node cluster of slurm-wlm (slurmctld, slurmd) with munge. ccache:
# the e2e tests' builds of generated folders share their runtime's objects through it.
PACKAGES="cmake make gcc g++ pkg-config libmlir-22-dev mlir-22-tools llvm-22-dev \
llvm-22-tools clang-22 libclang-rt-22-dev protobuf-c-compiler libprotobuf-c-dev \
libonnx-dev python3-onnx python3-numpy python3-torch libonnx-testdata nodejs npm \
python3-pytest python3-venv python3-pip python3-setuptools clang-format binutils \
chromium chromium-driver python3-selenium slurm-wlm munge ccache"
ORT_VERSION=1.30.0
NPM_PREFIX=.deps/npm

missing=""
for package in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done
# Node and npm may come from outside Debian's packages on some machines; accept them.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=$(echo "$missing" | sed 's/ nodejs//; s/ npm//')
fi

if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
  echo "install-deps: installing:$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# ONNX Runtime (reference for the end-to-end tests). Its install script would try a
# download that cannot succeed here; the CPU library ships inside the package.
if [ ! -f "$NPM_PREFIX/node_modules/onnxruntime-node/package.json" ] ||
   ! grep -q "\"version\": \"$ORT_VERSION\"" "$NPM_PREFIX/node_modules/onnxruntime-node/package.json"; then
  echo "install-deps: installing onnxruntime-node@$ORT_VERSION"
  mkdir -p "$NPM_PREFIX"
  npm install --prefix "$NPM_PREFIX" --no-save --no-package-lock --ignore-scripts \
    --no-audit --no-fund "onnxruntime-node@$ORT_VERSION"
fi
