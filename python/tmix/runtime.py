"""Compiled models from files: load a library written by tmix-compile (or
tmix.compile) and run it.

    model = tmix.runtime.Model("model.so")          # = tmix.Model.load
    outputs = model.run({"input_ids": ids})        # {name: numpy array}
    model = tmix.runtime.compile("model.onnx", "model.so", mixer="linear")

`Model` is tmix.Model: inputs are matched by name (extra ones ignored) and
checked for dtype and shape by libtmix_runtime, which raises RuntimeError
with its one-line message.
"""
import os

from tmix import _paths
from tmix.model import Model
from tmix.model import compile as _compile

TMIX_COMPILE = _paths.tool("tmix-compile")
RUNTIME_LIB = os.path.join(_paths.LIB_DIR, "libtmix_runtime.so")


def compile(onnx_path, output, **options):
    """tmix.compile(onnx_path, output, **options), the loaded Model."""
    return _compile(onnx_path, output, **options)


def has_amx_bf16():
    """Whether this machine's CPU has AMX-BF16, which precision="bf16" on
    the CPU needs (Linux: read from /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next(line for line in f if line.startswith("flags"))
    except (OSError, StopIteration):
        return False
    return {"amx_bf16", "amx_tile"} <= set(flags.split())


__all__ = ["Model", "compile", "has_amx_bf16", "TMIX_COMPILE", "RUNTIME_LIB"]
