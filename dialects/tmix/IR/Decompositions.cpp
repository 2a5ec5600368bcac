//===- Decompositions.cpp - reference linalg form of each mixer -*- C++ -*-===//
//
// MixerOpInterface::decompose: every tmix op as the literal computation of
// its definition, linalg.generic ops on tensors. Nothing here is tiled or
// fused: the output is the oracle the optimised lowerings are measured
// against (tmix-decompose).
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/MixerMath.h"
#include "tmix/IR/TMixDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tmix;

namespace {
using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Small IR-building kit shared by the decompositions.
struct Emitter {
  OpBuilder &b;
  Location loc;
  FloatType acc;

  Value cst(double v) {
    return arith::ConstantOp::create(b, loc, acc, b.getFloatAttr(acc, v));
  }
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value convert(Value x, Type to) {
    if (x.getType() == to)
      return x;
    if (cast<FloatType>(x.getType()).getWidth() <
        cast<FloatType>(to).getWidth())
      return arith::ExtFOp::create(b, loc, to, x);
    return arith::TruncFOp::create(b, loc, to, x);
  }
  OpFoldResult dim(Value t, int64_t i) {
    return tensor::getMixedSize(b, loc, t, i);
  }
  Value dimValue(Value t, int64_t i) {
    return getValueOrCreateConstantIndexOp(b, loc, dim(t, i));
  }
  Value empty(ArrayRef<OpFoldResult> sizes, Type elementType) {
    return tensor::EmptyOp::create(b, loc, sizes, elementType);
  }
  Value filled(ArrayRef<OpFoldResult> sizes, double v) {
    return linalg::FillOp::create(b, loc, cst(v), empty(sizes, acc))
        .getResult(0);
  }
  /// An index-typed dimension as an accumulator-typed float.
  Value indexToFloat(Value idx) {
    Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), idx);
    return arith::SIToFPOp::create(b, loc, acc, i64);
  }
  AffineMap map(unsigned numDims, ArrayRef<AffineExpr> results) {
    return AffineMap::get(numDims, 0, results, b.getContext());
  }
  AffineExpr d(unsigned i) { return b.getAffineDimExpr(i); }
  Value generic(ValueRange ins, Value init, ArrayRef<AffineMap> maps,
                ArrayRef<IteratorType> iterators, BodyFn body) {
    auto op = linalg::GenericOp::create(
        b, loc, init.getType(), ins, init, maps, iterators,
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(nb, nl, body(nb, nl, args));
        });
    return op.getResult(0);
  }
  /// Element-wise map of `x` into a fresh tensor of `elementType`.
  Value mapElements(Value x, Type elementType,
                    function_ref<Value(OpBuilder &, Location, Value)> fn) {
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < type.getRank(); ++i)
      sizes.push_back(dim(x, i));
    AffineMap id = b.getMultiDimIdentityMap(type.getRank());
    SmallVector<IteratorType> iters(type.getRank(), kPar);
    return generic(x, empty(sizes, elementType), {id, id}, iters,
                   [&](OpBuilder &nb, Location nl, ValueRange args) {
                     return fn(nb, nl, args[0]);
                   });
  }
  Value convertTensor(Value x, Type elementType) {
    if (cast<RankedTensorType>(x.getType()).getElementType() == elementType)
      return x;
    return mapElements(x, elementType, [&](OpBuilder &, Location, Value v) {
      return convert(v, elementType);
    });
  }
  /// `scale`, else `1/sqrt(D)` for the head dimension `D` = dim 3 of `q`.
  Value scaleOrDefault(std::optional<APFloat> scale, Value q) {
    if (scale)
      return cst(scale->convertToDouble());
    int64_t d = cast<RankedTensorType>(q.getType()).getDimSize(3);
    if (!ShapedType::isDynamic(d))
      return cst(1.0 / std::sqrt(static_cast<double>(d)));
    return math::RsqrtOp::create(b, loc, indexToFloat(dimValue(q, 3)));
  }
};

/// The affine expression of the key/value head read by query head `h`, or
/// failure with the reason in `why`; a mask must have static sizes to be
/// broadcast unambiguously.
FailureOr<AffineExpr> checkDecomposable(MixerOpInterface op, AffineExpr h,
                                        std::string &why) {
  FailureOr<AffineExpr> kvHead = op.getDims().kvHead(h);
  if (failed(kvHead)) {
    why = "the ratio of query to key/value heads must be static";
    return failure();
  }
  Value mask = op.getMaskOperand();
  if (mask && !cast<RankedTensorType>(mask.getType()).hasStaticShape()) {
    why = "a mask with dynamic dimensions is ambiguous to broadcast";
    return failure();
  }
  return kvHead;
}

/// Broadcast map for a mask of rank <= 4 into the (b, h, i, j) space.
AffineMap maskMap(Emitter &e, Value mask, unsigned numDims) {
  auto type = cast<RankedTensorType>(mask.getType());
  int64_t offset = 4 - type.getRank();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(type.getShape()))
    exprs.push_back(size == 1 ? e.b.getAffineConstantExpr(0) : e.d(offset + i));
  return e.map(numDims, exprs);
}

/// softmax / sigmoid attention, materialising the [B,Hq,Lq,Lk] scores.
FailureOr<SmallVector<Value>>
decomposeQuadratic(OpBuilder &b, MixerOpInterface op, std::string &why) {
  Location loc = op.getLoc();
  struct {
    Value q, k, v, mask;
    bool sigmoid;
    Type outElementType;
  } a{op.getQueries(),
      op.getKeys(),
      op.getValues(),
      op.getMaskOperand(),
      op.getScoreSpec()->sigmoid,
      getElementTypeOrSelf(op.getMixed())};
  Emitter e{b, loc, accumulatorType(getElementTypeOrSelf(a.q))};
  FailureOr<AffineExpr> kvHead = checkDecomposable(op, e.d(1), why);
  if (failed(kvHead))
    return failure();
  FloatType acc = e.acc;

  // s[b,h,i,j] = sum_d q[b,h,i,d] * k[b,h/G,j,d]; dims (b, h, i, j, d).
  SmallVector<OpFoldResult> scoreSizes = {e.dim(a.q, 0), e.dim(a.q, 1),
                                          e.dim(a.q, 2), e.dim(a.k, 2)};
  Value scores =
      e.generic({a.q, a.k}, e.filled(scoreSizes, 0.0),
                {e.map(5, {e.d(0), e.d(1), e.d(2), e.d(4)}),
                 e.map(5, {e.d(0), *kvHead, e.d(3), e.d(4)}),
                 e.map(5, {e.d(0), e.d(1), e.d(2), e.d(3)})},
                {kPar, kPar, kPar, kPar, kRed},
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value prod = arith::MulFOp::create(
                      nb, nl, e.convert(args[0], acc), e.convert(args[1], acc));
                  return arith::AddFOp::create(nb, nl, args[2], prod);
                });

  // Scale, softcap, bias, masks and causality on the scores. Softmax gets
  // -inf for hidden keys; sigmoid gets its final weights (0 when hidden).
  ScoreTransform transform = ScoreTransform::forMixer(b, loc, op, acc);
  Value negInf = transform.negInf, zero = transform.zero;

  AffineMap id4 = b.getMultiDimIdentityMap(4);
  SmallVector<Value> ins = {scores};
  SmallVector<AffineMap> maps = {id4};
  if (a.mask) {
    ins.push_back(a.mask);
    maps.push_back(maskMap(e, a.mask, 4));
  }
  maps.push_back(id4);
  SmallVector<IteratorType> par4(4, kPar);
  Value logits =
      e.generic(ins, e.empty(scoreSizes, acc), maps, par4,
                [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
                  return transform.apply(
                      nb, nl, args[0], a.mask ? args[1] : Value(), [&] {
                        Value i = linalg::IndexOp::create(nb, nl, 2);
                        Value j = linalg::IndexOp::create(nb, nl, 3);
                        return std::pair(i, j);
                      });
                });

  SmallVector<OpFoldResult> rowSizes(scoreSizes.begin(),
                                     scoreSizes.begin() + 3);
  AffineMap row4 = e.map(4, {e.d(0), e.d(1), e.d(2)});
  SmallVector<IteratorType> rowReduce = {kPar, kPar, kPar, kRed};
  Value weights = logits, rowSum;
  if (!a.sigmoid) {
    Value rowMax =
        e.generic(logits, e.filled(rowSizes, -INFINITY), {id4, row4}, rowReduce,
                  [&](OpBuilder &nb, Location nl, ValueRange args) {
                    return arith::MaximumFOp::create(nb, nl, args[0], args[1]);
                  });
    // A hidden key has logit -inf: weight 0 even when the whole row is
    // hidden (where exp(-inf - -inf) would be NaN).
    weights =
        e.generic({logits, rowMax}, e.empty(scoreSizes, acc), {id4, row4, id4},
                  par4, [&](OpBuilder &nb, Location nl, ValueRange args) {
                    return guardedExpDiff(nb, nl, args[0], args[1], args[0],
                                          negInf, zero);
                  });
    rowSum = e.generic(weights, e.filled(rowSizes, 0.0), {id4, row4}, rowReduce,
                       [&](OpBuilder &nb, Location nl, ValueRange args) {
                         return arith::AddFOp::create(nb, nl, args[0], args[1]);
                       });
  }

  // o[b,h,i,e] = sum_j w[b,h,i,j] * v[b,h/G,j,e]; dims (b, h, i, e, j).
  SmallVector<OpFoldResult> outSizes = {e.dim(a.q, 0), e.dim(a.q, 1),
                                        e.dim(a.q, 2), e.dim(a.v, 3)};
  Value weighted =
      e.generic({weights, a.v}, e.filled(outSizes, 0.0),
                {e.map(5, {e.d(0), e.d(1), e.d(2), e.d(4)}),
                 e.map(5, {e.d(0), *kvHead, e.d(4), e.d(3)}),
                 e.map(5, {e.d(0), e.d(1), e.d(2), e.d(3)})},
                {kPar, kPar, kPar, kPar, kRed},
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value prod = arith::MulFOp::create(nb, nl, args[0],
                                                     e.convert(args[1], acc));
                  return arith::AddFOp::create(nb, nl, args[2], prod);
                });

  if (a.sigmoid)
    return SmallVector<Value>{e.convertTensor(weighted, a.outElementType)};
  return SmallVector<Value>{e.generic(
      {weighted, rowSum}, e.empty(outSizes, a.outElementType), {id4, row4, id4},
      par4, [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value positive = arith::CmpFOp::create(
            nb, nl, arith::CmpFPredicate::OGT, args[1], zero);
        Value o = arith::SelectOp::create(
            nb, nl, positive, arith::DivFOp::create(nb, nl, args[0], args[1]),
            zero);
        return e.convert(o, a.outElementType);
      })};
}

} // namespace

FailureOr<SmallVector<Value>> AttentionOp::decompose(OpBuilder &b,
                                                     std::string &why) {
  return decomposeQuadratic(b, *this, why);
}

FailureOr<SmallVector<Value>> SigmoidAttentionOp::decompose(OpBuilder &b,
                                                            std::string &why) {
  return decomposeQuadratic(b, *this, why);
}

/// Linear attention: the recurrence of its definition, one scf.for step per
/// token for the causal rules, one global state otherwise. Every tensor
/// keeps its sequence dimension (of size 1 inside the loop) so the state
/// update and the read-out are the same code in both forms.
FailureOr<SmallVector<Value>> LinearAttentionOp::decompose(OpBuilder &rewriter,
                                                           std::string &why) {
  LinearAttentionOp op = *this;
  Location loc = op.getLoc();
  Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
  Emitter e{rewriter, loc,
            accumulatorType(op.getQuery().getType().getElementType())};
  FailureOr<AffineExpr> kvHead = checkDecomposable(op, e.d(1), why);
  if (failed(kvHead))
    return failure();
  FloatType acc = e.acc;

  FeatureMap fm = op.getFeatureMap();
  auto phi = [&](Value x) {
    return e.mapElements(
        x, acc, [&](OpBuilder &nb, Location nl, Value s) -> Value {
          return buildFeatureMap(nb, nl, fm, e.convert(s, acc));
        });
  };
  Value fq = phi(q), fk = phi(k), fv = e.convertTensor(v, acc);
  Value decay = op.getDecay() ? e.convertTensor(op.getDecay(), acc) : Value();
  Value beta = op.getBeta() ? e.convertTensor(op.getBeta(), acc) : Value();
  Value scale = e.scaleOrDefault(op.getScale(), q);
  Value eps = e.cst(op.getEps().convertToDouble());

  SmallVector<OpFoldResult> stateSizes = {e.dim(k, 0), e.dim(k, 1), e.dim(k, 3),
                                          e.dim(v, 3)};
  Value state = op.getInitialState()
                    ? e.convertTensor(op.getInitialState(), acc)
                    : e.filled(stateSizes, 0.0);
  Value norm;
  if (op.getNormalize())
    norm = e.filled(ArrayRef(stateSizes).take_front(3), 0.0);

  auto mulAdd = [&](OpBuilder &nb, Location nl, ValueRange args) {
    Value prod = arith::MulFOp::create(nb, nl, args[0], args[1]);
    return arith::AddFOp::create(nb, nl, args[2], prod).getResult();
  };
  // S[b,h,d,e] + sum_x k[b,h,x,d] * w[b,h,x,e]; dims (b, h, d, e, x).
  auto accumulate = [&](Value s, Value keys, Value values) {
    return e.generic({keys, values}, s,
                     {e.map(5, {e.d(0), e.d(1), e.d(4), e.d(2)}),
                      e.map(5, {e.d(0), e.d(1), e.d(4), e.d(3)}),
                      e.map(5, {e.d(0), e.d(1), e.d(2), e.d(3)})},
                     {kPar, kPar, kPar, kPar, kRed}, mulAdd);
  };
  // z[b,h,d] + sum_x k[b,h,x,d]; dims (b, h, d, x).
  auto accumulateNorm = [&](Value z, Value keys) {
    return e.generic(
        keys, z,
        {e.map(4, {e.d(0), e.d(1), e.d(3), e.d(2)}),
         e.map(4, {e.d(0), e.d(1), e.d(2)})},
        {kPar, kPar, kPar, kRed},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          return arith::AddFOp::create(nb, nl, args[0], args[1]).getResult();
        });
  };
  // o[b,h,x,e] = scale * sum_d q[b,h,x,d] S[b,h/G,d,e] (/ (q.z + eps)).
  auto readout = [&](Value queries, Value s, Value z) {
    SmallVector<OpFoldResult> sizes = {e.dim(queries, 0), e.dim(queries, 1),
                                       e.dim(queries, 2), e.dim(v, 3)};
    Value num = e.generic({queries, s}, e.filled(sizes, 0.0),
                          {e.map(5, {e.d(0), e.d(1), e.d(2), e.d(4)}),
                           e.map(5, {e.d(0), *kvHead, e.d(4), e.d(3)}),
                           e.map(5, {e.d(0), e.d(1), e.d(2), e.d(3)})},
                          {kPar, kPar, kPar, kPar, kRed}, mulAdd);
    AffineMap id4 = rewriter.getMultiDimIdentityMap(4);
    AffineMap row = e.map(4, {e.d(0), e.d(1), e.d(2)});
    SmallVector<IteratorType> par4(4, kPar);
    if (!z)
      return e.mapElements(num, acc, [&](OpBuilder &nb, Location nl, Value x) {
        return arith::MulFOp::create(nb, nl, x, scale).getResult();
      });
    Value den =
        e.generic({queries, z}, e.filled(ArrayRef(sizes).take_front(3), 0.0),
                  {e.map(4, {e.d(0), e.d(1), e.d(2), e.d(3)}),
                   e.map(4, {e.d(0), *kvHead, e.d(3)}),
                   e.map(4, {e.d(0), e.d(1), e.d(2)})},
                  {kPar, kPar, kPar, kRed}, mulAdd);
    return e.generic({num, den}, e.empty(sizes, acc), {id4, row, id4}, par4,
                     [&](OpBuilder &nb, Location nl, ValueRange args) {
                       Value n = arith::MulFOp::create(nb, nl, args[0], scale);
                       Value d = arith::AddFOp::create(nb, nl, args[1], eps);
                       return arith::DivFOp::create(nb, nl, n, d).getResult();
                     });
  };

  Value out;
  if (!op.getCausal()) {
    state = accumulate(state, fk, fv);
    if (norm)
      norm = accumulateNorm(norm, fk);
    out = readout(fq, state, norm);
  } else {
    SmallVector<OpFoldResult> outSizes = {e.dim(q, 0), e.dim(q, 1), e.dim(q, 2),
                                          e.dim(v, 3)};
    SmallVector<Value> inits = {state, e.empty(outSizes, acc)};
    if (norm)
      inits.push_back(norm);
    auto loop = scf::ForOp::create(
        rewriter, loc, e.index(0), e.dimValue(k, 2), e.index(1), inits,
        [&](OpBuilder &nb, Location nl, Value t, ValueRange iter) {
          Emitter le{nb, nl, acc};
          Value s = iter[0], o = iter[1], z = norm ? iter[2] : Value();
          // x[:, :, t:t+1, :] and y[:, :, t:t+1] (for decay and beta).
          auto step = [&](Value x) {
            int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
            SmallVector<OpFoldResult> offsets(rank, nb.getIndexAttr(0));
            SmallVector<OpFoldResult> sizes, strides(rank, nb.getIndexAttr(1));
            offsets[2] = t;
            for (int64_t i = 0; i < rank; ++i)
              sizes.push_back(i == 2 ? nb.getIndexAttr(1) : le.dim(x, i));
            return tensor::ExtractSliceOp::create(nb, nl, x, offsets, sizes,
                                                  strides)
                .getResult();
          };
          Value kt = step(fk), vt = step(fv), qt = step(fq);
          if (decay) {
            // S <- exp(g_t) S, g per head [B,Hkv,1] or per row [B,Hkv,1,D].
            Value gt = step(decay);
            bool perDim = cast<RankedTensorType>(gt.getType()).getRank() == 4;
            AffineExpr c0 = nb.getAffineConstantExpr(0);
            auto gateBody = [&](OpBuilder &bb, Location bl, ValueRange a) {
              Value g = math::ExpOp::create(bb, bl, a[0]);
              return arith::MulFOp::create(bb, bl, a[1], g).getResult();
            };
            s = le.generic(gt, s,
                           {perDim ? le.map(4, {le.d(0), le.d(1), c0, le.d(2)})
                                   : le.map(4, {le.d(0), le.d(1), c0}),
                            nb.getMultiDimIdentityMap(4)},
                           {kPar, kPar, kPar, kPar}, gateBody);
            if (z)
              z = le.generic(gt, z,
                             {perDim
                                  ? le.map(3, {le.d(0), le.d(1), c0, le.d(2)})
                                  : le.map(3, {le.d(0), le.d(1), c0}),
                              nb.getMultiDimIdentityMap(3)},
                             {kPar, kPar, kPar}, gateBody);
          }
          Value written = vt;
          if (beta) {
            // u = beta_t (v_t - S^T k_t); dims (b, h, x, e, d).
            SmallVector<OpFoldResult> rowSizes = {le.dim(vt, 0), le.dim(vt, 1),
                                                  nb.getIndexAttr(1),
                                                  le.dim(vt, 3)};
            Value recalled =
                le.generic({s, kt}, le.filled(rowSizes, 0.0),
                           {le.map(5, {le.d(0), le.d(1), le.d(4), le.d(3)}),
                            le.map(5, {le.d(0), le.d(1), le.d(2), le.d(4)}),
                            le.map(5, {le.d(0), le.d(1), le.d(2), le.d(3)})},
                           {kPar, kPar, kPar, kPar, kRed}, mulAdd);
            AffineMap id4 = nb.getMultiDimIdentityMap(4);
            written = le.generic(
                {vt, recalled, step(beta)}, le.empty(rowSizes, acc),
                {id4, id4, le.map(4, {le.d(0), le.d(1), le.d(2)}), id4},
                {kPar, kPar, kPar, kPar},
                [&](OpBuilder &bb, Location bl, ValueRange a) {
                  Value diff = arith::SubFOp::create(bb, bl, a[0], a[1]);
                  return arith::MulFOp::create(bb, bl, a[2], diff).getResult();
                });
          }
          s = accumulate(s, kt, written);
          if (z)
            z = accumulateNorm(z, kt);
          Value ot = readout(qt, s, z);
          SmallVector<OpFoldResult> offsets(4, nb.getIndexAttr(0));
          offsets[2] = t;
          SmallVector<OpFoldResult> sizes = {le.dim(ot, 0), le.dim(ot, 1),
                                             nb.getIndexAttr(1), le.dim(ot, 3)};
          SmallVector<OpFoldResult> strides(4, nb.getIndexAttr(1));
          o = tensor::InsertSliceOp::create(nb, nl, ot, o, offsets, sizes,
                                            strides);
          SmallVector<Value> yields = {s, o};
          if (z)
            yields.push_back(z);
          scf::YieldOp::create(nb, nl, yields);
        });
    state = loop.getResult(0);
    out = loop.getResult(1);
  }

  SmallVector<Value> results = {
      e.convertTensor(out, op.getOutput().getType().getElementType())};
  if (Value fin = op.getFinalState())
    results.push_back(e.convertTensor(
        state, cast<RankedTensorType>(fin.getType()).getElementType()));
  return results;
}

/// Pooling along L: a masked reduction over (i, j) pairs, then the count of
/// tokens in each window in closed form.
FailureOr<SmallVector<Value>> PoolMixerOp::decompose(OpBuilder &rewriter,
                                                     std::string &why) {
  PoolMixerOp op = *this;
  Location loc = op.getLoc();
  Value x = op.getInput();
  auto type = op.getType();
  Emitter e{rewriter, loc, accumulatorType(type.getElementType())};
  FloatType acc = e.acc;
  bool isMax = op.getKind() == PoolKind::max;
  bool causal = op.getCausal();
  int64_t w = static_cast<int64_t>(op.getWindow()); // verified >= 0
  // Window [i - before, i + after], clipped to [0, L).
  std::optional<int64_t> before, after;
  if (causal)
    after = 0;
  if (w > 0) {
    before = causal ? w - 1 : (w - 1) / 2;
    if (!causal)
      after = w / 2;
  }

  auto inWindow = [&](OpBuilder &nb, Location nl, Value i, Value j) {
    Value ok;
    auto both = [&](Value c) {
      ok = ok ? arith::AndIOp::create(nb, nl, ok, c).getResult() : c;
    };
    if (before) {
      Value lo = arith::SubIOp::create(
          nb, nl, i, arith::ConstantIndexOp::create(nb, nl, *before));
      both(arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge, j, lo));
    }
    if (after) {
      Value hi = arith::AddIOp::create(
          nb, nl, i, arith::ConstantIndexOp::create(nb, nl, *after));
      both(arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sle, j, hi));
    }
    return ok;
  };

  SmallVector<OpFoldResult> sizes = {e.dim(x, 0), e.dim(x, 1), e.dim(x, 2),
                                     e.dim(x, 3)};
  // r[b,h,i,c] = reduce_{j in window(i)} x[b,h,j,c]; dims (b, h, i, c, j).
  Value reduced = e.generic(
      x, e.filled(sizes, isMax ? -INFINITY : 0.0),
      {e.map(5, {e.d(0), e.d(1), e.d(4), e.d(3)}),
       e.map(5, {e.d(0), e.d(1), e.d(2), e.d(3)})},
      {kPar, kPar, kPar, kPar, kRed},
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value xj = e.convert(args[0], acc);
        Value next =
            isMax ? arith::MaximumFOp::create(nb, nl, args[1], xj).getResult()
                  : arith::AddFOp::create(nb, nl, args[1], xj).getResult();
        Value ok = inWindow(nb, nl, linalg::IndexOp::create(nb, nl, 2),
                            linalg::IndexOp::create(nb, nl, 4));
        return ok ? arith::SelectOp::create(nb, nl, ok, next, args[1])
                        .getResult()
                  : next;
      });

  Value len = e.dimValue(x, 2);
  AffineMap id4 = rewriter.getMultiDimIdentityMap(4);
  Value result = e.generic(
      {reduced, x}, e.empty(sizes, type.getElementType()), {id4, id4, id4},
      {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value y = args[0];
        if (!isMax) {
          Value i = linalg::IndexOp::create(nb, nl, 2);
          Value c0 = arith::ConstantIndexOp::create(nb, nl, 0);
          Value c1 = arith::ConstantIndexOp::create(nb, nl, 1);
          Value last = arith::SubIOp::create(nb, nl, len, c1);
          Value lo = c0, hi = last;
          if (before)
            lo = arith::MaxSIOp::create(
                nb, nl, c0,
                arith::SubIOp::create(
                    nb, nl, i,
                    arith::ConstantIndexOp::create(nb, nl, *before)));
          if (after)
            hi = arith::MinSIOp::create(
                nb, nl, last,
                arith::AddIOp::create(
                    nb, nl, i, arith::ConstantIndexOp::create(nb, nl, *after)));
          Value count = arith::AddIOp::create(
              nb, nl, arith::SubIOp::create(nb, nl, hi, lo), c1);
          y = arith::DivFOp::create(nb, nl, y, e.indexToFloat(count));
        }
        if (op.getSubtractInput())
          y = arith::SubFOp::create(nb, nl, y, e.convert(args[1], acc));
        return e.convert(y, type.getElementType());
      });
  return SmallVector<Value>{result};
}
