"""--precision=bf16 on the CPU: products with weights (a constant B of more
than 64 Ki elements) in bfloat16 on AMX tiles, accumulated in f32; the rest
of the model stays f32.

Tolerances:
* A two-matmul MLP against float64 numpy on the same operands rounded to
  bf16 (what the hardware multiplies): for the first product the only
  difference left is the f32 accumulation, so 1e-5 of the output scale
  (unrounded operands are ~1e-3 away, so this shows the bf16 path ran);
  the second also sees the first's f32 result rounded to bf16, where an
  accumulation difference can flip a rounding: 1e-3 of the scale.
* A BERT-shaped model (tmix.synthetic, hidden 512) against ONNX Runtime
  fp32, FlashAttention's rule: tmix's max error at most twice that of ONNX
  Runtime running the graph with its weights rounded to bf16 (the error
  bf16 storage of the weights alone brings).
On a CPU without AMX-BF16, --precision=bf16 is a one-line error.
"""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from tmix import runtime, synthetic


needs_amx = pytest.mark.skipif(not runtime.has_amx_bf16(),
                               reason="the CPU has no AMX-BF16")


def to_bf16(x):
    """Round float32 to the nearest bfloat16 (ties to even), as float32."""
    bits = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32)


def mlp(rng, tokens=48, width=384, inner=1024):
    """x [tokens, width] -> MatMul W1 -> Relu -> MatMul W2, weights of
    width*inner elements (packed, so bf16 applies)."""
    w1 = rng.standard_normal((width, inner)).astype(np.float32) / 20
    w2 = rng.standard_normal((inner, width)).astype(np.float32) / 30
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["h"]),
         helper.make_node("Relu", ["h"], ["r"]),
         helper.make_node("MatMul", ["r", "w2"], ["y"])],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [tokens, width])],
        [helper.make_tensor_value_info("h", TensorProto.FLOAT,
                                       [tokens, inner]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [tokens, width])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("",
                                                                        17)])
    x = rng.standard_normal((tokens, width)).astype(np.float32)
    return model, x, w1, w2


@needs_amx
def test_mlp_products_are_bf16(tmp_path):
    model, x, w1, w2 = mlp(np.random.default_rng(0))
    src = tmp_path / "mlp.onnx"
    onnx.save(model, src)
    out = runtime.compile(src, tmp_path / "bf16.so", precision="bf16").run(
        {"x": x})
    f64 = np.float64
    # What bf16 hardware computes: rounded operands, exact products.
    h = to_bf16(x).astype(f64) @ to_bf16(w1).astype(f64)
    y = to_bf16(np.maximum(h, 0).astype(np.float32)).astype(f64) @ \
        to_bf16(w2).astype(f64)
    h_exact = x.astype(f64) @ w1.astype(f64)
    y_exact = np.maximum(h_exact, 0) @ w2.astype(f64)
    h_scale, y_scale = np.max(np.abs(h)), np.max(np.abs(y))
    assert np.max(np.abs(out["h"] - h)) <= 1e-5 * h_scale
    assert np.max(np.abs(h_exact - h)) > 1e-4 * h_scale
    assert np.max(np.abs(out["y"] - y)) <= 1e-3 * y_scale
    f32 = runtime.compile(src, tmp_path / "f32.so").run({"x": x})
    assert np.max(np.abs(f32["h"] - h_exact)) <= 1e-5 * h_scale
    assert np.max(np.abs(f32["y"] - y_exact)) <= 1e-5 * y_scale


@needs_amx
def test_bert_within_flash_attention_rule(tmp_path):
    model, weights = synthetic.build("bert", layers=2, hidden=512, heads=8,
                                     batch=1, seq=64, seed=0)
    feeds = synthetic.make_inputs("bert", weights)
    src = tmp_path / "bert.onnx"
    onnx.save(model, src)
    ref = ort.InferenceSession(model.SerializeToString(),
                               providers=["CPUExecutionProvider"]).run(
                                   None, feeds)[0].astype(np.float64)
    rounded = onnx.ModelProto()
    rounded.CopyFrom(model)
    for init in rounded.graph.initializer:
        if len(init.dims) == 2:
            init.CopyFrom(numpy_helper.from_array(
                to_bf16(numpy_helper.to_array(init)), init.name))
    weights_only = ort.InferenceSession(
        rounded.SerializeToString(),
        providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    bound = np.max(np.abs(weights_only - ref))
    lib = runtime.compile(src, tmp_path / "bert.so", precision="bf16")
    got = next(iter(lib.run(feeds).values())).astype(np.float64)
    err = np.max(np.abs(got - ref))
    assert np.all(np.isfinite(got))
    print(f"bf16 max error {err:.3e}, weights-only bf16 error {bound:.3e}")
    assert bound > 0 and err <= 2 * bound, (err, bound)


def test_precision_errors(tmp_path):
    model, _, _, _ = mlp(np.random.default_rng(0), tokens=4, width=8,
                         inner=8)
    src = tmp_path / "mlp.onnx"
    onnx.save(model, src)
    with pytest.raises(RuntimeError, match="--precision=f16 is not supported "
                       r"by --target=cpu \(f32 or bf16\)"):
        runtime.compile(src, tmp_path / "f16.so", precision="f16")
    with pytest.raises(RuntimeError, match="--precision=bf16 needs a CPU "
                       "with AMX-BF16"):
        runtime.compile(src, tmp_path / "old.so", precision="bf16",
                        target_cpu="skylake-avx512")
    if not runtime.has_amx_bf16():
        with pytest.raises(RuntimeError, match="this machine's CPU"):
            runtime.compile(src, tmp_path / "host.so", precision="bf16")
