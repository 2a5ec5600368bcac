#!/usr/bin/env bash
# Installs what is missing, builds, and runs the bundled default model
# through the executable reference path.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export TMIX_BUILD_DIR="${TMIX_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/build.sh"
PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}" \
  python3 -m tmix.demo "${1:-$ROOT/examples/mixers.mlir}"
