"""tmix.compile and tmix.Model: compile ONNX models in-process and run them.

Both sit on the native module tmix._tmix: the compiler (the same code as
tmix-compile, options bound by name) and libtmix_runtime, which runs a
compiled library on the caller's arrays without copying them.
"""
import json
import os
import shutil
import tempfile

import numpy as np

from tmix import _tmix

CompileError = _tmix.CompileError
CompileError.__doc__ = ("A model that tmix cannot compile, or options it "
                        "refuses; the message says why.")

# tmix_dtype (tmix-c/Model.h) -> numpy dtype name.
_DTYPES = {1: "float32", 2: "float16", 3: "bfloat16", 4: "float64",
           5: "int64", 6: "int32", 7: "int16", 8: "int8", 9: "uint8",
           10: "bool", 11: "uint16", 12: "uint32", 13: "uint64",
           14: "float8_e4m3fn", 15: "float8_e4m3fnuz", 16: "float8_e5m2",
           17: "float8_e5m2fnuz", 18: "float8_e8m0fnu", 19: "float4_e2m1fn",
           20: "int4", 21: "uint4", 22: "int2", 23: "uint2"}
# Types numpy lacks (ml_dtypes has them), which travel as their bits.
_BIT_VIEWS = {name: code for code, name in _DTYPES.items()
              if code == 3 or code >= 14}


def _numpy_dtype(code):
    name = _DTYPES[code]
    if name in _BIT_VIEWS:
        import ml_dtypes
        return np.dtype(getattr(ml_dtypes, name))
    return np.dtype(name)


_ABI_DTYPES = set(_DTYPES.values())


def _is_torch(value):
    return type(value).__module__.split(".")[0] == "torch"


def _as_array(name, value):
    """(array the native runtime reads, the tmix_dtype its bits hold when
    numpy has no such type, else None)."""
    if _is_torch(value):
        dtype = str(value.dtype).removeprefix("torch.")
        if dtype not in _ABI_DTYPES:
            raise RuntimeError(f"input '{name}': dtype {dtype} is not one "
                               "the model ABI carries")
        return value.detach().contiguous(), None
    if not isinstance(value, np.ndarray) and hasattr(value, "__dlpack__"):
        if value.__dlpack_device__()[0] != 1:  # kDLCPU
            return value, None  # device memory goes as it is
        value = np.from_dlpack(value)
    a = np.asarray(value)
    if a.dtype.name not in _ABI_DTYPES:
        raise RuntimeError(f"input '{name}': dtype {a.dtype} is not one "
                           "the model ABI carries")
    # np.ascontiguousarray alone turns a 0-d array into shape (1,).
    a = np.ascontiguousarray(a).reshape(a.shape)
    if a.dtype.name in _BIT_VIEWS:
        return _bits(a), _BIT_VIEWS[a.dtype.name]
    return a, None


def _empty(dtype, shape, torch_like):
    """An output buffer: a torch tensor beside torch inputs, else numpy."""
    if torch_like is not None:
        import torch
        return torch.empty(shape, dtype=getattr(torch, dtype.name),
                           device=torch_like.device)
    return np.empty(shape, dtype)


def _bits(array):
    """`array` as the native runtime reads it (bfloat16 as uint16, the
    one-byte types as uint8)."""
    if isinstance(array, np.ndarray) and array.dtype.name in _BIT_VIEWS:
        return array.view(np.uint16 if array.itemsize == 2 else np.uint8)
    return array


def options():
    """{name: (kind, default, help)} of every keyword tmix.compile takes."""
    return {name: (kind, default, help)
            for name, kind, default, help in _tmix.options()}


class Model:
    """A compiled model library, loaded and ready to run.

    `inputs` and `outputs` are [(name, numpy dtype, shape)]; `report` is the
    mixer report (docs/MixerReport.md) of the compile that made it, as a
    dict, when tmix.compile made it; `path` is the library.
    """

    def __init__(self, path, name="", *, report=None, _owned_dir=None):
        self.path = os.fspath(path)
        self.report = report
        self._owned_dir = _owned_dir
        self._native = _tmix.LoadedModel(os.path.abspath(self.path), name)
        self.inputs = [(n, _numpy_dtype(d), tuple(s))
                       for n, d, s in self._native.inputs]
        self.outputs = [(n, _numpy_dtype(d), tuple(s))
                        for n, d, s in self._native.outputs]

    @classmethod
    def load(cls, path, name=""):
        """The model in library `path` (NAME_model_* for --name=NAME)."""
        return cls(path, name)

    def run(self, feeds=None, **named):
        """Runs on {input name: array} (or keywords); returns {output name:
        array}. Arrays are numpy arrays or any DLPack tensor (torch, ...) on
        the model's device, in the model's dtype and shape; outputs are
        torch tensors when the inputs are, numpy arrays otherwise."""
        if self._native is None:
            raise RuntimeError("the model was closed")
        feeds = dict(feeds or {}, **named)
        torch_like = next((v for v in feeds.values() if _is_torch(v)), None)
        arrays, bit_views = {}, {}
        for name, value in feeds.items():
            arrays[name], code = _as_array(name, value)
            if code is not None:
                bit_views[name] = code
        outputs = [_empty(dtype, shape, torch_like)
                   for _, dtype, shape in self.outputs]
        cuda = torch_like is not None and torch_like.device.type == "cuda"
        self._native.run(arrays, [_bits(o) for o in outputs], bit_views, cuda)
        return {name: out for (name, _, _), out in zip(self.outputs, outputs)}

    __call__ = run

    def profile(self, reset=False):
        """Where the runs since the last reset spent their time, for a model
        compiled with profile=True: [{"op", "nodes", "calls", "total_ms"}]
        per timed operation, the slowest first ([] without profile=True).
        `reset` clears the counters after reading them."""
        sites = [dict(op=op, nodes=nodes.split(",") if nodes else [],
                      calls=calls, total_ms=total / 1e6)
                 for op, nodes, calls, total in self._native.profile()]
        if reset:
            self._native.reset_profile()
        return sorted(sites, key=lambda s: -s["total_ms"])

    def close(self):
        """Unloads the library (and removes it when tmix.compile wrote it to
        a directory of its own)."""
        self._native = None
        if self._owned_dir:
            shutil.rmtree(self._owned_dir, ignore_errors=True)
            self._owned_dir = None

    def __del__(self):
        if getattr(self, "_owned_dir", None):
            self.close()

    def __repr__(self):
        return (f"tmix.Model({self.path!r}, inputs={self.inputs}, "
                f"outputs={self.outputs})")


def compile(model, output=None, *, base_dir=None, **options):
    """Compiles `model` and returns the loaded tmix.Model.

    `model` is a path to an .onnx file (binary or ONNX text), its bytes, or
    an onnx.ModelProto. The library goes to `output` (with `output.weights`
    when its weights are external), or to a directory of its own that lives
    as long as the Model. External data is read relative to the model's
    directory, or `base_dir` for bytes and ModelProtos. `options` are
    tmix-compile's flags with '_' for '-' (tmix.options()); lists take a
    str or a list of str. With emit="obj", "llvm" or "mlir" the output is
    not a library: its path is returned instead of a Model. Raises
    tmix.CompileError with the compiler's messages.
    """
    path = ""
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise CompileError(f"cannot open '{path}': {e.strerror}") from None
        if base_dir is None:
            base_dir = os.path.dirname(path) or "."
    elif isinstance(model, (bytes, bytearray, memoryview)):
        data = bytes(model)
    elif hasattr(model, "SerializeToString"):
        data = model.SerializeToString()
    else:
        raise TypeError("tmix.compile takes a path, bytes or an "
                        f"onnx.ModelProto, not {type(model).__name__}")
    owned = None
    if output is None:
        owned = tempfile.mkdtemp(prefix="tmix-")
        output = os.path.join(owned, "model.so")
    try:
        report, _ = _tmix.compile(data, path, base_dir or ".",
                                  os.fspath(output), options)
        emit = options.get("emit", "so")
        if emit != "so":
            return os.fspath(output)
        return Model(output, options.get("name", ""),
                     report=json.loads(report) if report else None,
                     _owned_dir=owned)
    except BaseException:
        if owned:
            shutil.rmtree(owned, ignore_errors=True)
        raise
