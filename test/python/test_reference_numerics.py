"""tmix-reference-pipeline vs an independent fp64 numpy reference.

Every configuration is one function of one MLIR module (compiled once);
inputs are random (never zeros) and every output element is compared.
Error metric: max |tmix - ref| / max |ref| per output (normwise max
relative error), below 1e-5 for f32/f64 and 4e-3 for f16 (f16 output
rounding alone is 2^-11 relative).
"""
import dataclasses
import os
import zlib
from typing import Callable, List, Optional, Tuple

import numpy as np
import pytest

import npref
from tmix.reference import BUILD_DIR, CompiledModule, tensor_type

F32_TOL = 1e-5
F16_TOL = 4e-3


@dataclasses.dataclass
class Case:
    name: str
    inputs: List[Tuple[str, np.ndarray]]
    op_text: str  # the op, using %<input name> and producing %r0[, %r1]
    outputs: List[Tuple[Tuple[int, ...], np.dtype]]
    reference: Callable[[], List[np.ndarray]]
    tol: float = F32_TOL

    def function(self):
        args = ", ".join(f"%{n}: {tensor_type(a.shape, a.dtype)}"
                         for n, a in self.inputs)
        res_types = [tensor_type(s, d) for s, d in self.outputs]
        results = ", ".join(f"%r{i}" for i in range(len(self.outputs)))
        return (f"func.func @{self.name}({args}) -> ({', '.join(res_types)}) {{\n"
                f"  {self.op_text}\n"
                f"  return {results} : {', '.join(res_types)}\n}}\n")


def _rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def _attrs(d):
    items = [k if v is True else f"{k} = {v}" for k, v in d.items()
             if v is not None and v is not False]
    return " {" + ", ".join(items) + "}" if items else ""


def _f32(x):
    return f"{x!r} : f32"


# ---------------------------------------------------------------------------
# softmax and sigmoid attention
# ---------------------------------------------------------------------------


def attention_case(name, b=1, hq=2, hkv=None, lq=7, lk=None, d=8, dv=None,
                   causal="none", mask=None, scale=None, softcap=None,
                   bias=None, sigmoid=False, dtype=np.float32,
                   full_masked_row=False):
    hkv = hkv or hq
    lk = lk or lq
    dv = dv or d
    rng = _rng(name)
    q = rng.standard_normal((b, hq, lq, d)).astype(dtype)
    k = rng.standard_normal((b, hkv, lk, d)).astype(dtype)
    v = rng.standard_normal((b, hkv, lk, dv)).astype(dtype)
    inputs = [("q", q), ("k", k), ("v", v)]
    m = None
    if mask is not None:
        kind, shape = mask
        shape = tuple({"B": b, "H": hq, "Q": lq, "K": lk}[c] if isinstance(c, str)
                      else c for c in shape)
        if kind == "bool":
            m = rng.random(shape) < 0.75
            if full_masked_row:
                m[..., lq // 2 if m.ndim >= 2 and m.shape[-2] > 1 else 0, :] = False
        else:
            m = rng.standard_normal(shape).astype(np.float32)
            m[rng.random(shape) < 0.2] = -np.inf
            if full_masked_row:
                m[..., lq // 2 if m.ndim >= 2 and m.shape[-2] > 1 else 0, :] = -np.inf
        inputs.append(("m", m))
    opname = "tmix.sigmoid_attention" if sigmoid else "tmix.attention"
    mask_text = f" mask(%m : {tensor_type(m.shape, m.dtype)})" if m is not None else ""
    attrs = {
        "causal": f"#tmix.causal<{causal}>" if causal != "none" else None,
        "scale": _f32(scale) if scale is not None else None,
        "softcap": _f32(softcap) if softcap is not None else None,
        "bias": _f32(bias) if bias is not None else None,
    }
    out_shape = (b, hq, lq, dv)
    types = ", ".join(tensor_type(a.shape, a.dtype) for a in (q, k, v))
    op_text = (f"%r0 = {opname} %q, %k, %v{mask_text}{_attrs(attrs)} : "
               f"{types} -> {tensor_type(out_shape, dtype)}")

    def reference():
        if sigmoid:
            return [npref.sigmoid_attention(q, k, v, m, scale, bias, causal)]
        return [npref.attention(q, k, v, m, scale, softcap, causal)]

    tol = F16_TOL if dtype == np.float16 else F32_TOL
    return Case(name, inputs, op_text, [(out_shape, np.dtype(dtype))], reference,
                tol)


ATTENTION_CASES = [
    attention_case("att_basic"),
    attention_case("att_len1", lq=1),
    attention_case("att_decode_br", lq=1, lk=65, causal="bottom_right"),
    attention_case("att_l65_causal", lq=65, d=16, causal="top_left"),
    attention_case("att_lq7_lk9_tl", lq=7, lk=9, causal="top_left"),
    attention_case("att_lq9_lk7_br", lq=9, lk=7, causal="bottom_right"),
    attention_case("att_lq9_lk7_tl", lq=9, lk=7, causal="top_left"),
    attention_case("att_gqa2", hq=4, hkv=2, lq=9, lk=12),
    attention_case("att_gqa4_causal", hq=8, hkv=2, lq=13, causal="top_left"),
    attention_case("att_mqa", hq=4, hkv=1, lq=5, lk=17),
    attention_case("att_bool_full", b=2, mask=("bool", ("B", 1, "Q", "K")),
                   full_masked_row=True),
    attention_case("att_bool_keypad", b=2, lk=11, mask=("bool", ("K",))),
    attention_case("att_bool_b11k", b=2, lq=6, lk=10,
                   mask=("bool", ("B", 1, 1, "K"))),
    attention_case("att_add_qk", lq=8, lk=10, mask=("float", ("Q", "K"))),
    attention_case("att_add_inf_row", b=2, hq=3, mask=("float", ("B", "H", "Q", "K")),
                   full_masked_row=True),
    attention_case("att_softcap", softcap=2.0, scale=1.0),
    attention_case("att_softcap_causal_gqa", hq=4, hkv=2, lq=10, lk=12,
                   softcap=3.0, causal="bottom_right"),
    attention_case("att_scale", scale=0.3, lq=6, lk=14),
    attention_case("att_dv", d=16, dv=5, lk=9),
    attention_case("att_f64", dtype=np.float64, lq=7, lk=8, causal="top_left"),
    attention_case("att_f16", dtype=np.float16, lq=9, lk=12, hq=4, hkv=2),
    attention_case("att_big", b=3, hq=3, lq=33, lk=31, d=12,
                   mask=("bool", ("B", 1, "Q", "K")), causal="bottom_right"),
    attention_case("att_causal_bool", hq=2, lq=12, causal="top_left",
                   mask=("bool", (1, 1, "Q", "K"))),
]

SIGMOID_CASES = [
    attention_case("sig_basic", sigmoid=True),
    attention_case("sig_causal_tl", sigmoid=True, lq=7, lk=10, causal="top_left"),
    attention_case("sig_causal_br", sigmoid=True, lq=5, lk=9, causal="bottom_right"),
    attention_case("sig_gqa_bool", sigmoid=True, hq=4, hkv=2, lq=6, lk=8,
                   mask=("bool", ("B", 1, "Q", "K")), full_masked_row=True),
    attention_case("sig_add_bias", sigmoid=True, bias=0.5,
                   mask=("float", ("Q", "K"))),
    attention_case("sig_scale", sigmoid=True, scale=0.7, lq=4, lk=65),
    attention_case("sig_len1", sigmoid=True, lq=1),
    attention_case("sig_mqa_f64", sigmoid=True, hq=3, hkv=1, dtype=np.float64),
]

# ---------------------------------------------------------------------------
# linear attention
# ---------------------------------------------------------------------------


def linear_case(name, b=2, hq=2, hkv=None, lq=7, lk=None, d=8, dv=None,
                rule="linear", feature="identity", causal=True, normalize=False,
                decay=None, state=False, final=False, scale=None,
                dtype=np.float32):
    hkv = hkv or hq
    lk = lk or lq
    dv = dv or d
    rng = _rng(name)
    q = rng.standard_normal((b, hq, lq, d)).astype(dtype)
    k = rng.standard_normal((b, hkv, lk, d))
    if rule in ("delta", "gated_delta"):
        k /= np.linalg.norm(k, axis=-1, keepdims=True)  # keeps the rule stable
    k = k.astype(dtype)
    v = rng.standard_normal((b, hkv, lk, dv)).astype(dtype)
    inputs = [("q", q), ("k", k), ("v", v)]
    extra = ""
    g = bt = s0 = None
    if decay is not None:
        shape = (b, hkv, lk) if decay == "head" else (b, hkv, lk, d)
        g = rng.uniform(-1.0, -0.01, shape).astype(dtype)
        inputs.append(("g", g))
        extra += f" decay(%g : {tensor_type(g.shape, g.dtype)})"
    if rule in ("delta", "gated_delta"):
        bt = rng.uniform(0.05, 1.0, (b, hkv, lk)).astype(dtype)
        inputs.append(("beta", bt))
        extra += f" beta(%beta : {tensor_type(bt.shape, bt.dtype)})"
    if state:
        s0 = (0.5 * rng.standard_normal((b, hkv, d, dv))).astype(dtype)
        inputs.append(("s0", s0))
        extra += f" state(%s0 : {tensor_type(s0.shape, s0.dtype)})"
    attrs = {
        "causal": causal,
        "normalize": normalize,
        "feature_map": f"#tmix.feature_map<{feature}>" if feature != "identity" else None,
        "update_rule": f"#tmix.update_rule<{rule}>" if rule != "linear" else None,
        "scale": _f32(scale) if scale is not None else None,
    }
    out_shape = (b, hq, lq, dv)
    outputs = [(out_shape, np.dtype(dtype))]
    results = "%r0"
    res_types = tensor_type(out_shape, dtype)
    if final:
        outputs.append(((b, hkv, d, dv), np.dtype(dtype)))
        results += ", %r1"
        res_types += ", " + tensor_type((b, hkv, d, dv), dtype)
    types = ", ".join(tensor_type(a.shape, a.dtype) for a in (q, k, v))
    op_text = (f"{results} = tmix.linear_attention %q, %k, %v{extra}{_attrs(attrs)}"
               f" : {types} -> {res_types}")

    def reference():
        o, s = npref.linear_attention(q, k, v, g, bt, s0, feature, rule, causal,
                                      normalize, scale)
        return [o, s] if final else [o]

    return Case(name, inputs, op_text, outputs, reference,
                F16_TOL if dtype == np.float16 else F32_TOL)


LINEAR_CASES = [
    linear_case("lin_linear"),
    linear_case("lin_linear_elu_norm", feature="elu_plus_one", normalize=True),
    linear_case("lin_linear_relu", feature="relu", lq=9),
    linear_case("lin_noncausal", causal=False, lq=6, lk=11),
    linear_case("lin_noncausal_elu_norm", causal=False, lq=9, lk=5,
                feature="elu_plus_one", normalize=True, hq=4, hkv=2),
    linear_case("lin_linear_state", state=True, final=True),
    linear_case("lin_linear_final_nostate", final=True, lq=5),
    linear_case("lin_noncausal_state", causal=False, state=True, final=True),
    linear_case("lin_gated_head", rule="gated", decay="head", final=True),
    linear_case("lin_gated_dim_state", rule="gated", decay="dim", state=True,
                final=True),
    linear_case("lin_gated_norm", rule="gated", decay="head",
                feature="elu_plus_one", normalize=True),
    linear_case("lin_delta", rule="delta", final=True),
    linear_case("lin_delta_state", rule="delta", state=True, final=True, dv=5),
    linear_case("lin_gdelta_gqa", rule="gated_delta", decay="head", hq=4, hkv=2,
                final=True),
    linear_case("lin_gdelta_dim_state", rule="gated_delta", decay="dim",
                state=True, final=True),
    linear_case("lin_gdelta_decode", rule="gated_delta", decay="head", lq=1,
                state=True, final=True),
    linear_case("lin_mqa", hq=4, hkv=1, lq=6),
    linear_case("lin_scale", scale=0.25, feature="relu", state=True),
    linear_case("lin_gdelta_l65", rule="gated_delta", decay="dim", lq=65, b=1,
                d=16, dv=8, final=True),
    linear_case("lin_len1_linear", lq=1, final=True),
    linear_case("lin_gated_dim_norm", rule="gated", decay="dim", lq=11,
                feature="elu_plus_one", normalize=True, hq=4, hkv=2),
    linear_case("lin_delta_mqa_l13", rule="delta", hq=3, hkv=1, lq=13,
                state=True, final=True),
    linear_case("lin_gdelta_f16", rule="gated_delta", decay="head", lq=10,
                final=True, dtype=np.float16),
    linear_case("lin_gated_f64", rule="gated", decay="dim", lq=9, state=True,
                final=True, dtype=np.float64),
]

# ---------------------------------------------------------------------------
# pool mixer
# ---------------------------------------------------------------------------


def pool_case(name, kind="avg", window=0, causal=False, subtract=False,
              shape=(2, 3, 9, 5), dtype=np.float32):
    x = _rng(name).standard_normal(shape).astype(dtype)
    attrs = {"kind": f"#tmix.pool_kind<{kind}>",
             "window": f"{window} : i64" if window else None,
             "causal": causal, "subtract_input": subtract}
    op_text = (f"%r0 = tmix.pool_mixer %x{_attrs(attrs)} : "
               f"{tensor_type(shape, dtype)}")

    def reference():
        return [npref.pool_mixer(x, kind, window, causal, subtract)]

    return Case(name, [("x", x)], op_text, [(shape, np.dtype(dtype))], reference,
                F16_TOL if dtype == np.float16 else F32_TOL)


POOL_CASES = [
    pool_case("pool_avg_global"),
    pool_case("pool_avg_global_causal", causal=True),
    pool_case("pool_avg_w3", window=3),
    pool_case("pool_avg_w4_even", window=4, shape=(1, 2, 10, 3)),
    pool_case("pool_avg_w5_causal", window=5, causal=True),
    pool_case("pool_max_global", kind="max"),
    pool_case("pool_max_w3", kind="max", window=3, shape=(1, 2, 65, 4)),
    pool_case("pool_max_w2_causal", kind="max", window=2, causal=True),
    pool_case("pool_poolformer", window=3, subtract=True),
    pool_case("pool_len1", window=3, shape=(2, 2, 1, 4)),
    pool_case("pool_window_gt_len", window=20, causal=True, shape=(1, 1, 7, 3)),
    pool_case("pool_f16", window=3, dtype=np.float16),
    pool_case("pool_max_global_causal", kind="max", causal=True),
    pool_case("pool_max_w4_even", kind="max", window=4, shape=(2, 1, 11, 3)),
    pool_case("pool_max_w7_causal", kind="max", window=7, causal=True,
              shape=(1, 2, 30, 4)),
    pool_case("pool_max_subtract", kind="max", window=3, subtract=True),
    pool_case("pool_max_window_gt_len", kind="max", window=50,
              shape=(1, 1, 6, 2)),
    pool_case("pool_max_len1", kind="max", window=5, shape=(1, 2, 1, 3)),
    pool_case("pool_max_f16", kind="max", window=5, dtype=np.float16),
]

# ---------------------------------------------------------------------------
# matmuls large enough for the CPU pipeline's packed AVX-512 kernel (k * n
# past the tile kernel's 64K), with edges in every dimension
# ---------------------------------------------------------------------------


def matmul_case(name, batch, m, n, k):
    rng = _rng(name)
    lead = (batch,) if batch else ()
    a = rng.standard_normal(lead + (m, k)).astype(np.float32)
    b = rng.standard_normal(lead + (k, n)).astype(np.float32)
    c = rng.standard_normal(lead + (m, n)).astype(np.float32)
    op = "linalg.batch_matmul" if batch else "linalg.matmul"
    types = ", ".join(tensor_type(x.shape, x.dtype) for x in (a, b))
    op_text = (f"%r0 = {op} ins(%a, %b : {types}) outs(%c : "
               f"{tensor_type(c.shape, c.dtype)}) -> "
               f"{tensor_type(c.shape, c.dtype)}")

    def reference():
        return [c.astype(np.float64) + a.astype(np.float64) @ b]

    return Case(name, [("a", a), ("b", b), ("c", c)], op_text,
                [(c.shape, np.dtype(np.float32))], reference)


MATMUL_CASES = [
    matmul_case("mm_packed_edges", 0, 37, 1000, 333),
    matmul_case("mm_packed_tall", 0, 300, 70, 1100),
    matmul_case("mm_packed_batched", 3, 29, 260, 300),
]

ALL_CASES = (ATTENTION_CASES + SIGMOID_CASES + LINEAR_CASES + POOL_CASES
             + MATMUL_CASES)


# The reference decomposition, and the tiled lowering with tiles and linear
# attention chunks that do not divide the lengths (partial last tiles, tiles
# past the causal diagonal, one-row tiles).
# The CPU pipeline: the same tiles, BLAS tile products and OpenMP threads.
CPU_LINK = [os.path.join(BUILD_DIR, "lib", "libtmix_model_support.a"),
            "-lopenblas", "-fopenmp"]
PIPELINES = {
    "reference": ["--tmix-reference-pipeline"],
    "cpu": ["--tmix-cpu-pipeline=fuse=false tile-q=4 tile-k=5 chunk=3"],
    "tiled": ["--tmix-tile-mixers=tile-q=4 tile-k=5 chunk=3",
              "--tmix-reference-pipeline"],
    "tiled_q1": ["--tmix-tile-mixers=tile-q=1 tile-k=64",
                 "--tmix-reference-pipeline"],
}


@pytest.fixture(scope="module", params=sorted(PIPELINES))
def module(request, tmp_path_factory):
    text = "\n".join(c.function() for c in ALL_CASES)
    return CompiledModule(text, workdir=str(tmp_path_factory.mktemp("ref")),
                          opt_flags=PIPELINES[request.param],
                          link_flags=CPU_LINK if request.param == "cpu" else ())


def test_enough_configurations():
    assert len(ALL_CASES) >= 50


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_matches_fp64_reference(module, case):
    outputs = module.call(case.name, [a for _, a in case.inputs], case.outputs)
    expected = case.reference()
    assert len(outputs) == len(expected)
    for got, ref in zip(outputs, expected):
        assert got.shape == ref.shape
        assert np.all(np.isfinite(got)), "non-finite output"
        scale = max(np.max(np.abs(ref)), 1e-30)
        err = np.max(np.abs(got.astype(np.float64) - ref)) / scale
        assert err < case.tol, f"relative error {err:.3e} >= {case.tol:g}"
