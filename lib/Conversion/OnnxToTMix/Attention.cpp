//===- Attention.cpp - ONNX Attention and LinearAttention ------*- C++ -*-===//
//
// ONNX Attention (23, 24) becomes tmix.attention and LinearAttention (27)
// tmix.linear_attention. Packed 3-D layouts are unpacked to [B,H,L,D];
// past/present KV concatenates on the sequence axis; causal masks become
// the causal attribute when the offset is one tmix names (0: top_left,
// Lk - Lq: bottom_right) and a boolean mask otherwise.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

using namespace mlir;
using namespace mlir::tmix;
using namespace mlir::tmix::onnx_to_tmix;

namespace {

/// [B, L, H*D] -> [B, H, L, D].
FailureOr<Value> unpackHeads(Node &n, Value x, int64_t heads, StringRef what) {
  auto t = cast<RankedTensorType>(x.getType());
  if (t.getRank() == 4)
    return x;
  if (t.getRank() != 3 || heads <= 0 || t.getDimSize(2) % heads) {
    n.emitError() << what << " of type " << t << " cannot be split into "
                  << heads
                  << " heads (expected [batch, length, heads * head_size] "
                     "or [batch, heads, length, head_size])";
    return failure();
  }
  Value r = reshape(
      n, x, {t.getDimSize(0), t.getDimSize(1), heads, t.getDimSize(2) / heads});
  return transpose(n, r, {0, 2, 1, 3});
}

/// [B, H, L, D] -> [B, L, H*D].
Value packHeads(Node &n, Value x) {
  auto t = cast<RankedTensorType>(x.getType());
  Value tr = transpose(n, x, {0, 2, 1, 3});
  return reshape(
      n, tr,
      {t.getDimSize(0), t.getDimSize(2), t.getDimSize(1) * t.getDimSize(3)});
}

Value concatSeq(Node &n, Value past, Value cur) {
  auto p = cast<RankedTensorType>(past.getType());
  auto c = cast<RankedTensorType>(cur.getType());
  SmallVector<int64_t> shape(c.getShape());
  shape[2] += p.getDimSize(2);
  Value out = tensor::EmptyOp::create(n.b, n.loc, shape, c.getElementType());
  auto insert = [&](Value v, int64_t off, RankedTensorType t) {
    SmallVector<OpFoldResult> offsets(4, n.b.getIndexAttr(0)), sizes,
        strides(4, n.b.getIndexAttr(1));
    offsets[2] = n.b.getIndexAttr(off);
    for (int64_t d : t.getShape())
      sizes.push_back(n.b.getIndexAttr(d));
    return tensor::InsertSliceOp::create(n.b, n.loc, v, out, offsets, sizes,
                                         strides)
        .getResult();
  };
  out = insert(past, 0, p);
  return insert(cur, p.getDimSize(2), c);
}

/// ANDs a boolean visibility into `mask` (bool, float or null).
FailureOr<Value> combineMask(Node &n, Value mask, Value visible) {
  if (!mask)
    return visible;
  Type elt = getElementTypeOrSelf(mask);
  if (elt.isInteger(1))
    return elementwise(n, {mask, visible}, elt,
                       [](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                         return b.createOrFold<arith::AndIOp>(l, a[0], a[1]);
                       });
  return elementwise(
      n, {visible, mask}, elt,
      [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value ninf = arith::ConstantOp::create(
            b, l,
            b.getFloatAttr(elt, -std::numeric_limits<double>::infinity()));
        return b.createOrFold<arith::SelectOp>(l, a[0], a[1], ninf);
      });
}

Results attention(Node &n) {
  Value q = n.input(0), k = n.input(1), v = n.input(2);
  Value mask = n.input(3), pastK = n.input(4), pastV = n.input(5);
  Value nonpad = n.opset >= 24 ? n.input(6) : Value();
  if (n.resultUsed(3)) {
    n.emitError() << "output 3 (qk_matmul_output) is not supported: tmix "
                     "never materialises the attention scores";
    return failure();
  }
  if (static_cast<bool>(pastK) != static_cast<bool>(pastV)) {
    n.emitError() << "past_key and past_value must be given together";
    return failure();
  }
  if (pastK && (n.type(4).getRank() != 4 || n.type(5).getRank() != 4)) {
    n.emitError() << "past_key and past_value must be 4-D, got " << n.type(4)
                  << " and " << n.type(5);
    return failure();
  }
  if (nonpad && n.type(6).getRank() != 1) {
    n.emitError() << "nonpad_kv_seqlen must be 1-D, got " << n.type(6);
    return failure();
  }
  bool packed = n.type(0).getRank() == 3;
  int64_t qHeads = n.getInt("q_num_heads", 0);
  int64_t kvHeads = n.getInt("kv_num_heads", 0);
  FailureOr<Value> q4 = unpackHeads(n, q, qHeads, "query");
  FailureOr<Value> k4 = unpackHeads(n, k, kvHeads, "key");
  FailureOr<Value> v4 = unpackHeads(n, v, kvHeads, "value");
  if (failed(q4) || failed(k4) || failed(v4))
    return failure();
  Value keys = *k4, values = *v4;
  int64_t pastLen = 0;
  if (pastK) {
    pastLen = n.type(4).getDimSize(2);
    keys = concatSeq(n, pastK, keys);
    values = concatSeq(n, pastV, values);
  }
  auto qt = cast<RankedTensorType>(q4->getType());
  auto kt = cast<RankedTensorType>(keys.getType());
  int64_t batch = qt.getDimSize(0), lq = qt.getDimSize(2),
          lk = kt.getDimSize(2);

  // A mask shorter than the total key length hides the keys past its end.
  if (mask) {
    auto mt = n.type(3);
    if (mt.getRank() >= 1 && mt.getShape().back() < lk) {
      SmallVector<int64_t> padShape(mt.getShape());
      padShape.back() = lk - mt.getShape().back();
      Type elt = mt.getElementType();
      Attribute fill =
          elt.isInteger(1)
              ? Attribute(n.b.getBoolAttr(false))
              : Attribute(n.b.getFloatAttr(
                    elt, -std::numeric_limits<double>::infinity()));
      Value pad =
          constantOf(n.b, n.loc, RankedTensorType::get(padShape, elt), fill);
      SmallVector<OpFoldResult> sizes;
      Value out = tensor::EmptyOp::create(
          n.b, n.loc,
          [&] {
            SmallVector<int64_t> s(mt.getShape());
            s.back() = lk;
            return s;
          }(),
          elt);
      int64_t r = mt.getRank();
      auto put = [&](Value src, int64_t off) {
        auto st = cast<RankedTensorType>(src.getType());
        SmallVector<OpFoldResult> offsets(r, n.b.getIndexAttr(0)), sz,
            strides(r, n.b.getIndexAttr(1));
        offsets.back() = n.b.getIndexAttr(off);
        for (int64_t d : st.getShape())
          sz.push_back(n.b.getIndexAttr(d));
        out = tensor::InsertSliceOp::create(n.b, n.loc, src, out, offsets, sz,
                                            strides);
      };
      put(mask, 0);
      put(pad, mt.getShape().back());
      mask = out;
    } else if (mt.getRank() >= 1 && mt.getShape().back() > lk) {
      n.emitError() << "attn_mask has " << mt.getShape().back()
                    << " key positions, but there are only " << lk << " keys";
      return failure();
    }
  }

  CausalMode causal = CausalMode::none;
  bool isCausal = n.getInt("is_causal", 0);
  if (nonpad) {
    // Key j of batch b is real iff j < nonpad[b]; with is_causal and no
    // past_key, query i also needs j <= i + nonpad[b] - Lq (the cache
    // offset is per batch). With past_key the offset is the past length.
    Value lens = reshape(n, nonpad, {batch, 1, 1, 1});
    FailureOr<Value> vis = elementwise(
        n, lens, n.b.getI1Type(),
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange a) {
          Type t = a[0].getType();
          Value j = b.createOrFold<arith::IndexCastOp>(l, t, ivs[3]);
          Value ok = b.createOrFold<arith::CmpIOp>(l, arith::CmpIPredicate::slt,
                                                   j, a[0]);
          if (!isCausal || pastK)
            return ok;
          Value i = b.createOrFold<arith::IndexCastOp>(l, t, ivs[2]);
          Value lqc = arith::ConstantOp::create(b, l, b.getIntegerAttr(t, lq));
          Value lhs = b.createOrFold<arith::AddIOp>(l, j, lqc);
          Value rhs = b.createOrFold<arith::AddIOp>(l, i, a[0]);
          Value inCausal = b.createOrFold<arith::CmpIOp>(
              l, arith::CmpIPredicate::sle, lhs, rhs);
          return b.createOrFold<arith::AndIOp>(l, ok, inCausal);
        },
        {batch, 1, isCausal && !pastK ? lq : 1, lk});
    if (failed(vis))
      return failure();
    FailureOr<Value> m = combineMask(n, mask, *vis);
    if (failed(m))
      return failure();
    mask = *m;
  }
  if (isCausal && (!nonpad || pastK)) {
    // Query i sees key j iff j <= i + past_length.
    if (pastLen == 0) {
      causal = CausalMode::top_left;
    } else if (pastLen == lk - lq) {
      causal = CausalMode::bottom_right;
    } else {
      auto type = RankedTensorType::get({lq, lk}, n.b.getI1Type());
      SmallVector<bool> bits;
      for (int64_t i = 0; i < lq; ++i)
        for (int64_t j = 0; j < lk; ++j)
          bits.push_back(j <= i + pastLen);
      Value vis = arith::ConstantOp::create(n.b, n.loc,
                                            DenseElementsAttr::get(type, bits));
      FailureOr<Value> m = combineMask(n, mask, vis);
      if (failed(m))
        return failure();
      mask = *m;
    }
  }
  double scale = n.getFloat("scale", 0.0);
  double softcap = n.getFloat("softcap", 0.0);
  auto vt = cast<RankedTensorType>(values.getType());
  auto outType = RankedTensorType::get(
      {batch, qt.getDimSize(1), lq, vt.getDimSize(3)}, qt.getElementType());
  auto op = AttentionOp::create(
      n.b, n.loc, outType, *q4, keys, values, mask,
      scale != 0.0 ? n.b.getF32FloatAttr(scale) : FloatAttr(),
      softcap != 0.0 ? n.b.getF32FloatAttr(softcap) : FloatAttr(),
      CausalModeAttr::get(n.b.getContext(), causal));
  if (failed(op.verify())) {
    op.erase();
    n.emitError() << "inconsistent shapes (see the previous error)";
    return failure();
  }
  Value out = packed ? packHeads(n, op.getOutput()) : op.getOutput();
  return SmallVector<Value>{out, pastK ? keys : *k4, pastK ? values : *v4};
}

Results linearAttention(Node &n) {
  int64_t qHeads = n.getInt("q_num_heads", 0);
  int64_t kvHeads = n.getInt("kv_num_heads", 0);
  std::string ruleName = n.getString("update_rule", "gated_delta");
  std::optional<UpdateRule> rule = symbolizeUpdateRule(ruleName);
  if (!rule) {
    n.emitError() << "attribute 'update_rule' must be linear, gated, delta "
                     "or gated_delta, got '"
                  << ruleName << "'";
    return failure();
  }
  bool gated = *rule == UpdateRule::gated || *rule == UpdateRule::gated_delta;
  bool delta = *rule == UpdateRule::delta || *rule == UpdateRule::gated_delta;
  if (gated != static_cast<bool>(n.input(4)) ||
      delta != static_cast<bool>(n.input(5))) {
    n.emitError() << "update_rule '" << ruleName << "' "
                  << (gated ? "requires" : "does not take") << " decay and "
                  << (delta ? "requires" : "does not take") << " beta";
    return failure();
  }
  int64_t rank = n.type(0).getRank();
  if ((rank != 3 && rank != 4) || n.type(1).getRank() != rank ||
      n.type(2).getRank() != rank) {
    n.emitError() << "query, key and value must all be 3-D (packed) or all "
                     "4-D, got ranks "
                  << rank << ", " << n.type(1).getRank() << ", "
                  << n.type(2).getRank();
    return failure();
  }
  if (n.input(3) && n.type(3).getRank() != 4) {
    n.emitError() << "past_state must be 4-D, got " << n.type(3);
    return failure();
  }
  bool packed = rank == 3;
  if (!packed) {
    // Already [B, H, T, D]: the head counts are the tensors' own.
    qHeads = n.type(0).getDimSize(1);
    kvHeads = n.type(1).getDimSize(1);
  }
  FailureOr<Value> q = unpackHeads(n, n.input(0), qHeads, "query");
  FailureOr<Value> k = unpackHeads(n, n.input(1), kvHeads, "key");
  FailureOr<Value> v = unpackHeads(n, n.input(2), kvHeads, "value");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  auto kt = cast<RankedTensorType>(k->getType());
  int64_t batch = kt.getDimSize(0), len = kt.getDimSize(2),
          dk = kt.getDimSize(3);
  // decay: [B,T,H*dk] per key dimension or [B,T,H] per head.
  Value decay;
  if (Value g = n.input(4)) {
    auto gt = n.type(4);
    if (gt.getRank() == 3 && gt.getDimSize(2) == kvHeads * dk && dk != 1) {
      FailureOr<Value> g4 = unpackHeads(n, g, kvHeads, "decay");
      if (failed(g4))
        return failure();
      decay = *g4;
    } else if (gt.getRank() == 3 && gt.getDimSize(2) == kvHeads) {
      decay = transpose(n, g, {0, 2, 1});
    } else {
      n.emitError() << "decay of type " << gt << " is neither [B, T, "
                    << kvHeads * dk << "] nor [B, T, " << kvHeads << "]";
      return failure();
    }
  }
  // beta: [B,T,H] or [B,T,1] (shared by every head).
  Value beta;
  if (Value bt = n.input(5)) {
    auto t = n.type(5);
    if (t.getRank() != 3 ||
        (t.getDimSize(2) != kvHeads && t.getDimSize(2) != 1)) {
      n.emitError() << "beta of type " << t << " is neither [B, T, " << kvHeads
                    << "] nor [B, T, 1]";
      return failure();
    }
    FailureOr<Value> full = elementwise(
        n, bt, t.getElementType(),
        [](OpBuilder &, Location, ValueRange, ValueRange a) { return a[0]; },
        {batch, len, kvHeads});
    if (failed(full))
      return failure();
    beta = transpose(n, *full, {0, 2, 1});
  }
  Value state = n.input(3);
  double scale = n.getFloat("scale", 0.0);
  auto qt = cast<RankedTensorType>(q->getType());
  auto vt = cast<RankedTensorType>(v->getType());
  auto outType = RankedTensorType::get(
      {batch, qt.getDimSize(1), qt.getDimSize(2), vt.getDimSize(3)},
      qt.getElementType());
  auto stateType = RankedTensorType::get({batch, kvHeads, dk, vt.getDimSize(3)},
                                         state ? n.type(3).getElementType()
                                               : qt.getElementType());
  auto op = LinearAttentionOp::create(
      n.b, n.loc, outType, stateType, *q, *k, *v, decay, beta, state,
      FeatureMapAttr::get(n.b.getContext(), FeatureMap::identity),
      UpdateRuleAttr::get(n.b.getContext(), *rule), n.b.getUnitAttr(),
      UnitAttr(), scale != 0.0 ? n.b.getF32FloatAttr(scale) : FloatAttr(),
      n.b.getF32FloatAttr(1e-6f));
  if (failed(op.verify())) {
    op.erase();
    n.emitError() << "inconsistent operands (see the previous error)";
    return failure();
  }
  Value present = op.getFinalState();
  if (present.getType() != stateType)
    present = reshape(n, present, stateType.getShape());
  Value out = packed ? packHeads(n, op.getOutput()) : op.getOutput();
  return SmallVector<Value>{out, present};
}
/// RotaryEmbedding (opset 23) on [B, H, S, D] or [B, S, H*D] with
/// num_heads: the first rotary_embedding_dim of each head rotate as pairs
/// (halves, or neighbours when interleaved) by the cos/sin cache entry of
/// the position (position_ids[b, s], or the cache is already [B, S, R/2]).
Results rotaryEmbedding(Node &n) {
  auto t = n.type(0);
  int64_t rank = t.getRank();
  Type elt = t.getElementType();
  if ((rank != 3 && rank != 4) || !isa<FloatType>(elt)) {
    n.emitError() << "expects a float input of rank 3 or 4, got " << t;
    return failure();
  }
  int64_t heads = rank == 4 ? t.getDimSize(1) : n.getInt("num_heads", 0);
  if (heads <= 0 || (rank == 3 && t.getDimSize(2) % heads)) {
    n.emitError() << "num_heads must be positive and divide the hidden size "
                     "of a rank-3 input";
    return failure();
  }
  int64_t head = rank == 4 ? t.getDimSize(3) : t.getDimSize(2) / heads;
  int64_t rot = n.getInt("rotary_embedding_dim", 0);
  if (rot == 0)
    rot = head;
  if (rot < 0 || rot > head || rot % 2) {
    n.emitError() << "rotary_embedding_dim " << rot
                  << " must be even and at most the head size " << head;
    return failure();
  }
  bool interleaved = n.getInt("interleaved", 0);
  Value cos = n.input(1), sin = n.input(2), pos = n.input(3);
  auto ct = n.type(1);
  int64_t batch = t.getDimSize(0), seq = t.getDimSize(rank == 4 ? 2 : 1);
  bool cacheOk =
      ct == n.type(2) && ct.getShape().back() == rot / 2 &&
      (pos ? ct.getRank() == 2
           : ct.getShape() == ArrayRef<int64_t>{batch, seq, rot / 2});
  if (!cacheOk ||
      (pos && n.type(3).getShape() != ArrayRef<int64_t>{batch, seq})) {
    n.emitError() << "cos/sin caches " << ct << " and " << n.type(2)
                  << " do not fit the input " << t
                  << (pos ? " and position_ids" : "");
    return failure();
  }
  if (pos && failed(checkIndices(n, pos, {ct.getDimSize(0)})))
    return failure();
  Value x = n.input(0);
  Type acc = accumulatorFor(elt);
  return one(generic(
      n, t.getShape(), elt, {}, {},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
        auto c = [&](int64_t v) -> Value {
          return arith::ConstantIndexOp::create(b, l, v);
        };
        Value bi = ivs[0], si = ivs[rank == 4 ? 2 : 1];
        // d: the position within the head; base: the head's first element
        // in the last dim.
        Value last = ivs[rank - 1];
        Value d =
            rank == 4 ? last : b.createOrFold<arith::RemUIOp>(l, last, c(head));
        Value base = b.createOrFold<arith::SubIOp>(l, last, d);
        Value xv = convertScalar(
            b, l, b.createOrFold<tensor::ExtractOp>(l, x, ivs), acc);
        Value rotated = b.createOrFold<arith::CmpIOp>(
            l, arith::CmpIPredicate::ult, d, c(rot));
        Value dc = b.createOrFold<arith::MinUIOp>(l, d, c(rot - 1));
        // First of a pair (real part) or second (imaginary part), the
        // partner's position, and the cache column.
        Value first, partner, col;
        if (interleaved) {
          Value odd = b.createOrFold<arith::RemUIOp>(l, dc, c(2));
          first = b.createOrFold<arith::CmpIOp>(l, arith::CmpIPredicate::eq,
                                                odd, c(0));
          partner = b.createOrFold<arith::SelectOp>(
              l, first, b.createOrFold<arith::AddIOp>(l, dc, c(1)),
              b.createOrFold<arith::SubIOp>(l, dc, c(1)));
          col = b.createOrFold<arith::DivUIOp>(l, dc, c(2));
        } else {
          first = b.createOrFold<arith::CmpIOp>(l, arith::CmpIPredicate::ult,
                                                dc, c(rot / 2));
          partner = b.createOrFold<arith::SelectOp>(
              l, first, b.createOrFold<arith::AddIOp>(l, dc, c(rot / 2)),
              b.createOrFold<arith::SubIOp>(l, dc, c(rot / 2)));
          col = b.createOrFold<arith::SelectOp>(
              l, first, dc, b.createOrFold<arith::SubIOp>(l, dc, c(rot / 2)));
        }
        SmallVector<Value> at(ivs);
        at[rank - 1] = b.createOrFold<arith::AddIOp>(l, base, partner);
        Value pv = convertScalar(
            b, l, b.createOrFold<tensor::ExtractOp>(l, x, at), acc);
        SmallVector<Value> cacheAt;
        if (pos) {
          Value p =
              b.createOrFold<tensor::ExtractOp>(l, pos, ValueRange{bi, si});
          cacheAt = {toIndex(b, l, p, ct.getDimSize(0)), col};
        } else {
          cacheAt = {bi, si, col};
        }
        Value cv = convertScalar(
            b, l, b.createOrFold<tensor::ExtractOp>(l, cos, cacheAt), acc);
        Value sv = convertScalar(
            b, l, b.createOrFold<tensor::ExtractOp>(l, sin, cacheAt), acc);
        // real = cos x1 - sin x2, imag = sin x1 + cos x2.
        Value cx = b.createOrFold<arith::MulFOp>(l, cv, xv);
        Value sp = b.createOrFold<arith::MulFOp>(l, sv, pv);
        Value y = b.createOrFold<arith::SelectOp>(
            l, first, b.createOrFold<arith::SubFOp>(l, cx, sp),
            b.createOrFold<arith::AddFOp>(l, cx, sp));
        y = b.createOrFold<arith::SelectOp>(l, rotated, y, xv);
        return convertScalar(b, l, y, elt);
      }));
}

} // namespace

void mlir::tmix::onnx_to_tmix::addAttentionRules(RuleTable &t) {
  t.add("RotaryEmbedding", 23, rotaryEmbedding, 3);
  t.add("Attention", 23, attention, 3);
  t.add("LinearAttention", 27, linearAttention, 3);
}
