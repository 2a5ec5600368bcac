#!/usr/bin/env bash
# The whole test suite from a fresh clone: install dependencies, build, then
# run the format check, the lit suite and the Python numerics suite.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${TMIX_BUILD_DIR:-$ROOT/build}"
export TMIX_BUILD_DIR="$BUILD"

"$ROOT/scripts/install-deps.sh"
start=$(date +%s)
"$ROOT/scripts/build.sh"
echo "tmix: build took $(( $(date +%s) - start ))s"

cmake --build "$BUILD" --target check-format
/usr/lib/llvm-22/bin/lit -sv "$BUILD/test/lit"
cd "$ROOT/test/python"
python3 -m pytest -q -p no:cacheprovider .
