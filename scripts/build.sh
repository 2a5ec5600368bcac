#!/usr/bin/env bash
# Configures (once) and builds tmix into build/ with clang-22, lld and Ninja.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${TMIX_BUILD_DIR:-$ROOT/build}"
# Paths relative to the checkout in ccache's keys: build trees at the same
# depth (build/, build-pip/ of `pip install .`) share cached objects.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_INSTALL_PREFIX="$BUILD/install"
fi
cmake --build "$BUILD" -- -j"${TMIX_JOBS:-$(nproc)}"
