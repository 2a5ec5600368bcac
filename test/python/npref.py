"""Independent fp64 numpy implementations of the tmix ops (DESIGN.md math).

Written from the op definitions, not from the MLIR decomposition, so that
agreement between the two means something.
"""
import numpy as np


def _expand_heads(x, hq):
    """Repeat kv heads so query head h reads kv head h // (Hq / Hkv)."""
    return np.repeat(x, hq // x.shape[1], axis=1)


def _visibility(b, hq, lq, lk, mask, causal):
    visible = np.ones((b, hq, lq, lk), dtype=bool)
    if mask is not None and mask.dtype == np.bool_:
        visible &= np.broadcast_to(mask, visible.shape)
    if causal != "none":
        offset = 0 if causal == "top_left" else lk - lq
        i = np.arange(lq)[:, None]
        j = np.arange(lk)[None, :]
        visible &= j <= i + offset
    return visible


def _scores(q, k, scale):
    q = q.astype(np.float64)
    k = _expand_heads(k.astype(np.float64), q.shape[1])
    if scale is None:
        scale = 1.0 / np.sqrt(q.shape[-1])
    return scale * np.einsum("bhid,bhjd->bhij", q, k)


def attention(q, k, v, mask=None, scale=None, softcap=None, causal="none"):
    b, hq, lq, _ = q.shape
    lk = k.shape[2]
    s = _scores(q, k, scale)
    if softcap is not None:
        s = softcap * np.tanh(s / softcap)
    if mask is not None and mask.dtype != np.bool_:
        s = s + np.broadcast_to(mask.astype(np.float64), s.shape)
    visible = _visibility(b, hq, lq, lk, mask, causal) & (s != -np.inf)
    out = np.zeros((b, hq, lq, v.shape[-1]))
    vv = _expand_heads(v.astype(np.float64), hq)
    for idx in np.ndindex(b, hq, lq):
        row = visible[idx]
        if not row.any():
            continue  # no visible key: zero output
        logits = s[idx][row]
        p = np.exp(logits - logits.max())
        p /= p.sum()
        out[idx] = p @ vv[idx[0], idx[1]][row]
    return out


def sigmoid_attention(q, k, v, mask=None, scale=None, bias=None, causal="none"):
    b, hq, lq, _ = q.shape
    lk = k.shape[2]
    s = _scores(q, k, scale)
    s = s + (-np.log(lk) if bias is None else bias)
    if mask is not None and mask.dtype != np.bool_:
        s = s + np.broadcast_to(mask.astype(np.float64), s.shape)
    visible = _visibility(b, hq, lq, lk, mask, causal)
    with np.errstate(over="ignore"):
        w = np.where(visible, 1.0 / (1.0 + np.exp(-s)), 0.0)
    return np.einsum("bhij,bhje->bhie", w, _expand_heads(v.astype(np.float64), hq))


def feature_map(x, name):
    x = x.astype(np.float64)
    if name == "identity":
        return x
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "elu_plus_one":
        return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0)))
    raise ValueError(name)


def linear_attention(q, k, v, decay=None, beta=None, state=None,
                     feature="identity", rule="linear", causal=True,
                     normalize=False, scale=None, eps=1e-6):
    """Returns (output, final_state) per ONNX LinearAttention-27 semantics."""
    b, hq, lq, d = q.shape
    hkv, lk, dv = k.shape[1], k.shape[2], v.shape[3]
    group = hq // hkv
    fq, fk = feature_map(q, feature), feature_map(k, feature)
    vv = v.astype(np.float64)
    if scale is None:
        scale = 1.0 / np.sqrt(d)
    S = np.zeros((b, hkv, d, dv)) if state is None else state.astype(np.float64).copy()
    z = np.zeros((b, hkv, d))
    out = np.zeros((b, hq, lq, dv))

    def read(qrow, h):  # qrow [B, D] for query head h
        num = scale * np.einsum("bd,bde->be", qrow, S[:, h // group])
        if not normalize:
            return num
        den = np.einsum("bd,bd->b", qrow, z[:, h // group]) + eps
        return num / den[:, None]

    if not causal:
        S += np.einsum("bhjd,bhje->bhde", fk, vv)
        z += fk.sum(axis=2)
        for h in range(hq):
            for i in range(lq):
                out[:, h, i] = read(fq[:, h, i], h)
        return out, S
    for t in range(lk):
        kt, vt = fk[:, :, t], vv[:, :, t]
        if rule in ("gated", "gated_delta"):
            g = decay[:, :, t].astype(np.float64)
            if g.ndim == 3:  # one gate per key dimension: scales rows of S
                S = S * np.exp(g)[..., None]
                z = z * np.exp(g)
            else:  # one gate per head
                S = S * np.exp(g)[..., None, None]
                z = z * np.exp(g)[..., None]
        if rule in ("delta", "gated_delta"):
            recalled = np.einsum("bhde,bhd->bhe", S, kt)
            written = beta[:, :, t].astype(np.float64)[..., None] * (vt - recalled)
        else:
            written = vt
        S = S + np.einsum("bhd,bhe->bhde", kt, written)
        z = z + kt
        for h in range(hq):
            out[:, h, t] = read(fq[:, h, t], h)
    return out, S


def pool_mixer(x, kind="avg", window=0, causal=False, subtract_input=False):
    x64 = x.astype(np.float64)
    length = x.shape[2]
    out = np.empty_like(x64)
    for i in range(length):
        if window == 0:
            lo, hi = 0, (i if causal else length - 1)
        elif causal:
            lo, hi = i - window + 1, i
        else:
            lo, hi = i - (window - 1) // 2, i + window // 2
        lo, hi = max(lo, 0), min(hi, length - 1)
        seg = x64[:, :, lo:hi + 1]
        out[:, :, i] = seg.mean(axis=2) if kind == "avg" else seg.max(axis=2)
    return out - x64 if subtract_input else out
