"""Compile MLIR through tmix-reference-pipeline and call it from numpy.

The pipeline turns every function result into an out-parameter and emits
`_mlir_ciface_<name>` wrappers taking pointers to memref descriptors; this
module builds those descriptors with ctypes. It is the executable reference
path every later lowering is compared against.
"""
import ctypes
import os
import re
import subprocess
import tempfile

import ml_dtypes
import numpy as np

from tmix import _paths

BUILD_DIR = _paths.BUILD_DIR
if not os.path.isfile(_paths.tool("tmix-opt")):
    raise ImportError(f"tmix-opt not found in {_paths.BIN_DIR}; build with "
                      "scripts/build.sh, set TMIX_BUILD_DIR or pip install .")
LLVM_BIN = _paths.LLVM_BIN
LLVM_LIB = os.path.join(os.path.dirname(LLVM_BIN), "lib")
TMIX_OPT = _paths.tool("tmix-opt")
TMIX_TRANSLATE = _paths.tool("tmix-translate")

_CTYPES = {
    np.dtype(np.float32): ctypes.c_float,
    np.dtype(np.float64): ctypes.c_double,
    np.dtype(np.float16): ctypes.c_uint16,
    np.dtype(np.bool_): ctypes.c_bool,
    np.dtype(np.int64): ctypes.c_int64,
    np.dtype(np.int32): ctypes.c_int32,
    np.dtype(np.int16): ctypes.c_int16,
    np.dtype(np.int8): ctypes.c_int8,
    np.dtype(np.uint8): ctypes.c_uint8,
    np.dtype(np.uint16): ctypes.c_uint16,
    np.dtype(np.uint32): ctypes.c_uint32,
    np.dtype(np.uint64): ctypes.c_uint64,
    np.dtype(ml_dtypes.bfloat16): ctypes.c_uint16,
}
# One byte per element: the 8-bit floats, and 4- and 2-bit ones and
# integers as ml_dtypes (and tmix) store them.
_NARROW = {
    "f8E4M3FN": ml_dtypes.float8_e4m3fn,
    "f8E4M3FNUZ": ml_dtypes.float8_e4m3fnuz,
    "f8E5M2": ml_dtypes.float8_e5m2,
    "f8E5M2FNUZ": ml_dtypes.float8_e5m2fnuz,
    "f8E8M0FNU": ml_dtypes.float8_e8m0fnu,
    "f4E2M1FN": ml_dtypes.float4_e2m1fn,
    "i4": ml_dtypes.int4,
    "ui4": ml_dtypes.uint4,
    "i2": ml_dtypes.int2,
    "ui2": ml_dtypes.uint2,
}
_CTYPES.update({np.dtype(t): ctypes.c_uint8 for t in _NARROW.values()})

MLIR_TYPES = {
    np.dtype(np.float32): "f32",
    np.dtype(np.float64): "f64",
    np.dtype(np.float16): "f16",
    np.dtype(np.bool_): "i1",
    np.dtype(np.int64): "i64",
    np.dtype(np.int32): "i32",
    np.dtype(np.int16): "i16",
    np.dtype(np.int8): "i8",
    np.dtype(np.uint8): "ui8",
    np.dtype(np.uint16): "ui16",
    np.dtype(np.uint32): "ui32",
    np.dtype(np.uint64): "ui64",
    np.dtype(ml_dtypes.bfloat16): "bf16",
}
MLIR_TYPES.update({np.dtype(t): name for name, t in _NARROW.items()})
_NUMPY_TYPES = {v: k for k, v in MLIR_TYPES.items()}
_TENSOR = re.compile(r"tensor<((?:\d+x)*)(" + "|".join(
    sorted(_NUMPY_TYPES, key=len, reverse=True)) + r")>")


def parse_tensor_types(text):
    """[(shape, dtype)] for every static tensor type in `text`, in order."""
    return [(tuple(int(d) for d in dims.split("x") if d), _NUMPY_TYPES[elt])
            for dims, elt in _TENSOR.findall(text)]


def function_signature(mlir_text, name):
    """(input specs, output specs) of func.func @name in printed MLIR."""
    start = mlir_text.index(f"func.func @{name}(")
    header = mlir_text[start:mlir_text.index("{\n", start)]
    depth, i = 0, header.index("(")
    for i in range(header.index("("), len(header)):
        depth += {"(": 1, ")": -1}.get(header[i], 0)
        if depth == 0:
            break
    args, rest = header[:i + 1], header[i + 1:]
    rest = rest.split(" attributes ")[0]
    return parse_tensor_types(args), parse_tensor_types(rest)


def tensor_type(shape, dtype):
    dims = "x".join(str(d) for d in shape)
    elt = MLIR_TYPES[np.dtype(dtype)]
    return f"tensor<{dims}x{elt}>" if dims else f"tensor<{elt}>"


def _descriptor_type(rank, ctype):
    fields = [("allocated", ctypes.POINTER(ctype)),
              ("aligned", ctypes.POINTER(ctype)),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank),
                   ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


def _descriptor(array):
    ctype = _CTYPES[array.dtype]
    desc = _descriptor_type(array.ndim, ctype)()
    ptr = array.ctypes.data_as(ctypes.POINTER(ctype))
    desc.allocated = ptr
    desc.aligned = ptr
    desc.offset = 0
    for i, (size, stride) in enumerate(zip(array.shape, array.strides)):
        desc.sizes[i] = size
        desc.strides[i] = stride // array.itemsize
    return desc


# Run-time helpers compiled code may call: the index-check report of
# convert-onnx-to-tmix, which `CompiledModule.call` turns into an error.
_SUPPORT_C = r"""
#include <stdint.h>
static __thread int64_t report[4];
void tmix_rt_index_error(int64_t value, int64_t bound, int64_t check) {
  if (report[0]) return;
  report[0] = 1; report[1] = value; report[2] = bound; report[3] = check;
}
void _mlir_ciface_tmix_rt_index_error(int64_t v, int64_t b, int64_t c) {
  tmix_rt_index_error(v, b, c);
}
int tmix_rt_take_index_error(int64_t *out) {
  int set = (int)report[0];
  for (int i = 0; i < 3; ++i) out[i] = report[i + 1];
  report[0] = 0;
  return set;
}
"""


class CompiledModule:
    """A shared library built from an MLIR module of tmix functions."""

    def __init__(self, mlir_text, workdir=None, opt_flags=None, link_flags=()):
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="tmix-ref-")
            workdir = self._tmp.name
        src = os.path.join(workdir, "module.mlir")
        llvm_dialect = os.path.join(workdir, "module.llvm.mlir")
        llvm_ir = os.path.join(workdir, "module.ll")
        self.path = os.path.join(workdir, "module.so")
        with open(src, "w") as f:
            f.write(mlir_text)
        # Inputs + results of each function, to check calls against.
        self._arity = {}
        for name in re.findall(r"func\.func @(\w+)\(", mlir_text):
            try:
                ins, outs = function_signature(mlir_text, name)
                self._arity[name] = len(ins) + len(outs)
            except ValueError:
                pass
        flags = opt_flags or ["--tmix-reference-pipeline"]
        support = os.path.join(workdir, "support.c")
        with open(support, "w") as f:
            f.write(_SUPPORT_C)
        _run([TMIX_OPT, src, *flags, "-o", llvm_dialect])
        _run([os.path.join(LLVM_BIN, "mlir-translate"), "--mlir-to-llvmir",
              llvm_dialect, "-o", llvm_ir])
        _run([os.path.join(LLVM_BIN, "clang"), "-O1", "-shared", "-fPIC",
              "-Wno-override-module", llvm_ir, support, "-o", self.path,
              # memrefCopy, for copies between strided views.
              f"-L{LLVM_LIB}", "-lmlir_c_runner_utils", f"-Wl,-rpath,{LLVM_LIB}",
              "-lm", *link_flags])
        self._lib = ctypes.CDLL(self.path)

    def call(self, name, inputs, output_specs):
        """Runs @name on `inputs`; returns outputs of (shape, dtype) specs.

        The callee trusts its descriptors, so the argument count is checked
        against the function's signature in the module when it is known."""
        expected = self._arity.get(name)
        if expected is not None and expected != len(inputs) + len(output_specs):
            raise ValueError(f"@{name} takes {expected} inputs and outputs, "
                             f"got {len(inputs)} + {len(output_specs)}")
        outputs = [np.empty(shape, dtype=dtype) for shape, dtype in output_specs]
        arrays = [np.ascontiguousarray(a) for a in inputs] + outputs
        descs = [_descriptor(a) for a in arrays]
        fn = getattr(self._lib, f"_mlir_ciface_{name}")
        fn.restype = None
        fn(*[ctypes.byref(d) for d in descs])
        report = (ctypes.c_int64 * 3)()
        if self._lib.tmix_rt_take_index_error(report):
            value, bound, check = report
            raise RuntimeError(f"index {value} is out of range "
                               f"[{-bound}, {bound}) (index check {check})")
        return outputs


def _run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return proc.stdout


def import_onnx(path, *flags):
    """The converted MLIR text of an ONNX model (tmix-translate)."""
    return _run([TMIX_TRANSLATE, "--import-onnx", str(path), *flags])
