#!/usr/bin/env bash
# Installs what tmix needs on a Debian 12 machine: LLVM/MLIR 22, ONNX and
# protobuf, build tools (apt), and the pinned Python packages (pip).
# Packages already present are not reinstalled.
set -euo pipefail

APT_PACKAGES=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22
  lld-22 libclang-rt-22-dev clang-format-22 libonnx-dev libprotobuf-dev protobuf-compiler
  libopenblas-dev libomp-22-dev zlib1g-dev
  ninja-build ccache cmake)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "tmix: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
if ! "$PY" - "$ROOT/requirements.txt" <<'PYEOF'
import sys
from importlib import metadata
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, version = line.split("==")
    try:
        if metadata.version(name) != version:
            sys.exit(1)
    except metadata.PackageNotFoundError:
        sys.exit(1)
PYEOF
then
  echo "tmix: installing Python requirements"
  "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
fi
