"""Small (or BERT-base / GPT-2-small sized) transformers as exporters write
them, with an fp64 numpy forward that can swap each layer's token mixer.

    model, weights = build("gpt2", layers=2, hidden=64, heads=4, seq=16)
    feeds = make_inputs("gpt2", weights)
    y = forward("gpt2", weights, feeds, ["softmax", "linear"])

Kinds, written the way torch.onnx exports the Hugging Face blocks:

  bert   bidirectional, post-LayerNorm, Q/K/V/O and MLP biases, GELU (Erf
         form); inputs `x` [B, L, hidden] and `attention_mask` [B, L]
         (1 keep / 0 pad), turned into the additive [B, 1, 1, L] mask
         (1 - m) * -10000 with Unsqueeze/Sub/Mul and shared by the layers.
  gpt2   causal, pre-LayerNorm, one fused QKV projection Split three ways,
         GELU (tanh form), final LayerNorm; the causal mask is
         Where(tril, scores, -inf) with a constant [1, 1, L, L] tril.
  llama  causal, RMSNorm (Pow/ReduceMean/Add/Sqrt/Reciprocal/Mul), no
         biases, rotary embeddings (rotate_half with Slice/Neg/Concat),
         GQA with K and V expanded by Unsqueeze/Expand/Reshape, the scale
         as a Mul, an additive constant causal mask of float32 min, and a
         SiLU-gated MLP; final RMSNorm.

Every attention site is MatMul(Q, K^T) on [B, H, L, D] after Reshape +
Transpose, a scale (Div by sqrt(D) or Mul by 1/sqrt(D)), the mask, Softmax
over the last axis and MatMul with V, then Transpose + Reshape and the
output projection. Weights are seeded float32 initializers; `weights` maps
every initializer name to its array, plus "config" (a dict of the sizes).

`forward` is the oracle for tmix-replace-attention: per layer the mixer is
"softmax" (the model as exported), "sigmoid", "linear" or "pool", with the
math that pass puts in place (see passes/Passes.td):

  sigmoid  o_i = sum_j sigmoid(s q_i.k_j + bias + mask_j) v_j over visible
           keys, bias = -log(Lk) unless `sigmoid_bias` is given.
  linear   normalised linear attention, scale 1, eps 1e-6, feature map
           `feature_map` (elu_plus_one, relu, identity), causal when the
           site is; a key-padding mask weights phi(k_j) by exp(mask_j).
  pool     mean of v over the sequence (`pool_window`, 0 = global; prefix
           or trailing window when causal); GQA pools the kv heads.

`replaced_mixers` says which mixer each layer ends up with when the pass
must keep softmax (pool cannot honour BERT's padding mask).
"""
import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 18
KINDS = ("bert", "gpt2", "llama")
MIXERS = ("softmax", "sigmoid", "linear", "pool")

# Kinds whose attention carries a padding mask the pool mixer cannot honour.
_PADDING_MASK = {"bert": True, "gpt2": False, "llama": False}
_CAUSAL = {"bert": False, "gpt2": True, "llama": True}


# ----------------------------------------------------------------------------
# ONNX graph construction
# ----------------------------------------------------------------------------

class _Graph:
    """Names values, collects nodes and initializers."""

    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0
        self.weights = {}

    def _name(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def const(self, array, prefix="const"):
        name = self._name(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def scalar(self, value):
        return self.const(np.array(value, np.float32))

    def ints(self, *values):
        return self.const(np.array(values, np.int64))

    def param(self, name, array):
        """A named initializer that `forward` reads back from `weights`."""
        array = np.ascontiguousarray(array)
        self.weights[name] = array
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type, *inputs, scope="", outputs=1, **attrs):
        name = self._name(f"{scope}{op_type}")
        outs = [f"{name}_out{i}" if outputs > 1 else f"{name}_out"
                for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs,
                                           name=name, **attrs))
        return outs[0] if outputs == 1 else outs


class _Weights:
    """Seeded float32 weights, drawn straight in float32 (fast at any size)."""

    def __init__(self, graph, seed):
        self.g = graph
        self.rng = np.random.default_rng(seed)

    def normal(self, name, shape, std):
        a = self.rng.standard_normal(shape, dtype=np.float32)
        a *= np.float32(std)
        return self.g.param(name, a)

    def linear(self, name, din, dout):
        # std 1/sqrt(fan_in) keeps activations O(1) through the layers.
        return self.normal(f"{name}.weight", (din, dout), 1.0 / math.sqrt(din))

    def bias(self, name, n):
        return self.normal(f"{name}.bias", (n,), 0.02)

    def gain(self, name, n):
        a = 1.0 + 0.1 * self.rng.standard_normal(n, dtype=np.float32)
        return self.g.param(name, a.astype(np.float32))


def _config(kind, layers, hidden, heads, kv_heads, batch, seq, intermediate):
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (expected one of {KINDS})")
    kv_heads = kv_heads or (max(1, heads // 2) if kind == "llama" else heads)
    if hidden % heads or heads % kv_heads:
        raise ValueError(f"hidden {hidden}, heads {heads}, kv_heads "
                         f"{kv_heads}: hidden must divide by heads and heads "
                         "by kv_heads")
    if kind != "llama" and kv_heads != heads:
        raise ValueError(f"{kind} has as many kv heads as heads")
    head_dim = hidden // heads
    if kind == "llama" and head_dim % 2:
        raise ValueError("rotary embeddings need an even head size")
    if intermediate is None:
        intermediate = (4 * hidden if kind != "llama"
                        else -(-8 * hidden // 3 // 8) * 8)
    return dict(kind=kind, layers=layers, hidden=hidden, heads=heads,
                kv_heads=kv_heads, head_dim=head_dim, batch=batch, seq=seq,
                intermediate=intermediate,
                norm_eps={"bert": 1e-12, "gpt2": 1e-5, "llama": 1e-6}[kind])


def _rope_tables(seq, d):
    inv = 1.0 / (10000.0 ** (np.arange(0, d, 2, dtype=np.float64) / d))
    angles = np.arange(seq, dtype=np.float64)[:, None] * inv[None]
    emb = np.concatenate([angles, angles], axis=-1)
    return np.cos(emb).astype(np.float32), np.sin(emb).astype(np.float32)


def build(kind, layers=2, hidden=64, heads=4, kv_heads=None, batch=2, seq=16,
          seed=0, intermediate=None, check=None):
    """(onnx.ModelProto, weights) of a `kind` model with seeded weights.

    kv_heads defaults to heads (bert, gpt2) or heads // 2 (llama);
    intermediate to 4 * hidden (bert, gpt2) or ~8/3 * hidden (llama).
    `check` runs onnx.checker, which serialises the model (seconds at
    BERT-base size); by default only models under 64 MB are checked."""
    cfg = _config(kind, layers, hidden, heads, kv_heads, batch, seq,
                  intermediate)
    g = _Graph()
    w = _Weights(g, seed)
    B, L, H, Hkv, D = batch, seq, heads, cfg["kv_heads"], cfg["head_dim"]
    F = cfg["intermediate"]
    eps = cfg["norm_eps"]

    def split_heads(t, h, scope):
        r = g.op("Reshape", t, g.ints(B, L, h, D), scope=scope)
        return g.op("Transpose", r, perm=[0, 2, 1, 3], scope=scope)

    def merge_heads(t, scope):
        t = g.op("Transpose", t, perm=[0, 2, 1, 3], scope=scope)
        return g.op("Reshape", t, g.ints(B, L, hidden), scope=scope)

    def dense(t, name, din, dout, bias=True, scope=""):
        y = g.op("MatMul", t, w.linear(name, din, dout), scope=scope)
        return g.op("Add", y, w.bias(name, dout), scope=scope) if bias else y

    def layer_norm(t, name, scope):
        return g.op("LayerNormalization", t, w.gain(f"{name}.weight", hidden),
                    w.bias(name, hidden), axis=-1, epsilon=eps, scope=scope)

    def rms_norm(t, name, scope):
        ms = g.op("ReduceMean", g.op("Pow", t, g.scalar(2.0), scope=scope),
                  g.ints(-1), keepdims=1, scope=scope)
        inv = g.op("Reciprocal", g.op("Sqrt", g.op("Add", ms, g.scalar(eps),
                                                   scope=scope), scope=scope),
                   scope=scope)
        return g.op("Mul", g.op("Mul", t, inv, scope=scope),
                    w.gain(f"{name}.weight", hidden), scope=scope)

    def attend(q, kt, v, scale_op, mask_fn, scope):
        s = g.op("MatMul", q, kt, scope=scope)
        if scale_op == "div":
            s = g.op("Div", s, g.scalar(math.sqrt(D)), scope=scope)
        else:
            s = g.op("Mul", s, g.scalar(1.0 / math.sqrt(D)), scope=scope)
        s = mask_fn(s)
        p = g.op("Softmax", s, axis=-1, scope=scope)
        return merge_heads(g.op("MatMul", p, v, scope=scope), scope)

    x = "x"
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                            [B, L, hidden])]
    if kind == "bert":
        inputs.append(helper.make_tensor_value_info(
            "attention_mask", TensorProto.FLOAT, [B, L]))
        m = g.op("Unsqueeze", "attention_mask", g.ints(1, 2), scope="mask/")
        m = g.op("Sub", g.scalar(1.0), m, scope="mask/")
        add_mask = g.op("Mul", m, g.scalar(-10000.0), scope="mask/")
        for i in range(layers):
            p, sc = f"layers.{i}", f"/layers.{i}/attn/"
            q = split_heads(dense(x, f"{p}.attn.q", hidden, hidden, scope=sc),
                            H, sc)
            k = g.op("Reshape", dense(x, f"{p}.attn.k", hidden, hidden,
                                      scope=sc), g.ints(B, L, H, D), scope=sc)
            kt = g.op("Transpose", k, perm=[0, 2, 3, 1], scope=sc)
            v = split_heads(dense(x, f"{p}.attn.v", hidden, hidden, scope=sc),
                            H, sc)
            ctx = attend(q, kt, v, "div",
                         lambda s: g.op("Add", s, add_mask, scope=sc), sc)
            a = dense(ctx, f"{p}.attn.o", hidden, hidden, scope=sc)
            x = layer_norm(g.op("Add", a, x, scope=sc), f"{p}.attn.norm", sc)
            sc = f"/layers.{i}/mlp/"
            u = dense(x, f"{p}.mlp.up", hidden, F, scope=sc)
            erf = g.op("Erf", g.op("Div", u, g.scalar(math.sqrt(2.0)),
                                   scope=sc), scope=sc)
            gelu = g.op("Mul", g.op("Mul", u, g.op("Add", erf, g.scalar(1.0),
                                                   scope=sc), scope=sc),
                        g.scalar(0.5), scope=sc)
            d = dense(gelu, f"{p}.mlp.down", F, hidden, scope=sc)
            x = layer_norm(g.op("Add", d, x, scope=sc), f"{p}.mlp.norm", sc)
    elif kind == "gpt2":
        tril = np.tril(np.ones((L, L), dtype=bool))[None, None]
        keep = g.const(tril, "causal_mask")
        ninf = g.scalar(-np.inf)
        for i in range(layers):
            p, sc = f"layers.{i}", f"/layers.{i}/attn/"
            h = layer_norm(x, f"{p}.attn.norm", sc)
            qkv = dense(h, f"{p}.attn.qkv", hidden, 3 * hidden, scope=sc)
            q, k, v = g.op("Split", qkv, g.ints(hidden, hidden, hidden),
                           axis=-1, outputs=3, scope=sc)
            q, k, v = (split_heads(t, H, sc) for t in (q, k, v))
            kt = g.op("Transpose", k, perm=[0, 1, 3, 2], scope=sc)
            ctx = attend(q, kt, v, "div",
                         lambda s: g.op("Where", keep, s, ninf, scope=sc), sc)
            a = dense(ctx, f"{p}.attn.o", hidden, hidden, scope=sc)
            x = g.op("Add", x, a, scope=sc)
            sc = f"/layers.{i}/mlp/"
            h = layer_norm(x, f"{p}.mlp.norm", sc)
            u = dense(h, f"{p}.mlp.up", hidden, F, scope=sc)
            # 0.5 u (1 + tanh(sqrt(2/pi) (u + 0.044715 u^3)))
            cube = g.op("Mul", g.op("Pow", u, g.scalar(3.0), scope=sc),
                        g.scalar(0.044715), scope=sc)
            inner = g.op("Mul", g.op("Add", u, cube, scope=sc),
                         g.scalar(math.sqrt(2.0 / math.pi)), scope=sc)
            t = g.op("Add", g.op("Tanh", inner, scope=sc), g.scalar(1.0),
                     scope=sc)
            gelu = g.op("Mul", g.op("Mul", u, g.scalar(0.5), scope=sc), t,
                        scope=sc)
            x = g.op("Add", x, dense(gelu, f"{p}.mlp.down", F, hidden,
                                     scope=sc), scope=sc)
        x = layer_norm(x, "final_norm", "/final/")
    else:  # llama
        cos, sin = _rope_tables(L, D)
        cos, sin = g.param("rope.cos", cos), g.param("rope.sin", sin)
        causal = np.where(np.tril(np.ones((L, L), dtype=bool)), 0.0,
                          np.finfo(np.float32).min).astype(np.float32)
        add_mask = g.const(causal[None, None], "causal_mask")
        half = D // 2

        def rotate(t, sc):
            x1 = g.op("Slice", t, g.ints(0), g.ints(half), g.ints(3), scope=sc)
            x2 = g.op("Slice", t, g.ints(half), g.ints(D), g.ints(3), scope=sc)
            rot = g.op("Concat", g.op("Neg", x2, scope=sc), x1, axis=-1,
                       scope=sc)
            return g.op("Add", g.op("Mul", t, cos, scope=sc),
                        g.op("Mul", rot, sin, scope=sc), scope=sc)

        def repeat_kv(t, sc):
            if Hkv == H:
                return t
            u = g.op("Unsqueeze", t, g.ints(2), scope=sc)
            e = g.op("Expand", u, g.ints(B, Hkv, H // Hkv, L, D), scope=sc)
            return g.op("Reshape", e, g.ints(B, H, L, D), scope=sc)

        for i in range(layers):
            p, sc = f"layers.{i}", f"/layers.{i}/attn/"
            h = rms_norm(x, f"{p}.attn.norm", sc)
            q = split_heads(dense(h, f"{p}.attn.q", hidden, H * D, False, sc),
                            H, sc)
            k = split_heads(dense(h, f"{p}.attn.k", hidden, Hkv * D, False,
                                  sc), Hkv, sc)
            v = split_heads(dense(h, f"{p}.attn.v", hidden, Hkv * D, False,
                                  sc), Hkv, sc)
            q, k = rotate(q, sc), rotate(k, sc)
            k, v = repeat_kv(k, sc), repeat_kv(v, sc)
            kt = g.op("Transpose", k, perm=[0, 1, 3, 2], scope=sc)
            ctx = attend(q, kt, v, "mul",
                         lambda s: g.op("Add", s, add_mask, scope=sc), sc)
            x = g.op("Add", x, dense(ctx, f"{p}.attn.o", H * D, hidden, False,
                                     sc), scope=sc)
            sc = f"/layers.{i}/mlp/"
            h = rms_norm(x, f"{p}.mlp.norm", sc)
            gate = dense(h, f"{p}.mlp.gate", hidden, F, False, sc)
            up = dense(h, f"{p}.mlp.up", hidden, F, False, sc)
            silu = g.op("Mul", gate, g.op("Sigmoid", gate, scope=sc), scope=sc)
            x = g.op("Add", x, dense(g.op("Mul", silu, up, scope=sc),
                                     f"{p}.mlp.down", F, hidden, False, sc),
                     scope=sc)
        x = rms_norm(x, "final_norm", "/final/")

    g.nodes.append(helper.make_node("Identity", [x], ["y"], name="output"))
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                             [B, L, hidden])]
    graph = helper.make_graph(g.nodes, f"synthetic_{kind}", inputs, outputs,
                              g.inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="tmix.synthetic")
    model.ir_version = 8
    if check is None:
        check = sum(a.nbytes for a in g.weights.values()) < 64 << 20
    if check:
        onnx.checker.check_model(model)
    weights = dict(g.weights)
    weights["config"] = cfg
    return model, weights


def make_inputs(kind, weights, seed=1, padding=True):
    """Random feeds for the model `weights` came with: `x` ~ N(0, 1) and, for
    bert, an attention_mask of ones with the last quarter (at least one
    position) of the last batch row padded when `padding`."""
    cfg = weights["config"]
    B, L = cfg["batch"], cfg["seq"]
    rng = np.random.default_rng(seed)
    feeds = {"x": rng.standard_normal((B, L, cfg["hidden"]), dtype=np.float32)}
    if kind == "bert":
        mask = np.ones((B, L), np.float32)
        if padding:
            mask[-1, L - max(1, L // 4):] = 0.0
        feeds["attention_mask"] = mask
    return feeds


def replaced_mixers(kind, layers, mixer, selected=None):
    """The mixer each layer has after tmix-replace-attention mixer=`mixer`
    (layers=`selected`, all when None): softmax where the pass must keep it,
    which for these models is pool against BERT's padding mask."""
    selected = range(layers) if selected is None else set(selected)
    keep = mixer == "pool" and _PADDING_MASK[kind]
    return [mixer if i in selected and not keep else "softmax"
            for i in range(layers)]


# ----------------------------------------------------------------------------
# fp64 numpy forward
# ----------------------------------------------------------------------------

_erf = np.frompyfunc(math.erf, 1, 1)


def _feature_map(x, name):
    if name == "identity":
        return x
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "elu_plus_one":
        return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))
    raise ValueError(f"unknown feature map {name!r}")


def _mix(mixer, q, k, v, scale, causal, key_mask, opts):
    """One attention site: q [B, H, L, D], k and v [B, H, L, D] (kv heads
    already repeated), key_mask [B, L] additive or None; fp64."""
    B, H, L, _ = q.shape
    tril = np.tril(np.ones((L, L), dtype=bool))
    if mixer == "pool":
        if key_mask is not None:
            raise ValueError("the pool mixer cannot honour a padding mask")
        window = opts.get("pool_window", 0)
        if window == 0 and not causal:
            return np.broadcast_to(v.mean(axis=2, keepdims=True),
                                   v.shape).copy()
        csum = np.concatenate([np.zeros_like(v[:, :, :1]),
                               np.cumsum(v, axis=2)], axis=2)
        i = np.arange(L)
        if window == 0:
            lo, hi = np.zeros(L, int), i
        elif causal:
            lo, hi = i - window + 1, i
        else:
            lo, hi = i - (window - 1) // 2, i + window // 2
        lo, hi = np.maximum(lo, 0), np.minimum(hi, L - 1)
        return ((csum[:, :, hi + 1] - csum[:, :, lo])
                / (hi - lo + 1)[None, None, :, None])
    out = np.empty_like(q[..., :v.shape[-1]])
    if mixer == "linear":
        fm = opts.get("feature_map", "elu_plus_one")
        eps = opts.get("eps", 1e-6)
        fq, fk = _feature_map(q, fm), _feature_map(k, fm)
        if key_mask is not None:
            fk = fk * np.exp(key_mask)[:, None, :, None]
        for b in range(B):
            for h in range(H):
                if causal:
                    a = np.where(tril, fq[b, h] @ fk[b, h].T, 0.0)
                    num, den = a @ v[b, h], a.sum(axis=1)
                else:
                    num = fq[b, h] @ (fk[b, h].T @ v[b, h])
                    den = fq[b, h] @ fk[b, h].sum(axis=0)
                out[b, h] = num / (den + eps)[:, None]
        return out
    if mixer == "sigmoid":
        bias = opts.get("sigmoid_bias")
        bias = -math.log(L) if bias is None else float(bias)
    for b in range(B):
        for h in range(H):
            s = scale * (q[b, h] @ k[b, h].T)
            if key_mask is not None:
                s = s + key_mask[b][None, :]
            if mixer == "softmax":
                if causal:
                    s = np.where(tril, s, -np.inf)
                s = np.exp(s - s.max(axis=1, keepdims=True))
                p = s / s.sum(axis=1, keepdims=True)
            elif mixer == "sigmoid":
                with np.errstate(over="ignore"):
                    p = 1.0 / (1.0 + np.exp(-(s + bias)))
                if causal:
                    p = np.where(tril, p, 0.0)
            else:
                raise ValueError(f"unknown mixer {mixer!r}")
            out[b, h] = p @ v[b, h]
    return out


def forward(kind, weights, inputs, mixers="softmax", **mixer_opts):
    """The model's output y [B, L, hidden] in float64, with `mixers[i]` (or
    one mixer for every layer) in layer i. mixer_opts: feature_map
    ("elu_plus_one"), sigmoid_bias (None = -log(L)), pool_window (0),
    eps (1e-6)."""
    cfg = weights["config"]
    if cfg["kind"] != kind:
        raise ValueError(f"weights are for {cfg['kind']}, not {kind}")
    layers = cfg["layers"]
    if isinstance(mixers, str):
        mixers = [mixers] * layers
    if len(mixers) != layers:
        raise ValueError(f"{len(mixers)} mixers for {layers} layers")
    for m in mixers:
        if m not in MIXERS:
            raise ValueError(f"unknown mixer {m!r} (expected one of {MIXERS})")
    W = {n: a.astype(np.float64) for n, a in weights.items() if n != "config"}
    B, L, H, Hkv, D = (cfg["batch"], cfg["seq"], cfg["heads"],
                       cfg["kv_heads"], cfg["head_dim"])
    eps = cfg["norm_eps"]
    x = np.asarray(inputs["x"], np.float64)

    def dense(t, name, bias=True):
        y = t @ W[f"{name}.weight"]
        return y + W[f"{name}.bias"] if bias else y

    def layer_norm(t, name):
        mu = t.mean(axis=-1, keepdims=True)
        var = ((t - mu) ** 2).mean(axis=-1, keepdims=True)
        return (t - mu) / np.sqrt(var + eps) * W[f"{name}.weight"] + \
            W[f"{name}.bias"]

    def rms_norm(t, name):
        return t / np.sqrt((t * t).mean(axis=-1, keepdims=True) + eps) * \
            W[f"{name}.weight"]

    def heads(t, h):
        return t.reshape(B, L, h, D).transpose(0, 2, 1, 3)

    def merge(t):
        return t.transpose(0, 2, 1, 3).reshape(B, L, H * D)

    key_mask = None
    if kind == "bert":
        m = np.asarray(inputs["attention_mask"], np.float64)
        key_mask = (1.0 - m) * -10000.0
    causal = _CAUSAL[kind]
    scale = 1.0 / math.sqrt(D)

    def rotate(t):
        half = D // 2
        rot = np.concatenate([-t[..., half:], t[..., :half]], axis=-1)
        return t * W["rope.cos"] + rot * W["rope.sin"]

    for i, mixer in enumerate(mixers):
        p = f"layers.{i}"
        if kind == "bert":
            q = heads(dense(x, f"{p}.attn.q"), H)
            k = heads(dense(x, f"{p}.attn.k"), H)
            v = heads(dense(x, f"{p}.attn.v"), H)
            ctx = merge(_mix(mixer, q, k, v, scale, causal, key_mask,
                             mixer_opts))
            x = layer_norm(dense(ctx, f"{p}.attn.o") + x, f"{p}.attn.norm")
            u = dense(x, f"{p}.mlp.up")
            gelu = 0.5 * u * (1.0 + _erf(u / math.sqrt(2.0)).astype(
                np.float64))
            x = layer_norm(dense(gelu, f"{p}.mlp.down") + x, f"{p}.mlp.norm")
        elif kind == "gpt2":
            h = layer_norm(x, f"{p}.attn.norm")
            q, k, v = np.split(dense(h, f"{p}.attn.qkv"), 3, axis=-1)
            ctx = merge(_mix(mixer, heads(q, H), heads(k, H), heads(v, H),
                             scale, causal, key_mask, mixer_opts))
            x = x + dense(ctx, f"{p}.attn.o")
            u = dense(layer_norm(x, f"{p}.mlp.norm"), f"{p}.mlp.up")
            gelu = 0.5 * u * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) *
                                            (u + 0.044715 * u ** 3)))
            x = x + dense(gelu, f"{p}.mlp.down")
        else:
            h = rms_norm(x, f"{p}.attn.norm")
            q = rotate(heads(dense(h, f"{p}.attn.q", False), H))
            k = rotate(heads(dense(h, f"{p}.attn.k", False), Hkv))
            v = heads(dense(h, f"{p}.attn.v", False), Hkv)
            # Query head j reads kv head j // (H / Hkv).
            k, v = np.repeat(k, H // Hkv, axis=1), np.repeat(v, H // Hkv,
                                                              axis=1)
            ctx = merge(_mix(mixer, q, k, v, scale, causal, key_mask,
                             mixer_opts))
            x = x + dense(ctx, f"{p}.attn.o", False)
            h = rms_norm(x, f"{p}.mlp.norm")
            gate = dense(h, f"{p}.mlp.gate", False)
            silu = gate / (1.0 + np.exp(-gate))
            x = x + dense(silu * dense(h, f"{p}.mlp.up", False),
                          f"{p}.mlp.down", False)
    if kind == "gpt2":
        x = layer_norm(x, "final_norm")
    elif kind == "llama":
        x = rms_norm(x, "final_norm")
    return x
