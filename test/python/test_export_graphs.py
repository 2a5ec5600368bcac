"""Export-shaped graphs built here (LLaMA-, ViT-, T5-, Whisper-like blocks)
and external-data models: imported, converted, run through the reference
path and compared with ONNX Runtime on the same model and inputs (1e-4 max
abs, f32)."""
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from export_graphs import BUILDERS
from tmix.reference import CompiledModule, function_signature, import_onnx


def run_tmix(path, feeds, graph):
    text = import_onnx(path)
    ins, outs = function_signature(text, "main_graph")
    inits = {i.name for i in graph.initializer}
    inputs = [feeds[i.name] for i in graph.input if i.name not in inits]
    module = CompiledModule(text, workdir=os.path.dirname(path))
    return module.call("main_graph", inputs, outs), text


def run_ort(path, feeds):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_matches_onnxruntime(name, tmp_path):
    model, feeds = BUILDERS[name]()
    path = str(tmp_path / f"{name}.onnx")
    onnx.save(model, path)
    (got,), text = run_tmix(path, feeds, model.graph)
    (expected,) = run_ort(path, feeds)
    assert "onnx.node" not in text
    err = np.max(np.abs(got - expected))
    assert err < 1e-4, f"{name}: max abs error {err:.3e} vs onnxruntime"


def test_external_data(tmp_path):
    """Weights in a side file are read from the model's directory."""
    model, feeds = BUILDERS["llama_block"]()
    path = str(tmp_path / "llama.onnx")
    onnx.save_model(model, path, save_as_external_data=True,
                    all_tensors_to_one_file=True, location="llama.weights",
                    size_threshold=1024)  # weights, not shape constants
    assert os.path.getsize(tmp_path / "llama.weights") > 10000
    (got,), _ = run_tmix(path, feeds, onnx.load(path, load_external_data=False)
                         .graph)
    (expected,) = run_ort(path, feeds)
    assert np.max(np.abs(got - expected)) < 1e-4


def test_missing_external_data_is_an_error(tmp_path):
    model, _ = BUILDERS["t5_block"]()
    path = str(tmp_path / "t5.onnx")
    onnx.save_model(model, path, save_as_external_data=True,
                    all_tensors_to_one_file=True, location="t5.weights",
                    size_threshold=64)
    os.remove(tmp_path / "t5.weights")
    with pytest.raises(RuntimeError, match="cannot read external data file"):
        import_onnx(path)


# Attention sites tmix-fuse-attention raises in each block (ViT writes its
# attention with Einsum).
FUSED_SITES = {"llama_block": 1, "whisper_stem": 1, "vit_block": 1,
               "t5_block": 1}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_fusion_keeps_numerics(name, tmp_path):
    import subprocess

    from tmix.reference import TMIX_OPT

    model, feeds = BUILDERS[name]()
    path = str(tmp_path / f"{name}.onnx")
    onnx.save(model, path)
    src = str(tmp_path / "unfused.mlir")
    with open(src, "w") as f:
        f.write(import_onnx(path))
    fused = subprocess.run([TMIX_OPT, src, "--tmix-fuse-attention"],
                           capture_output=True, text=True, check=True).stdout
    assert fused.count("tmix.attention") == FUSED_SITES[name]
    if name == "llama_block":
        assert "#tmix.causal<top_left>" in fused  # from the Trilu mask
        # GQA: K and V enter with their 2 kv heads, not the expanded copy.
        line = next(l for l in fused.splitlines() if "tmix.attention" in l)
        assert line.count("tensor<2x2x12x16xf32>") == 2
    ins, outs = function_signature(fused, "main_graph")
    inits = {i.name for i in model.graph.initializer}
    inputs = [feeds[i.name] for i in model.graph.input if i.name not in inits]
    (got,) = CompiledModule(fused, workdir=str(tmp_path)).call(
        "main_graph", inputs, outs)
    (expected,) = run_ort(path, feeds)
    assert np.max(np.abs(got - expected)) < 1e-4
