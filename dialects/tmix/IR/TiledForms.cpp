//===- TiledForms.cpp - tiled form of each mixer ----------------*- C++ -*-===//
//
// MixerOpInterface::buildTiledForm (tmix-tile-mixers). Softmax attention
// becomes FlashAttention's loop nest on tensors: per
// (batch, query head, query tile) a loop over key tiles that keeps the
// running row maximum m, row sum l and an f32 accumulator, rescaling both
// by exp(m_old - m_new) when the maximum grows. Sigmoid attention has no
// row statistics and simply accumulates sigmoid(s) v. The score math per
// element is ScoreTransform, shared with the reference decomposition.
// Linear attention becomes its chunkwise-parallel form and pooling O(L)
// scans.
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
#include <limits>

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

/// What every tiled mixer builder needs: the mixer's (static) sizes, the
/// element type `elt` of its output, the accumulator type (f32, or f64 for
/// f64) and small builders.
class MixerBuilder {
protected:
  MixerBuilder(OpBuilder &b, MixerOpInterface op)
      : b(b), loc(op.getLoc()), elt(getElementTypeOrSelf(op.getMixed())),
        acc(accumulatorType(elt)) {
    std::tie(batch, hq, hkv, lq, lk, d, dv) = op.getDims().asTuple();
  }

  OpBuilder &b;
  Location loc;
  int64_t batch, hq, lq, d, hkv, lk, dv;
  Type elt, acc;

  OpFoldResult attr(int64_t v) { return b.getIndexAttr(v); }
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value cst(OpBuilder &nb, Location nl, double v) {
    return arith::ConstantOp::create(nb, nl, nb.getFloatAttr(acc, v));
  }
  /// An accumulator tensor of `sizes` filled with `v`.
  Value filled(ArrayRef<OpFoldResult> sizes, double v) {
    Value e = tensor::EmptyOp::create(b, loc, sizes, acc);
    return linalg::FillOp::create(b, loc, cst(b, loc, v), e).getResult(0);
  }
  Value generic(ValueRange ins, Value init, ArrayRef<AffineMap> maps,
                ArrayRef<IteratorType> iters,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
    return buildGeneric(b, loc, ins, init, maps, iters, body);
  }
};

/// Builds one tiled nest; all shapes static.
class NestBuilder : MixerBuilder {
public:
  NestBuilder(OpBuilder &b, MixerOpInterface op, int64_t tileQ, int64_t tileK)
      : MixerBuilder(b, op), op(op), q(op.getQueries()), k(op.getKeys()),
        v(op.getValues()), mask(op.getMaskOperand()),
        sigmoid(op.getScoreSpec()->sigmoid) {
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
  MixerOpInterface op;
  Value q, k, v, mask;
  bool sigmoid;
  int64_t tq, tk;
  Value q0, rows; // first query row of the tile and its row count

  Value cst(double v) { return MixerBuilder::cst(b, loc, v); }
  SmallVector<OpFoldResult> unitStrides(unsigned n) {
    return SmallVector<OpFoldResult>(n, b.getIndexAttr(1));
  }
  Value slice2d(Value x, Value bi, Value hi, Value r0, OpFoldResult count) {
    return sliceRows(b, loc, x, bi, hi, r0, count);
  }

  Value buildQueryTile(Value bi, Value hi, Value ti) {
    q0 = arith::MulIOp::create(b, loc, ti, index(tq));
    rows = arith::MinSIOp::create(b, loc, index(tq),
                                  arith::SubIOp::create(b, loc, index(lq), q0));
    Value kvHead =
        hq == hkv
            ? hi
            : arith::DivUIOp::create(b, loc, hi, index(hq / hkv)).getResult();
    Value qTile = slice2d(q, bi, hi, q0, rows);

    ScoreTransform transform = ScoreTransform::forMixer(b, loc, op, acc);
    Value negInf = transform.negInf, zero = transform.zero, one = transform.one;
    // Keys past the causal diagonal of the tile's last row are never read.
    Value keyEnd = index(lk);
    if (transform.causalOffset) {
      Value last =
          arith::AddIOp::create(b, loc, arith::AddIOp::create(b, loc, q0, rows),
                                transform.causalOffset);
      keyEnd = arith::MaxSIOp::create(
          b, loc, index(0), arith::MinSIOp::create(b, loc, keyEnd, last));
    }

    MLIRContext *ctx = b.getContext();
    AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx);
    AffineMap id2 = AffineMap::get(2, 0, {i, j}, ctx);
    AffineMap row = AffineMap::get(2, 0, {i}, ctx);
    AffineMap id1 = AffineMap::get(1, 0, {getAffineDimExpr(0, ctx)}, ctx);
    SmallVector<IteratorType> par2(2, IteratorType::parallel);
    SmallVector<IteratorType> rowReduce = {IteratorType::parallel,
                                           IteratorType::reduction};

    SmallVector<Value> init = {filled({rows, b.getIndexAttr(dv)}, 0.0)};
    if (!sigmoid) {
      init.push_back(filled({rows}, -std::numeric_limits<double>::infinity()));
      init.push_back(filled({rows}, 0.0));
    }
    auto loop = scf::ForOp::create(
        b, loc, index(0), keyEnd, index(tk), init,
        [&](OpBuilder &, Location, Value k0, ValueRange carried) {
          Value cols = arith::MinSIOp::create(
              b, loc, index(tk), arith::SubIOp::create(b, loc, keyEnd, k0));
          Value kTile = slice2d(k, bi, kvHead, k0, cols);
          Value vTile = slice2d(v, bi, kvHead, k0, cols);
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
          if (mask) {
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
                    nb, nl, args[0], mask ? args[1] : Value(), [&] {
                      Value i = arith::AddIOp::create(
                          nb, nl, q0, linalg::IndexOp::create(nb, nl, 0));
                      Value j = arith::AddIOp::create(
                          nb, nl, k0, linalg::IndexOp::create(nb, nl, 1));
                      return std::pair(i, j);
                    });
              });
          Value accum = carried[0];
          SmallVector<Value> next;
          if (sigmoid) {
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
    if (sigmoid)
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
    auto type = cast<RankedTensorType>(mask.getType());
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
    Value tile = tensor::ExtractSliceOp::create(b, loc, mask, offsets, sizes,
                                                unitStrides(type.getRank()));
    return {tile, AffineMap::get(2, 0, exprs, ctx)};
  }
};

/// `x` widened or narrowed to float type `to`.
Value castFloat(OpBuilder &b, Location loc, Value x, Type to) {
  unsigned from = cast<FloatType>(x.getType()).getWidth(),
           width = cast<FloatType>(to).getWidth();
  if (x.getType() == to)
    return x;
  if (width > from)
    return arith::ExtFOp::create(b, loc, to, x);
  return arith::TruncFOp::create(b, loc, to, x);
}

/// A running combination along L of a [B, H, N, C] tensor, in type `acc`:
/// out[p] = combine(out[p -+ 1], x[p], p), starting from `start` (forward,
/// or backward with `reverse`). One [B, H, C] row per step, so the scan is
/// O(N) and vectorises across batch, heads and channels.
Value scanAlongL(
    OpBuilder &b, Location loc, Value x, Type acc, double start, bool reverse,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t batch = type.getDimSize(0), heads = type.getDimSize(1),
          len = type.getDimSize(2), chans = type.getDimSize(3);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value first =
      linalg::FillOp::create(
          b, loc,
          arith::ConstantOp::create(b, loc, b.getFloatAttr(acc, start))
              .getResult(),
          tensor::EmptyOp::create(b, loc, {batch, heads, 1, chans}, acc)
              .getResult())
          .getResult(0);
  Value all = tensor::EmptyOp::create(b, loc, {batch, heads, len, chans}, acc);
  SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
  SmallVector<OpFoldResult> rowSizes = {
      b.getIndexAttr(batch), b.getIndexAttr(heads), b.getIndexAttr(1),
      b.getIndexAttr(chans)};
  // Rows keep their unit L dimension: a rank-reduced [B, H, C] row would be
  // ambiguous when B is 1 too.
  auto rowType =
      RankedTensorType::get({batch, heads, 1, chans}, type.getElementType());
  AffineMap id4 = b.getMultiDimIdentityMap(4);
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(len), index(1), ValueRange{first, all},
      [&](OpBuilder &nb, Location nl, Value t, ValueRange carried) {
        Value p =
            reverse
                ? arith::SubIOp::create(nb, nl, index(len - 1), t).getResult()
                : t;
        SmallVector<OpFoldResult> at = {nb.getIndexAttr(0), nb.getIndexAttr(0),
                                        p, nb.getIndexAttr(0)};
        Value row = tensor::ExtractSliceOp::create(nb, nl, rowType, x, at,
                                                   rowSizes, ones);
        Value next =
            buildGeneric(nb, nl, row, carried[0], {id4, id4},
                         SmallVector<IteratorType>(4, IteratorType::parallel),
                         [&](OpBuilder &bb, Location bl, ValueRange args) {
                           return combine(bb, bl, args[1],
                                          castFloat(bb, bl, args[0], acc), p);
                         });
        Value stored = tensor::InsertSliceOp::create(nb, nl, next, carried[1],
                                                     at, rowSizes, ones);
        scf::YieldOp::create(nb, nl, ValueRange{next, stored});
      });
  return loop.getResult(1);
}

/// Pooling in O(L) for any window [i - before, i + after] clipped to the
/// sequence, as the reference decomposition has it.
///  - avg: f64 inclusive prefix sums P (exact enough that window differences
///    do not cancel), out[i] = (P[hi] - P[lo - 1]) / (hi - lo + 1).
///  - max: van Herk / Gil-Werman. Padding the sequence with `before` and
///    `after` -inf rows makes every window exactly `span` rows long; with
///    running maxima restarted at multiples of span forward (F) and
///    backward (R), out[i] = max(R[i], F[i + span - 1]) in padded rows.
Value buildPool(OpBuilder &b, Location loc, PoolMixerOp op) {
  Value x = op.getInput();
  auto type = op.getType();
  int64_t batch = type.getDimSize(0), heads = type.getDimSize(1),
          len = type.getDimSize(2), chans = type.getDimSize(3);
  Type elt = type.getElementType();
  bool isMax = op.getKind() == PoolKind::max;
  bool causal = op.getCausal();
  int64_t w = static_cast<int64_t>(op.getWindow());
  // A window reaching past either end of the sequence is clipped there
  // anyway, so reaches beyond len - 1 change nothing.
  int64_t before =
      std::min(w > 0 ? (causal ? w - 1 : (w - 1) / 2) : len, len - 1);
  int64_t after = std::min(causal ? 0 : (w > 0 ? w / 2 : len), len - 1);
  int64_t span = before + after + 1;
  auto index = [&](OpBuilder &nb, Location nl, int64_t v) {
    return arith::ConstantIndexOp::create(nb, nl, v).getResult();
  };
  auto maxf = [](OpBuilder &nb, Location nl, Value x, Value y) {
    return arith::MaximumFOp::create(nb, nl, x, y).getResult();
  };

  Value sums, forward, backward;
  if (isMax) {
    double negInf = -std::numeric_limits<double>::infinity();
    Value padded =
        linalg::FillOp::create(
            b, loc,
            arith::ConstantOp::create(b, loc, b.getFloatAttr(elt, negInf))
                .getResult(),
            tensor::EmptyOp::create(b, loc,
                                    {batch, heads, len + span - 1, chans}, elt)
                .getResult())
            .getResult(0);
    SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
    padded = tensor::InsertSliceOp::create(
        b, loc, x, padded,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0),
                               b.getIndexAttr(before), b.getIndexAttr(0)},
        tensor::getMixedSizes(b, loc, x), ones);
    // Restart where p % span is `at`: 0 going forward, span - 1 backward.
    auto restartAt = [&](int64_t at) {
      return [&, at](OpBuilder &nb, Location nl, Value prev, Value cur,
                     Value p) -> Value {
        Value phase = arith::RemUIOp::create(nb, nl, p, index(nb, nl, span));
        Value restart = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                              phase, index(nb, nl, at));
        return arith::SelectOp::create(nb, nl, restart, cur,
                                       maxf(nb, nl, prev, cur));
      };
    };
    forward = scanAlongL(b, loc, padded, elt, negInf, false, restartAt(0));
    backward =
        scanAlongL(b, loc, padded, elt, negInf, true, restartAt(span - 1));
  } else {
    sums = scanAlongL(
        b, loc, x, b.getF64Type(), 0.0, false,
        [](OpBuilder &nb, Location nl, Value prev, Value cur, Value) -> Value {
          return arith::AddFOp::create(nb, nl, prev, cur);
        });
  }

  AffineMap id4 = b.getMultiDimIdentityMap(4);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), elt);
  return buildGeneric(
      b, loc, x, init, {id4, id4},
      SmallVector<IteratorType>(4, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value bi = linalg::IndexOp::create(nb, nl, 0);
        Value hi = linalg::IndexOp::create(nb, nl, 1);
        Value i = linalg::IndexOp::create(nb, nl, 2);
        Value c = linalg::IndexOp::create(nb, nl, 3);
        auto at = [&](Value t, Value r) {
          return tensor::ExtractOp::create(nb, nl, t, ValueRange{bi, hi, r, c})
              .getResult();
        };
        Value y;
        Type acc = elt;
        if (isMax) {
          Value end = arith::AddIOp::create(nb, nl, i, index(nb, nl, span - 1));
          y = maxf(nb, nl, at(backward, i), at(forward, end));
        } else {
          acc = nb.getF64Type();
          Value lo = arith::MaxSIOp::create(
              nb, nl, index(nb, nl, 0),
              arith::SubIOp::create(nb, nl, i, index(nb, nl, before)));
          Value hiRow = arith::MinSIOp::create(
              nb, nl, index(nb, nl, len - 1),
              arith::AddIOp::create(nb, nl, i, index(nb, nl, after)));
          // P[lo - 1], or 0 for a window starting at row 0.
          Value below = at(
              sums, arith::MaxSIOp::create(
                        nb, nl, index(nb, nl, 0),
                        arith::SubIOp::create(nb, nl, lo, index(nb, nl, 1))));
          Value zero =
              arith::ConstantOp::create(nb, nl, nb.getFloatAttr(acc, 0.0));
          Value first = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                              lo, index(nb, nl, 0));
          below = arith::SelectOp::create(nb, nl, first, zero, below);
          Value count = arith::IndexCastOp::create(
              nb, nl, nb.getI64Type(),
              arith::AddIOp::create(nb, nl,
                                    arith::SubIOp::create(nb, nl, hiRow, lo),
                                    index(nb, nl, 1)));
          y = arith::DivFOp::create(
              nb, nl, arith::SubFOp::create(nb, nl, at(sums, hiRow), below),
              arith::SIToFPOp::create(nb, nl, acc, count));
        }
        if (op.getSubtractInput())
          y = arith::SubFOp::create(nb, nl, y, castFloat(nb, nl, args[0], acc));
        return castFloat(nb, nl, y, elt);
      });
}

/// Linear attention in the chunkwise-parallel form, for every update rule,
/// per (batch, query head). For a chunk of n tokens with state S0 (and
/// normaliser z0) carried in, G the in-chunk cumulative log decay (zero
/// without a gate) and Gn its last row:
///   A[t,s] = sum_d q[t,d] k[s,d] exp(G[t,d] - G[s,d])      (s <= t)
///   U      = V, or for the delta rules the solution of
///            u_t = b_t (v_t - (k_t e^{G_t})^T S0 - sum_{s<t} B[t,s] u_s)
///            with B as A but keys for queries and s < t
///   o      = scale * (A U + (Q e^G) S0) / (rowsum(A) + (Q e^G) z0 + eps)
///   S      = e^{Gn} S0 + (K e^{Gn - G})^T U,  z = e^{Gn} z0 + colsum(...)
/// Every exponent is a sum of gates over s < r <= t, so nothing overflows
/// for non-positive gates. The work is O(L n); without causality (linear
/// rule only) one S over all keys does.
class LinearChunkBuilder : MixerBuilder {
public:
  LinearChunkBuilder(OpBuilder &b, LinearAttentionOp op, int64_t chunk)
      : MixerBuilder(b, op), op(op), ctx(b.getContext()) {
    c = std::max<int64_t>(1, std::min(chunk, lq));
    scale = op.getScale() ? op.getScale()->convertToDouble()
                          : 1.0 / std::sqrt(static_cast<double>(d));
    i = getAffineDimExpr(0, ctx);
    j = getAffineDimExpr(1, ctx);
    id2 = AffineMap::get(2, 0, {i, j}, ctx);
    row = AffineMap::get(2, 0, {i}, ctx);
    col = AffineMap::get(2, 0, {j}, ctx);
  }

  /// The output, and the final state when the op has one.
  SmallVector<Value> build() {
    FeatureMap fm = op.getFeatureMap();
    fq = toAcc(op.getQuery(), fm);
    fk = toAcc(op.getKey(), fm);
    fv = toAcc(op.getValue(), std::nullopt);
    // Per-head gates and betas get a unit last dimension, so that one gate
    // width gw (1 or D) describes both gate layouts.
    if (Value g = op.getDecay()) {
      decay = toAcc(withUnitColumn(g), std::nullopt);
      gw = cast<RankedTensorType>(decay.getType()).getDimSize(3);
    }
    if (Value beta = op.getBeta())
      betas = toAcc(withUnitColumn(beta), std::nullopt);
    if (Value s0 = op.getInitialState())
      initial = toAcc(s0, std::nullopt);
    Value fin = op.getFinalState();
    Type finElt = fin ? getElementTypeOrSelf(fin.getType()) : Type();

    SmallVector<Value> outs = {
        tensor::EmptyOp::create(b, loc, {batch, hq, lq, dv}, elt)};
    if (fin)
      outs.push_back(
          tensor::EmptyOp::create(b, loc, {batch, hq, d, dv}, finElt));
    auto forall = scf::ForallOp::create(
        b, loc,
        ArrayRef<OpFoldResult>{b.getIndexAttr(batch), b.getIndexAttr(hq)}, outs,
        std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    bi = forall.getInductionVar(0);
    hi = forall.getInductionVar(1);
    kvHead =
        hq == hkv
            ? hi
            : arith::DivUIOp::create(b, loc, hi, index(hq / hkv)).getResult();
    Value s0 = initial ? slice(initial, kvHead, attr(0), attr(d))
                       : filled({attr(d), attr(dv)}, 0.0);
    auto [out, state] = op.getCausal() ? buildCausal(s0) : buildGlobal(s0);
    if (fin)
      state = convert(state, finElt);

    b.setInsertionPointToStart(forall.getTerminator().getBody());
    auto insert = [&](Value tile, Value into, int64_t rows, int64_t cols) {
      tensor::ParallelInsertSliceOp::create(
          b, loc, tile, into, ArrayRef<OpFoldResult>{bi, hi, attr(0), attr(0)},
          ArrayRef<OpFoldResult>{attr(1), attr(1), attr(rows), attr(cols)},
          SmallVector<OpFoldResult>(4, attr(1)));
    };
    insert(out, forall.getRegionIterArgs()[0], lq, dv);
    if (fin)
      insert(state, forall.getRegionIterArgs()[1], d, dv);
    b.setInsertionPointAfter(forall);

    SmallVector<Value> results = {forall.getResult(0)};
    if (fin) {
      // Every query head of a group computed its group's state; keep the
      // first of each group.
      Value states = forall.getResult(1);
      if (hq != hkv)
        states = tensor::ExtractSliceOp::create(
            b, loc, cast<RankedTensorType>(fin.getType()), states,
            ArrayRef<OpFoldResult>{attr(0), attr(0), attr(0), attr(0)},
            ArrayRef<OpFoldResult>{attr(batch), attr(hkv), attr(d), attr(dv)},
            ArrayRef<OpFoldResult>{attr(1), attr(hq / hkv), attr(1), attr(1)});
      results.push_back(states);
    }
    return results;
  }

private:
  LinearAttentionOp op;
  MLIRContext *ctx;
  int64_t c, gw = 0;
  double scale;
  AffineExpr i, j;
  AffineMap id2, row, col;
  Value fq, fk, fv, decay, betas, initial;
  Value bi, hi, kvHead;

  SmallVector<IteratorType> par(unsigned n) {
    return SmallVector<IteratorType>(n, IteratorType::parallel);
  }
  Value matmul(Value x, Value y, Value into) {
    return linalg::MatmulOp::create(b, loc, ValueRange{x, y}, ValueRange{into})
        .getResult(0);
  }
  Value transposed(Value x) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    Value init = tensor::EmptyOp::create(
        b, loc, ArrayRef<OpFoldResult>{sizes[1], sizes[0]}, acc);
    return linalg::TransposeOp::create(b, loc, x, init, ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  }
  /// Rows [r0, r0 + n) of x[bi, head] as a 2-D tile.
  Value slice(Value x, Value head, OpFoldResult r0, OpFoldResult n) {
    return sliceRows(b, loc, x, bi, head, r0, n);
  }

  /// x [B,H,L] as [B,H,L,1]; rank-4 tensors unchanged.
  Value withUnitColumn(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    if (type.getRank() == 4)
      return x;
    SmallVector<int64_t> shape(type.getShape());
    shape.push_back(1);
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), x,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  }

  /// x in the accumulator type, through the feature map if one is given.
  Value toAcc(Value x, std::optional<FeatureMap> fm) {
    auto type = cast<RankedTensorType>(x.getType());
    if (type.getElementType() == acc && (!fm || *fm == FeatureMap::identity))
      return x;
    AffineMap id = b.getMultiDimIdentityMap(type.getRank());
    Value init = tensor::EmptyOp::create(b, loc, type.getShape(), acc);
    return generic(x, init, {id, id}, par(type.getRank()),
                   [&](OpBuilder &nb, Location nl, ValueRange args) {
                     Value v = castFloat(nb, nl, args[0], acc);
                     return fm ? buildFeatureMap(nb, nl, *fm, v) : v;
                   });
  }

  /// A 2-D accumulator tile converted to element type `to`.
  Value convert(Value x, Type to) {
    if (to == acc)
      return x;
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    return generic(x, tensor::EmptyOp::create(b, loc, sizes, to), {id2, id2},
                   par(2), [&](OpBuilder &nb, Location nl, ValueRange args) {
                     return castFloat(nb, nl, args[0], to);
                   });
  }

  /// The gate column of element (r, x) of a [rows, gw] gate tensor.
  AffineExpr gateColumn(AffineExpr x) {
    return gw == 1 ? getAffineConstantExpr(0, ctx) : x;
  }

  /// x[r, x] * exp(g[r, .]) or, with `last`, x[r, x] * exp(last[.] - g[r, .])
  /// for a [rows, D] tile x and [rows, gw] gates g. With `rowsOfState`, x is
  /// the [D, Dv] state and only `last` (indexed by the row) applies.
  Value gated(Value x, Value g, Value last, bool rowsOfState = false) {
    SmallVector<Value> ins = {x};
    SmallVector<AffineMap> maps = {id2};
    if (g) {
      ins.push_back(g);
      maps.push_back(AffineMap::get(2, 0, {i, gateColumn(j)}, ctx));
    }
    if (last) {
      ins.push_back(last);
      maps.push_back(
          AffineMap::get(2, 0, {gateColumn(rowsOfState ? i : j)}, ctx));
    }
    maps.push_back(id2);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    return generic(
        ins, tensor::EmptyOp::create(b, loc, sizes, acc), maps, par(2),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value e = g ? args[1] : Value();
          if (last)
            e = g ? arith::SubFOp::create(nb, nl, args[2], e).getResult()
                  : args[1];
          Value f = math::ExpOp::create(nb, nl, e);
          return arith::MulFOp::create(nb, nl, args[0], f).getResult();
        });
  }

  /// The [n, n] matrix sum_d x[t,d] k[s,d] exp(G[t,d] - G[s,d]), zero unless
  /// s <= t (s < t when `strict`).
  Value decayedScores(Value x, Value keys, Value g, OpFoldResult n,
                      bool strict) {
    auto visible = [&](OpBuilder &nb, Location nl) {
      Value r = linalg::IndexOp::create(nb, nl, 0);
      Value s = linalg::IndexOp::create(nb, nl, 1);
      return arith::CmpIOp::create(nb, nl,
                                   strict ? arith::CmpIPredicate::slt
                                          : arith::CmpIPredicate::sle,
                                   s, r)
          .getResult();
    };
    if (gw > 1) {
      // One gate per key dimension: the exponent depends on d, so the
      // product is a masked reduction over (t, s, d).
      AffineExpr k = getAffineDimExpr(2, ctx);
      return generic(
          {x, keys, g, g}, filled({n, n}, 0.0),
          {AffineMap::get(3, 0, {i, k}, ctx), AffineMap::get(3, 0, {j, k}, ctx),
           AffineMap::get(3, 0, {i, k}, ctx), AffineMap::get(3, 0, {j, k}, ctx),
           AffineMap::get(3, 0, {i, j}, ctx)},
          {IteratorType::parallel, IteratorType::parallel,
           IteratorType::reduction},
          [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
            Value p = arith::MulFOp::create(nb, nl, args[0], args[1]);
            Value e = math::ExpOp::create(
                nb, nl, arith::SubFOp::create(nb, nl, args[2], args[3]));
            p = arith::MulFOp::create(nb, nl, p, e);
            p = arith::SelectOp::create(nb, nl, visible(nb, nl), p,
                                        cst(nb, nl, 0.0));
            return arith::AddFOp::create(nb, nl, args[4], p);
          });
    }
    Value scores = matmul(x, transposed(keys), filled({n, n}, 0.0));
    SmallVector<Value> ins = {scores};
    SmallVector<AffineMap> maps = {id2};
    if (g) {
      ins.append({g, g});
      maps.append(
          {AffineMap::get(2, 0, {i, getAffineConstantExpr(0, ctx)}, ctx),
           AffineMap::get(2, 0, {j, getAffineConstantExpr(0, ctx)}, ctx)});
    }
    maps.push_back(id2);
    return generic(
        ins, tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{n, n}, acc),
        maps, par(2),
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value p = args[0];
          if (g)
            p = arith::MulFOp::create(
                nb, nl, p,
                math::ExpOp::create(
                    nb, nl, arith::SubFOp::create(nb, nl, args[1], args[2])));
          return arith::SelectOp::create(nb, nl, visible(nb, nl), p,
                                         cst(nb, nl, 0.0));
        });
  }

  /// Inclusive prefix sums of the [n, gw] gates along the rows.
  Value cumulative(Value g, OpFoldResult n) {
    AffineExpr k = getAffineDimExpr(2, ctx);
    return generic(
        g, filled({n, attr(gw)}, 0.0),
        {AffineMap::get(3, 0, {k, j}, ctx), AffineMap::get(3, 0, {i, j}, ctx)},
        {IteratorType::parallel, IteratorType::parallel,
         IteratorType::reduction},
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value r = linalg::IndexOp::create(nb, nl, 0);
          Value s = linalg::IndexOp::create(nb, nl, 2);
          Value in =
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sle, s, r);
          Value x =
              arith::SelectOp::create(nb, nl, in, args[0], cst(nb, nl, 0.0));
          return arith::AddFOp::create(nb, nl, args[1], x);
        });
  }

  Value addf(Value x, Value y) {
    return generic(
        {x, y}, x, {id2, id2, id2}, par(2),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          return arith::AddFOp::create(nb, nl, args[0], args[1]).getResult();
        });
  }
  /// den[t] += sum_d q[t, d] z[d].
  Value readZ(Value queries, Value z, Value den) {
    return generic(
        {queries, z}, den, {id2, col, row},
        {IteratorType::parallel, IteratorType::reduction},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value p = arith::MulFOp::create(nb, nl, args[0], args[1]);
          return arith::AddFOp::create(nb, nl, args[2], p).getResult();
        });
  }
  /// z[d] + sum_x k[x, d].
  Value colSum(Value keys, Value z) {
    return generic(
        keys, z, {AffineMap::get(2, 0, {j, i}, ctx), row},
        {IteratorType::parallel, IteratorType::reduction},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          return arith::AddFOp::create(nb, nl, args[0], args[1]).getResult();
        });
  }
  /// den[t] = sum_s a[t, s].
  Value rowSum(Value a, OpFoldResult n) {
    return generic(
        a, filled({n}, 0.0), {id2, row},
        {IteratorType::parallel, IteratorType::reduction},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          return arith::AddFOp::create(nb, nl, args[0], args[1]).getResult();
        });
  }

  /// o = scale * num / (den + eps), narrowed to the output type.
  Value finish(Value num, Value den, OpFoldResult rows) {
    Value init = tensor::EmptyOp::create(
        b, loc, ArrayRef<OpFoldResult>{rows, attr(dv)}, elt);
    SmallVector<Value> ins = {num};
    SmallVector<AffineMap> maps = {id2};
    if (den) {
      ins.push_back(den);
      maps.push_back(row);
    }
    maps.push_back(id2);
    double eps = op.getEps().convertToDouble();
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
  }

  /// Non-causal: S = S0 + K^T V read by every query.
  std::pair<Value, Value> buildGlobal(Value s0) {
    Value keys = slice(fk, kvHead, attr(0), attr(lk));
    Value vals = slice(fv, kvHead, attr(0), attr(lk));
    Value queries = slice(fq, hi, attr(0), attr(lq));
    Value state = matmul(transposed(keys), vals, s0);
    Value num = matmul(queries, state, filled({attr(lq), attr(dv)}, 0.0));
    Value den;
    if (op.getNormalize())
      den = readZ(queries, colSum(keys, filled({attr(d)}, 0.0)),
                  filled({attr(lq)}, 0.0));
    return {finish(num, den, attr(lq)), state};
  }

  /// The delta rules' written values: forward substitution down the chunk,
  /// u_t = rhs_t - beta_t sum_{s<t} B[t, s] u_s, row by row.
  Value solveWritten(Value rhs, Value strictScores, Value beta, Value n) {
    auto loop = scf::ForOp::create(
        b, loc, index(0), n, index(1), ValueRange{rhs},
        [&](OpBuilder &, Location, Value t, ValueRange carried) {
          Value u = carried[0];
          auto rowOf = [&](Value x, OpFoldResult cols) {
            return tensor::ExtractSliceOp::create(
                       b, loc, x, ArrayRef<OpFoldResult>{t, attr(0)},
                       ArrayRef<OpFoldResult>{attr(1), cols},
                       ArrayRef<OpFoldResult>{attr(1), attr(1)})
                .getResult();
          };
          Value recalled = matmul(rowOf(strictScores, n), u,
                                  filled({attr(1), attr(dv)}, 0.0));
          Value betaT = rowOf(beta, attr(1));
          Value next = generic(
              {rowOf(u, attr(dv)), recalled, betaT}, recalled,
              {id2, id2,
               AffineMap::get(2, 0, {i, getAffineConstantExpr(0, ctx)}, ctx),
               id2},
              par(2), [&](OpBuilder &nb, Location nl, ValueRange args) {
                Value p = arith::MulFOp::create(nb, nl, args[2], args[1]);
                return arith::SubFOp::create(nb, nl, args[0], p).getResult();
              });
          Value stored = tensor::InsertSliceOp::create(
              b, loc, next, u, ArrayRef<OpFoldResult>{t, attr(0)},
              ArrayRef<OpFoldResult>{attr(1), attr(dv)},
              ArrayRef<OpFoldResult>{attr(1), attr(1)});
          scf::YieldOp::create(b, loc, stored);
        });
    return loop.getResult(0);
  }

  std::pair<Value, Value> buildCausal(Value s0) {
    bool normalize = op.getNormalize();
    SmallVector<Value> init = {s0,
                               tensor::EmptyOp::create(b, loc, {lq, dv}, elt)};
    if (normalize)
      init.push_back(filled({attr(d)}, 0.0));
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(lq), index(c), init,
        [&](OpBuilder &, Location, Value c0, ValueRange carried) {
          Value n = arith::MinSIOp::create(
              b, loc, index(c), arith::SubIOp::create(b, loc, index(lq), c0));
          Value queries = slice(fq, hi, c0, n);
          Value keys = slice(fk, kvHead, c0, n);
          Value vals = slice(fv, kvHead, c0, n);
          Value state = carried[0], z = normalize ? carried[2] : Value();
          // G and its last row Gn; queries and keys read through the gates.
          Value g, last, gatedQueries = queries, gatedKeys = keys;
          if (decay) {
            g = cumulative(slice(decay, kvHead, c0, n), n);
            Value lastRow = arith::SubIOp::create(b, loc, n, index(1));
            last = tensor::ExtractSliceOp::create(
                b, loc, RankedTensorType::get({gw}, acc), g,
                ArrayRef<OpFoldResult>{lastRow, attr(0)},
                ArrayRef<OpFoldResult>{attr(1), attr(gw)},
                ArrayRef<OpFoldResult>{attr(1), attr(1)});
            gatedQueries = gated(queries, g, Value());
            gatedKeys = gated(keys, g, last);
          }
          Value scores = decayedScores(queries, keys, g, n, /*strict=*/false);
          Value written = vals;
          if (betas) {
            Value beta = slice(betas, kvHead, c0, n);
            Value keysIn = decay ? gated(keys, g, Value()) : keys;
            Value recalled = matmul(keysIn, state, filled({n, attr(dv)}, 0.0));
            Value rhs = generic(
                {vals, recalled, beta}, recalled,
                {id2, id2,
                 AffineMap::get(2, 0, {i, getAffineConstantExpr(0, ctx)}, ctx),
                 id2},
                par(2), [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value diff = arith::SubFOp::create(nb, nl, args[0], args[1]);
                  return arith::MulFOp::create(nb, nl, args[2], diff)
                      .getResult();
                });
            written = solveWritten(
                rhs, decayedScores(keys, keys, g, n, /*strict=*/true), beta, n);
          }
          Value num = matmul(scores, written, filled({n, attr(dv)}, 0.0));
          num = matmul(gatedQueries, state, num);
          Value den;
          if (normalize)
            den = readZ(gatedQueries, z, rowSum(scores, n));
          Value chunkOut = finish(num, den, n);
          Value stored = tensor::InsertSliceOp::create(
              b, loc, chunkOut, carried[1], ArrayRef<OpFoldResult>{c0, attr(0)},
              ArrayRef<OpFoldResult>{n, attr(dv)},
              ArrayRef<OpFoldResult>{attr(1), attr(1)});
          if (decay)
            state = gated(state, Value(), last, /*rowsOfState=*/true);
          SmallVector<Value> next = {
              matmul(transposed(gatedKeys), written, state), stored};
          if (normalize) {
            if (decay) {
              // z is a [D] vector: gate it as a one-column state.
              Value col = tensor::ExpandShapeOp::create(
                  b, loc, RankedTensorType::get({d, 1}, acc), z,
                  ArrayRef<ReassociationIndices>{{0, 1}});
              col = gated(col, Value(), last, /*rowsOfState=*/true);
              z = tensor::CollapseShapeOp::create(
                  b, loc, col, ArrayRef<ReassociationIndices>{{0, 1}});
            }
            next.push_back(colSum(gatedKeys, z));
          }
          scf::YieldOp::create(b, loc, next);
        });
    return {loop.getResult(1), loop.getResult(0)};
  }
};

bool isStatic(ValueRange values) {
  return llvm::all_of(values, [](Value v) {
    return !v || cast<RankedTensorType>(v.getType()).hasStaticShape();
  });
}

/// Softmax and sigmoid attention: the online nest (static shapes only).
FailureOr<SmallVector<Value>> tileQuadratic(OpBuilder &b, MixerOpInterface op,
                                            const MixerTiling &tiling) {
  if (!isStatic(
          {op.getQueries(), op.getKeys(), op.getValues(), op.getMaskOperand()}))
    return failure();
  return SmallVector<Value>{
      NestBuilder(b, op, tiling.tileQ, tiling.tileK).build()};
}
} // namespace

FailureOr<SmallVector<Value>>
AttentionOp::buildTiledForm(OpBuilder &b, const MixerTiling &tiling) {
  return tileQuadratic(b, *this, tiling);
}

FailureOr<SmallVector<Value>>
SigmoidAttentionOp::buildTiledForm(OpBuilder &b, const MixerTiling &tiling) {
  return tileQuadratic(b, *this, tiling);
}

FailureOr<SmallVector<Value>>
LinearAttentionOp::buildTiledForm(OpBuilder &b, const MixerTiling &tiling) {
  if (!isStatic({getQuery(), getKey(), getValue(), getDecay(), getBeta(),
                 getInitialState()}))
    return failure();
  return LinearChunkBuilder(b, *this, tiling.chunk).build();
}

FailureOr<SmallVector<Value>>
PoolMixerOp::buildTiledForm(OpBuilder &b, const MixerTiling &tiling) {
  if (!getType().hasStaticShape())
    return failure();
  return SmallVector<Value>{buildPool(b, getLoc(), *this)};
}
