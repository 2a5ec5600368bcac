"""tmix-compile and the compiled-model runtime (tmix-run, tmix.runtime).

The exporter graphs of test/data/models compile to shared libraries whose
outputs match ONNX Runtime's stored ones (1e-4 max abs, f32, every element),
both through tmix.runtime.Model and through `tmix-run --expect`; the linear
mixer compiles and runs; bad models, bad files and bad feeds are rejected
with a clear message and a clean exit status (never a signal), and a failed
compile leaves no output behind.
"""
import glob
import os
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from tmix import runtime
from tmix.reference import BUILD_DIR

from exporters import MODELS, NAMES
from exporters import feeds as _feeds
TMIX_COMPILE = runtime.TMIX_COMPILE
TMIX_RUN = os.path.join(BUILD_DIR, "bin", "tmix-run")
TOL = 1e-4
# The model the run-time error tests use: two int64 inputs.
BERT = "bert.sdpa.dynamo.op23"
# A model whose attention sites the linear mixer replaces (causal).
LINEAR = "gpt2.sdpa.dynamo.op23"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """library(name, **options) -> path of the compiled .so (built once)."""
    built = {}
    tmp = tmp_path_factory.mktemp("compiled")

    def build(name, **options):
        key = (name, tuple(sorted(options.items())))
        if key not in built:
            tag = "_".join(f"{k}-{v}" for k, v in sorted(options.items()))
            path = tmp / f"{name}{'.' + tag if tag else ''}.so"
            runtime.compile(os.path.join(MODELS, name + ".onnx"), path,
                            **options)
            built[key] = str(path)
        return built[key]

    return build


def _tmix_run(*args):
    return subprocess.run([TMIX_RUN, *map(str, args)], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("name", NAMES)
def test_matches_onnxruntime(name, library):
    feeds, expected, output_names = _feeds(name)
    model = runtime.Model(library(name))
    assert [n for n, _, _ in model.inputs] == list(feeds)
    assert [n for n, _, _ in model.outputs] == output_names
    (got,) = model.run(feeds).values()
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.isfinite(got).all()
    err = np.abs(got.astype(np.float64) - expected)
    assert err.max() < TOL, (f"{name}: max abs error {err.max():.3e}, "
                             f"{(err >= TOL).sum()} of {err.size} elements "
                             f">= {TOL} vs onnxruntime")


@pytest.mark.parametrize("name", [BERT, LINEAR])
def test_external_weights(name, library):
    """--weights=external: the library holds no weights, the side file does,
    and the outputs are bit-identical to the embedded build's."""
    feeds, expected, _ = _feeds(name)
    embedded = library(name)
    external = library(name, weights="external")
    side = external + ".weights"
    assert os.path.getsize(side) > 1 << 20
    assert os.path.getsize(external) < os.path.getsize(embedded) // 4
    (want,) = runtime.Model(embedded).run(feeds).values()
    (got,) = runtime.Model(external).run(feeds).values()
    assert np.array_equal(got, want)
    assert np.abs(got.astype(np.float64) - expected).max() < TOL


@pytest.mark.parametrize("name", NAMES)
def test_tmix_run_expect(name, library, tmp_path):
    """tmix-run --expect, with the tolerance as a pure max abs bound."""
    feeds, expected, output_names = _feeds(name)
    inputs, expect = tmp_path / "inputs.npz", tmp_path / "expect.npz"
    np.savez(inputs, **feeds)
    np.savez(expect, **{output_names[0]: expected})
    proc = _tmix_run(library(name), "--inputs", inputs, "--expect", expect,
                     "--atol", TOL, "--rtol", 0)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ok = [line for line in proc.stdout.splitlines()
          if line.startswith(output_names[0] + ":")]
    assert len(ok) == 1 and ok[0].rstrip().endswith("OK"), proc.stdout


def test_tmix_run_reports_mismatch(library, tmp_path):
    """The --expect check is real: a perturbed expectation exits 1."""
    feeds, expected, output_names = _feeds(BERT)
    inputs, expect = tmp_path / "inputs.npz", tmp_path / "expect.npz"
    np.savez(inputs, **feeds)
    wrong = expected.copy()
    wrong[1, 7, 3] += 1e-2
    np.savez(expect, **{output_names[0]: wrong})
    proc = _tmix_run(library(BERT), "--inputs", inputs, "--expect", expect,
                     "--atol", TOL, "--rtol", 0)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "OK" not in proc.stdout


def test_linear_mixer(library):
    feeds, expected, _ = _feeds(LINEAR)
    (softmax,) = runtime.Model(library(LINEAR)).run(feeds).values()
    (linear,) = runtime.Model(library(LINEAR, mixer="linear")).run(
        feeds).values()
    assert linear.shape == softmax.shape == expected.shape
    assert np.isfinite(linear).all()
    assert np.abs(linear - softmax).max() > 1e-2


# --- bad input at compile time ------------------------------------------

def _compile(src, out, *flags):
    return subprocess.run([TMIX_COMPILE, str(src), "-o", str(out), *flags],
                          capture_output=True, text=True, timeout=120)


def _assert_nothing_written(out):
    assert not os.path.exists(out), f"{out} was left behind"
    leftovers = glob.glob(os.path.join(os.path.dirname(out), "*.tmp"))
    assert not leftovers, f"temporary files left behind: {leftovers}"


def test_unknown_op(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 3])
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="fine_relu"),
         helper.make_node("FooBar", ["y"], ["z"], name="my_foo_node")],
        "unknown_op", [x], [z], value_info=[y])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    src = tmp_path / "unknown.onnx"
    onnx.save(model, src)
    out = tmp_path / "out" / "unknown.so"
    out.parent.mkdir()
    proc = _compile(src, out)
    assert proc.returncode == 1, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, proc.stderr
    assert "my_foo_node" in errors[0] and "FooBar" in errors[0], errors[0]
    _assert_nothing_written(str(out))


def test_missing_input_file(tmp_path):
    src = tmp_path / "does-not-exist.onnx"
    out = tmp_path / "missing.so"
    proc = _compile(src, out)
    assert proc.returncode == 1
    assert "error:" in proc.stderr and "does-not-exist.onnx" in proc.stderr
    assert "No such file" in proc.stderr, proc.stderr
    _assert_nothing_written(str(out))


@pytest.mark.parametrize("seed", range(3))
def test_malformed_protobuf(seed, tmp_path):
    rng = np.random.default_rng(seed)
    src = tmp_path / "junk.onnx"
    src.write_bytes(rng.integers(0, 256, 64 << seed * 3,
                                 dtype=np.uint8).tobytes())
    out = tmp_path / "junk.so"
    proc = _compile(src, out)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "error:" in proc.stderr
    _assert_nothing_written(str(out))


def test_truncated_model(tmp_path):
    data = open(os.path.join(MODELS, BERT + ".onnx"), "rb").read()
    src = tmp_path / "truncated.onnx"
    src.write_bytes(data[:len(data) // 2])
    out = tmp_path / "truncated.so"
    proc = _compile(src, out)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "error:" in proc.stderr
    _assert_nothing_written(str(out))


# --- bad input at run time ------------------------------------------------

def _bad_feeds():
    """(case, feeds, message the runtime must give)."""
    feeds, _, _ = _feeds(BERT)
    ids, mask = feeds["input_ids"], feeds["attention_mask"]
    return [
        ("shape", {"input_ids": ids[:, :32], "attention_mask": mask},
         "input 'input_ids': expected shape [2,64], got [2,32]"),
        ("dtype", {"input_ids": ids.astype(np.int32), "attention_mask": mask},
         "input 'input_ids': expected int64, got int32"),
        ("missing", {"input_ids": ids},
         "missing input 'attention_mask' (int64[2,64])"),
    ]


@pytest.mark.parametrize("case", ["shape", "dtype", "missing"])
def test_tmix_run_bad_inputs(case, library, tmp_path):
    _, feeds, message = next(c for c in _bad_feeds() if c[0] == case)
    inputs = tmp_path / "inputs.npz"
    np.savez(inputs, **feeds)
    proc = _tmix_run(library(BERT), "--inputs", inputs)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"error: {message}" in proc.stderr, proc.stderr


@pytest.mark.parametrize("case", ["shape", "dtype", "missing"])
def test_runtime_bad_inputs(case, library):
    _, feeds, message = next(c for c in _bad_feeds() if c[0] == case)
    model = runtime.Model(library(BERT))
    with pytest.raises(RuntimeError) as info:
        model.run(feeds)
    assert str(info.value) == message
    # The model is still usable after a rejected call.
    (out,) = model.run(_feeds(BERT)[0]).values()
    assert np.isfinite(out).all()


def test_runtime_dtype_outside_abi(library):
    feeds, _, _ = _feeds(BERT)
    feeds["input_ids"] = feeds["input_ids"].astype(np.complex64)
    with pytest.raises(RuntimeError, match="is not one the model ABI "
                                           "carries"):
        runtime.Model(library(BERT)).run(feeds)


def test_corrupt_library(tmp_path):
    lib = tmp_path / "corrupt.so"
    lib.write_bytes(np.random.default_rng(0).integers(
        0, 256, 4096, dtype=np.uint8).tobytes())
    proc = _tmix_run(lib)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"cannot load '{lib}'" in proc.stderr, proc.stderr
    with pytest.raises(RuntimeError, match="cannot load"):
        runtime.Model(lib)


def test_scalar_input(tmp_path):
    """Rank-0 inputs keep rank 0 through Model.run and tmix-run."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    s = helper.make_tensor_value_info("s", TensorProto.FLOAT, [])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])
    graph = helper.make_graph([helper.make_node("Mul", ["x", "s"], ["y"])],
                              "scalar", [x, s], [y])
    src = tmp_path / "scalar.onnx"
    onnx.save(helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)]), src)
    model = runtime.compile(src, tmp_path / "scalar.so")
    assert model.inputs[1] == ("s", np.dtype(np.float32), ())
    feeds = {"x": np.arange(6, dtype=np.float32).reshape(2, 3),
             "s": np.array(2.5, dtype=np.float32)}
    (got,) = model.run(feeds).values()
    np.testing.assert_array_equal(got, feeds["x"] * 2.5)
    with pytest.raises(RuntimeError, match=r"expected shape \[\], got \[1\]"):
        model.run({**feeds, "s": feeds["s"].reshape(1)})
    inputs, expect = tmp_path / "inputs.npz", tmp_path / "expect.npz"
    np.savez(inputs, **feeds)
    np.savez(expect, y=feeds["x"] * 2.5)
    proc = _tmix_run(tmp_path / "scalar.so", "--inputs", inputs, "--expect",
                     expect)
    assert proc.returncode == 0 and "y:" in proc.stdout, proc.stderr
