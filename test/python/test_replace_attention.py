"""tmix-replace-attention on exporter-shaped BERT, GPT-2 and LLaMA models
(tmix.synthetic): the numpy forward is first checked against ONNX Runtime
with softmax attention, then each replaced model, run through the reference
path, must match the numpy forward with the same mixers (1e-4 max abs, f32,
every element)."""
import json
import os
import re
import subprocess

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tmix import synthetic
from tmix.reference import (TMIX_OPT, CompiledModule, function_signature,
                            import_onnx)

TOL = 1e-4
LAYERS = 2
# Small, with head sizes 8, 12 and 16; llama has 4 query heads on 2 kv heads.
SIZES = {
    "bert": dict(layers=LAYERS, hidden=32, heads=4, batch=2, seq=12, seed=0),
    "gpt2": dict(layers=LAYERS, hidden=48, heads=4, batch=2, seq=16, seed=1),
    "llama": dict(layers=LAYERS, hidden=64, heads=4, kv_heads=2, batch=2,
                  seq=20, seed=2),
}


class Case:
    """A built model, its feeds and its imported (unfused) MLIR on disk."""

    def __init__(self, kind, directory, **sizes):
        self.kind = kind
        self.dir = directory
        self.model, self.weights = synthetic.build(kind, **{**SIZES[kind],
                                                            **sizes})
        self.feeds = synthetic.make_inputs(kind, self.weights)
        self.onnx_path = os.path.join(directory, f"{kind}.onnx")
        onnx.save(self.model, self.onnx_path)
        self.mlir_path = os.path.join(directory, f"{kind}.mlir")
        # With locations: `nodes=` selects sites by their ONNX node names.
        with open(self.mlir_path, "w") as f:
            f.write(import_onnx(self.onnx_path, "--mlir-print-debuginfo"))
        self.layers = self.weights["config"]["layers"]

    def replace(self, **options):
        """(IR, stderr) after fusion and tmix-replace-attention."""
        flags = " ".join(f"{k.replace('_', '-')}={v}"
                         for k, v in options.items())
        proc = subprocess.run(
            [TMIX_OPT, self.mlir_path, "--tmix-fuse-attention",
             f"--tmix-replace-attention={flags}"],
            capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout, proc.stderr

    def fused(self):
        return subprocess.run([TMIX_OPT, self.mlir_path,
                               "--tmix-fuse-attention"], capture_output=True,
                              text=True, check=True).stdout

    def run(self, text, name):
        _, outs = function_signature(text, "main_graph")
        inputs = [self.feeds[i.name] for i in self.model.graph.input]
        workdir = os.path.join(self.dir, name)
        os.makedirs(workdir, exist_ok=True)
        (y,) = CompiledModule(text, workdir=workdir).call("main_graph",
                                                          inputs, outs)
        return y

    def expect(self, mixers, **opts):
        return synthetic.forward(self.kind, self.weights, self.feeds, mixers,
                                 **opts)


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    built = {}

    def get(kind):
        if kind not in built:
            built[kind] = Case(kind, str(tmp_path_factory.mktemp(kind)))
        return built[kind]
    return get


def ops(text):
    """Op name -> count in printed MLIR."""
    found = re.findall(r"\b((?:tmix|linalg)\.[a-z_]+)\b(?!<)", text)
    return {name: found.count(name) for name in set(found)}


def replacement_op(mixer):
    return "tmix.pool_mixer" if mixer == "pool" else f"tmix.{mixer}_attention"


def max_err(got, expected):
    assert got.shape == expected.shape
    assert np.all(np.isfinite(got))
    return float(np.max(np.abs(got.astype(np.float64) - expected)))


def test_inputs_are_not_degenerate(cases):
    bert = cases("bert")
    mask = bert.feeds["attention_mask"]
    assert mask[0].all() and 0 < mask[-1].sum() < mask.shape[1]
    assert mask[-1, -1] == 0  # trailing padding
    for kind in synthetic.KINDS:
        assert np.all(cases(kind).feeds["x"] != 0)


@pytest.mark.parametrize("kind", synthetic.KINDS)
def test_numpy_forward_matches_onnxruntime(kind, cases):
    case = cases(kind)
    session = ort.InferenceSession(case.onnx_path,
                                   providers=["CPUExecutionProvider"])
    (got,) = session.run(None, case.feeds)
    err = max_err(got, case.expect("softmax"))
    print(f"{kind} onnxruntime vs numpy: max abs error {err:.3e}")
    assert err <= TOL, f"{kind}: numpy forward vs onnxruntime {err:.3e}"


@pytest.mark.parametrize("mixer", ["softmax", "sigmoid", "linear", "pool"])
@pytest.mark.parametrize("kind", synthetic.KINDS)
def test_replaced_model_matches_numpy(kind, mixer, cases):
    case = cases(kind)
    text, remarks = case.replace(mixer=mixer)
    mixers = synthetic.replaced_mixers(kind, case.layers, mixer)
    counts = ops(text)
    if kind == "bert" and mixer == "pool":
        # Pooling cannot honour the padding mask: every site stays softmax.
        assert remarks.count("kept softmax attention") == case.layers
        assert "pooling cannot honour its mask" in remarks
        assert mixers == ["softmax"] * case.layers
    elif mixer != "softmax":
        assert remarks.count("replaced softmax attention") == case.layers
        assert "kept softmax attention" not in remarks
        assert counts.get("tmix.attention", 0) == 0
        assert counts.get(replacement_op(mixer)) == case.layers
    else:
        assert counts.get("tmix.attention") == case.layers
    if mixer == "pool" and kind == "llama":
        # The q and k projections of pooled sites are gone (GPT-2's fused
        # QKV projection stays, for v).
        before = ops(case.fused()).get("linalg.matmul", 0)
        assert counts.get("linalg.matmul", 0) == before - 2 * case.layers
    expected = case.expect(mixers)
    if mixers[0] != "softmax":
        # The replacement changes the model: the comparison discriminates.
        assert max_err(expected, case.expect("softmax")) > 1e-2
    err = max_err(case.run(text, f"all-{mixer}"), expected)
    print(f"{kind} {mixer}: max abs error {err:.3e}")
    assert err <= TOL, f"{kind} {mixer}: {err:.3e} vs numpy {mixers}"


@pytest.mark.parametrize("mixer", ["sigmoid", "linear", "pool"])
def test_layer_selection(mixer, cases):
    case = cases("gpt2")
    text, remarks = case.replace(mixer=mixer, layers=1)
    counts = ops(text)
    assert counts.get("tmix.attention") == 1
    replaced = replacement_op(mixer)
    assert counts.get(replaced) == 1
    assert remarks.count("replaced softmax attention") == 1
    mixers = ["softmax", mixer]
    assert synthetic.replaced_mixers("gpt2", case.layers, mixer, [1]) == mixers
    # Layer 1 comes second in graph order: the first site is still softmax.
    first = min(text.index("tmix.attention"), text.index(replaced))
    assert text[first:].startswith("tmix.attention")
    err = max_err(case.run(text, f"layer1-{mixer}"), case.expect(mixers))
    print(f"gpt2 layers=1 {mixer}: max abs error {err:.3e}")
    assert err <= TOL


def test_node_scope_selection(cases):
    """`nodes` with the exporter's name scope picks the same site as
    `layers`."""
    case = cases("llama")
    report = os.path.join(case.dir, "nodes-report.json")
    text, _ = case.replace(mixer="sigmoid", nodes="/layers.1/attn/",
                           report=report, report_format="json")
    with open(report) as f:
        sites = json.load(f)["sites"]
    assert [s["status"] for s in sites] == ["kept", "replaced"]
    assert all(n.startswith("/layers.1/attn/") for n in sites[1]["nodes"])
    assert any(n.startswith("/layers.1/attn/Softmax")
               for n in sites[1]["nodes"])
    assert ops(text).get("tmix.sigmoid_attention") == 1
    assert ops(text).get("tmix.attention") == 1
    assert text == case.replace(mixer="sigmoid", layers=1)[0]
    err = max_err(case.run(text, "nodes-layer1"),
                  case.expect(["softmax", "sigmoid"]))
    print(f"llama nodes=/layers.1/attn/ sigmoid: max abs error {err:.3e}")
    assert err <= TOL


def test_pool_one_llama_layer_drops_its_q_k_projections(cases):
    case = cases("llama")
    before = ops(case.fused())
    text, remarks = case.replace(mixer="pool", layers=0)
    after = ops(text)
    assert "average pooling (global, causal)" in remarks
    assert after.get("tmix.pool_mixer") == 1
    assert after.get("tmix.attention") == 1
    assert after["linalg.matmul"] == before["linalg.matmul"] - 2
    err = max_err(case.run(text, "pool-layer0"),
                  case.expect(["pool", "softmax"]))
    print(f"llama layers=0 pool: max abs error {err:.3e}")
    assert err <= TOL


def test_pool_window(cases):
    case = cases("gpt2")
    text, remarks = case.replace(mixer="pool", pool_window=3)
    assert remarks.count("average pooling (window 3, causal)") == case.layers
    expected = case.expect("pool", pool_window=3)
    assert max_err(expected, case.expect("pool")) > 1e-2
    err = max_err(case.run(text, "pool-window3"), expected)
    print(f"gpt2 pool window 3: max abs error {err:.3e}")
    assert err <= TOL


@pytest.mark.parametrize("kind", ["bert", "llama"])
def test_sigmoid_bias_override(kind, cases):
    case = cases(kind)
    text, _ = case.replace(mixer="sigmoid", sigmoid_bias=-1.5)
    assert ops(text).get("tmix.sigmoid_attention") == case.layers
    expected = case.expect("sigmoid", sigmoid_bias=-1.5)
    assert max_err(expected, case.expect("sigmoid")) > 1e-2
    err = max_err(case.run(text, "sigmoid-bias"), expected)
    print(f"{kind} sigmoid bias -1.5: max abs error {err:.3e}")
    assert err <= TOL


@pytest.mark.parametrize("kind", ["bert", "llama"])
def test_linear_relu_feature_map(kind, cases):
    case = cases(kind)
    text, remarks = case.replace(mixer="linear", feature_map="relu")
    assert remarks.count("linear attention (relu") == case.layers
    expected = case.expect("linear", feature_map="relu")
    assert max_err(expected, case.expect("linear")) > 1e-2
    err = max_err(case.run(text, "linear-relu"), expected)
    print(f"{kind} linear relu: max abs error {err:.3e}")
    assert err <= TOL
