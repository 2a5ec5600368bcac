#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on the bundled
# default model (a GPT-2 encoder exported with ONNX Attention-23): import,
# convert, run through the reference path, compare with ONNX Runtime.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export TMIX_BUILD_DIR="${TMIX_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/build.sh"
PYTHONPATH="$ROOT/python${PYTHONPATH:+:$PYTHONPATH}" \
  python3 -m tmix.demo "${1:-$ROOT/test/data/models/gpt2.sdpa.dynamo.op23.onnx}"
