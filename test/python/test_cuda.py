"""Models compiled with --target=cuda.

Everywhere: the exporter graphs of test/data/models compile with
--target=cuda (f32 and --precision=bf16) to libraries holding sm_90 PTX with
tensor-core instructions and no libdevice call. Without a GPU, loading one
fails with a one-line error naming the missing driver or device (never a
crash). With a GPU (the CUDA driver finds a device), the outputs match
onnxruntime's stored ones: 1e-3 max abs for f32 products, 3e-2 + 3e-2
|expected| per element for bf16 products.
"""
import os
import subprocess

import numpy as np
import pytest

from tmix import cuda, runtime

MODELS = os.path.join(os.path.dirname(__file__), "..", "data", "models")
NAMES = sorted(f[:-5] for f in os.listdir(MODELS)
               if f.endswith(".onnx") and f.startswith(("bert.", "gpt2.")))


GPU = cuda.device_present()


@pytest.fixture(scope="module")
def cuda_library(tmp_path_factory):
    built = {}
    tmp = tmp_path_factory.mktemp("cuda")

    def build(name, precision):
        if (name, precision) not in built:
            path = tmp / f"{name}.{precision}.so"
            flags = ["--target=cuda"]
            if precision != "f32":
                flags.append(f"--precision={precision}")
            # Not runtime.compile: it loads the library, which needs a GPU.
            subprocess.run([runtime.TMIX_COMPILE,
                            os.path.join(MODELS, name + ".onnx"), "-o",
                            str(path), *flags], check=True,
                           capture_output=True)
            built[(name, precision)] = str(path)
        return built[(name, precision)]

    return build


@pytest.mark.parametrize("precision", ["f32", "bf16"])
@pytest.mark.parametrize("name", NAMES)
def test_compiles_to_ptx(name, precision, cuda_library):
    data = open(cuda_library(name, precision), "rb").read()
    assert b".target sm_90" in data
    assert b"__nv_" not in data  # no libdevice: loads without the toolkit
    assert (b"mma.sync.aligned.m16n8k16" in data) == (precision == "bf16")
    assert os.path.exists(cuda_library(name, precision) + ".weights")


@pytest.mark.skipif(GPU, reason="a GPU is present")
def test_without_gpu_is_a_clear_error(cuda_library):
    with pytest.raises(RuntimeError,
                       match="no CUDA driver: cannot load libcuda.so.1|"
                             "no usable NVIDIA GPU"):
        runtime.Model(cuda_library(NAMES[0], "f32"))


@pytest.mark.skipif(not GPU, reason="needs an NVIDIA GPU")
@pytest.mark.parametrize("precision", ["f32", "bf16"])
@pytest.mark.parametrize("name", NAMES)
def test_matches_onnxruntime_on_gpu(name, precision, cuda_library):
    io = np.load(os.path.join(MODELS, name + ".io.npz"))
    model = runtime.Model(cuda_library(name, precision))
    (got,) = model.run({n: io[n] for n, _, _ in model.inputs}).values()
    expected = io["ort_output"].astype(np.float64)
    err = np.abs(got.astype(np.float64) - expected)
    assert np.isfinite(got).all()
    if precision == "f32":
        assert err.max() <= 1e-3, f"{name}: max abs error {err.max():.3e}"
    else:
        bad = err > 3e-2 + 3e-2 * np.abs(expected)
        assert not bad.any(), (f"{name}: {bad.sum()} of {err.size} elements "
                               f"outside bf16 tolerance, max {err.max():.3e}")
