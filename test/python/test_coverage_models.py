"""Real exporter graphs that need the ops of the coverage work (made by
test/data/models/export_coverage.py, tiny Hugging Face configs with random
weights, dynamic axes): BLOOM's ALiBi (CumSum), a ViT interpolating its
position table (cubic Resize), an opset-23 LLaMA with GQA (RotaryEmbedding,
Attention), an unoptimised ModernBERT (SplitToSequence/SequenceAt, an
integer Abs) and T5's relative-position buckets (an integer Abs). Each is
compiled at the stored shape (against ONNX Runtime's stored output) and at
a second shape (against ONNX Runtime run here), through tmix.compile (the
CPU pipeline) and through the reference path, to 1e-4 max abs (f32)."""
import os

import numpy as np
import onnx
import pytest

import tmix
from tmix.reference import CompiledModule, function_signature, import_onnx

MODELS = os.path.join(os.path.dirname(__file__), "..", "data", "models")

# name -> (op type the graph must contain, second input shapes)
CASES = {
    "bloom.torchscript.op17": ("CumSum", {"input_ids": (1, 11)}),
    "vit.interp.torchscript.op17": ("Resize", {"pixel_values": (1, 3, 56, 32)}),
    "llama.dynamo.op23": ("RotaryEmbedding", {"input_ids": (3, 9)}),
    "modernbert.dynamo.unoptimized": ("SplitToSequence", {"input_ids": (1, 13)}),
    "t5.eager.torchscript.op17": ("Abs", {"input_ids": (3, 7)}),
}


def _feeds(name, shapes, seed):
    """Random inputs of `shapes`: ids in [1, 1000), masks with the last
    quarter of the final row padded, images in [-1, 1)."""
    rng = np.random.default_rng(seed)
    graph = onnx.load(os.path.join(MODELS, name + ".onnx")).graph
    feeds = {}
    ids_shape = shapes.get("input_ids")
    for inp in graph.input:
        if inp.name == "input_ids":
            feeds[inp.name] = rng.integers(1, 1000, ids_shape, dtype=np.int64)
        elif inp.name == "attention_mask":
            mask = np.ones(ids_shape, dtype=np.int64)
            mask[-1, ids_shape[1] - max(1, ids_shape[1] // 4):] = 0
            feeds[inp.name] = mask
        else:
            feeds[inp.name] = rng.uniform(
                -1, 1, shapes[inp.name]).astype(np.float32)
    return feeds


def _stored(name):
    io = np.load(os.path.join(MODELS, name + ".io.npz"))
    feeds = {k: io[k] for k in io.files if k not in ("ort_output",
                                                     "torch_output")}
    return feeds, io["ort_output"]


def _onnxruntime(name, feeds):
    import onnxruntime
    session = onnxruntime.InferenceSession(
        os.path.join(MODELS, name + ".onnx"),
        providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


def _shape_flags(feeds):
    return [f"--input-shape={k}:{'x'.join(map(str, v.shape))}"
            for k, v in feeds.items()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_graph_has_the_op(name):
    graph = onnx.load(os.path.join(MODELS, name + ".onnx")).graph
    assert CASES[name][0] in {n.op_type for n in graph.node}


@pytest.mark.parametrize("second", [False, True], ids=["stored", "second"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_matches_onnxruntime(name, second, tmp_path):
    if second:
        feeds = _feeds(name, CASES[name][1], seed=1)
        expected = _onnxruntime(name, feeds)
    else:
        feeds, expected = _stored(name)
    model = tmix.compile(
        os.path.join(MODELS, name + ".onnx"), str(tmp_path / "m.so"),
        input_shape=[f"{k}:{'x'.join(map(str, v.shape))}"
                     for k, v in feeds.items()])
    (got,) = model.run(feeds).values()
    assert got.shape == expected.shape
    err = np.max(np.abs(got.astype(np.float64) - expected))
    assert err < 1e-4, f"{name}: max abs error {err:.3e} vs onnxruntime"


@pytest.mark.parametrize("name", sorted(CASES))
def test_reference_matches_onnxruntime(name, tmp_path):
    feeds, expected = _stored(name)
    text = import_onnx(os.path.join(MODELS, name + ".onnx"),
                       *_shape_flags(feeds))
    ins, outs = function_signature(text, "main_graph")
    graph = onnx.load(os.path.join(MODELS, name + ".onnx")).graph
    inputs = [feeds[i.name] for i in graph.input]
    assert [a.shape for a in inputs] == [s for s, _ in ins]
    (got,) = CompiledModule(text, workdir=str(tmp_path)).call(
        "main_graph", inputs, outs)
    err = np.max(np.abs(got.astype(np.float64) - expected))
    assert err < 1e-4, f"{name}: max abs error {err:.3e} vs onnxruntime"
