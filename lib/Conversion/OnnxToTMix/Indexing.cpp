//===- Indexing.cpp - ONNX ops driven by positions and indices -*- C++ -*-===//
//
// CumSum/CumProd, Hardmax, OneHot, EyeLike, TopK, the Scatter family and
// DepthToSpace/SpaceToDepth. Element positions come from `linalg.index` (or
// loop induction variables for scatters, whose writes depend on data).
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tmix::onnx_to_tmix;

namespace {

using IP = arith::CmpIPredicate;
using FP = arith::CmpFPredicate;

Value indexConst(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}

/// A scalar of type `t` (signless) holding `v`.
Value scalarOf(OpBuilder &b, Location l, Type t, double v) {
  if (isa<FloatType>(t))
    return fconst(b, l, t, v);
  return arith::ConstantOp::create(
      b, l, b.getIntegerAttr(t, static_cast<int64_t>(v)));
}

/// CumSum/CumProd: out[i] combines x[j] over j <= i along the axis (j < i
/// when exclusive; reversed with `reverse`), as one generic with the axis
/// repeated as a reduction dim.
Rule cumulative(bool product) {
  return [=](Node &n) -> Results {
    auto t = n.type(0);
    FailureOr<int64_t> axisVal = n.constantInt(1, "axis");
    if (failed(axisVal))
      return failure();
    int64_t rank = t.getRank();
    FailureOr<int64_t> axis = n.axis(*axisVal, rank);
    if (failed(axis))
      return failure();
    bool exclusive = n.getInt("exclusive", 0), reverse = n.getInt("reverse", 0);
    Type origElt = t.getElementType(), elt = signless(origElt);
    if (elt.isInteger(1)) {
      n.emitError() << "expects a numeric input";
      return failure();
    }
    bool isFloat = isa<FloatType>(elt);
    Type acc = isFloat ? accumulatorFor(elt) : elt;
    Value x = bitcastElements(n, n.input(0), elt);
    MLIRContext *ctx = n.b.getContext();
    SmallVector<AffineExpr> inExprs, outExprs;
    for (int64_t i = 0; i < rank; ++i) {
      inExprs.push_back(getAffineDimExpr(i == *axis ? rank : i, ctx));
      outExprs.push_back(getAffineDimExpr(i, ctx));
    }
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value init =
        linalg::FillOp::create(
            n.b, n.loc, scalarOf(n.b, n.loc, acc, product ? 1 : 0),
            tensor::EmptyOp::create(n.b, n.loc, t.getShape(), acc).getResult())
            .getResult(0);
    Value r =
        linalg::GenericOp::create(
            n.b, n.loc, init.getType(), x, init,
            {AffineMap::get(rank + 1, 0, inExprs, ctx),
             AffineMap::get(rank + 1, 0, outExprs, ctx)},
            iters,
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value i = linalg::IndexOp::create(b, l, *axis);
              Value j = linalg::IndexOp::create(b, l, rank);
              IP p = reverse ? (exclusive ? IP::ugt : IP::uge)
                             : (exclusive ? IP::ult : IP::ule);
              Value take = b.createOrFold<arith::CmpIOp>(l, p, j, i);
              Value v = convertScalar(b, l, a[0], acc);
              Value c =
                  product
                      ? (isFloat ? b.createOrFold<arith::MulFOp>(l, a[1], v)
                                 : b.createOrFold<arith::MulIOp>(l, a[1], v))
                      : (isFloat ? b.createOrFold<arith::AddFOp>(l, a[1], v)
                                 : b.createOrFold<arith::AddIOp>(l, a[1], v));
              linalg::YieldOp::create(
                  b, l, b.createOrFold<arith::SelectOp>(l, take, c, a[1]));
            })
            .getResult(0);
    FailureOr<Value> out = convertTensor(n, r, elt);
    if (failed(out))
      return failure();
    return one(bitcastElements(n, *out, origElt));
  };
}

/// 1 at the first largest element along the axis, 0 elsewhere.
Results hardmax(Node &n) {
  auto t = n.type(0);
  if (!isa<FloatType>(t.getElementType())) {
    n.emitError() << "expects a float input, got " << t;
    return failure();
  }
  int64_t rank = t.getRank();
  FailureOr<int64_t> axis =
      n.axis(n.getInt("axis", n.opset >= 13 ? -1 : 1), rank);
  if (failed(axis))
    return failure();
  Value x = n.input(0);
  int64_t dim = *axis;
  if (n.opset < 13) {
    // Older opsets coerce the input to 2-D at the axis.
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < rank; ++i)
      (i < *axis ? outer : inner) *= t.getDimSize(i);
    x = reshape(n, x, {outer, inner});
    dim = 1;
  }
  FailureOr<Value> idx = argIndex(n, x, dim, /*isMax=*/true, /*last=*/false);
  if (failed(idx))
    return failure();
  auto xt = cast<RankedTensorType>(x.getType());
  Type elt = t.getElementType();
  SmallVector<AffineExpr> idxExprs;
  for (int64_t i = 0; i < xt.getRank(); ++i)
    idxExprs.push_back(i == dim ? n.b.getAffineConstantExpr(0)
                                : n.b.getAffineDimExpr(i));
  Value y = generic(
      n, xt.getShape(), elt, *idx,
      AffineMap::get(xt.getRank(), 0, idxExprs, n.b.getContext()),
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange a) {
        Value here = arith::IndexCastOp::create(b, l, b.getI64Type(), ivs[dim]);
        Value hit = b.createOrFold<arith::CmpIOp>(l, IP::eq, here, a[0]);
        return b.createOrFold<arith::SelectOp>(l, hit, fconst(b, l, elt, 1),
                                               fconst(b, l, elt, 0));
      });
  return one(reshape(n, y, t.getShape()));
}

/// out[..., d, ...] = values[1] where the index (negative: from the end)
/// equals d, values[0] elsewhere; `depth` is a constant.
Results oneHot(Node &n) {
  auto it = n.type(0);
  DenseElementsAttr depthAttr = n.constant(1);
  if (!depthAttr || depthAttr.getNumElements() != 1) {
    n.emitError() << "depth must be a constant scalar";
    return failure();
  }
  Type dt = depthAttr.getElementType();
  int64_t depth =
      isa<FloatType>(dt)
          ? static_cast<int64_t>(
                (*depthAttr.getValues<APFloat>().begin()).convertToDouble())
      : isUnsigned(dt) ? (*depthAttr.getValues<APInt>().begin()).getZExtValue()
                       : (*depthAttr.getValues<APInt>().begin()).getSExtValue();
  if (depth <= 0) {
    n.emitError() << "depth must be positive, got " << depth;
    return failure();
  }
  auto vt = n.type(2);
  if (vt.getNumElements() != 2) {
    n.emitError() << "values must hold [off, on], got " << vt;
    return failure();
  }
  int64_t rank = it.getRank() + 1;
  FailureOr<int64_t> axis = n.axis(n.getInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(it.getShape());
  shape.insert(shape.begin() + *axis, depth);
  Type ielt = it.getElementType();
  bool idxFloat = isa<FloatType>(ielt), idxUns = isUnsigned(ielt);
  Value indices = bitcastElements(n, n.input(0), signless(ielt));
  Type velt = vt.getElementType();
  Value values =
      bitcastElements(n, reshape(n, n.input(2), {2}), signless(velt));
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i)
    if (i != *axis)
      exprs.push_back(n.b.getAffineDimExpr(i));
  Value y =
      generic(n, shape, signless(velt), indices,
              AffineMap::get(rank, 0, exprs, n.b.getContext()),
              [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange a) {
                Type i64 = b.getI64Type();
                Value v = convertScalar(b, l, a[0], i64, idxUns);
                if (idxFloat)
                  v = b.createOrFold<arith::FPToSIOp>(l, i64, a[0]);
                Value d =
                    arith::ConstantOp::create(b, l, b.getI64IntegerAttr(depth));
                Value neg = b.createOrFold<arith::CmpIOp>(
                    l, IP::slt, v,
                    arith::ConstantOp::create(b, l, b.getI64IntegerAttr(0)));
                v = b.createOrFold<arith::SelectOp>(
                    l, neg, b.createOrFold<arith::AddIOp>(l, v, d), v);
                Value here = arith::IndexCastOp::create(b, l, i64, ivs[*axis]);
                Value hit = b.createOrFold<arith::CmpIOp>(l, IP::eq, v, here);
                Value on = b.createOrFold<tensor::ExtractOp>(
                    l, values, ValueRange{indexConst(b, l, 1)});
                Value off = b.createOrFold<tensor::ExtractOp>(
                    l, values, ValueRange{indexConst(b, l, 0)});
                return b.createOrFold<arith::SelectOp>(l, hit, on, off);
              });
  return one(bitcastElements(n, y, velt));
}

/// EyeLike's `dtype`, or the input's element type.
Type eyeLikeType(Node &n, Type dflt) {
  Attribute dtype = n.attr("dtype");
  if (!dtype)
    return dflt;
  Type t = onnxElementType(n.b, n.getInt("dtype", 0));
  if (!t)
    n.emitError() << "attribute 'dtype' = " << n.getInt("dtype", 0)
                  << " names an unsupported element type";
  return t;
}

/// 1 on the k-th diagonal of a 2-D shape, 0 elsewhere.
Results eyeLike(Node &n) {
  auto t = n.type(0);
  if (t.getRank() != 2) {
    n.emitError() << "expects a 2-D input, got " << t;
    return failure();
  }
  Type elt = eyeLikeType(n, t.getElementType());
  if (!elt)
    return failure();
  int64_t k = n.getInt("k", 0);
  Value y =
      generic(n, t.getShape(), signless(elt), {}, {},
              [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
                Value diff = b.createOrFold<arith::SubIOp>(l, ivs[1], ivs[0]);
                Value hit = b.createOrFold<arith::CmpIOp>(l, IP::eq, diff,
                                                          indexConst(b, l, k));
                Type s = signless(elt);
                return b.createOrFold<arith::SelectOp>(
                    l, hit, scalarOf(b, l, s, 1), scalarOf(b, l, s, 0));
              });
  return one(bitcastElements(n, y, elt));
}

/// TopK along one axis: K rounds of one reduction each over [rows, n],
/// round p picking the best element ordered after round p-1's (value, then
/// lower index first), so ties keep ascending indices. O(n K) per row.
Results topK(Node &n) {
  auto t = n.type(0);
  FailureOr<int64_t> kVal = n.constantInt(1, "K");
  if (failed(kVal))
    return failure();
  int64_t rank = t.getRank();
  FailureOr<int64_t> axis = n.axis(n.getInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  int64_t k = *kVal, len = t.getDimSize(*axis);
  if (k < 0 || k > len) {
    n.emitError() << "K = " << k << " is out of range [0, " << len << "]";
    return failure();
  }
  bool largest = n.getInt("largest", 1);
  Type origElt = t.getElementType(), elt = signless(origElt);
  if (elt.isInteger(1)) {
    n.emitError() << "expects a numeric input";
    return failure();
  }
  bool isFloat = isa<FloatType>(elt), uns = isUnsigned(origElt);
  // Move the axis last and flatten the rest: [rows, len].
  SmallVector<int64_t> perm, moved;
  for (int64_t i = 0; i < rank; ++i)
    if (i != *axis)
      perm.push_back(i);
  perm.push_back(*axis);
  int64_t rows = 1;
  for (int64_t i : ArrayRef(perm).drop_back()) {
    rows *= t.getDimSize(i);
    moved.push_back(t.getDimSize(i));
  }
  Value x = bitcastElements(n, n.input(0), elt);
  x = reshape(n, transpose(n, x, perm), {rows, len});
  OpBuilder &b = n.b;
  Location loc = n.loc;
  Type i64 = b.getI64Type();
  auto filled = [&](ArrayRef<int64_t> shape, Type ty, Value v) {
    return linalg::FillOp::create(
               b, loc, v,
               tensor::EmptyOp::create(b, loc, shape, ty).getResult())
        .getResult(0);
  };
  Value minusOne = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(-1));
  Value zeroV = scalarOf(b, loc, elt, 0);
  Value vals = filled({rows, k}, elt, zeroV);
  Value idxs = filled({rows, k}, i64, minusOne);
  Value lastV = filled({rows}, elt, zeroV);
  Value lastI = filled({rows}, i64, minusOne);
  MLIRContext *ctx = b.getContext();
  auto d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  AffineMap full = AffineMap::get(2, 0, {d0, d1}, ctx),
            row = AffineMap::get(2, 0, {d0}, ctx);
  // a before b in the output order.
  auto before = [&](OpBuilder &nb, Location l, Value av, Value ai, Value bv,
                    Value bi) -> Value {
    Value strictly, equal;
    if (isFloat) {
      strictly = nb.createOrFold<arith::CmpFOp>(l, largest ? FP::OGT : FP::OLT,
                                                av, bv);
      equal = nb.createOrFold<arith::CmpFOp>(l, FP::OEQ, av, bv);
    } else {
      strictly = nb.createOrFold<arith::CmpIOp>(
          l, largest ? (uns ? IP::ugt : IP::sgt) : (uns ? IP::ult : IP::slt),
          av, bv);
      equal = nb.createOrFold<arith::CmpIOp>(l, IP::eq, av, bv);
    }
    Value lowerIdx = nb.createOrFold<arith::CmpIOp>(l, IP::slt, ai, bi);
    return nb.createOrFold<arith::OrIOp>(
        l, strictly, nb.createOrFold<arith::AndIOp>(l, equal, lowerIdx));
  };
  auto loop = scf::ForOp::create(
      b, loc, indexConst(b, loc, 0), indexConst(b, loc, k),
      indexConst(b, loc, 1), ValueRange{vals, idxs, lastV, lastI},
      [&](OpBuilder &lb, Location l, Value p, ValueRange iter) {
        Value bestV = filled({rows}, elt, zeroV);
        Value bestI = filled({rows}, i64, minusOne);
        auto g = linalg::GenericOp::create(
            lb, l, TypeRange{bestV.getType(), bestI.getType()},
            ValueRange{x, iter[2], iter[3]}, ValueRange{bestV, bestI},
            {full, row, row, row, row},
            {utils::IteratorType::parallel, utils::IteratorType::reduction},
            [&](OpBuilder &gb, Location gl, ValueRange a) {
              Value v = a[0], pv = a[1], pi = a[2], bv = a[3], bi = a[4];
              Value i = arith::IndexCastOp::create(
                  gb, gl, i64, linalg::IndexOp::create(gb, gl, 1));
              Value zero =
                  arith::ConstantOp::create(gb, gl, gb.getI64IntegerAttr(0));
              Value noPrev =
                  gb.createOrFold<arith::CmpIOp>(gl, IP::slt, pi, zero);
              Value noBest =
                  gb.createOrFold<arith::CmpIOp>(gl, IP::slt, bi, zero);
              Value eligible = gb.createOrFold<arith::OrIOp>(
                  gl, noPrev, before(gb, gl, pv, pi, v, i));
              Value better = gb.createOrFold<arith::OrIOp>(
                  gl, noBest, before(gb, gl, v, i, bv, bi));
              Value take = gb.createOrFold<arith::AndIOp>(gl, eligible, better);
              linalg::YieldOp::create(
                  gb, gl,
                  ValueRange{
                      gb.createOrFold<arith::SelectOp>(gl, take, v, bv),
                      gb.createOrFold<arith::SelectOp>(gl, take, i, bi)});
            });
        SmallVector<OpFoldResult> offsets = {lb.getIndexAttr(0), p},
                                  sizes = {lb.getIndexAttr(rows),
                                           lb.getIndexAttr(1)},
                                  strides = {lb.getIndexAttr(1),
                                             lb.getIndexAttr(1)};
        auto column = [&](Value src, Value dst) {
          auto colType = RankedTensorType::get(
              {rows, 1},
              cast<RankedTensorType>(src.getType()).getElementType());
          Value col = tensor::ExpandShapeOp::create(
              lb, l, colType, src, SmallVector<ReassociationIndices>{{0, 1}});
          return tensor::InsertSliceOp::create(lb, l, col, dst, offsets, sizes,
                                               strides)
              .getResult();
        };
        scf::YieldOp::create(lb, l,
                             ValueRange{column(g.getResult(0), iter[0]),
                                        column(g.getResult(1), iter[1]),
                                        g.getResult(0), g.getResult(1)});
      });
  // Back to the input's layout with the axis of length K.
  SmallVector<int64_t> outMoved(moved);
  outMoved.push_back(k);
  SmallVector<int64_t> inverse(rank);
  for (int64_t i = 0; i < rank; ++i)
    inverse[perm[i]] = i;
  auto back = [&](Value v) {
    return transpose(n, reshape(n, v, outMoved), inverse);
  };
  return SmallVector<Value>{
      bitcastElements(n, back(loop.getResult(0)), origElt),
      back(loop.getResult(1))};
}

/// Scatter reductions ('none' replaces).
Value combineScatter(OpBuilder &b, Location l, StringRef reduction, Value old,
                     Value upd, bool uns) {
  bool isFloat = isa<FloatType>(old.getType());
  if (reduction == "add")
    return isFloat ? b.createOrFold<arith::AddFOp>(l, old, upd)
                   : b.createOrFold<arith::AddIOp>(l, old, upd);
  if (reduction == "mul")
    return isFloat ? b.createOrFold<arith::MulFOp>(l, old, upd)
                   : b.createOrFold<arith::MulIOp>(l, old, upd);
  if (reduction == "max")
    return isFloat ? b.createOrFold<arith::MaximumFOp>(l, old, upd)
           : uns   ? b.createOrFold<arith::MaxUIOp>(l, old, upd)
                   : b.createOrFold<arith::MaxSIOp>(l, old, upd);
  if (reduction == "min")
    return isFloat ? b.createOrFold<arith::MinimumFOp>(l, old, upd)
           : uns   ? b.createOrFold<arith::MinUIOp>(l, old, upd)
                   : b.createOrFold<arith::MinSIOp>(l, old, upd);
  return upd;
}

/// The scatters' reduction attribute, once their indices are checked to be
/// integers.
FailureOr<std::string> scatterReduction(Node &n) {
  if (failed(integerIndices(n, 1)))
    return failure();
  std::string r = n.getString("reduction", "none");
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min") {
    n.emitError() << "attribute 'reduction' must be none, add, mul, max or "
                     "min, got '"
                  << r << "'";
    return failure();
  }
  return r;
}

/// The coordinates of flat position `flat` in a row-major `shape`.
SmallVector<Value> delinearize(OpBuilder &b, Location l, Value flat,
                               ArrayRef<int64_t> shape) {
  SmallVector<Value> coords(shape.size());
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    Value size = indexConst(b, l, shape[i]);
    coords[i] = b.createOrFold<arith::RemUIOp>(l, flat, size);
    flat = b.createOrFold<arith::DivUIOp>(l, flat, size);
  }
  return coords;
}

/// ScatterElements (and the older Scatter): a loop over the indices, in
/// order, each writing (or combining) one element of a copy of data.
Results scatterElements(Node &n) {
  FailureOr<std::string> reduction = scatterReduction(n);
  if (failed(reduction))
    return failure();
  auto dt = n.type(0), it = n.type(1), ut = n.type(2);
  int64_t rank = dt.getRank();
  FailureOr<int64_t> axis = n.axis(n.getInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  if (it.getShape() != ut.getShape() || it.getRank() != rank) {
    n.emitError() << "indices " << it << " and updates " << ut
                  << " must have one shape of the data's rank " << rank;
    return failure();
  }
  if (failed(checkIndices(n, n.input(1), {dt.getDimSize(*axis)})))
    return failure();
  Type origElt = dt.getElementType(), elt = signless(origElt);
  bool uns = isUnsigned(origElt);
  Value data = bitcastElements(n, n.input(0), elt),
        updates = bitcastElements(n, n.input(2), elt), indices = n.input(1);
  OpBuilder &b = n.b;
  Location loc = n.loc;
  auto loop = scf::ForOp::create(
      b, loc, indexConst(b, loc, 0), indexConst(b, loc, it.getNumElements()),
      indexConst(b, loc, 1), ValueRange{data},
      [&](OpBuilder &lb, Location l, Value flat, ValueRange iter) {
        SmallVector<Value> at = delinearize(lb, l, flat, it.getShape());
        Value idx = lb.createOrFold<tensor::ExtractOp>(l, indices, at);
        Value upd = lb.createOrFold<tensor::ExtractOp>(l, updates, at);
        SmallVector<Value> dst(at);
        dst[*axis] = toIndex(lb, l, idx, dt.getDimSize(*axis));
        Value old = lb.createOrFold<tensor::ExtractOp>(l, iter[0], dst);
        Value v = combineScatter(lb, l, *reduction, old, upd, uns);
        scf::YieldOp::create(
            lb, l,
            tensor::InsertOp::create(lb, l, v, iter[0], dst).getResult());
      });
  return one(bitcastElements(n, loop.getResult(0), origElt));
}

/// ScatterND: each index tuple (the last dim of indices) addresses a slice
/// of data that the matching slice of updates writes or combines into.
Results scatterND(Node &n) {
  FailureOr<std::string> reduction = scatterReduction(n);
  if (failed(reduction))
    return failure();
  auto dt = n.type(0), it = n.type(1), ut = n.type(2);
  if (it.getRank() < 1) {
    n.emitError() << "indices must have rank >= 1";
    return failure();
  }
  int64_t tuple = it.getShape().back();
  if (tuple > dt.getRank()) {
    n.emitError() << "index tuples of " << tuple << " entries address a rank-"
                  << dt.getRank() << " input";
    return failure();
  }
  SmallVector<int64_t> expect(it.getShape().drop_back());
  llvm::append_range(expect, dt.getShape().drop_front(tuple));
  if (ut.getShape() != ArrayRef(expect)) {
    n.emitError() << "updates " << ut << " do not fit indices " << it
                  << " and data " << dt;
    return failure();
  }
  if (failed(checkIndices(n, n.input(1), dt.getShape().take_front(tuple))))
    return failure();
  Type origElt = dt.getElementType(), elt = signless(origElt);
  bool uns = isUnsigned(origElt);
  Value data = bitcastElements(n, n.input(0), elt),
        updates = bitcastElements(n, n.input(2), elt), indices = n.input(1);
  SmallVector<int64_t> lead(it.getShape().drop_back());
  SmallVector<int64_t> rest(dt.getShape().drop_front(tuple));
  int64_t numTuples = 1, sliceSize = 1;
  for (int64_t d : lead)
    numTuples *= d;
  for (int64_t d : rest)
    sliceSize *= d;
  OpBuilder &b = n.b;
  Location loc = n.loc;
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  auto outer = scf::ForOp::create(
      b, loc, c0, indexConst(b, loc, numTuples), c1, ValueRange{data},
      [&](OpBuilder &ob, Location l, Value q, ValueRange oIter) {
        SmallVector<Value> qAt = delinearize(ob, l, q, lead);
        SmallVector<Value> target;
        for (int64_t e = 0; e < tuple; ++e) {
          SmallVector<Value> at(qAt);
          at.push_back(indexConst(ob, l, e));
          target.push_back(
              toIndex(ob, l, ob.createOrFold<tensor::ExtractOp>(l, indices, at),
                      dt.getDimSize(e)));
        }
        auto inner = scf::ForOp::create(
            ob, l, c0, indexConst(ob, l, sliceSize), c1, oIter,
            [&](OpBuilder &ib, Location il, Value r, ValueRange iIter) {
              SmallVector<Value> rAt = delinearize(ib, il, r, rest);
              SmallVector<Value> dst(target), src(qAt);
              dst.append(rAt);
              src.append(rAt);
              Value upd = ib.createOrFold<tensor::ExtractOp>(il, updates, src);
              Value old = ib.createOrFold<tensor::ExtractOp>(il, iIter[0], dst);
              Value v = combineScatter(ib, il, *reduction, old, upd, uns);
              scf::YieldOp::create(
                  ib, il,
                  tensor::InsertOp::create(ib, il, v, iIter[0], dst)
                      .getResult());
            });
        scf::YieldOp::create(ob, l, inner.getResult(0));
      });
  return one(bitcastElements(n, outer.getResult(0), origElt));
}

/// DepthToSpace (DCR or CRD) and SpaceToDepth: one reshape, transpose,
/// reshape each.
Rule spaceDepth(bool toSpace) {
  return [=](Node &n) -> Results {
    auto t = n.type(0);
    int64_t bs = n.getInt("blocksize", 0);
    if (t.getRank() != 4 || bs <= 0) {
      n.emitError() << "expects a 4-D input and a positive blocksize, got " << t
                    << " and " << bs;
      return failure();
    }
    int64_t N = t.getDimSize(0), C = t.getDimSize(1), H = t.getDimSize(2),
            W = t.getDimSize(3);
    Value x = n.input(0);
    if (toSpace) {
      std::string mode = n.getString("mode", "DCR");
      if ((mode != "DCR" && mode != "CRD") || C % (bs * bs)) {
        n.emitError() << "mode must be DCR or CRD and the " << C
                      << " channels a multiple of blocksize^2";
        return failure();
      }
      int64_t c = C / (bs * bs);
      Value y = mode == "DCR"
                    ? transpose(n, reshape(n, x, {N, bs, bs, c, H, W}),
                                {0, 3, 4, 1, 5, 2})
                    : transpose(n, reshape(n, x, {N, c, bs, bs, H, W}),
                                {0, 1, 4, 2, 5, 3});
      return one(reshape(n, y, {N, c, H * bs, W * bs}));
    }
    if (H % bs || W % bs) {
      n.emitError() << "spatial sizes " << H << "x" << W
                    << " are not multiples of blocksize " << bs;
      return failure();
    }
    Value y = transpose(n, reshape(n, x, {N, C, H / bs, bs, W / bs, bs}),
                        {0, 3, 5, 1, 2, 4});
    return one(reshape(n, y, {N, C * bs * bs, H / bs, W / bs}));
  };
}

/// CenterCropPad: each listed axis cropped or zero-padded to its target
/// size around the centre (the odd element goes to the end).
Results centerCropPad(Node &n) {
  auto t = n.type(0);
  auto target = n.constantInts(1, "shape");
  if (failed(target))
    return failure();
  int64_t rank = t.getRank();
  FailureOr<SmallVector<int64_t>> axesOr = n.axesAttr(rank);
  if (failed(axesOr))
    return failure();
  SmallVector<int64_t> &axes = *axesOr;
  if (target->size() != axes.size()) {
    n.emitError() << "shape has " << target->size() << " entries for "
                  << axes.size() << " axes";
    return failure();
  }
  SmallVector<int64_t> offsets(rank, 0), sizes(t.getShape()), low(rank, 0),
      high(rank, 0);
  for (auto [a, want] : llvm::zip(axes, *target)) {
    int64_t dim = t.getDimSize(a);
    if (want < 0) {
      n.emitError() << "shape entries must be non-negative, got " << want;
      return failure();
    }
    if (want < dim) {
      offsets[a] = (dim - want) / 2;
      sizes[a] = want;
    } else {
      low[a] = (want - dim) / 2;
      high[a] = want - dim - low[a];
    }
  }
  SmallVector<int64_t> strides(rank, 1);
  Value x = tensor::ExtractSliceOp::create(
      n.b, n.loc, RankedTensorType::get(sizes, t.getElementType()), n.input(0),
      ValueRange{}, ValueRange{}, ValueRange{}, offsets, sizes, strides);
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return one(x);
  SmallVector<int64_t> padded(sizes);
  for (int64_t i = 0; i < rank; ++i)
    padded[i] += low[i] + high[i];
  Type elt = t.getElementType();
  Value zero = arith::ConstantOp::create(
      n.b, n.loc, cast<TypedAttr>(n.b.getZeroAttr(signless(elt))));
  Value s = bitcastElements(n, x, signless(elt));
  Value p = tensor::PadOp::create(
      n.b, n.loc, RankedTensorType::get(padded, signless(elt)), s,
      getAsIndexOpFoldResult(n.b.getContext(), low),
      getAsIndexOpFoldResult(n.b.getContext(), high), zero);
  return one(bitcastElements(n, p, elt));
}

/// ReverseSequence: along time_axis, the first sequence_lens[b] elements of
/// each batch entry b in reverse order, the rest unchanged.
Results reverseSequence(Node &n) {
  auto t = n.type(0);
  int64_t rank = t.getRank();
  FailureOr<int64_t> timeAxis = n.axis(n.getInt("time_axis", 0), rank),
                     batchAxis = n.axis(n.getInt("batch_axis", 1), rank);
  if (failed(timeAxis) || failed(batchAxis))
    return failure();
  if (rank < 2 || *timeAxis == *batchAxis) {
    n.emitError() << "time_axis and batch_axis must differ, on an input of "
                     "rank >= 2";
    return failure();
  }
  if (failed(integerIndices(n, 1)))
    return failure();
  Value lens = n.input(1);
  Type elt = t.getElementType();
  Value x = bitcastElements(n, n.input(0), signless(elt));
  int64_t steps = t.getDimSize(*timeAxis);
  Value y = generic(
      n, t.getShape(), signless(elt), lens,
      AffineMap::get(rank, 0, n.b.getAffineDimExpr(*batchAxis),
                     n.b.getContext()),
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange a) {
        Value len =
            b.createOrFold<arith::IndexCastOp>(l, b.getIndexType(), a[0]);
        len = b.createOrFold<arith::MaxSIOp>(
            l, indexConst(b, l, 0),
            b.createOrFold<arith::MinSIOp>(l, len, indexConst(b, l, steps)));
        Value tIdx = ivs[*timeAxis];
        Value inside = b.createOrFold<arith::CmpIOp>(l, IP::slt, tIdx, len);
        Value reversed = b.createOrFold<arith::SubIOp>(
            l, b.createOrFold<arith::SubIOp>(l, len, indexConst(b, l, 1)),
            tIdx);
        SmallVector<Value> at(ivs);
        at[*timeAxis] =
            b.createOrFold<arith::SelectOp>(l, inside, reversed, tIdx);
        return b.createOrFold<tensor::ExtractOp>(l, x, at);
      });
  return one(bitcastElements(n, y, elt));
}

/// Hann, Hamming and Blackman windows of a constant size:
/// a0 - a1 cos(2 pi k / N) + a2 cos(4 pi k / N), N = size (periodic) or
/// size - 1, folded to a constant.
Rule window(double a0, double a1, double a2) {
  return [=](Node &n) -> Results {
    FailureOr<int64_t> size = n.constantInt(0, "size");
    if (failed(size))
      return failure();
    if (*size < 0) {
      n.emitError() << "size must be non-negative, got " << *size;
      return failure();
    }
    int64_t count = *size;
    Type elt = onnxElementType(n.b, n.getInt("output_datatype", 1));
    if (!elt || !(isa<FloatType>(elt) || isa<IntegerType>(elt)) ||
        isNarrowFloat(elt)) {
      n.emitError() << "output_datatype " << n.getInt("output_datatype", 1)
                    << " is not supported";
      return failure();
    }
    double period = n.getInt("periodic", 1) ? count : count - 1;
    SmallVector<double> values;
    for (int64_t k = 0; k < count; ++k) {
      double x = period > 0 ? 2 * M_PI * k / period : 0;
      values.push_back(a0 - a1 * std::cos(x) + a2 * std::cos(2 * x));
    }
    auto f64 = RankedTensorType::get({count}, n.b.getF64Type());
    Value c = arith::ConstantOp::create(
        n.b, n.loc, DenseElementsAttr::get(f64, ArrayRef(values)));
    return one(convertTensor(n, c, elt));
  };
}

} // namespace

void mlir::tmix::onnx_to_tmix::addIndexingRules(RuleTable &t) {
  t.add("CenterCropPad", 18, centerCropPad, 2);
  t.add("ReverseSequence", 10, reverseSequence, 2);
  t.add("HannWindow", 17, window(0.5, 0.5, 0));
  t.add("HammingWindow", 17, window(25.0 / 46, 21.0 / 46, 0));
  t.add("BlackmanWindow", 17, window(0.42, 0.5, 0.08));
  t.add("CumSum", 11, cumulative(/*product=*/false), 2);
  t.add("CumProd", 26, cumulative(/*product=*/true), 2);
  t.add("Hardmax", 1, hardmax);
  t.add("OneHot", 9, oneHot, 3);
  t.add("EyeLike", 9, eyeLike);
  t.add("TopK", 10, topK, 2);
  t.add("ScatterElements", 11, scatterElements, 3);
  t.add("Scatter", 9, scatterElements, 3);
  t.add("ScatterND", 11, scatterND, 3);
  t.add("DepthToSpace", 1, spaceDepth(/*toSpace=*/true));
  t.add("SpaceToDepth", 1, spaceDepth(/*toSpace=*/false));
}
