"""Real exporter graphs: import, convert, run through the reference path and
compare with ONNX Runtime's output stored beside each model (1e-4 max abs,
f32), plus the structure the importer must produce."""
import os

import numpy as np
import onnx
import pytest

import exporters
from tmix.reference import CompiledModule, function_signature, import_onnx

MODELS = os.path.join(os.path.dirname(__file__), "..", "data", "models")
# The BERT and GPT-2 exports, whose two attention sites must fuse.
NAMES = exporters.NAMES


@pytest.fixture(scope="module", params=NAMES)
def converted(request, tmp_path_factory):
    name = request.param
    path = os.path.join(MODELS, name + ".onnx")
    text = import_onnx(path)
    return name, path, text, tmp_path_factory.mktemp(name.replace(".", "_"))


def test_matches_onnxruntime(converted):
    name, path, text, workdir = converted
    io = np.load(os.path.join(MODELS, name + ".io.npz"))
    graph = onnx.load(path, load_external_data=False).graph
    inits = {i.name for i in graph.initializer}
    inputs = [io[i.name] for i in graph.input if i.name not in inits]
    ins, outs = function_signature(text, "main_graph")
    assert [a.shape for a in inputs] == [s for s, _ in ins]
    module = CompiledModule(text, workdir=str(workdir))
    (got,) = module.call("main_graph", inputs, outs)
    expected = io["ort_output"]
    assert got.shape == expected.shape
    err = np.max(np.abs(got.astype(np.float64) - expected))
    assert err < 1e-4, f"{name}: max abs error {err:.3e} vs onnxruntime"


def test_onnx_attention_becomes_tmix_attention(converted):
    name, _, text, _ = converted
    assert "onnx.node" not in text
    if ".op23" in name:
        assert text.count("tmix.attention") == 2


def test_fused_attention_reproduces_unfused(converted):
    """tmix-fuse-attention raises every attention site and changes nothing
    numerically (1e-5 max abs against the unfused graph)."""
    import subprocess

    from tmix.reference import TMIX_OPT

    name, path, text, workdir = converted
    src = os.path.join(str(workdir), "unfused.mlir")
    with open(src, "w") as f:
        f.write(text)
    fused = subprocess.run([TMIX_OPT, src, "--tmix-fuse-attention"],
                           capture_output=True, text=True, check=True).stdout
    assert fused.count("tmix.attention") == 2
    assert "linalg.softmax" not in fused
    if name.startswith("gpt2"):
        # The constant causal masks become the attribute.
        assert fused.count("#tmix.causal<top_left>") == 2
    io = np.load(os.path.join(MODELS, name + ".io.npz"))
    graph = onnx.load(path, load_external_data=False).graph
    inputs = [io[i.name] for i in graph.input]
    _, outs = function_signature(fused, "main_graph")
    fused_dir = os.path.join(str(workdir), "fused")
    os.makedirs(fused_dir, exist_ok=True)
    (a,) = CompiledModule(fused, workdir=fused_dir).call("main_graph", inputs,
                                                         outs)
    (b,) = CompiledModule(text, workdir=str(workdir)).call("main_graph",
                                                           inputs, outs)
    assert np.max(np.abs(a - b)) < 1e-5
    assert np.max(np.abs(a - io["ort_output"])) < 1e-4
