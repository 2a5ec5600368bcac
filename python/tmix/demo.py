"""Runs every function of a tmix MLIR file through the reference path.

    python -m tmix.demo examples/mixers.mlir

Prints the IR, then one row per function: its inputs and outputs, the
number of linalg ops after tmix-decompose, and the run time on random
inputs.
"""
import re
import subprocess
import sys
import time

import numpy as np

from tmix.reference import TMIX_OPT, CompiledModule

_FUNC = re.compile(r"func\.func @(\w+)\((.*?)\)\s*->\s*\(?(.*?)\)?\s*\{", re.S)
_TENSOR = re.compile(r"tensor<([0-9x]+)x(f16|f32|f64|i1)>")
_DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64, "i1": np.bool_}


def _tensors(text):
    return [(tuple(int(d) for d in dims.split("x")), np.dtype(_DTYPES[elt]))
            for dims, elt in _TENSOR.findall(text)]


def main(argv):
    if len(argv) != 2:
        print("usage: python -m tmix.demo FILE.mlir", file=sys.stderr)
        return 2
    path = argv[1]
    try:
        text = open(path).read()
    except OSError as e:
        print(f"tmix.demo: cannot read {path}: {e.strerror}", file=sys.stderr)
        return 1
    print(subprocess.run([TMIX_OPT, path], capture_output=True, text=True,
                         check=True).stdout)
    decomposed = subprocess.run([TMIX_OPT, path, "--tmix-decompose"],
                                capture_output=True, text=True,
                                check=True).stdout
    module = CompiledModule(text)
    rng = np.random.default_rng(0)
    print(f"{'function':<24} {'inputs':<44} {'generics':>10} {'ms':>8}")
    for name, args, results in _FUNC.findall(text):
        body = decomposed.split(f"func.func @{name}(")[1].split("func.func @")[0]
        inputs = [rng.standard_normal(s).astype(d) for s, d in _tensors(args)]
        start = time.perf_counter()
        outputs = module.call(name, inputs, _tensors(results))
        ms = 1e3 * (time.perf_counter() - start)
        assert all(np.isfinite(o).all() for o in outputs)
        shapes = ", ".join("x".join(map(str, a.shape)) for a in inputs)
        print(f"{name:<24} {shapes:<44} {body.count('linalg.generic'):>10} {ms:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
