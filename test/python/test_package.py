"""The Python package: tmix.compile in-process, tmix.Model on numpy and
DLPack arrays, the mixer report, errors as exceptions with the compiler's
one-line messages, and `pip install .` into a fresh virtual environment.

Numerics compare with ONNX Runtime's outputs stored beside each exporter
graph (test/data/models/*.io.npz), every element, within 1e-4 (f32).
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import onnx
import pytest

import tmix

from exporters import MODELS, feeds

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BERT = "bert.eager.torchscript.op17"
GPT2 = "gpt2.sdpa.dynamo.op23"
TOL = 1e-4


def _io(name):
    inputs, expected, _ = feeds(name)
    return inputs, expected


@pytest.fixture(scope="module")
def bert():
    return tmix.compile(os.path.join(MODELS, BERT + ".onnx"))


@pytest.mark.parametrize("form", ["path", "bytes", "proto"])
def test_compile_forms_match_onnxruntime(form):
    path = os.path.join(MODELS, GPT2 + ".onnx")
    model = {"path": lambda: path,
             "bytes": lambda: open(path, "rb").read(),
             "proto": lambda: onnx.load(path)}[form]()
    compiled = tmix.compile(model)
    feeds, expected = _io(GPT2)
    (got,) = compiled.run(feeds).values()
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)
    # Keywords work as well as a dict; calling the model runs it.
    (again,) = compiled(**feeds).values()
    np.testing.assert_array_equal(again, got)


def test_output_file_and_reload(tmp_path, bert):
    out = tmp_path / "bert.so"
    model = tmix.compile(os.path.join(MODELS, BERT + ".onnx"), out,
                         name="bert")
    assert out.exists() and model.path == str(out)
    feeds, expected = _io(BERT)
    reloaded = tmix.Model.load(out)
    for m in (model, reloaded, bert):
        (got,) = m.run(feeds).values()
        np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)


def test_mixer_report_is_a_dict():
    model = tmix.compile(os.path.join(MODELS, GPT2 + ".onnx"), mixer="linear",
                         layers=["0"])
    report = model.report
    assert report["mixer"] == "linear"
    assert [s["status"] for s in report["sites"]] == ["replaced", "kept"]
    assert report["sites"][1]["reason"] == "not selected"
    assert report["totals"]["replaced"] == 1
    sites = report["sites"]
    assert sites[0]["flops_after"] != sites[0]["flops_before"]
    assert report["totals"]["flops_after"] == sum(s["flops_after"]
                                                  for s in sites)
    json.dumps(report)  # plain data


def test_options_are_listed_with_defaults():
    options = tmix.options()
    assert options["mixer"][:2] == ("str", "")
    assert options["tile_q"][:2] == ("int", 128)
    assert options["parallel"][:2] == ("bool", True)
    assert options["layers"][0] == "list[str]"
    assert "weights_file" not in options  # set by the driver only


@pytest.mark.parametrize("options, error, message", [
    ({"layers": "0"}, tmix.CompileError,
     "--layers needs --mixer (the mixer to put at those sites)"),
    ({"mixer": "quantum"}, tmix.CompileError,
     "--mixer=quantum is not one of linear, pool, sigmoid, softmax"),
    ({"target_cpu": "bogus"}, tmix.CompileError,
     "--target-cpu=bogus is not a CPU LLVM knows"),
    ({"name": "9lives"}, tmix.CompileError, "--name=9lives is not a C "
     "identifier"),
    ({"bogus": 1}, TypeError, "unknown compile option 'bogus'"),
    ({"tile_q": "64"}, TypeError, "compile option 'tile_q' takes an int"),
    ({"parallel": 0}, TypeError, "compile option 'parallel' takes a bool"),
])
def test_bad_options(tmp_path, options, error, message):
    with pytest.raises(error) as info:
        tmix.compile(os.path.join(MODELS, BERT + ".onnx"),
                     tmp_path / "x.so", **options)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert os.listdir(tmp_path) == []


def test_compile_errors_name_the_problem(tmp_path):
    with pytest.raises(tmix.CompileError, match="cannot open"):
        tmix.compile(tmp_path / "missing.onnx")
    with pytest.raises(tmix.CompileError, match="not a valid ModelProto"):
        tmix.compile(b"\x08\x07garbage")
    with pytest.raises(TypeError, match="takes a path, bytes or an"):
        tmix.compile(42)


class _DLPackOnly:
    """A tensor that only speaks DLPack (as jax or cupy arrays do)."""

    def __init__(self, array):
        self._array = array

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


def test_dlpack_inputs(bert):
    feeds, expected = _io(BERT)
    (got,) = bert.run({k: _DLPackOnly(v) for k, v in feeds.items()}).values()
    np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)


def test_torch_tensors(bert):
    """torch CPU tensors in, torch tensors out (skipped without torch: the
    package never needs it)."""
    torch = pytest.importorskip("torch")
    feeds, expected = _io(BERT)
    out = bert.run({k: torch.from_numpy(v) for k, v in feeds.items()})
    (got,) = out.values()
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), expected, atol=TOL, rtol=0)
    with pytest.raises(RuntimeError, match="dtype uint16 is not one"):
        bert.run({k: torch.from_numpy(v.astype(np.uint16))
                  for k, v in feeds.items()})


def test_run_errors_are_runtime_errors(bert):
    feeds, _ = _io(BERT)
    bad = dict(feeds, input_ids=feeds["input_ids"][:, :3])
    with pytest.raises(RuntimeError, match=r"input 'input_ids': expected "
                                           r"shape \[2,64\], got \[2,3\]"):
        bert.run(bad)
    strided = dict(feeds, input_ids=np.repeat(feeds["input_ids"], 2, 1)[:, ::2])
    (got,) = bert.run(strided).values()  # copied to contiguous first
    assert np.isfinite(got).all()


@pytest.mark.parametrize("index", [1000, 10**9, -1001])
def test_gather_index_out_of_range(bert, index):
    """Token ids past the vocabulary (1000 rows) are an error of run, as in
    ONNX Runtime, never a read outside the embedding table."""
    feeds, expected = _io(BERT)
    ids = feeds["input_ids"].copy()
    ids[1, 5] = index
    with pytest.raises(RuntimeError) as info:
        bert.run(dict(feeds, input_ids=ids))
    assert (f"index {index} is out of range [-1000, 1000) in node "
            "'/m/embeddings/word_embeddings/Gather' (Gather, opset 17)"
            == str(info.value))
    # Negative indices in range count from the end, as ONNX says.
    ids[1, 5] = -1
    (got,) = bert.run(dict(feeds, input_ids=ids)).values()
    assert np.isfinite(got).all()
    (got,) = bert.run(feeds).values()
    np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)


def test_truncated_library_is_an_error(tmp_path, bert):
    data = open(bert.path, "rb").read()
    half = tmp_path / "half.so"
    half.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match="is truncated or corrupt"):
        tmix.Model.load(half)


def test_external_data_stays_in_the_model_directory(tmp_path):
    """External data through a link that leaves the model's folder is
    refused (it used to read any file the link named)."""
    from onnx import TensorProto, helper
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(6, dtype=np.float32).tobytes())
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").symlink_to(secret)
    (folder / "local.bin").write_bytes(np.ones(6, np.float32).tobytes())

    def model(location):
        w = helper.make_tensor("w", TensorProto.FLOAT, [2, 3], [0.0] * 6)
        w.ClearField("float_data")
        w.data_location = TensorProto.EXTERNAL
        entry = w.external_data.add()
        entry.key, entry.value = "location", location
        graph = helper.make_graph(
            [helper.make_node("Add", ["x", "w"], ["y"])], "ext",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
            [w])
        path = folder / f"{location.replace('/', '_')}.onnx"
        onnx.save(helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 17)], ir_version=8), path)
        return path

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    (y,) = tmix.compile(model("local.bin")).run(x=x).values()
    np.testing.assert_array_equal(y, x + 1)
    with pytest.raises(tmix.CompileError, match="outside the model's "
                                                "directory"):
        tmix.compile(model("weights.bin"))
    with pytest.raises(tmix.CompileError, match="must be a relative path "
                                                "inside the model's"):
        tmix.compile(model("../secret.bin"))


@pytest.mark.parametrize("field, value, message", [
    ("ir_version", 1, "ONNX IR version 1 is not one tmix reads (3 to 14)"),
    ("opset", 99, "opset 99 of domain 'ai.onnx' is newer than tmix knows "
                  "(28, ONNX 1.23)"),
])
def test_unknown_versions(field, value, message):
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "v",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid(
        "", value if field == "opset" else 17)])
    proto.ir_version = value if field == "ir_version" else 8
    with pytest.raises(tmix.CompileError) as info:
        tmix.compile(proto)
    assert str(info.value) == message


def test_profile(bert):
    """profile=True times every operation; the slowest of a BERT layer are
    its matmuls and attention, named by their ONNX nodes."""
    model = tmix.compile(os.path.join(MODELS, BERT + ".onnx"), profile=True)
    feeds, expected = _io(BERT)
    model.profile(reset=True)
    for _ in range(3):
        (got,) = model.run(feeds).values()
    np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)
    sites = model.profile()
    assert sites and all(s["calls"] == 3 for s in sites)
    assert sites == sorted(sites, key=lambda s: -s["total_ms"])
    top = " ".join(n for s in sites[:6] for n in s["nodes"])
    assert "attention/self/Softmax" in top and "MatMul" in top
    assert bert.profile() == []  # compiled without profile=True


def test_help_describes_the_package():
    assert "tmix.compile" in tmix.__doc__ or "compile" in tmix.__doc__
    assert tmix.__version__.count(".") == 2


@pytest.mark.skipif(os.environ.get("TMIX_SKIP_PIP") == "1",
                    reason="TMIX_SKIP_PIP=1: the pip install test is off")
def test_pip_install_into_a_fresh_venv(tmp_path):
    """`pip install .` of this checkout into a new virtual environment, then
    an in-process compile of a bundled exporter graph that matches ONNX
    Runtime. The wheel is built in build-pip/ (ccache with paths relative to
    the checkout shares objects with build/)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = dict(os.environ, CCACHE_BASEDIR=ROOT)
    env.pop("TMIX_BUILD_DIR", None)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "-q",
         "--disable-pip-version-check", ROOT,
         f"--config-settings=build-dir={os.path.join(ROOT, 'build-pip')}"],
        capture_output=True, text=True, env=env, timeout=3000)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    script = textwrap.dedent(f"""
        import numpy as np, os, tmix
        assert os.path.dirname(tmix.__file__).startswith({str(venv)!r})
        model = tmix.compile({os.path.join(MODELS, GPT2 + '.onnx')!r})
        io = np.load({os.path.join(MODELS, GPT2 + '.io.npz')!r})
        (got,) = model.run(input_ids=io["input_ids"]).values()
        err = float(np.abs(got - io["ort_output"]).max())
        assert err <= {TOL}, err
        print("max_abs", err, tmix.__version__)
    """)
    proc = subprocess.run([str(python), "-c", script], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("max_abs")
