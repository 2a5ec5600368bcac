"""Compile ONNX models with tmix-compile and run them through libtmix_runtime.

    model = tmix.runtime.compile("model.onnx", "model.so", mixer="linear")
    outputs = model.run({"input_ids": ids})   # {name: numpy array}

`Model` is a thin ctypes layer over the C API in include/tmix-c/Runtime.h:
inputs are matched by name (extra ones ignored) and checked for dtype and
shape by the runtime, which raises RuntimeError with its one-line message.
"""
import ctypes
import os
import subprocess

import ml_dtypes
import numpy as np

from tmix.reference import BUILD_DIR

TMIX_COMPILE = os.path.join(BUILD_DIR, "bin", "tmix-compile")
RUNTIME_LIB = os.path.join(BUILD_DIR, "lib", "libtmix_runtime.so")

# tmix_dtype (tmix-c/Model.h) <-> numpy.
DTYPES = {
    1: np.dtype(np.float32), 2: np.dtype(np.float16),
    3: np.dtype(ml_dtypes.bfloat16), 4: np.dtype(np.float64),
    5: np.dtype(np.int64), 6: np.dtype(np.int32), 7: np.dtype(np.int16),
    8: np.dtype(np.int8), 9: np.dtype(np.uint8), 10: np.dtype(np.bool_),
}
_CODES = {v: k for k, v in DTYPES.items()}


class _Info(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64))]


class _Tensor(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("data", ctypes.c_void_p)]


def _library():
    lib = ctypes.CDLL(RUNTIME_LIB)
    lib.tmix_runtime_load.restype = ctypes.c_void_p
    lib.tmix_runtime_load.argtypes = [ctypes.c_char_p,
                                      ctypes.POINTER(ctypes.c_void_p)]
    lib.tmix_runtime_free_error.argtypes = [ctypes.c_void_p]
    lib.tmix_runtime_unload.argtypes = [ctypes.c_void_p]
    for fn in ("tmix_runtime_num_inputs", "tmix_runtime_num_outputs"):
        getattr(lib, fn).argtypes = [ctypes.c_void_p]
        getattr(lib, fn).restype = ctypes.c_int32
    for fn in ("tmix_runtime_input", "tmix_runtime_output"):
        getattr(lib, fn).argtypes = [ctypes.c_void_p, ctypes.c_int32]
        getattr(lib, fn).restype = ctypes.POINTER(_Info)
    lib.tmix_runtime_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Tensor),
                                     ctypes.c_size_t,
                                     ctypes.POINTER(ctypes.c_void_p)]
    lib.tmix_runtime_run.restype = ctypes.c_int32
    lib.tmix_runtime_last_error.argtypes = [ctypes.c_void_p]
    lib.tmix_runtime_last_error.restype = ctypes.c_char_p
    return lib


class Model:
    """A library written by tmix-compile, loaded through libtmix_runtime."""

    def __init__(self, path):
        self._lib = _library()
        error = ctypes.c_void_p()
        self._handle = self._lib.tmix_runtime_load(
            os.fsencode(os.path.abspath(path)), ctypes.byref(error))
        if not self._handle:
            message = ctypes.cast(error, ctypes.c_char_p).value.decode()
            self._lib.tmix_runtime_free_error(error)
            raise RuntimeError(message)

        def describe(fn, count):
            specs = []
            for i in range(count):
                info = fn(self._handle, i).contents
                specs.append((info.name.decode(), DTYPES[info.dtype],
                              tuple(info.shape[d] for d in range(info.rank))))
            return specs

        self.inputs = describe(self._lib.tmix_runtime_input,
                               self._lib.tmix_runtime_num_inputs(self._handle))
        self.outputs = describe(self._lib.tmix_runtime_output,
                                self._lib.tmix_runtime_num_outputs(self._handle))

    def run(self, feeds):
        """Runs on `feeds` ({name: array}); returns {output name: array}."""
        arrays, tensors = [], []
        for name, value in feeds.items():
            # np.ascontiguousarray alone turns a 0-d array into shape (1,).
            a = np.asarray(value)
            a = np.ascontiguousarray(a).reshape(a.shape)
            if a.dtype not in _CODES:
                raise RuntimeError(f"input '{name}': dtype {a.dtype} is not "
                                   "one the model ABI carries")
            shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
            arrays.append((a, shape))
            tensors.append(_Tensor(name.encode(), _CODES[a.dtype], a.ndim,
                                   shape, a.ctypes.data))
        outputs = {name: np.empty(shape, dtype)
                   for name, dtype, shape in self.outputs}
        buffers = (ctypes.c_void_p * max(len(outputs), 1))(
            *[o.ctypes.data for o in outputs.values()])
        feeds_array = (_Tensor * max(len(tensors), 1))(*tensors)
        if self._lib.tmix_runtime_run(self._handle, feeds_array, len(tensors),
                                      buffers) != 0:
            raise RuntimeError(
                self._lib.tmix_runtime_last_error(self._handle).decode())
        return outputs

    def __del__(self):
        if getattr(self, "_handle", None):
            self._lib.tmix_runtime_unload(self._handle)
            self._handle = None


def compile(onnx_path, output, *flags, **options):
    """tmix-compile `onnx_path` to `output`; options become --key=value."""
    cmd = [TMIX_COMPILE, str(onnx_path), "-o", str(output), *flags]
    for key, value in options.items():
        cmd.append(f"--{key.replace('_', '-')}={value}")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return Model(output)
