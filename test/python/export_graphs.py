"""Export-shaped ONNX graphs for architectures the bundled models lack.

Each builder returns (ModelProto, {input name: array}) with random weights
and inputs, written the way mainstream exporters write these blocks:

  llama_block   RMSNorm as Pow/ReduceMean/Add/Sqrt/Div, rotary embeddings
                (Slice/Neg/Concat, Cos/Sin tables), GQA via Unsqueeze/Expand/
                Reshape of K and V, a causal mask from Trilu, scale on scores.
  vit_block     a Conv patch-embedding stem, LayerNormalization, attention
                written with Einsum, Gelu (erf form).
  t5_block      no-scale attention with an additive relative position bias
                and a key-padding mask from a graph input.
  whisper_stem  two Conv1d stems with Gelu, then attention with the scale
                split as 1/sqrt(sqrt(d)) on q and k.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 18


class Graph:
    """A small helper that names values and collects nodes/initializers."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def const(self, array, prefix="c"):
        n = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def weight(self, *shape, scale=0.2):
        return self.const((scale * self.rng.standard_normal(shape))
                          .astype(np.float32), "w")

    def op(self, op_type, *inputs, outputs=1, **attrs):
        outs = [self.name(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs,
                                           name=self.name(op_type), **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, inputs, outputs):
        graph = helper.make_graph(self.nodes, "g", inputs, outputs, self.inits)
        m = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", OPSET)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m

    def linear(self, x, din, dout):
        return self.op("Add", self.op("MatMul", x, self.weight(din, dout)),
                       self.weight(dout, scale=0.05))

    def heads(self, x, b, l, h, d):
        """[B, L, H*D] -> [B, H, L, D] as exporters write it."""
        r = self.op("Reshape", x, self.const(np.array([b, l, h, d], np.int64)))
        return self.op("Transpose", r, perm=[0, 2, 1, 3])

    def merge(self, x, b, l, hd):
        t = self.op("Transpose", x, perm=[0, 2, 1, 3])
        return self.op("Reshape", t, self.const(np.array([b, l, hd], np.int64)))


def _tensor(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def llama_block(b=2, l=12, hidden=64, hq=4, hkv=2, seed=0):
    g = Graph(seed)
    d = hidden // hq
    # RMSNorm, LLaMA-exporter style.
    sq = g.op("Pow", "x", g.const(np.array(2.0, np.float32)))
    ms = g.op("ReduceMean", sq, g.const(np.array([-1], np.int64)), keepdims=1)
    rms = g.op("Sqrt", g.op("Add", ms, g.const(np.array(1e-6, np.float32))))
    xn = g.op("Mul", g.op("Div", "x", rms), g.weight(hidden, scale=1.0))
    q = g.heads(g.op("MatMul", xn, g.weight(hidden, hq * d)), b, l, hq, d)
    k = g.heads(g.op("MatMul", xn, g.weight(hidden, hkv * d)), b, l, hkv, d)
    v = g.heads(g.op("MatMul", xn, g.weight(hidden, hkv * d)), b, l, hkv, d)
    # Rotary: x * cos + rotate_half(x) * sin with [L, D] tables.
    pos = np.arange(l)[:, None] / (10000 ** (np.arange(0, d, 2) / d))[None]
    emb = np.concatenate([pos, pos], axis=-1)
    cos = g.const(np.cos(emb).astype(np.float32))
    sin = g.const(np.sin(emb).astype(np.float32))

    def rotate(t):
        half = d // 2
        x1 = g.op("Slice", t, g.const(np.array([0], np.int64)),
                  g.const(np.array([half], np.int64)),
                  g.const(np.array([3], np.int64)))
        x2 = g.op("Slice", t, g.const(np.array([half], np.int64)),
                  g.const(np.array([d], np.int64)),
                  g.const(np.array([3], np.int64)))
        rot = g.op("Concat", g.op("Neg", x2), x1, axis=-1)
        return g.op("Add", g.op("Mul", t, cos), g.op("Mul", rot, sin))

    q, k = rotate(q), rotate(k)

    def repeat_kv(t):
        u = g.op("Unsqueeze", t, g.const(np.array([2], np.int64)))
        e = g.op("Expand", u, g.const(np.array([b, hkv, hq // hkv, l, d],
                                               np.int64)))
        return g.op("Reshape", e, g.const(np.array([b, hq, l, d], np.int64)))

    k, v = repeat_kv(k), repeat_kv(v)
    scores = g.op("Div", g.op("MatMul", q, g.op("Transpose", k,
                                                 perm=[0, 1, 3, 2])),
                  g.const(np.array(np.sqrt(d), np.float32)))
    ones = g.const(np.ones((l, l), np.float32))
    keep = g.op("Cast", g.op("Trilu", ones, upper=0), to=TensorProto.BOOL)
    masked = g.op("Where", keep, scores,
                  g.const(np.array(-np.inf, np.float32)))
    probs = g.op("Softmax", masked, axis=-1)
    ctx = g.merge(g.op("MatMul", probs, v), b, l, hidden)
    out = g.op("Add", "x", g.op("MatMul", ctx, g.weight(hidden, hidden)))
    g.nodes[-1].output[0] = "y"
    model = g.model([_tensor("x", [b, l, hidden])], [_tensor("y", [b, l, hidden])])
    x = g.rng.standard_normal((b, l, hidden)).astype(np.float32)
    return model, {"x": x}


def vit_block(b=2, image=32, patch=8, hidden=48, heads=4, seed=1):
    g = Graph(seed)
    d = hidden // heads
    n = (image // patch) ** 2
    conv = g.op("Conv", "pixels", g.weight(hidden, 3, patch, patch, scale=0.1),
                g.weight(hidden, scale=0.05), strides=[patch, patch])
    tokens = g.op("Transpose", g.op("Reshape", conv, g.const(
        np.array([b, hidden, n], np.int64))), perm=[0, 2, 1])
    xn = g.op("LayerNormalization", tokens, g.weight(hidden, scale=1.0),
              g.weight(hidden, scale=0.1), axis=-1, epsilon=1e-5)
    q = g.heads(g.linear(xn, hidden, hidden), b, n, heads, d)
    k = g.heads(g.linear(xn, hidden, hidden), b, n, heads, d)
    v = g.heads(g.linear(xn, hidden, hidden), b, n, heads, d)
    s = g.op("Einsum", q, k, equation="bhid,bhjd->bhij")
    s = g.op("Mul", s, g.const(np.array(d ** -0.5, np.float32)))
    p = g.op("Softmax", s, axis=-1)
    ctx = g.merge(g.op("Einsum", p, v, equation="bhij,bhjd->bhid"), b, n,
                  hidden)
    h = g.op("Add", tokens, g.linear(ctx, hidden, hidden))
    mlp = g.linear(h, hidden, 2 * hidden)
    gelu = g.op("Mul", g.op("Mul", mlp, g.op("Add", g.op(
        "Erf", g.op("Div", mlp, g.const(np.array(np.sqrt(2), np.float32)))),
        g.const(np.array(1.0, np.float32)))), g.const(np.array(0.5, np.float32)))
    g.op("Add", h, g.linear(gelu, 2 * hidden, hidden))
    g.nodes[-1].output[0] = "y"
    model = g.model([_tensor("pixels", [b, 3, image, image])],
                    [_tensor("y", [b, n, hidden])])
    px = g.rng.standard_normal((b, 3, image, image)).astype(np.float32)
    return model, {"pixels": px}


def t5_block(b=2, l=10, hidden=32, heads=4, seed=2):
    g = Graph(seed)
    d = hidden // heads
    q = g.heads(g.op("MatMul", "x", g.weight(hidden, hidden)), b, l, heads, d)
    k = g.heads(g.op("MatMul", "x", g.weight(hidden, hidden)), b, l, heads, d)
    v = g.heads(g.op("MatMul", "x", g.weight(hidden, hidden)), b, l, heads, d)
    s = g.op("MatMul", q, g.op("Transpose", k, perm=[0, 1, 3, 2]))
    bias = g.weight(1, heads, l, l, scale=1.0)  # relative position bias
    # Key padding from an int64 [B, L] mask: (1 - m) * -1e9 broadcast.
    m = g.op("Cast", g.op("Unsqueeze", "mask", g.const(np.array([1, 2],
                                                                np.int64))),
             to=TensorProto.FLOAT)
    pad = g.op("Mul", g.op("Sub", g.const(np.array(1.0, np.float32)), m),
               g.const(np.array(-1e9, np.float32)))
    s = g.op("Add", g.op("Add", s, bias), pad)
    p = g.op("Softmax", s, axis=3)
    ctx = g.merge(g.op("MatMul", p, v), b, l, hidden)
    g.op("MatMul", ctx, g.weight(hidden, hidden))
    g.nodes[-1].output[0] = "y"
    model = g.model([_tensor("x", [b, l, hidden]),
                     _tensor("mask", [b, l], TensorProto.INT64)],
                    [_tensor("y", [b, l, hidden])])
    x = g.rng.standard_normal((b, l, hidden)).astype(np.float32)
    mask = np.ones((b, l), np.int64)
    mask[1, l // 2:] = 0
    return model, {"x": x, "mask": mask}


def whisper_stem(b=1, mels=16, frames=20, hidden=32, heads=4, seed=3):
    g = Graph(seed)
    d = hidden // heads
    c1 = g.op("Conv", "mel", g.weight(hidden, mels, 3), g.weight(hidden),
              pads=[1, 1])
    g1 = g.op("Gelu", c1) if OPSET >= 20 else g.op(
        "Mul", g.op("Mul", c1, g.op("Add", g.op("Erf", g.op(
            "Div", c1, g.const(np.array(np.sqrt(2), np.float32)))),
            g.const(np.array(1.0, np.float32)))), g.const(np.array(0.5,
                                                                  np.float32)))
    c2 = g.op("Conv", g1, g.weight(hidden, hidden, 3), g.weight(hidden),
              pads=[1, 1], strides=[2])
    t = frames // 2
    x = g.op("Transpose", c2, perm=[0, 2, 1])
    quarter = g.const(np.array(d ** -0.25, np.float32))
    q = g.op("Mul", g.heads(g.linear(x, hidden, hidden), b, t, heads, d),
             quarter)
    k = g.op("Mul", g.heads(g.op("MatMul", x, g.weight(hidden, hidden)), b, t,
                            heads, d), quarter)
    v = g.heads(g.linear(x, hidden, hidden), b, t, heads, d)
    p = g.op("Softmax", g.op("MatMul", q, g.op("Transpose", k,
                                                perm=[0, 1, 3, 2])), axis=-1)
    g.op("Add", x, g.merge(g.op("MatMul", p, v), b, t, hidden))
    g.nodes[-1].output[0] = "y"
    model = g.model([_tensor("mel", [b, mels, frames])],
                    [_tensor("y", [b, t, hidden])])
    mel = g.rng.standard_normal((b, mels, frames)).astype(np.float32)
    return model, {"mel": mel}


BUILDERS = {
    "llama_block": llama_block,
    "vit_block": vit_block,
    "t5_block": t5_block,
    "whisper_stem": whisper_stem,
}
