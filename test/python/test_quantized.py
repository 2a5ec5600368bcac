"""Quantized models: integer products, models quantized by ONNX Runtime's
tools, and tmix's own --quantize=int8.

Tolerances, and why:
* Integer products (MatMulInteger) are exact: int32 results compared
  bit for bit with numpy, on each kernel the CPU can run (AMX-INT8, AVX-512
  VNNI, the portable loop).
* Models quantized by onnxruntime.quantization (quantize_dynamic, and
  quantize_static in QDQ format with per-channel weights) against ONNX
  Runtime with graph optimisations off (which follows the spec; its fused
  kernels round differently) and, for GPT-2, the ONNX reference
  evaluator. Quantization turns a difference of one f32 ulp before a
  QuantizeLinear (another tanh, another summation order) into a whole
  quantization step when the value sits on a rounding boundary, and that
  step travels on through that token's row (measured: the GPT-2 QDQ
  model differs in 205 of 16384 elements, the dynamic one in one token's
  row, the BERTs in none). So: at least 97% of the output elements within
  1e-4, and every element within half of ONNX Runtime's own quantization
  drift (|int8 model - fp32 model|), i.e. closer to ONNX Runtime than
  quantization itself moves the result.
* --quantize=int8 of an f32 model: its drift from the f32 model must not
  exceed that of the same model quantized by quantize_dynamic, run by ONNX
  Runtime.
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                      QuantType, quantize_dynamic,
                                      quantize_static)

import tmix

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "data", "models")
BUNDLED = ["bert.eager.torchscript.op17", "gpt2.eager.torchscript.op17",
           "bert.sdpa.dynamo.op18"]


def matmul_integer(m, k, n, a_type, b_type, a_zp, b_zp, b_const, rng):
    """A MatMulInteger graph, its A (and B when it is an input) and the
    exact int32 product."""
    np_types = {TensorProto.UINT8: np.uint8, TensorProto.INT8: np.int8}
    ranges = {np.uint8: (0, 256), np.int8: (-128, 128)}
    at, bt = np_types[a_type], np_types[b_type]
    a = rng.integers(*ranges[at], (m, k)).astype(at)
    b = rng.integers(*ranges[bt], (k, n)).astype(bt)
    inits, inputs = [], [helper.make_tensor_value_info("A", a_type, [m, k])]
    if b_const:
        inits.append(numpy_helper.from_array(b, "B"))
    else:
        inputs.append(helper.make_tensor_value_info("B", b_type, [k, n]))
    names = ["A", "B"]
    ref_a, ref_b = a.astype(np.int32), b.astype(np.int32)
    for name, zp, dtype in (("az", a_zp, at), ("bz", b_zp, bt)):
        if zp is None:
            names.append("")
            continue
        z = np.asarray(zp, dtype=dtype)
        inits.append(numpy_helper.from_array(z, name))
        names.append(name)
        if name == "az":
            ref_a = ref_a - (z.astype(np.int32).reshape(-1, 1) if z.ndim
                             else z.astype(np.int32))
        else:
            ref_b = ref_b - z.astype(np.int32)
    while not names[-1]:
        names.pop()
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", names, ["Y"])], "mmi", inputs,
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [m, n])],
        inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 13)])
    feeds = {"A": a} if b_const else {"A": a, "B": b}
    return model, feeds, ref_a @ ref_b


U8, S8 = TensorProto.UINT8, TensorProto.INT8
PRODUCTS = [
    # m, k, n, A, B, a zero point, b zero point, B a weight
    (128, 768, 1024, U8, S8, 131, None, True),      # ORT dynamic: u8 x s8
    (37, 100, 70, U8, S8, 5, 3, True),              # partial tiles, both zps
    (300, 320, 96, S8, S8, -3, [i % 7 - 3 for i in range(96)], True),
    (64, 512, 512, S8, U8, None, 128, True),        # s8 x u8
    (65, 256, 200, U8, U8, 7, 9, False),            # B an input: no slot
    (1, 768, 768, U8, S8, 100, None, True),         # one row (decode)
    (48, 192, 160, U8, S8, [i % 5 for i in range(48)], None, True),  # per row
]


# The kernels a machine may take: the best it has (AMX-INT8 on Sapphire
# Rapids), AVX-512 VNNI with AMX hidden, the portable loop with AVX-512
# hidden. Each compiled library detects the CPU once, on its first call.
KERNELS = {"best": {}, "vnni": {"TMIX_DISABLE_AMX": "1"},
           "loop": {"TMIX_DISABLE_AVX512": "1"}}


@pytest.mark.parametrize("kernel", sorted(KERNELS))
@pytest.mark.parametrize("case", range(len(PRODUCTS)))
def test_matmul_integer_exact(case, kernel, tmp_path, monkeypatch):
    for name, value in KERNELS[kernel].items():
        monkeypatch.setenv(name, value)
    rng = np.random.default_rng(case)
    model, feeds, expected = matmul_integer(*PRODUCTS[case], rng)
    compiled = tmix.compile(model, str(tmp_path / "mmi.so"))
    got = compiled.run(feeds)["Y"]
    np.testing.assert_array_equal(got, expected)


class Calibration(CalibrationDataReader):
    """Four batches like the model's own inputs, ids redrawn."""

    def __init__(self, io, names):
        rng = np.random.default_rng(1)
        self.batches = iter([
            {n: (rng.integers(0, 1000, io[n].shape).astype(io[n].dtype)
                 if "ids" in n else io[n]) for n in names}
            for _ in range(4)])

    def get_next(self):
        return next(self.batches, None)


def quantized(name, kind, tmp_path):
    """(path of the model quantized by ONNX Runtime, inputs, fp32 output)."""
    src = os.path.join(MODELS, name + ".onnx")
    io = np.load(os.path.join(MODELS, name + ".io.npz"))
    names = [i.name for i in onnx.load(src).graph.input]
    dst = str(tmp_path / f"{name}.{kind}.onnx")
    if kind == "dynamic":
        quantize_dynamic(src, dst, weight_type=QuantType.QInt8)
    else:
        quantize_static(src, dst, Calibration(io, names),
                        quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8)
    return dst, {n: io[n] for n in names}, io["ort_output"]


def ort_unoptimised(path, feeds):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, options,
                                providers=["CPUExecutionProvider"]).run(
                                    None, feeds)[0]


def assert_close_to_ort(got, ref, fp32):
    err = np.abs(got - ref)
    drift = np.abs(ref - fp32).max()
    within = np.mean(err <= 1e-4)
    assert within >= 0.97, f"only {within:.1%} of elements within 1e-4"
    assert err.max() <= drift / 2, (
        f"max error {err.max():.3e} vs ORT's quantization drift {drift:.3e}")


@pytest.mark.parametrize("kind", ["dynamic", "qdq"])
@pytest.mark.parametrize("name", BUNDLED)
def test_onnxruntime_quantized_models(name, kind, tmp_path):
    path, feeds, fp32 = quantized(name, kind, tmp_path)
    ops = {n.op_type for n in onnx.load(path).graph.node}
    assert ({"DynamicQuantizeLinear", "MatMulInteger"} <= ops
            if kind == "dynamic" else {"QuantizeLinear", "DequantizeLinear"}
            <= ops)
    ref = ort_unoptimised(path, feeds)
    got = next(iter(tmix.compile(path, str(tmp_path / "q.so")).run(
        feeds).values()))
    assert_close_to_ort(got, ref, fp32)


@pytest.mark.parametrize("kind", ["dynamic", "qdq"])
def test_reference_evaluator_agrees(kind, tmp_path):
    """GPT-2 against the ONNX reference evaluator too (its GatherElements
    cannot run the BERT graphs)."""
    path, feeds, fp32 = quantized(BUNDLED[1], kind, tmp_path)
    # The evaluator implements DequantizeLinear from opset 19 on; its
    # integer semantics are those of opset 13, which the model imports.
    model = onnx.load(path)
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx"):
            opset.version = max(opset.version, 19)
    ref = ReferenceEvaluator(model).run(None, feeds)[0]
    got = next(iter(tmix.compile(path, str(tmp_path / "q.so")).run(
        feeds).values()))
    assert_close_to_ort(got, ref, fp32)


@pytest.mark.parametrize("name", BUNDLED[:2])
def test_compiler_chosen_int8(name, tmp_path):
    src = os.path.join(MODELS, name + ".onnx")
    path, feeds, fp32 = quantized(name, "dynamic", tmp_path)
    ort_int8 = ort.InferenceSession(
        path, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    model = tmix.compile(src, str(tmp_path / "q.so"), quantize="int8")
    got = next(iter(model.run(feeds).values()))
    ours, theirs = np.abs(got - fp32).max(), np.abs(ort_int8 - fp32).max()
    assert 0 < ours <= theirs, (
        f"--quantize=int8 drift {ours:.3e}, ORT int8 drift {theirs:.3e}")
    # Only some nodes: closer to fp32 than quantizing all of them.
    some = tmix.compile(src, str(tmp_path / "some.so"), quantize="int8",
                        quantize_nodes=["/m/encoder/layer.0/"
                                        if "bert" in name else "/m/h.0/"])
    partial = np.abs(next(iter(some.run(feeds).values())) - fp32).max()
    assert 0 < partial < ours


@pytest.mark.parametrize("options, message", [
    ({"quantize": "int4"}, "--quantize=int4 is not supported (int8)"),
    ({"quantize_nodes": ["x"]}, "--quantize-nodes needs --quantize"),
    ({"quantize": "int8", "target": "cuda"},
     "--quantize is not supported by --target=cuda yet"),
])
def test_bad_options(options, message, tmp_path):
    model, _, _ = matmul_integer(4, 8, 4, U8, S8, None, None, True,
                                 np.random.default_rng(0))
    with pytest.raises(tmix.CompileError, match=message.replace(
            "(", r"\(").replace(")", r"\)")):
        tmix.compile(model, str(tmp_path / "x.so"), **options)


def test_zero_scale_is_an_error(tmp_path):
    graph = helper.make_graph(
        [helper.make_node("QuantizeLinear", ["x", "s"], ["y"], name="q")],
        "q", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [4])],
        [numpy_helper.from_array(np.array(0, np.float32), "s")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 13)])
    with pytest.raises(tmix.CompileError,
                       match="node 'q' \\(QuantizeLinear, opset 13\\): "
                             "y_scale holds 0; scales must be positive"):
        tmix.compile(model, str(tmp_path / "x.so"))


def test_unsigned_inputs_and_outputs(tmp_path):
    """uint8..uint64 cross the model ABI with their dtypes."""
    inputs, outputs, nodes = [], [], []
    for t, name in ((TensorProto.UINT8, "u8"), (TensorProto.UINT16, "u16"),
                    (TensorProto.UINT32, "u32"), (TensorProto.UINT64, "u64")):
        inputs.append(helper.make_tensor_value_info(name, t, [3]))
        outputs.append(helper.make_tensor_value_info(name + "_max", t, [3]))
        nodes.append(helper.make_node("Max", [name, name + "_c"],
                                      [name + "_max"]))
    inits = [numpy_helper.from_array(np.array([1, 200, 7], dt), n + "_c")
             for dt, n in ((np.uint8, "u8"), (np.uint16, "u16"),
                           (np.uint32, "u32"), (np.uint64, "u64"))]
    model = helper.make_model(
        helper.make_graph(nodes, "u", inputs, outputs, inits),
        opset_imports=[helper.make_opsetid("", 13)])
    compiled = tmix.compile(model, str(tmp_path / "u.so"))
    feeds = {n: np.array([255 if n == "u8" else 2**(int(n[1:]) - 1), 3, 9],
                         dtype=f"uint{n[1:]}") for n in ("u8", "u16", "u32",
                                                         "u64")}
    out = compiled.run(feeds)
    for n, x in feeds.items():
        c = np.array([1, 200, 7], dtype=x.dtype)
        assert out[n + "_max"].dtype == x.dtype
        np.testing.assert_array_equal(out[n + "_max"], np.maximum(x, c))


# ONNX Runtime's contrib ops (com.microsoft) that its quantization tools and
# graph optimisations emit, against ONNX Runtime itself on random operands.

def _contrib_model(op, inputs, initializers, out_shape, **attrs):
    """One com.microsoft node over graph inputs `inputs` ({name: array})
    and constant `initializers`, output Y of `out_shape` (float32)."""
    names = list(inputs) + list(initializers)
    node = helper.make_node(op, names, ["Y"], domain="com.microsoft", **attrs)
    graph = helper.make_graph(
        [node], op,
        [helper.make_tensor_value_info(
            k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
         for k, v in inputs.items()],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(v, k) for k, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])


def _ort_and_tmix(model, feeds, tmp_path, skip_if_ort_cannot=False):
    path = str(tmp_path / "m.onnx")
    onnx.save(model, path)
    try:
        ref = ort.InferenceSession(
            path, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    except Exception as e:  # noqa: BLE001 - ORT's own exception types
        if not skip_if_ort_cannot:
            raise
        pytest.skip(f"ONNX Runtime does not run this form: {e}")
    got = tmix.compile(path, str(tmp_path / "m.so")).run(feeds)["Y"]
    return got, ref


@pytest.mark.parametrize("b_signed,per_column,bias", [
    (True, False, False), (True, True, True), (False, True, False)])
def test_dynamic_quantize_matmul(b_signed, per_column, bias, tmp_path):
    rng = np.random.default_rng(3)
    m, k, n = 6, 64, 24
    a = rng.normal(size=(2, m, k)).astype(np.float32)
    b_type = np.int8 if b_signed else np.uint8
    lo, hi = (-128, 128) if b_signed else (0, 256)
    inits = {"B": rng.integers(lo, hi, (k, n)).astype(b_type),
             "b_scale": (rng.uniform(0.5, 2, n if per_column else 1)
                         * 0.01).astype(np.float32),
             "b_zero_point": rng.integers(lo // 4 + 32 * (not b_signed),
                                          hi // 4 + 32 * (not b_signed),
                                          n if per_column else 1
                                          ).astype(b_type)}
    if bias:
        inits["bias"] = rng.normal(size=n).astype(np.float32)
    model = _contrib_model("DynamicQuantizeMatMul", {"A": a}, inits,
                           [2, m, n])
    got, ref = _ort_and_tmix(model, {"A": a}, tmp_path)
    # The same integer product and scales; ORT's kernel rounds A's
    # quantization the same way, so only the f32 scaling order differs.
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


def test_matmul_integer_to_float(tmp_path):
    rng = np.random.default_rng(4)
    m, k, n = 5, 48, 16
    a = rng.integers(0, 256, (m, k)).astype(np.uint8)
    inits = {"B": rng.integers(-128, 128, (k, n)).astype(np.int8),
             "a_scale": np.array(0.02, np.float32),
             "b_scale": rng.uniform(0.001, 0.01, n).astype(np.float32),
             "a_zero_point": np.array(128, np.uint8),
             "b_zero_point": rng.integers(-5, 5, n).astype(np.int8),
             "bias": rng.normal(size=n).astype(np.float32)}
    model = _contrib_model("MatMulIntegerToFloat", {"A": a}, inits, [m, n])
    got, ref = _ort_and_tmix(model, {"A": a}, tmp_path)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


def _pack(values, bits):
    """`bits`-bit values, low bits first, into bytes (rows padded)."""
    per = 8 // bits
    rows, count = values.shape
    out = np.zeros((rows, (count + per - 1) // per), np.uint8)
    for i in range(count):
        out[:, i // per] |= (values[:, i].astype(np.uint8) << (bits * (i % per)))
    return out


@pytest.mark.parametrize("bits,zero_points,k", [
    (4, "packed", 96), (4, None, 64), (4, "float", 64), (8, "packed", 64),
    (2, "packed", 64)])
def test_matmul_nbits(bits, zero_points, k, tmp_path):
    """Weight-only 2/4/8-bit blocks (what ORT's MatMulNBits quantizer
    writes for LLMs), K not a multiple of the block size included."""
    rng = np.random.default_rng(5)
    m, n, block = 3, 20, 32
    blocks = (k + block - 1) // block
    q = rng.integers(0, 1 << bits, (n, blocks * block))
    packed = _pack(q, bits).reshape(n, blocks, block * bits // 8)
    scales = rng.uniform(0.01, 0.1, n * blocks).astype(np.float32)
    inits = {"B": packed, "scales": scales}
    if zero_points == "packed":
        zp = rng.integers(0, 1 << bits, (n, blocks))
        inits["zero_points"] = _pack(zp, bits).reshape(-1)
    elif zero_points == "float":
        inits["zero_points"] = rng.uniform(0, 1 << bits, n * blocks).astype(
            np.float32)
    a = rng.normal(size=(2, m, k)).astype(np.float32)
    model = _contrib_model("MatMulNBits", {"A": a}, inits, [2, m, n],
                           K=k, N=n, bits=bits, block_size=block)
    got, ref = _ort_and_tmix(model, {"A": a}, tmp_path,
                             skip_if_ort_cannot=True)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
