"""The main job on one model, through the executable reference path.

    python -m tmix.demo model.onnx     # import, convert, run, compare
    python -m tmix.demo mixers.mlir    # every function of a tmix module

For an ONNX model: imports and converts it, prints the op histogram of the
converted IR, runs it on the inputs stored in `model.io.npz` beside it (or
random ones) and compares with the stored ONNX Runtime output. For MLIR:
prints the IR, then one row per function with its decomposed size and run
time on random inputs.
"""
import collections
import os
import re
import subprocess
import sys
import time

import numpy as np

from tmix.reference import (TMIX_OPT, CompiledModule, function_signature,
                            import_onnx)

_FUNC = re.compile(r"func\.func @(\w+)\(")


def run_onnx(path):
    text = import_onnx(path)
    ops = collections.Counter(re.findall(r"= ([a-z_]+\.[a-z_.]+)", text))
    print(f"{path}: converted to {sum(ops.values())} ops")
    for op, count in ops.most_common():
        print(f"  {count:5d}  {op}")
    ins, outs = function_signature(text, "main_graph")
    header = text[text.index("func.func @main_graph("):]
    names = re.findall(r'onnx\.name = "([^"]+)"', header.split("{\n", 1)[0])
    io_path = path[:-len(".onnx")] + ".io.npz"
    io = np.load(io_path) if os.path.exists(io_path) else {}
    rng = np.random.default_rng(0)
    inputs = [io[n] if n in io else
              (rng.integers(0, 2, s) if np.dtype(d).kind in "iub"
               else rng.standard_normal(s)).astype(d)
              for n, (s, d) in zip(names, ins)]
    start = time.perf_counter()
    module = CompiledModule(text)
    compiled = time.perf_counter()
    outputs = module.call("main_graph", inputs, outs)
    done = time.perf_counter()
    print(f"compiled (reference pipeline) in {compiled - start:.2f} s, "
          f"ran in {1e3 * (done - compiled):.1f} ms")
    for i, out in enumerate(outputs):
        line = f"output {i}: shape {out.shape}, mean {out.mean():+.5f}"
        if "ort_output" in io and len(outputs) == 1:
            err = np.max(np.abs(out - io["ort_output"]))
            line += f", max abs error vs onnxruntime {err:.2e}"
        print(line)
    return 0


def main(argv):
    if len(argv) != 2:
        print("usage: python -m tmix.demo FILE.onnx|FILE.mlir", file=sys.stderr)
        return 2
    path = argv[1]
    if not os.path.exists(path):
        print(f"tmix.demo: {path}: no such file", file=sys.stderr)
        return 1
    if path.endswith(".onnx"):
        return run_onnx(path)
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
    for name in _FUNC.findall(text):
        body = decomposed.split(f"func.func @{name}(")[1].split("func.func @")[0]
        arg_specs, result_specs = function_signature(text, name)
        inputs = [rng.standard_normal(s).astype(d) for s, d in arg_specs]
        start = time.perf_counter()
        outputs = module.call(name, inputs, result_specs)
        ms = 1e3 * (time.perf_counter() - start)
        assert all(np.isfinite(o).all() for o in outputs)
        shapes = ", ".join("x".join(map(str, a.shape)) for a in inputs)
        print(f"{name:<24} {shapes:<44} {body.count('linalg.generic'):>10} {ms:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
