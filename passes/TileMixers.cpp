//===- TileMixers.cpp - tmix-tile-mixers: online-softmax loop nests -------===//
//
// Softmax attention becomes FlashAttention's loop nest on tensors: per
// (batch, query head, query tile) a loop over key tiles that keeps the
// running row maximum m, row sum l and an f32 accumulator, rescaling both
// by exp(m_old - m_new) when the maximum grows. Sigmoid attention has no
// row statistics and simply accumulates sigmoid(s) v. The score math per
// element is ScoreTransform, shared with the reference decomposition.
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/TMixDialect.h"
#include "tmix/Passes.h"

#include "AttentionMath.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXTILEMIXERSPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;
using namespace mlir::tmix;

namespace {
using utils::IteratorType;

/// A linalg.generic yielding `body`'s value, into `init`.
Value buildGeneric(
    OpBuilder &b, Location loc, ValueRange ins, Value init,
    ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iters,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  return linalg::GenericOp::create(
             b, loc, init.getType(), ins, init, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}

/// Rows [r0, r0 + count) of x[bi, hi] for a [B, H, L, C] tensor x, as a
/// [count, C] tile.
Value sliceRows(OpBuilder &b, Location loc, Value x, OpFoldResult bi,
                OpFoldResult hi, OpFoldResult r0, OpFoldResult count) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> offsets = {bi, hi, r0, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1),
                                     count, b.getIndexAttr(type.getDimSize(3))};
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  auto resultType = tensor::ExtractSliceOp::inferCanonicalRankReducedResultType(
      2, type, sizes);
  return tensor::ExtractSliceOp::create(b, loc, resultType, x, offsets, sizes,
                                        strides);
}

/// Operands and attributes of softmax or sigmoid attention.
struct Quadratic {
  Operation *op;
  Value q, k, v, mask;
  std::optional<APFloat> scale, softcap, bias;
  CausalMode causal;
  bool sigmoid;
};

/// Builds one tiled nest; all shapes static.
class NestBuilder {
public:
  NestBuilder(OpBuilder &b, Location loc, const Quadratic &a, int64_t tileQ,
              int64_t tileK)
      : b(b), loc(loc), a(a) {
    auto qt = cast<RankedTensorType>(a.q.getType());
    auto kt = cast<RankedTensorType>(a.k.getType());
    auto vt = cast<RankedTensorType>(a.v.getType());
    batch = qt.getDimSize(0);
    hq = qt.getDimSize(1);
    lq = qt.getDimSize(2);
    d = qt.getDimSize(3);
    hkv = kt.getDimSize(1);
    lk = kt.getDimSize(2);
    dv = vt.getDimSize(3);
    elt = qt.getElementType();
    acc = cast<FloatType>(elt).getWidth() > 32 ? elt : b.getF32Type();
    tq = std::max<int64_t>(1, std::min(tileQ, lq));
    tk = std::max<int64_t>(1, std::min(tileK, lk));
  }

  Value build() {
    Value out = tensor::EmptyOp::create(b, loc, {batch, hq, lq, dv}, elt);
    int64_t numTiles = (lq + tq - 1) / tq;
    auto forall = scf::ForallOp::create(
        b, loc,
        ArrayRef<OpFoldResult>{b.getIndexAttr(batch), b.getIndexAttr(hq),
                               b.getIndexAttr(numTiles)},
        ValueRange{out}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    Value bi = forall.getInductionVar(0), hi = forall.getInductionVar(1),
          ti = forall.getInductionVar(2);
    Value tile = buildQueryTile(bi, hi, ti);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(
        b, loc, tile, forall.getRegionIterArgs()[0],
        ArrayRef<OpFoldResult>{bi, hi, q0, b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1), rows,
                               b.getIndexAttr(dv)},
        unitStrides(4));
    return forall.getResult(0);
  }

private:
  OpBuilder &b;
  Location loc;
  const Quadratic &a;
  int64_t batch, hq, lq, d, hkv, lk, dv, tq, tk;
  Type elt, acc;
  Value q0, rows; // first query row of the tile and its row count

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value cst(double v) {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(acc, v));
  }
  SmallVector<OpFoldResult> unitStrides(unsigned n) {
    return SmallVector<OpFoldResult>(n, b.getIndexAttr(1));
  }
  Value filled(ArrayRef<OpFoldResult> sizes, double v) {
    Value e = tensor::EmptyOp::create(b, loc, sizes, acc);
    return linalg::FillOp::create(b, loc, cst(v), e).getResult(0);
  }
  Value slice2d(Value x, Value bi, Value hi, Value r0, OpFoldResult count) {
    return sliceRows(b, loc, x, bi, hi, r0, count);
  }
  Value generic(ValueRange ins, Value init, ArrayRef<AffineMap> maps,
                ArrayRef<IteratorType> iters,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
    return buildGeneric(b, loc, ins, init, maps, iters, body);
  }

  Value buildQueryTile(Value bi, Value hi, Value ti) {
    q0 = arith::MulIOp::create(b, loc, ti, index(tq));
    rows = arith::MinSIOp::create(b, loc, index(tq),
                                  arith::SubIOp::create(b, loc, index(lq), q0));
    Value kvHead =
        hq == hkv
            ? hi
            : arith::DivUIOp::create(b, loc, hi, index(hq / hkv)).getResult();
    Value qTile = slice2d(a.q, bi, hi, q0, rows);

    // Keys past the causal diagonal of the tile's last row are never read.
    Value keyEnd = index(lk), causalOffset;
    if (a.causal != CausalMode::none) {
      int64_t offset = a.causal == CausalMode::bottom_right ? lk - lq : 0;
      causalOffset = index(offset);
      Value last = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, q0, rows), causalOffset);
      keyEnd = arith::MaxSIOp::create(
          b, loc, index(0), arith::MinSIOp::create(b, loc, keyEnd, last));
    }

    ScoreTransform transform;
    transform.scale =
        cst(a.scale ? a.scale->convertToDouble() : 1.0 / std::sqrt(double(d)));
    transform.softcap = a.softcap ? cst(a.softcap->convertToDouble()) : Value();
    if (a.sigmoid)
      transform.bias = cst(a.bias ? a.bias->convertToDouble()
                                  : -std::log(static_cast<double>(lk)));
    transform.causalOffset = causalOffset;
    transform.sigmoid = a.sigmoid;
    Value negInf = cst(-std::numeric_limits<double>::infinity());
    Value zero = cst(0.0), one = cst(1.0);
    transform.zero = zero;
    transform.one = one;
    transform.negInf = negInf;
    transform.boolMask = a.mask && getElementTypeOrSelf(a.mask).isInteger(1);

    MLIRContext *ctx = b.getContext();
    AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx);
    AffineMap id2 = AffineMap::get(2, 0, {i, j}, ctx);
    AffineMap row = AffineMap::get(2, 0, {i}, ctx);
    AffineMap id1 = AffineMap::get(1, 0, {getAffineDimExpr(0, ctx)}, ctx);
    SmallVector<IteratorType> par2(2, IteratorType::parallel);
    SmallVector<IteratorType> rowReduce = {IteratorType::parallel,
                                           IteratorType::reduction};

    SmallVector<Value> init = {filled({rows, b.getIndexAttr(dv)}, 0.0)};
    if (!a.sigmoid) {
      init.push_back(filled({rows}, -std::numeric_limits<double>::infinity()));
      init.push_back(filled({rows}, 0.0));
    }
    auto loop = scf::ForOp::create(
        b, loc, index(0), keyEnd, index(tk), init,
        [&](OpBuilder &, Location, Value k0, ValueRange carried) {
          Value cols = arith::MinSIOp::create(
              b, loc, index(tk), arith::SubIOp::create(b, loc, keyEnd, k0));
          Value kTile = slice2d(a.k, bi, kvHead, k0, cols);
          Value vTile = slice2d(a.v, bi, kvHead, k0, cols);
          // s = q k^T through a transposed copy of the small K tile, so
          // that the product is a plain matmul.
          Value kT =
              linalg::TransposeOp::create(
                  b, loc, kTile,
                  tensor::EmptyOp::create(
                      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(d), cols},
                      elt),
                  ArrayRef<int64_t>{1, 0})
                  .getResult()[0];
          Value s =
              linalg::MatmulOp::create(b, loc, ValueRange{qTile, kT},
                                       ValueRange{filled({rows, cols}, 0.0)})
                  .getResult(0);
          SmallVector<Value> ins = {s};
          SmallVector<AffineMap> maps = {id2};
          if (a.mask) {
            auto [maskTile, maskMap] = maskSlice(bi, hi, k0, cols);
            ins.push_back(maskTile);
            maps.push_back(maskMap);
          }
          maps.push_back(id2);
          Value logits = generic(
              ins,
              tensor::EmptyOp::create(b, loc,
                                      ArrayRef<OpFoldResult>{rows, cols}, acc),
              maps, par2, [&](OpBuilder &nb, Location nl, ValueRange args) {
                return transform.apply(
                    nb, nl, args[0], a.mask ? args[1] : Value(), [&] {
                      Value i = arith::AddIOp::create(
                          nb, nl, q0, linalg::IndexOp::create(nb, nl, 0));
                      Value j = arith::AddIOp::create(
                          nb, nl, k0, linalg::IndexOp::create(nb, nl, 1));
                      return std::pair(i, j);
                    });
              });
          Value accum = carried[0];
          SmallVector<Value> next;
          if (a.sigmoid) {
            next.push_back(linalg::MatmulOp::create(b, loc,
                                                    ValueRange{logits, vTile},
                                                    ValueRange{accum})
                               .getResult(0));
          } else {
            Value mOld = carried[1], lOld = carried[2];
            // The new maximum goes to fresh storage first: the rescale
            // factor still reads the old one.
            Value mNew = generic(
                logits,
                linalg::CopyOp::create(
                    b, loc, mOld,
                    tensor::EmptyOp::create(b, loc,
                                            ArrayRef<OpFoldResult>{rows}, acc)
                        .getResult())
                    .getResult(0),
                {id2, row}, rowReduce,
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  return arith::MaximumFOp::create(nb, nl, args[0], args[1]);
                });
            // exp(s - m); a hidden key (-inf) weighs 0 even in a row with
            // no visible key yet, where s - m would be NaN.
            Value p =
                generic({logits, mNew},
                        tensor::EmptyOp::create(
                            b, loc, ArrayRef<OpFoldResult>{rows, cols}, acc),
                        {id2, row, id2}, par2,
                        [&](OpBuilder &nb, Location nl, ValueRange args) {
                          return guardedExpDiff(nb, nl, args[0], args[1],
                                                args[0], negInf, zero);
                        });
            // Rescale of what was accumulated under the old maximum.
            Value corr =
                generic({mOld, mNew},
                        tensor::EmptyOp::create(
                            b, loc, ArrayRef<OpFoldResult>{rows}, acc),
                        {id1, id1, id1}, {IteratorType::parallel},
                        [&](OpBuilder &nb, Location nl, ValueRange args) {
                          return guardedExpDiff(nb, nl, args[0], args[1],
                                                args[1], negInf, one);
                        });
            Value lScaled = generic(
                {lOld, corr}, lOld, {id1, id1, id1}, {IteratorType::parallel},
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  return arith::MulFOp::create(nb, nl, args[0], args[1]);
                });
            Value lNew = generic(
                p, lScaled, {id2, row}, rowReduce,
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  return arith::AddFOp::create(nb, nl, args[0], args[1]);
                });
            Value aScaled = generic(
                {accum, corr}, accum, {id2, row, id2}, par2,
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  return arith::MulFOp::create(nb, nl, args[0], args[1]);
                });
            next.push_back(linalg::MatmulOp::create(b, loc,
                                                    ValueRange{p, vTile},
                                                    ValueRange{aScaled})
                               .getResult(0));
            // Back into the carried buffer, so the loop needs no new one.
            next.push_back(
                linalg::CopyOp::create(b, loc, mNew, mOld).getResult(0));
            next.push_back(lNew);
          }
          scf::YieldOp::create(b, loc, next);
        });

    Value accum = loop.getResult(0);
    Value outTile = tensor::EmptyOp::create(
        b, loc, ArrayRef<OpFoldResult>{rows, b.getIndexAttr(dv)}, elt);
    auto narrow = [&](OpBuilder &nb, Location nl, Value x) -> Value {
      if (x.getType() == elt)
        return x;
      return arith::TruncFOp::create(nb, nl, elt, x);
    };
    if (a.sigmoid)
      return generic(accum, outTile, {id2, id2}, par2,
                     [&](OpBuilder &nb, Location nl, ValueRange args) {
                       return narrow(nb, nl, args[0]);
                     });
    // A row that saw no visible key has l = 0 and yields 0.
    return generic({accum, loop.getResult(2)}, outTile, {id2, row, id2}, par2,
                   [&](OpBuilder &nb, Location nl, ValueRange args) {
                     Value positive = arith::CmpFOp::create(
                         nb, nl, arith::CmpFPredicate::OGT, args[1], zero);
                     Value o = arith::SelectOp::create(
                         nb, nl, positive,
                         arith::DivFOp::create(nb, nl, args[0], args[1]), zero);
                     return narrow(nb, nl, o);
                   });
  }

  /// The block of the mask a (query tile, key tile) step reads, and the map
  /// from the step's (i, j) into it. Broadcast dims stay size 1.
  std::pair<Value, AffineMap> maskSlice(Value bi, Value hi, Value k0,
                                        Value cols) {
    auto type = cast<RankedTensorType>(a.mask.getType());
    int64_t offset = 4 - type.getRank();
    SmallVector<OpFoldResult> offsets, sizes;
    SmallVector<AffineExpr> exprs;
    MLIRContext *ctx = b.getContext();
    for (auto [dim, size] : llvm::enumerate(type.getShape())) {
      int64_t axis = offset + dim;
      if (size == 1) {
        offsets.push_back(b.getIndexAttr(0));
        sizes.push_back(b.getIndexAttr(1));
        exprs.push_back(getAffineConstantExpr(0, ctx));
        continue;
      }
      Value at[] = {bi, hi, q0, k0};
      offsets.push_back(at[axis]);
      if (axis < 2) {
        sizes.push_back(b.getIndexAttr(1));
        exprs.push_back(getAffineConstantExpr(0, ctx));
      } else {
        sizes.push_back(axis == 2 ? rows : cols);
        exprs.push_back(getAffineDimExpr(axis - 2, ctx));
      }
    }
    Value tile = tensor::ExtractSliceOp::create(b, loc, a.mask, offsets, sizes,
                                                unitStrides(type.getRank()));
    return {tile, AffineMap::get(2, 0, exprs, ctx)};
  }
};

/// Average pooling in O(L): f64 prefix sums P[t] = sum_{j<t} x[j] along L
/// (exact enough that window differences do not cancel), then
/// out[i] = (P[hi + 1] - P[lo]) / (hi - lo + 1) for the clipped window.
Value buildAveragePool(OpBuilder &b, Location loc, PoolMixerOp op) {
  Value x = op.getInput();
  auto type = op.getType();
  int64_t batch = type.getDimSize(0), heads = type.getDimSize(1),
          len = type.getDimSize(2), chans = type.getDimSize(3);
  Type elt = type.getElementType();
  Type acc = b.getF64Type();
  bool causal = op.getCausal();
  int64_t w = static_cast<int64_t>(op.getWindow());
  // Window [i - before, i + after], as the reference decomposition has it.
  int64_t before = w > 0 ? (causal ? w - 1 : (w - 1) / 2) : len;
  int64_t after = causal ? 0 : (w > 0 ? w / 2 : len);

  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(acc, 0.0));
  Value prefix =
      linalg::FillOp::create(
          b, loc, zero,
          tensor::EmptyOp::create(b, loc, {batch, heads, len + 1, chans}, acc)
              .getResult())
          .getResult(0);
  Value running = linalg::FillOp::create(b, loc, zero,
                                         tensor::EmptyOp::create(
                                             b, loc, {batch, heads, chans}, acc)
                                             .getResult())
                      .getResult(0);
  SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
  SmallVector<OpFoldResult> rowSizes = {
      b.getIndexAttr(batch), b.getIndexAttr(heads), b.getIndexAttr(1),
      b.getIndexAttr(chans)};
  auto rowType = RankedTensorType::get({batch, heads, chans}, elt);
  auto accRowType = RankedTensorType::get({batch, heads, chans}, acc);
  AffineMap id3 = b.getMultiDimIdentityMap(3);
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(len), index(1), ValueRange{running, prefix},
      [&](OpBuilder &nb, Location nl, Value t, ValueRange carried) {
        SmallVector<OpFoldResult> at = {nb.getIndexAttr(0), nb.getIndexAttr(0),
                                        t, nb.getIndexAttr(0)};
        Value row = tensor::ExtractSliceOp::create(nb, nl, rowType, x, at,
                                                   rowSizes, ones);
        Value sum =
            linalg::GenericOp::create(
                nb, nl, accRowType, row, carried[0], {id3, id3},
                SmallVector<utils::IteratorType>(3,
                                                 utils::IteratorType::parallel),
                [&](OpBuilder &bb, Location bl, ValueRange args) {
                  Value v = args[0];
                  if (v.getType() != acc)
                    v = arith::ExtFOp::create(bb, bl, acc, v);
                  linalg::YieldOp::create(
                      bb, bl,
                      arith::AddFOp::create(bb, bl, args[1], v).getResult());
                })
                .getResult(0);
        Value next = arith::AddIOp::create(nb, nl, t, index(1));
        SmallVector<OpFoldResult> into = {
            nb.getIndexAttr(0), nb.getIndexAttr(0), next, nb.getIndexAttr(0)};
        Value stored = tensor::InsertSliceOp::create(nb, nl, sum, carried[1],
                                                     into, rowSizes, ones);
        scf::YieldOp::create(nb, nl, ValueRange{sum, stored});
      });
  Value sums = loop.getResult(1);
  AffineMap id4 = b.getMultiDimIdentityMap(4);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), elt);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{x}, ValueRange{init},
             ArrayRef<AffineMap>{id4, id4},
             SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value bi = linalg::IndexOp::create(nb, nl, 0);
               Value hi = linalg::IndexOp::create(nb, nl, 1);
               Value i = linalg::IndexOp::create(nb, nl, 2);
               Value c = linalg::IndexOp::create(nb, nl, 3);
               auto cst = [&](int64_t v) {
                 return arith::ConstantIndexOp::create(nb, nl, v).getResult();
               };
               Value lo = arith::MaxSIOp::create(
                   nb, nl, cst(0),
                   arith::SubIOp::create(nb, nl, i, cst(before)));
               Value end = arith::MinSIOp::create(
                   nb, nl, cst(len),
                   arith::AddIOp::create(nb, nl, i, cst(after + 1)));
               Value top = tensor::ExtractOp::create(
                   nb, nl, sums, ValueRange{bi, hi, end, c});
               Value bottom = tensor::ExtractOp::create(
                   nb, nl, sums, ValueRange{bi, hi, lo, c});
               Value count = arith::IndexCastOp::create(
                   nb, nl, nb.getI64Type(),
                   arith::SubIOp::create(nb, nl, end, lo));
               Value y = arith::DivFOp::create(
                   nb, nl, arith::SubFOp::create(nb, nl, top, bottom),
                   arith::SIToFPOp::create(nb, nl, acc, count));
               if (op.getSubtractInput()) {
                 Value in = args[0];
                 if (in.getType() != acc)
                   in = arith::ExtFOp::create(nb, nl, acc, in);
                 y = arith::SubFOp::create(nb, nl, y, in);
               }
               if (y.getType() != elt)
                 y = arith::TruncFOp::create(nb, nl, elt, y);
               linalg::YieldOp::create(nb, nl, y);
             })
      .getResult(0);
}

/// Normalised or plain linear attention with the `linear` update rule in
/// the chunkwise-parallel form, per (batch, query head): for each chunk of
/// C tokens, o = scale * (phi(Q) S + causal(phi(Q) phi(K)^T) V) / (phi(Q) z
/// + rowsum(causal(phi(Q) phi(K)^T)) + eps), then S += phi(K)^T V and
/// z += colsum(phi(K)). All products are matmuls; O(L C) work. Without
/// causality one S over all keys does.
Value buildLinearChunked(OpBuilder &b, Location loc, LinearAttentionOp op,
                         int64_t chunk) {
  auto qt = op.getQuery().getType(), kt = op.getKey().getType(),
       vt = op.getValue().getType();
  int64_t batch = qt.getDimSize(0), hq = qt.getDimSize(1),
          lq = qt.getDimSize(2), d = qt.getDimSize(3), hkv = kt.getDimSize(1),
          lk = kt.getDimSize(2), dv = vt.getDimSize(3);
  Type elt = op.getOutput().getType().getElementType();
  Type acc = cast<FloatType>(elt).getWidth() > 32 ? elt : b.getF32Type();
  bool causal = op.getCausal(), normalize = op.getNormalize();
  double scale = op.getScale() ? op.getScale()->convertToDouble()
                               : 1.0 / std::sqrt(static_cast<double>(d));
  double eps = op.getEps().convertToDouble();
  FeatureMap fm = op.getFeatureMap();
  MLIRContext *ctx = b.getContext();
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto cst = [&](OpBuilder &nb, Location nl, double v) {
    return arith::ConstantOp::create(nb, nl, nb.getFloatAttr(acc, v))
        .getResult();
  };
  auto par = [](unsigned n) {
    return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
  };
  auto filled = [&](ArrayRef<OpFoldResult> sizes, double v) {
    Value e = tensor::EmptyOp::create(b, loc, sizes, acc);
    return linalg::FillOp::create(b, loc, cst(b, loc, v), e).getResult(0);
  };
  // phi(x) in the accumulator type, once over the whole tensor.
  auto phi = [&](Value x, bool apply) {
    auto type = cast<RankedTensorType>(x.getType());
    AffineMap id = b.getMultiDimIdentityMap(4);
    Value init = tensor::EmptyOp::create(b, loc, type.getShape(), acc);
    return linalg::GenericOp::create(
               b, loc, init.getType(), x, init, {id, id}, par(4),
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 Value v = args[0];
                 if (v.getType() != acc)
                   v = arith::ExtFOp::create(nb, nl, acc, v);
                 if (apply)
                   v = buildFeatureMap(nb, nl, fm, v);
                 linalg::YieldOp::create(nb, nl, v);
               })
        .getResult(0);
  };
  Value fq = phi(op.getQuery(), true), fk = phi(op.getKey(), true),
        fv = phi(op.getValue(), false);
  SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
  auto slice = [&](Value x, Value bi, Value hi, OpFoldResult r0,
                   OpFoldResult n) {
    return sliceRows(b, loc, x, bi, hi, r0, n);
  };
  auto transposed = [&](Value x) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    Value init = tensor::EmptyOp::create(
        b, loc, ArrayRef<OpFoldResult>{sizes[1], sizes[0]}, acc);
    return linalg::TransposeOp::create(b, loc, x, init, ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  };
  auto matmul = [&](Value x, Value y, Value into) {
    return linalg::MatmulOp::create(b, loc, ValueRange{x, y}, ValueRange{into})
        .getResult(0);
  };
  AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx);
  AffineMap id2 = AffineMap::get(2, 0, {i, j}, ctx);
  AffineMap row = AffineMap::get(2, 0, {i}, ctx);
  AffineMap col = AffineMap::get(2, 0, {j}, ctx);
  SmallVector<utils::IteratorType> rowReduce = {utils::IteratorType::parallel,
                                                utils::IteratorType::reduction};
  auto generic =
      [&](ValueRange ins, Value init, ArrayRef<AffineMap> maps,
          ArrayRef<utils::IteratorType> iters,
          function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
        return buildGeneric(b, loc, ins, init, maps, iters, body);
      };
  auto addf = [](OpBuilder &nb, Location nl, ValueRange args) {
    return arith::AddFOp::create(nb, nl, args[0], args[1]).getResult();
  };
  // o = scale * num / (den + eps), narrowed to the output type.
  auto finish = [&](Value num, Value den, OpFoldResult rows) {
    Value init = tensor::EmptyOp::create(
        b, loc, ArrayRef<OpFoldResult>{rows, b.getIndexAttr(dv)}, elt);
    SmallVector<Value> ins = {num};
    SmallVector<AffineMap> maps = {id2};
    if (den) {
      ins.push_back(den);
      maps.push_back(row);
    }
    maps.push_back(id2);
    return generic(
        ins, init, maps, par(2),
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value o = arith::MulFOp::create(nb, nl, args[0], cst(nb, nl, scale));
          if (den)
            o = arith::DivFOp::create(
                nb, nl, o,
                arith::AddFOp::create(nb, nl, args[1], cst(nb, nl, eps)));
          if (o.getType() != elt)
            o = arith::TruncFOp::create(nb, nl, elt, o);
          return o;
        });
  };
  // den[i] += sum_d q[i, d] z[d].
  auto readZ = [&](Value queries, Value z, Value den) {
    return generic(
        {queries, z}, den, {id2, col, row}, rowReduce,
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value p = arith::MulFOp::create(nb, nl, args[0], args[1]);
          return arith::AddFOp::create(nb, nl, args[2], p).getResult();
        });
  };
  // z[d] += sum_x k[x, d]: a reduction over rows.
  auto colSum = [&](Value keys, Value z) {
    return generic(keys, z, {AffineMap::get(2, 0, {j, i}, ctx), row}, rowReduce,
                   addf);
  };

  Value out = tensor::EmptyOp::create(b, loc, {batch, hq, lq, dv}, elt);
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(batch), b.getIndexAttr(hq)},
      ValueRange{out}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value bi = forall.getInductionVar(0), hi = forall.getInductionVar(1);
  Value kvHead =
      hq == hkv
          ? hi
          : arith::DivUIOp::create(b, loc, hi, index(hq / hkv)).getResult();
  Value tile;
  if (!causal) {
    Value keys = slice(fk, bi, kvHead, b.getIndexAttr(0), b.getIndexAttr(lk));
    Value vals = slice(fv, bi, kvHead, b.getIndexAttr(0), b.getIndexAttr(lk));
    Value queries = slice(fq, bi, hi, b.getIndexAttr(0), b.getIndexAttr(lq));
    Value state = matmul(transposed(keys), vals,
                         filled({b.getIndexAttr(d), b.getIndexAttr(dv)}, 0.0));
    Value num = matmul(queries, state,
                       filled({b.getIndexAttr(lq), b.getIndexAttr(dv)}, 0.0));
    Value den;
    if (normalize)
      den = readZ(queries, colSum(keys, filled({b.getIndexAttr(d)}, 0.0)),
                  filled({b.getIndexAttr(lq)}, 0.0));
    tile = finish(num, den, b.getIndexAttr(lq));
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(
        b, loc, tile, forall.getRegionIterArgs()[0],
        ArrayRef<OpFoldResult>{bi, hi, b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                               b.getIndexAttr(lq), b.getIndexAttr(dv)},
        ones);
    return forall.getResult(0);
  }

  int64_t c = std::max<int64_t>(1, std::min(chunk, lq));
  SmallVector<Value> init = {
      filled({b.getIndexAttr(d), b.getIndexAttr(dv)}, 0.0),
      tensor::EmptyOp::create(b, loc, {lq, dv}, elt)};
  if (normalize)
    init.push_back(filled({b.getIndexAttr(d)}, 0.0));
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(lq), index(c), init,
      [&](OpBuilder &, Location, Value c0, ValueRange carried) {
        Value n = arith::MinSIOp::create(
            b, loc, index(c), arith::SubIOp::create(b, loc, index(lq), c0));
        Value queries = slice(fq, bi, hi, c0, n);
        Value keys = slice(fk, bi, kvHead, c0, n);
        Value vals = slice(fv, bi, kvHead, c0, n);
        // Intra-chunk scores, key j <= query i.
        Value scores = matmul(queries, transposed(keys), filled({n, n}, 0.0));
        Value masked = generic(
            scores,
            tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{n, n}, acc),
            {id2, id2}, par(2),
            [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
              Value r = linalg::IndexOp::create(nb, nl, 0);
              Value k = linalg::IndexOp::create(nb, nl, 1);
              Value visible = arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::sle, k, r);
              return arith::SelectOp::create(nb, nl, visible, args[0],
                                             cst(nb, nl, 0.0));
            });
        Value num = matmul(masked, vals, filled({n, b.getIndexAttr(dv)}, 0.0));
        num = matmul(queries, carried[0], num);
        Value den, z;
        if (normalize) {
          den = generic(masked, filled({n}, 0.0), {id2, row}, rowReduce, addf);
          den = readZ(queries, carried[2], den);
          z = colSum(keys, carried[2]);
        }
        Value chunkOut = finish(num, den, n);
        Value stored = tensor::InsertSliceOp::create(
            b, loc, chunkOut, carried[1],
            ArrayRef<OpFoldResult>{c0, b.getIndexAttr(0)},
            ArrayRef<OpFoldResult>{n, b.getIndexAttr(dv)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
        Value state = matmul(transposed(keys), vals, carried[0]);
        SmallVector<Value> next = {state, stored};
        if (normalize)
          next.push_back(z);
        scf::YieldOp::create(b, loc, next);
      });
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(
      b, loc, loop.getResult(1), forall.getRegionIterArgs()[0],
      ArrayRef<OpFoldResult>{bi, hi, b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(lq), b.getIndexAttr(dv)},
      ones);
  return forall.getResult(0);
}

bool isStatic(ValueRange values) {
  return llvm::all_of(values, [](Value v) {
    return !v || cast<RankedTensorType>(v.getType()).hasStaticShape();
  });
}

class TileMixersPass
    : public tmix::impl::TMixTileMixersPassBase<TileMixersPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (tileQ <= 0 || tileK <= 0) {
      getOperation()->emitError()
          << "tmix-tile-mixers: tile sizes must be positive, got tile-q="
          << int64_t(tileQ) << " tile-k=" << int64_t(tileK);
      return signalPassFailure();
    }
    SmallVector<Quadratic> sites;
    getOperation()->walk([&](Operation *op) {
      if (auto a = dyn_cast<AttentionOp>(op))
        sites.push_back({op, a.getQuery(), a.getKey(), a.getValue(),
                         a.getMask(), a.getScale(), a.getSoftcap(),
                         std::nullopt, a.getCausal(), false});
      else if (auto s = dyn_cast<SigmoidAttentionOp>(op))
        sites.push_back({op, s.getQuery(), s.getKey(), s.getValue(),
                         s.getMask(), s.getScale(), std::nullopt, s.getBias(),
                         s.getCausal(), true});
    });
    SmallVector<LinearAttentionOp> linears;
    getOperation()->walk([&](LinearAttentionOp op) {
      if (op.getUpdateRule() == UpdateRule::linear && !op.getDecay() &&
          !op.getBeta() && !op.getInitialState() && !op.getFinalState() &&
          isStatic({op.getQuery(), op.getKey(), op.getValue()}))
        linears.push_back(op);
    });
    for (LinearAttentionOp op : linears) {
      OpBuilder b(op);
      op.getOutput().replaceAllUsesWith(
          buildLinearChunked(b, op.getLoc(), op, chunk));
      op.erase();
      ++numTiled;
    }
    SmallVector<PoolMixerOp> pools;
    getOperation()->walk([&](PoolMixerOp op) {
      if (op.getKind() == PoolKind::avg && op.getType().hasStaticShape())
        pools.push_back(op);
    });
    for (PoolMixerOp op : pools) {
      OpBuilder b(op);
      op.getOutput().replaceAllUsesWith(buildAveragePool(b, op.getLoc(), op));
      op.erase();
      ++numTiled;
    }
    for (const Quadratic &site : sites) {
      if (!isStatic({site.q, site.k, site.v, site.mask}))
        continue;
      OpBuilder b(site.op);
      Value result =
          NestBuilder(b, site.op->getLoc(), site, tileQ, tileK).build();
      site.op->getResult(0).replaceAllUsesWith(result);
      site.op->erase();
      ++numTiled;
    }
  }
};

} // namespace
