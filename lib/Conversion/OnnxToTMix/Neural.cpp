//===- Neural.cpp - ONNX matmuls, softmax, norms, reductions ---*- C++ -*-===//
//
// Matmuls become linalg.matmul / linalg.batch_matmul on collapsed operands
// and softmax becomes linalg.softmax: named ops the attention fusion and
// the backends recognise. Normalisations and reductions are generics that
// accumulate f16/bf16 in f32.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::tmix::onnx_to_tmix;

namespace {

Value zeroFilled(Node &n, ArrayRef<int64_t> shape, Type elt) {
  Value empty = tensor::EmptyOp::create(n.b, n.loc, shape, elt);
  Value zero = arith::ConstantOp::create(n.b, n.loc, n.b.getZeroAttr(elt));
  return linalg::FillOp::create(n.b, n.loc, zero, empty).getResult(0);
}

} // namespace

Type mlir::tmix::onnx_to_tmix::accumulatorFor(Type elt) {
  if (auto f = dyn_cast<FloatType>(elt); f && f.getWidth() < 32)
    return Float32Type::get(elt.getContext());
  return elt;
}

FailureOr<Value> mlir::tmix::onnx_to_tmix::matmulOf(Node &n, Value a, Value b) {
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(b.getType());
  Type elt = at.getElementType();
  if (elt != bt.getElementType()) {
    n.emitError() << "operands have different element types " << elt << " and "
                  << bt.getElementType();
    return failure();
  }
  if (at.getRank() == 0 || bt.getRank() == 0) {
    n.emitError() << "operands must have rank >= 1, got " << at << " and "
                  << bt;
    return failure();
  }
  // 1-D operands are promoted to matrices and the extra dim dropped after.
  SmallVector<int64_t> as(at.getShape()), bs(bt.getShape());
  bool aVec = as.size() == 1, bVec = bs.size() == 1;
  if (aVec)
    as.insert(as.begin(), 1);
  if (bVec)
    bs.push_back(1);
  if (as.back() != bs[bs.size() - 2]) {
    n.emitError() << "contraction dimensions differ: " << at << " x " << bt;
    return failure();
  }
  int64_t m = as[as.size() - 2], k = as.back(), nn = bs.back();
  // f16/bf16 products accumulate in f32, as every serious runtime does.
  Type acc = isa<FloatType>(elt) ? accumulatorFor(elt) : elt;
  SmallVector<int64_t> aBatch(as.begin(), as.end() - 2),
      bBatch(bs.begin(), bs.end() - 2);
  SmallVector<int64_t> outShape;
  Value result;
  if (bBatch.empty()) {
    // [..., M, K] x [K, N]: one matmul over the flattened leading dims.
    int64_t rows = m * ShapedType::getNumElements(aBatch);
    Value a2 = reshape(n, a, {rows, k});
    Value b2 = reshape(n, b, {k, nn});
    result =
        linalg::MatmulOp::create(n.b, n.loc, ValueRange{a2, b2},
                                 ValueRange{zeroFilled(n, {rows, nn}, acc)})
            .getResult(0);
    outShape.append(aBatch);
  } else {
    FailureOr<SmallVector<int64_t>> batch =
        broadcastShapes(n, {aBatch, bBatch});
    if (failed(batch))
      return failure();
    int64_t count = ShapedType::getNumElements(*batch);
    auto expandTo = [&](Value x, ArrayRef<int64_t> s, SmallVector<int64_t> own,
                        int64_t r, int64_t c) -> FailureOr<Value> {
      Value v = reshape(n, x, [&] {
        SmallVector<int64_t> full(own);
        full.push_back(r);
        full.push_back(c);
        return full;
      }());
      if (own != s) {
        SmallVector<int64_t> target(s);
        target.push_back(r);
        target.push_back(c);
        FailureOr<Value> e = elementwise(
            n, v, elt,
            [](OpBuilder &, Location, ValueRange, ValueRange x) {
              return x[0];
            },
            target);
        if (failed(e))
          return failure();
        v = *e;
      }
      return reshape(n, v, {count, r, c});
    };
    FailureOr<Value> a3 = expandTo(a, *batch, aBatch, m, k);
    FailureOr<Value> b3 = expandTo(b, *batch, bBatch, k, nn);
    if (failed(a3) || failed(b3))
      return failure();
    result = linalg::BatchMatmulOp::create(
                 n.b, n.loc, ValueRange{*a3, *b3},
                 ValueRange{zeroFilled(n, {count, m, nn}, acc)})
                 .getResult(0);
    outShape.append(*batch);
  }
  FailureOr<Value> narrowed = convertTensor(n, result, elt);
  if (failed(narrowed))
    return failure();
  result = *narrowed;
  if (!aVec)
    outShape.push_back(m);
  if (!bVec)
    outShape.push_back(nn);
  return reshape(n, result, outShape);
}

Value mlir::tmix::onnx_to_tmix::reduce(
    Node &n, Value x, ArrayRef<bool> reduced, Type acc, Attribute init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (auto [i, d] : llvm::enumerate(type.getShape())) {
    shape.push_back(reduced[i] ? 1 : d);
    outExprs.push_back(reduced[i] ? n.b.getAffineConstantExpr(0)
                                  : n.b.getAffineDimExpr(i));
    iters.push_back(reduced[i] ? utils::IteratorType::reduction
                               : utils::IteratorType::parallel);
  }
  Value empty = tensor::EmptyOp::create(n.b, n.loc, shape, acc);
  Value initV = arith::ConstantOp::create(n.b, n.loc, cast<TypedAttr>(init));
  Value filled = linalg::FillOp::create(n.b, n.loc, initV, empty).getResult(0);
  auto op = linalg::GenericOp::create(
      n.b, n.loc, filled.getType(), x, filled,
      {n.b.getMultiDimIdentityMap(type.getRank()),
       AffineMap::get(type.getRank(), 0, outExprs, n.b.getContext())},
      iters, [&](OpBuilder &b, Location l, ValueRange args) {
        Value v = convertScalar(b, l, args[0], acc);
        linalg::YieldOp::create(b, l, combine(b, l, args[1], v));
      });
  return op.getResult(0);
}

FailureOr<Value> mlir::tmix::onnx_to_tmix::argIndex(Node &n, Value x,
                                                    int64_t axis, bool isMax,
                                                    bool last) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Type elt = type.getElementType();
  if (elt.isInteger(1)) {
    n.emitError() << "expects a numeric input, got " << elt;
    return failure();
  }
  bool isFloat = isa<FloatType>(elt), uns = isUnsigned(elt);
  Type selt = signless(elt);
  x = bitcastElements(n, x, selt);
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = 1;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t i = 0; i < rank; ++i) {
    outExprs.push_back(i == axis ? n.b.getAffineConstantExpr(0)
                                 : n.b.getAffineDimExpr(i));
    iters.push_back(i == axis ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);
  }
  Type i64 = n.b.getI64Type();
  unsigned w = isFloat ? 0 : selt.getIntOrFloatBitWidth();
  Attribute worst =
      isFloat ? Attribute(n.b.getFloatAttr(selt, isMax ? -INFINITY : INFINITY))
      : uns ? Attribute(n.b.getIntegerAttr(selt, isMax ? APInt::getMinValue(w)
                                                       : APInt::getMaxValue(w)))
            : Attribute(n.b.getIntegerAttr(
                  selt, isMax ? APInt::getSignedMinValue(w)
                              : APInt::getSignedMaxValue(w)));
  auto filled = [&](Type t, Attribute v) {
    Value empty = tensor::EmptyOp::create(n.b, n.loc, shape, t);
    Value c = arith::ConstantOp::create(n.b, n.loc, cast<TypedAttr>(v));
    return linalg::FillOp::create(n.b, n.loc, c, empty).getResult(0);
  };
  // The index starts at -1 so that the first element always wins, even
  // when it equals the initial extreme.
  SmallVector<Value> inits = {filled(selt, worst),
                              filled(i64, n.b.getI64IntegerAttr(-1))};
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, n.b.getContext());
  auto op = linalg::GenericOp::create(
      n.b, n.loc, TypeRange{inits[0].getType(), inits[1].getType()}, x, inits,
      {n.b.getMultiDimIdentityMap(rank), outMap, outMap}, iters,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value v = a[0], best = a[1], idx = a[2];
        using FP = arith::CmpFPredicate;
        using IPr = arith::CmpIPredicate;
        Value better;
        if (isFloat)
          better = b.createOrFold<arith::CmpFOp>(
              l,
              isMax ? (last ? FP::OGE : FP::OGT) : (last ? FP::OLE : FP::OLT),
              v, best);
        else
          better = b.createOrFold<arith::CmpIOp>(
              l,
              isMax ? (uns ? (last ? IPr::uge : IPr::ugt)
                           : (last ? IPr::sge : IPr::sgt))
                    : (uns ? (last ? IPr::ule : IPr::ult)
                           : (last ? IPr::sle : IPr::slt)),
              v, best);
        Value first = b.createOrFold<arith::CmpIOp>(
            l, IPr::slt, idx,
            arith::ConstantOp::create(b, l, b.getI64IntegerAttr(0)));
        better = b.createOrFold<arith::OrIOp>(l, better, first);
        Value here = arith::IndexCastOp::create(
            b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
        linalg::YieldOp::create(
            b, l,
            ValueRange{b.createOrFold<arith::SelectOp>(l, better, v, best),
                       b.createOrFold<arith::SelectOp>(l, better, here, idx)});
      });
  return op.getResult(1);
}

namespace {
FailureOr<Value> matmul(Node &n, Value a, Value b) { return matmulOf(n, a, b); }

/// (x - mean) / sqrt(var + eps) * scale + bias over dims [axis, rank); with
/// `rms`, x / sqrt(mean(x^2) + eps) * scale.
Results normalization(Node &n, bool rms) {
  Value x = n.input(0), scale = n.input(1), bias = rms ? Value() : n.input(2);
  auto type = n.type(0);
  FailureOr<int64_t> axis = n.axis(n.getInt("axis", -1), type.getRank());
  if (failed(axis))
    return failure();
  double eps = n.getFloat("epsilon", rms ? 1e-5 : 1e-5);
  Type elt = type.getElementType();
  Type acc = accumulatorFor(elt);
  SmallVector<bool> reduced(type.getRank(), false);
  int64_t count = 1;
  for (int64_t i = *axis; i < type.getRank(); ++i) {
    reduced[i] = true;
    count *= type.getDimSize(i);
  }
  auto add = [](OpBuilder &b, Location l, Value a, Value v) {
    return b.createOrFold<arith::AddFOp>(l, a, v);
  };
  Value mean;
  if (!rms) {
    Value sum = reduce(n, x, reduced, acc, n.b.getFloatAttr(acc, 0), add);
    FailureOr<Value> m = elementwise(
        n, sum, acc, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          return b.createOrFold<arith::DivFOp>(l, a[0],
                                               fconst(b, l, acc, count));
        });
    if (failed(m))
      return failure();
    mean = *m;
  }
  // Sum of squares of (x - mean), or of x for RMS.
  SmallVector<Value> sqIns = {x};
  if (mean)
    sqIns.push_back(mean);
  FailureOr<Value> centeredSq = elementwise(
      n, sqIns, acc, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value v = convertScalar(b, l, a[0], acc);
        if (a.size() > 1)
          v = b.createOrFold<arith::SubFOp>(l, v, a[1]);
        return b.createOrFold<arith::MulFOp>(l, v, v);
      });
  if (failed(centeredSq))
    return failure();
  Value sumSq =
      reduce(n, *centeredSq, reduced, acc, n.b.getFloatAttr(acc, 0), add);
  SmallVector<Value> ins = {x, sumSq};
  if (mean)
    ins.push_back(mean);
  ins.push_back(scale);
  if (bias)
    ins.push_back(bias);
  FailureOr<Value> y = elementwise(
      n, ins, elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        unsigned k = 0;
        Value v = convertScalar(b, l, a[k++], acc);
        Value var =
            b.createOrFold<arith::DivFOp>(l, a[k++], fconst(b, l, acc, count));
        if (mean)
          v = b.createOrFold<arith::SubFOp>(l, v, a[k++]);
        Value inv = b.createOrFold<math::RsqrtOp>(
            l, b.createOrFold<arith::AddFOp>(l, var, fconst(b, l, acc, eps)));
        v = b.createOrFold<arith::MulFOp>(l, v, inv);
        v = b.createOrFold<arith::MulFOp>(l, v,
                                          convertScalar(b, l, a[k++], acc));
        if (bias)
          v = b.createOrFold<arith::AddFOp>(l, v,
                                            convertScalar(b, l, a[k++], acc));
        return convertScalar(b, l, v, elt);
      });
  if (failed(y))
    return failure();
  SmallVector<Value> results = {*y};
  if (!rms && (n.resultUsed(1) || n.resultUsed(2))) {
    // Mean and 1/sqrt(var + eps), with the reduced dims kept as 1.
    FailureOr<Value> inv = elementwise(
        n, sumSq, acc, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          Value var =
              b.createOrFold<arith::DivFOp>(l, a[0], fconst(b, l, acc, count));
          return b.createOrFold<math::RsqrtOp>(
              l, b.createOrFold<arith::AddFOp>(l, var, fconst(b, l, acc, eps)));
        });
    if (failed(inv))
      return failure();
    results.push_back(mean);
    results.push_back(*inv);
  }
  return results;
}

enum class ReduceKind {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  SumSquare,
  L1,
  L2,
  LogSum,
  LogSumExp
};

Rule reduction(ReduceKind kind, int64_t axesInputSince) {
  return [=](Node &n) -> Results {
    Value x = n.input(0);
    auto type = n.type(0);
    int64_t rank = type.getRank();
    std::optional<SmallVector<int64_t>> axes;
    if (n.opset >= axesInputSince) {
      if (n.input(1)) {
        auto a = n.constantInts(1, "axes");
        if (failed(a))
          return failure();
        axes = *a;
      }
    } else {
      axes = n.getInts("axes");
    }
    bool keep = n.getInt("keepdims", 1);
    SmallVector<bool> reduced(rank, false);
    if (!axes || axes->empty()) {
      if (n.getInt("noop_with_empty_axes", 0))
        return one(x);
      reduced.assign(rank, true);
    } else {
      for (int64_t a : *axes) {
        FailureOr<int64_t> r = n.axis(a, rank);
        if (failed(r))
          return failure();
        reduced[*r] = true;
      }
    }
    // Unsigned inputs reduce as signless bits with unsigned compares.
    Type origElt = type.getElementType(), elt = signless(origElt);
    bool uns = isUnsigned(origElt);
    x = bitcastElements(n, x, elt);
    bool isFloat = isa<FloatType>(elt);
    Type acc = accumulatorFor(elt);
    Attribute init;
    std::function<Value(OpBuilder &, Location, Value, Value)> combine;
    switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
    case ReduceKind::SumSquare:
    case ReduceKind::L1:
    case ReduceKind::L2:
    case ReduceKind::LogSum:
    case ReduceKind::LogSumExp:
      init = n.b.getZeroAttr(acc);
      combine = [=](OpBuilder &b, Location l, Value a, Value v) -> Value {
        if (kind == ReduceKind::SumSquare || kind == ReduceKind::L2)
          v = isFloat ? b.createOrFold<arith::MulFOp>(l, v, v)
                      : b.createOrFold<arith::MulIOp>(l, v, v);
        if (kind == ReduceKind::L1)
          v = isFloat ? b.createOrFold<math::AbsFOp>(l, v)
                      : b.createOrFold<math::AbsIOp>(l, v);
        return isFloat ? b.createOrFold<arith::AddFOp>(l, a, v)
                       : b.createOrFold<arith::AddIOp>(l, a, v);
      };
      break;
    case ReduceKind::Prod:
      init = isFloat ? Attribute(n.b.getFloatAttr(acc, 1))
                     : Attribute(n.b.getIntegerAttr(acc, 1));
      combine = [=](OpBuilder &b, Location l, Value a, Value v) -> Value {
        return isFloat ? b.createOrFold<arith::MulFOp>(l, a, v)
                       : b.createOrFold<arith::MulIOp>(l, a, v);
      };
      break;
    case ReduceKind::Max:
    case ReduceKind::Min: {
      bool isMax = kind == ReduceKind::Max;
      if (elt.isInteger(1)) {
        // On booleans max is "any" and min is "all".
        init = n.b.getBoolAttr(!isMax);
        combine = [=](OpBuilder &b, Location l, Value a, Value v) -> Value {
          return isMax ? b.createOrFold<arith::OrIOp>(l, a, v)
                       : b.createOrFold<arith::AndIOp>(l, a, v);
        };
        break;
      }
      unsigned w = isFloat ? 0 : acc.getIntOrFloatBitWidth();
      if (isFloat)
        init = n.b.getFloatAttr(acc, isMax ? -INFINITY : INFINITY);
      else if (uns)
        init = n.b.getIntegerAttr(acc, isMax ? APInt::getMinValue(w)
                                             : APInt::getMaxValue(w));
      else
        init = n.b.getIntegerAttr(acc, isMax ? APInt::getSignedMinValue(w)
                                             : APInt::getSignedMaxValue(w));
      combine = [=](OpBuilder &b, Location l, Value a, Value v) -> Value {
        if (isFloat)
          return isMax ? b.createOrFold<arith::MaximumFOp>(l, a, v)
                       : b.createOrFold<arith::MinimumFOp>(l, a, v);
        if (uns)
          return isMax ? b.createOrFold<arith::MaxUIOp>(l, a, v)
                       : b.createOrFold<arith::MinUIOp>(l, a, v);
        return isMax ? b.createOrFold<arith::MaxSIOp>(l, a, v)
                     : b.createOrFold<arith::MinSIOp>(l, a, v);
      };
      break;
    }
    }
    bool logKind = kind == ReduceKind::LogSum || kind == ReduceKind::LogSumExp;
    if (logKind && !isFloat) {
      n.emitError() << "expects a float input, got " << elt;
      return failure();
    }
    // log(sum(exp(x - max))) + max keeps exp from overflowing.
    Value shift, summed = x;
    if (kind == ReduceKind::LogSumExp) {
      shift = reduce(n, x, reduced, acc, n.b.getFloatAttr(acc, -INFINITY),
                     [](OpBuilder &b, Location l, Value a, Value v) {
                       return b.createOrFold<arith::MaximumFOp>(l, a, v);
                     });
      // An all -inf slice (or an empty one) shifts by 0, not by -inf.
      FailureOr<Value> e =
          elementwise(n, {x, shift}, acc,
                      [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                        Value m = b.createOrFold<arith::SelectOp>(
                            l,
                            b.createOrFold<arith::CmpFOp>(
                                l, arith::CmpFPredicate::OEQ, a[1],
                                fconst(b, l, acc, -INFINITY)),
                            fconst(b, l, acc, 0), a[1]);
                        return b.createOrFold<math::ExpOp>(
                            l, b.createOrFold<arith::SubFOp>(
                                   l, convertScalar(b, l, a[0], acc), m));
                      });
      if (failed(e))
        return failure();
      summed = *e;
    }
    Value r = reduce(n, summed, reduced, acc, init, combine);
    int64_t count = 1;
    for (int64_t i = 0; i < rank; ++i)
      if (reduced[i])
        count *= type.getDimSize(i);
    if (kind == ReduceKind::Mean || kind == ReduceKind::L2 || logKind ||
        acc != elt) {
      SmallVector<Value> ins = {r};
      if (shift)
        ins.push_back(shift);
      FailureOr<Value> f = elementwise(
          n, ins, elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
            Value v = a[0];
            if (logKind)
              v = b.createOrFold<math::LogOp>(l, v);
            if (shift)
              v = b.createOrFold<arith::AddFOp>(
                  l, v,
                  b.createOrFold<arith::SelectOp>(
                      l,
                      b.createOrFold<arith::CmpFOp>(
                          l, arith::CmpFPredicate::OEQ, a[1],
                          fconst(b, l, acc, -INFINITY)),
                      fconst(b, l, acc, 0), a[1]));
            if (kind == ReduceKind::Mean)
              v = isFloat ? b.createOrFold<arith::DivFOp>(
                                l, v, fconst(b, l, acc, count))
                  : uns   ? b.createOrFold<arith::DivUIOp>(
                                l, v,
                                arith::ConstantOp::create(
                                    b, l, b.getIntegerAttr(acc, count)))
                          : b.createOrFold<arith::DivSIOp>(
                                l, v,
                                arith::ConstantOp::create(
                                    b, l, b.getIntegerAttr(acc, count)));
            if (kind == ReduceKind::L2)
              v = b.createOrFold<math::SqrtOp>(l, v);
            return convertScalar(b, l, v, elt);
          });
      if (failed(f))
        return failure();
      r = *f;
    }
    if (!keep) {
      SmallVector<int64_t> shape;
      for (int64_t i = 0; i < rank; ++i)
        if (!reduced[i])
          shape.push_back(type.getDimSize(i));
      r = reshape(n, r, shape);
    }
    return one(bitcastElements(n, r, origElt));
  };
}

/// ArgMax/ArgMin along one axis.
Rule argExtreme(bool isMax) {
  return [=](Node &n) -> Results {
    auto type = n.type(0);
    FailureOr<int64_t> axis = n.axis(n.getInt("axis", 0), type.getRank());
    if (failed(axis))
      return failure();
    FailureOr<Value> r =
        argIndex(n, n.input(0), *axis, isMax, n.getInt("select_last_index", 0));
    if (failed(r))
      return failure();
    if (n.getInt("keepdims", 1))
      return one(*r);
    SmallVector<int64_t> outShape(type.getShape());
    outShape.erase(outShape.begin() + *axis);
    return one(reshape(n, *r, outShape));
  };
}

/// Softmax (opset 13: one axis) or the coerced-2D form of older opsets.
Rule softmax(bool log) {
  return [=](Node &n) -> Results {
    Value x = n.input(0);
    auto type = n.type(0);
    int64_t rank = type.getRank();
    FailureOr<int64_t> axis =
        n.axis(n.getInt("axis", n.opset >= 13 ? -1 : 1), rank);
    if (failed(axis))
      return failure();
    if (!isa<FloatType>(type.getElementType())) {
      n.emitError() << "expects a float input";
      return failure();
    }
    Value in = x;
    int64_t dim = *axis;
    if (n.opset < 13 && *axis != rank - 1) {
      int64_t outer = 1, inner = 1;
      for (int64_t i = 0; i < rank; ++i)
        (i < *axis ? outer : inner) *= type.getDimSize(i);
      in = reshape(n, x, {outer, inner});
      dim = 1;
    }
    auto inType = cast<RankedTensorType>(in.getType());
    Value empty = tensor::EmptyOp::create(n.b, n.loc, inType.getShape(),
                                          inType.getElementType());
    Value sm = linalg::SoftmaxOp::create(n.b, n.loc, inType, in, empty, dim)
                   .getResult()[0];
    if (log) {
      FailureOr<Value> l =
          elementwise(n, sm, inType.getElementType(),
                      [](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                        return b.createOrFold<math::LogOp>(l, a[0]);
                      });
      if (failed(l))
        return failure();
      sm = *l;
    }
    return one(reshape(n, sm, type.getShape()));
  };
}

/// NegativeLogLikelihoodLoss on `logp` [N, C, d...] and integer `target`
/// [N, d...]: loss = -logp[n, t, d...] * weight[t], with 0 (and weight 0)
/// where t == ignore_index; reduced by 'none', 'sum' or 'mean' (the sum over
/// the summed weights). Targets outside [0, C) read class 0 or C-1 (clamped,
/// never outside the data).
Results negativeLogLikelihood(Node &n, Value logp, Value target, Value weight) {
  auto lt = cast<RankedTensorType>(logp.getType());
  auto tt = cast<RankedTensorType>(target.getType());
  std::string reduction = n.getString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    n.emitError() << "attribute 'reduction' must be 'none', 'sum' or 'mean', "
                     "got '"
                  << reduction << "'";
    return failure();
  }
  Type elt = lt.getElementType();
  if (!isa<FloatType>(elt) || !isa<IntegerType>(tt.getElementType())) {
    n.emitError() << "expects float scores and integer targets, got " << lt
                  << " and " << tt;
    return failure();
  }
  int64_t rank = lt.getRank();
  SmallVector<int64_t> expect = {lt.getDimSize(0)};
  if (rank >= 2)
    llvm::append_range(expect, lt.getShape().drop_front(2));
  if (rank < 2 || tt.getShape() != ArrayRef(expect)) {
    n.emitError() << "target " << tt << " does not fit scores " << lt
                  << " (expected [N, d1, ...] from [N, C, d1, ...])";
    return failure();
  }
  int64_t classes = lt.getDimSize(1);
  if (weight) {
    auto wt = cast<RankedTensorType>(weight.getType());
    if (wt.getShape() != ArrayRef<int64_t>{classes} ||
        wt.getElementType() != elt) {
      n.emitError() << "weight " << wt << " must be [C] = [" << classes
                    << "] of " << elt;
      return failure();
    }
  }
  Attribute ignoreAttr = n.attr("ignore_index");
  std::optional<int64_t> ignore;
  if (ignoreAttr)
    ignore = n.getInt("ignore_index", 0);
  Type acc = accumulatorFor(elt);
  Type tElt = signless(tt.getElementType());
  target = bitcastElements(n, target, tElt);
  // One body for the per-element loss (which = 0) and weight (which = 1).
  auto perElement = [&](bool lossNotWeight) {
    return generic(
        n, tt.getShape(), acc, target, n.b.getMultiDimIdentityMap(tt.getRank()),
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange a) -> Value {
          Value t = a[0];
          Value cls =
              b.createOrFold<arith::IndexCastOp>(l, b.getIndexType(), t);
          cls = b.createOrFold<arith::MaxSIOp>(
              l, arith::ConstantIndexOp::create(b, l, 0),
              b.createOrFold<arith::MinSIOp>(
                  l, cls,
                  arith::ConstantIndexOp::create(
                      b, l, std::max<int64_t>(classes - 1, 0))));
          Value w = weight ? convertScalar(b, l,
                                           b.createOrFold<tensor::ExtractOp>(
                                               l, weight, ValueRange{cls}),
                                           acc)
                           : fconst(b, l, acc, 1);
          if (ignore)
            w = b.createOrFold<arith::SelectOp>(
                l,
                b.createOrFold<arith::CmpIOp>(
                    l, arith::CmpIPredicate::eq, t,
                    arith::ConstantOp::create(b, l,
                                              b.getIntegerAttr(tElt, *ignore))),
                fconst(b, l, acc, 0), w);
          if (!lossNotWeight)
            return w;
          SmallVector<Value> at = {ivs[0], cls};
          at.append(ivs.begin() + 1, ivs.end());
          Value v = convertScalar(
              b, l, b.createOrFold<tensor::ExtractOp>(l, logp, at), acc);
          return b.createOrFold<arith::NegFOp>(
              l, b.createOrFold<arith::MulFOp>(l, v, w));
        });
  };
  Value loss = perElement(true);
  if (reduction == "none")
    return one(convertTensor(n, loss, elt));
  auto add = [](OpBuilder &b, Location l, Value x, Value v) {
    return b.createOrFold<arith::AddFOp>(l, x, v);
  };
  SmallVector<bool> all(tt.getRank(), true);
  Value total = reduce(n, loss, all, acc, n.b.getFloatAttr(acc, 0), add);
  SmallVector<Value> ins = {total};
  if (reduction == "mean")
    ins.push_back(
        reduce(n, perElement(false), all, acc, n.b.getFloatAttr(acc, 0), add));
  FailureOr<Value> r = elementwise(
      n, ins, elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value v =
            a.size() > 1 ? b.createOrFold<arith::DivFOp>(l, a[0], a[1]) : a[0];
        return convertScalar(b, l, v, elt);
      });
  if (failed(r))
    return failure();
  return one(reshape(n, *r, {}));
}

/// x - max - log(sum(exp(x - max))) along `axis`, computed in `acc`.
FailureOr<Value> logSoftmax(Node &n, Value x, int64_t axis, Type acc) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<bool> reduced(type.getRank(), false);
  reduced[axis] = true;
  Value m = reduce(n, x, reduced, acc, n.b.getFloatAttr(acc, -INFINITY),
                   [](OpBuilder &b, Location l, Value a, Value v) {
                     return b.createOrFold<arith::MaximumFOp>(l, a, v);
                   });
  FailureOr<Value> e = elementwise(
      n, {x, m}, acc, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        return b.createOrFold<math::ExpOp>(
            l, b.createOrFold<arith::SubFOp>(l, convertScalar(b, l, a[0], acc),
                                             a[1]));
      });
  if (failed(e))
    return failure();
  Value s = reduce(n, *e, reduced, acc, n.b.getFloatAttr(acc, 0),
                   [](OpBuilder &b, Location l, Value a, Value v) {
                     return b.createOrFold<arith::AddFOp>(l, a, v);
                   });
  return elementwise(n, {x, m, s}, acc,
                     [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                       Value v = b.createOrFold<arith::SubFOp>(
                           l, convertScalar(b, l, a[0], acc), a[1]);
                       return b.createOrFold<arith::SubFOp>(
                           l, v, b.createOrFold<math::LogOp>(l, a[2]));
                     });
}

/// The windows of a convolution or pooling over `in` spatial dims: the
/// node's strides, dilations, pads (begin..., end...) after auto_pad, and
/// the output sizes (ceil_mode drops a last window that would start in the
/// end padding).
struct Window {
  SmallVector<int64_t> strides, dilations, pads, out;
};

FailureOr<Window> windowOf(Node &n, ArrayRef<int64_t> in,
                           ArrayRef<int64_t> kernel, bool allowCeil) {
  int64_t spatial = in.size();
  Window w;
  w.strides = n.getInts("strides").value_or(SmallVector<int64_t>(spatial, 1));
  w.dilations =
      n.getInts("dilations").value_or(SmallVector<int64_t>(spatial, 1));
  w.pads = n.getInts("pads").value_or(SmallVector<int64_t>(2 * spatial, 0));
  if ((int64_t)kernel.size() != spatial ||
      (int64_t)w.strides.size() != spatial ||
      (int64_t)w.dilations.size() != spatial ||
      (int64_t)w.pads.size() != 2 * spatial) {
    n.emitError() << "kernel_shape, strides, dilations and pads must have "
                  << spatial << ", " << spatial << ", " << spatial << " and "
                  << 2 * spatial << " entries";
    return failure();
  }
  bool ceil = allowCeil && n.getInt("ceil_mode", 0);
  std::string autoPad = n.getString("auto_pad", "NOTSET");
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t s = w.strides[i], d = w.dilations[i];
    if (s <= 0 || d <= 0 || kernel[i] <= 0 || w.pads[i] < 0 ||
        w.pads[i + spatial] < 0) {
      n.emitError() << "kernel, strides and dilations must be positive and "
                       "pads non-negative";
      return failure();
    }
    int64_t span = (kernel[i] - 1) * d + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (in[i] + s - 1) / s;
      int64_t total = std::max<int64_t>((out - 1) * s + span - in[i], 0);
      int64_t small = total / 2, big = total - small;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : big;
      w.pads[i + spatial] = autoPad == "SAME_UPPER" ? big : small;
    } else if (autoPad == "VALID") {
      w.pads[i] = w.pads[i + spatial] = 0;
    } else if (autoPad != "NOTSET") {
      n.emitError() << "auto_pad '" << autoPad << "' is not supported";
      return failure();
    }
    int64_t padded = in[i] + w.pads[i] + w.pads[i + spatial];
    if (padded < span) {
      n.emitError() << "spatial dimension " << i << " of size " << in[i]
                    << " is too small for the kernel";
      return failure();
    }
    int64_t out =
        ceil ? (padded - span + s - 1) / s + 1 : (padded - span) / s + 1;
    if (ceil && (out - 1) * s >= in[i] + w.pads[i])
      --out;
    w.out.push_back(out);
  }
  return w;
}

/// Pads `x` with `value` (low/high per dim); a no-op for all-zero pads.
Value padConstant(Node &n, Value x, ArrayRef<int64_t> low,
                  ArrayRef<int64_t> high, Attribute value) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape;
  for (auto [d, l, h] : llvm::zip(type.getShape(), low, high))
    shape.push_back(d + l + h);
  auto result = RankedTensorType::get(shape, type.getElementType());
  Value pad = arith::ConstantOp::create(n.b, n.loc, cast<TypedAttr>(value));
  return tensor::PadOp::create(n.b, n.loc, result, x,
                               getAsIndexOpFoldResult(n.b.getContext(), low),
                               getAsIndexOpFoldResult(n.b.getContext(), high),
                               pad)
      .getResult();
}

/// ConvTranspose: y[n, g*Mg + m, o] = sum over c in group g and k of
/// x[n, g*Cg + c, i] * w[g*Cg + c, m, k] where o = i*s + k*d - pad_begin,
/// as one generic that reads x where (o + pad_begin - k*d) is a multiple of
/// the stride inside the input.
Results convTranspose(Node &n) {
  Value x = n.input(0), w = n.input(1), bias = n.input(2);
  auto xt = n.type(0), wt = n.type(1);
  int64_t rank = xt.getRank(), spatial = rank - 2;
  Type elt = xt.getElementType();
  if (rank < 3 || wt.getRank() != rank || !isa<FloatType>(elt) ||
      wt.getElementType() != elt) {
    n.emitError() << "expects float input and weight of one type and rank >= "
                     "3, got "
                  << xt << " and " << wt;
    return failure();
  }
  int64_t group = n.getInt("group", 1), cin = xt.getDimSize(1);
  if (group <= 0 || cin % group || wt.getDimSize(0) != cin) {
    n.emitError() << "weight " << wt << " does not fit " << cin
                  << " input channels in " << group << " groups";
    return failure();
  }
  int64_t cpg = cin / group, mpg = wt.getDimSize(1), cout = mpg * group;
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  auto attr = [&](StringRef name, int64_t size, int64_t dflt) {
    return n.getInts(name).value_or(SmallVector<int64_t>(size, dflt));
  };
  SmallVector<int64_t> strides = attr("strides", spatial, 1),
                       dilations = attr("dilations", spatial, 1),
                       pads = attr("pads", 2 * spatial, 0),
                       outPad = attr("output_padding", spatial, 0);
  std::optional<SmallVector<int64_t>> outputShape = n.getInts("output_shape");
  if ((int64_t)strides.size() != spatial ||
      (int64_t)dilations.size() != spatial ||
      (int64_t)pads.size() != 2 * spatial ||
      (int64_t)outPad.size() != spatial ||
      (outputShape && (int64_t)outputShape->size() != spatial)) {
    n.emitError() << "strides, dilations, output_padding and output_shape "
                     "need "
                  << spatial << " entries and pads " << 2 * spatial;
    return failure();
  }
  std::string autoPad = n.getString("auto_pad", "NOTSET");
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = xt.getDimSize(2 + i);
    if (strides[i] <= 0 || dilations[i] <= 0) {
      n.emitError() << "strides and dilations must be positive";
      return failure();
    }
    int64_t full =
        strides[i] * (in - 1) + outPad[i] + (kernel[i] - 1) * dilations[i] + 1;
    int64_t target = outputShape ? (*outputShape)[i]
                     : autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER"
                         ? in * strides[i]
                         : -1;
    if (target >= 0) {
      // A target past the full size makes the padding negative; halves
      // round down (the reference's floor division).
      int64_t total = full - target;
      int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
      bool upper = autoPad == "SAME_UPPER";
      pads[i] = upper ? half : total - half;
      pads[i + spatial] = total - pads[i];
    } else if (autoPad == "VALID") {
      pads[i] = pads[i + spatial] = 0;
    } else if (autoPad != "NOTSET") {
      n.emitError() << "auto_pad '" << autoPad << "' is not supported";
      return failure();
    }
    int64_t size = full - pads[i] - pads[i + spatial];
    if (size <= 0) {
      n.emitError() << "spatial dimension " << i << " has no output";
      return failure();
    }
    out.push_back(size);
  }
  // Dims: n, m, o..., c, k...
  unsigned numDims = 3 + 2 * spatial;
  auto d = [&](unsigned i) { return n.b.getAffineDimExpr(i); };
  AffineExpr m = d(1), c = d(2 + spatial);
  SmallVector<AffineExpr> wExprs = {m.floorDiv(mpg) * cpg + c, m % mpg};
  SmallVector<AffineExpr> oExprs = {d(0), d(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    wExprs.push_back(d(3 + spatial + i));
    oExprs.push_back(d(2 + i));
  }
  SmallVector<int64_t> outShape = {xt.getDimSize(0), cout};
  outShape.append(out);
  Type acc = accumulatorFor(elt);
  SmallVector<utils::IteratorType> iters(2 + spatial,
                                         utils::IteratorType::parallel);
  iters.append(1 + spatial, utils::IteratorType::reduction);
  auto ctx = n.b.getContext();
  Value init = tensor::EmptyOp::create(n.b, n.loc, outShape, acc);
  init = linalg::FillOp::create(n.b, n.loc, fconst(n.b, n.loc, acc, 0), init)
             .getResult(0);
  // The group's channel count as an operand that is never read: c appears
  // in no other map as a plain dim.
  Value channels = tensor::EmptyOp::create(n.b, n.loc, {cpg}, elt);
  Value y =
      linalg::GenericOp::create(
          n.b, n.loc, init.getType(), ValueRange{w, channels}, init,
          {AffineMap::get(numDims, 0, wExprs, ctx),
           AffineMap::get(numDims, 0, c, ctx),
           AffineMap::get(numDims, 0, oExprs, ctx)},
          iters,
          [&](OpBuilder &b, Location l, ValueRange args) {
            SmallVector<Value> a = {args[0], args[2]};
            auto idx = [&](unsigned dim) -> Value {
              return linalg::IndexOp::create(b, l, dim);
            };
            auto cst = [&](int64_t v) -> Value {
              return arith::ConstantIndexOp::create(b, l, v);
            };
            Value valid = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
            SmallVector<Value> at = {
                idx(0),
                b.createOrFold<arith::AddIOp>(
                    l,
                    b.createOrFold<arith::MulIOp>(
                        l, b.createOrFold<arith::DivUIOp>(l, idx(1), cst(mpg)),
                        cst(cpg)),
                    idx(2 + spatial))};
            for (int64_t i = 0; i < spatial; ++i) {
              // i*s = o + pad_begin - k*d
              Value num = b.createOrFold<arith::SubIOp>(
                  l, b.createOrFold<arith::AddIOp>(l, idx(2 + i), cst(pads[i])),
                  b.createOrFold<arith::MulIOp>(l, idx(3 + spatial + i),
                                                cst(dilations[i])));
              Value q = b.createOrFold<arith::DivSIOp>(l, num, cst(strides[i]));
              Value exact = b.createOrFold<arith::CmpIOp>(
                  l, arith::CmpIPredicate::eq,
                  b.createOrFold<arith::MulIOp>(l, q, cst(strides[i])), num);
              Value inRange = b.createOrFold<arith::AndIOp>(
                  l,
                  b.createOrFold<arith::CmpIOp>(l, arith::CmpIPredicate::sge,
                                                num, cst(0)),
                  b.createOrFold<arith::CmpIOp>(l, arith::CmpIPredicate::slt, q,
                                                cst(xt.getDimSize(2 + i))));
              valid = b.createOrFold<arith::AndIOp>(
                  l, valid, b.createOrFold<arith::AndIOp>(l, exact, inRange));
              at.push_back(b.createOrFold<arith::MaxSIOp>(
                  l, cst(0),
                  b.createOrFold<arith::MinSIOp>(
                      l, q, cst(xt.getDimSize(2 + i) - 1))));
            }
            Value xv = convertScalar(
                b, l, b.createOrFold<tensor::ExtractOp>(l, x, at), acc);
            Value prod = b.createOrFold<arith::MulFOp>(
                l, xv, convertScalar(b, l, a[0], acc));
            prod = b.createOrFold<arith::SelectOp>(l, valid, prod,
                                                   fconst(b, l, acc, 0));
            linalg::YieldOp::create(
                b, l, b.createOrFold<arith::AddFOp>(l, a[1], prod));
          })
          .getResult(0);
  SmallVector<Value> ins = {y};
  if (bias) {
    SmallVector<int64_t> s(rank, 1);
    s[1] = cout;
    ins.push_back(reshape(n, bias, s));
  }
  return one(elementwise(
      n, ins, elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value v = a[0];
        if (a.size() > 1)
          v = b.createOrFold<arith::AddFOp>(l, v,
                                            convertScalar(b, l, a[1], acc));
        return convertScalar(b, l, v, elt);
      }));
}

enum class Pooling { Max, Average, Lp };

/// MaxPool (with its optional Indices), AveragePool, LpPool and their
/// Global forms: one reduction generic over (n, c, out..., kernel...) on the
/// padded input. Pads read as -inf (max) or 0; the average divides by the
/// window's element count inside the input (or inside the padded input with
/// count_include_pad), which is static and folds into a constant.
Rule pool(Pooling kind, bool global) {
  return [=](Node &n) -> Results {
    Value x = n.input(0);
    auto xt = n.type(0);
    int64_t rank = xt.getRank(), spatial = rank - 2;
    Type origElt = xt.getElementType(), elt = signless(origElt);
    bool isFloat = isa<FloatType>(elt), uns = isUnsigned(origElt);
    if (rank < 3 || (!isFloat && (kind != Pooling::Max || elt.isInteger(1)))) {
      n.emitError() << "expects an input [N, C, spatial...] of "
                    << (kind == Pooling::Max ? "numbers" : "floats") << ", got "
                    << xt;
      return failure();
    }
    x = bitcastElements(n, x, elt);
    ArrayRef<int64_t> in = xt.getShape().drop_front(2);
    SmallVector<int64_t> kernel(in);
    Window win;
    if (global) {
      win.strides.assign(spatial, 1);
      win.dilations.assign(spatial, 1);
      win.pads.assign(2 * spatial, 0);
      win.out.assign(spatial, 1);
    } else {
      std::optional<SmallVector<int64_t>> ks = n.getInts("kernel_shape");
      if (!ks) {
        n.emitError() << "attribute 'kernel_shape' is required";
        return failure();
      }
      kernel = *ks;
      FailureOr<Window> w = windowOf(n, in, kernel, /*allowCeil=*/true);
      if (failed(w))
        return failure();
      win = *w;
    }
    double p = kind == Pooling::Lp ? n.getInt("p", 2) : 1;
    bool includePad = n.getInt("count_include_pad", 0);
    bool storageColumns = n.getInt("storage_order", 0);
    bool withIndices = kind == Pooling::Max && n.resultUsed(1);
    // Pads, plus whatever a ceil_mode window reaches past them.
    SmallVector<int64_t> low(rank, 0), high(rank, 0);
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t span = (kernel[i] - 1) * win.dilations[i] + 1;
      low[2 + i] = win.pads[i];
      high[2 + i] =
          std::max(win.pads[i + spatial], (win.out[i] - 1) * win.strides[i] +
                                              span - in[i] - win.pads[i]);
    }
    Attribute padValue = n.b.getZeroAttr(elt);
    if (kind == Pooling::Max) {
      unsigned w = isFloat ? 0 : elt.getIntOrFloatBitWidth();
      padValue =
          isFloat ? Attribute(n.b.getFloatAttr(elt, -INFINITY))
          : uns
              ? Attribute(n.b.getIntegerAttr(elt, 0))
              : Attribute(n.b.getIntegerAttr(elt, APInt::getSignedMinValue(w)));
    }
    Value padded = padConstant(n, x, low, high, padValue);
    Type acc = isFloat ? accumulatorFor(elt) : elt;
    // Dims: n, c, o_0.., k_0..
    unsigned numDims = 2 + 2 * spatial;
    auto d = [&](unsigned i) { return n.b.getAffineDimExpr(i); };
    SmallVector<AffineExpr> xExprs = {d(0), d(1)}, oExprs = {d(0), d(1)};
    for (int64_t i = 0; i < spatial; ++i) {
      xExprs.push_back(d(2 + i) * win.strides[i] +
                       d(2 + spatial + i) * win.dilations[i]);
      oExprs.push_back(d(2 + i));
    }
    SmallVector<int64_t> outShape = {xt.getDimSize(0), xt.getDimSize(1)};
    outShape.append(win.out);
    SmallVector<utils::IteratorType> iters(2 + spatial,
                                           utils::IteratorType::parallel);
    iters.append(spatial, utils::IteratorType::reduction);
    auto ctx = n.b.getContext();
    auto filled = [&](Type t, Attribute v) {
      Value empty = tensor::EmptyOp::create(n.b, n.loc, outShape, t);
      Value c = arith::ConstantOp::create(n.b, n.loc, cast<TypedAttr>(v));
      return linalg::FillOp::create(n.b, n.loc, c, empty).getResult(0);
    };
    SmallVector<Value> inits = {
        filled(acc, kind == Pooling::Max ? padValue : n.b.getZeroAttr(acc))};
    AffineMap oMap = AffineMap::get(numDims, 0, oExprs, ctx);
    // The kernel's extent, as linalg's pooling ops give it: an operand that
    // is never read.
    SmallVector<AffineExpr> kExprs;
    for (int64_t i = 0; i < spatial; ++i)
      kExprs.push_back(d(2 + spatial + i));
    Value window = tensor::EmptyOp::create(n.b, n.loc, kernel, elt);
    SmallVector<AffineMap> maps = {AffineMap::get(numDims, 0, xExprs, ctx),
                                   AffineMap::get(numDims, 0, kExprs, ctx),
                                   oMap};
    if (withIndices) {
      inits.push_back(filled(n.b.getI64Type(), n.b.getI64IntegerAttr(-1)));
      maps.push_back(oMap);
    }
    using FP = arith::CmpFPredicate;
    using IPr = arith::CmpIPredicate;
    auto op = linalg::GenericOp::create(
        n.b, n.loc, ValueRange(inits).getTypes(), ValueRange{padded, window},
        inits, maps, iters, [&](OpBuilder &b, Location l, ValueRange args) {
          ValueRange a = args.drop_front();
          Value v = convertScalar(b, l, args[0], acc), r = a[1];
          SmallVector<Value> yields;
          if (kind == Pooling::Max) {
            Value better = isFloat
                               ? b.createOrFold<arith::CmpFOp>(l, FP::OGT, v, r)
                               : b.createOrFold<arith::CmpIOp>(
                                     l, uns ? IPr::ugt : IPr::sgt, v, r);
            if (withIndices)
              better = b.createOrFold<arith::OrIOp>(
                  l, better,
                  b.createOrFold<arith::CmpIOp>(
                      l, IPr::slt, a[2],
                      arith::ConstantOp::create(b, l, b.getI64IntegerAttr(0))));
            yields.push_back(b.createOrFold<arith::SelectOp>(l, better, v, r));
            if (withIndices) {
              // The flat index of the element in the unpadded input.
              auto idx = [&](int64_t dim) -> Value {
                return arith::IndexCastOp::create(
                    b, l, b.getI64Type(), linalg::IndexOp::create(b, l, dim));
              };
              auto cst = [&](int64_t c) -> Value {
                return arith::ConstantOp::create(b, l, b.getI64IntegerAttr(c));
              };
              auto mul = [&](Value a, Value c) {
                return b.createOrFold<arith::MulIOp>(l, a, c);
              };
              auto add = [&](Value a, Value c) {
                return b.createOrFold<arith::AddIOp>(l, a, c);
              };
              SmallVector<Value> pos;
              for (int64_t i = 0; i < spatial; ++i)
                pos.push_back(
                    add(add(mul(idx(2 + i), cst(win.strides[i])),
                            mul(idx(2 + spatial + i), cst(win.dilations[i]))),
                        cst(-win.pads[i])));
              Value flat = add(mul(idx(0), cst(xt.getDimSize(1))), idx(1));
              SmallVector<int64_t> order;
              for (int64_t i = 0; i < spatial; ++i)
                order.push_back(storageColumns ? spatial - 1 - i : i);
              Value sp = cst(0);
              for (int64_t i : order)
                sp = add(mul(sp, cst(in[i])), pos[i]);
              int64_t plane = 1;
              for (int64_t e : in)
                plane *= e;
              flat = add(mul(flat, cst(plane)), sp);
              yields.push_back(
                  b.createOrFold<arith::SelectOp>(l, better, flat, a[2]));
            }
          } else {
            if (kind == Pooling::Lp)
              v = p == 1   ? b.createOrFold<math::AbsFOp>(l, v)
                  : p == 2 ? b.createOrFold<arith::MulFOp>(l, v, v)
                           : b.createOrFold<math::PowFOp>(
                                 l, b.createOrFold<math::AbsFOp>(l, v),
                                 fconst(b, l, acc, p));
            yields.push_back(b.createOrFold<arith::AddFOp>(l, r, v));
          }
          linalg::YieldOp::create(b, l, yields);
        });
    Value result = op.getResult(0);
    if (kind == Pooling::Max) {
      SmallVector<Value> results = {bitcastElements(n, result, origElt)};
      if (withIndices)
        results.push_back(op.getResult(1));
      return results;
    }
    SmallVector<Value> ins = {result};
    if (kind == Pooling::Average) {
      // Elements per window, a constant over the output's spatial dims.
      SmallVector<int64_t> countShape(2, 1);
      countShape.append(win.out);
      int64_t total = 1;
      for (int64_t o : win.out)
        total *= o;
      SmallVector<double> counts(total, 1.0);
      for (int64_t flat = 0; flat < total; ++flat) {
        int64_t rest = flat;
        for (int64_t i = spatial - 1; i >= 0; --i) {
          int64_t o = rest % win.out[i];
          rest /= win.out[i];
          int64_t lo = includePad ? -win.pads[i] : 0;
          int64_t hi = includePad ? in[i] + win.pads[i + spatial] : in[i];
          int64_t c = 0;
          for (int64_t k = 0; k < kernel[i]; ++k) {
            int64_t at =
                o * win.strides[i] + k * win.dilations[i] - win.pads[i];
            c += at >= lo && at < hi;
          }
          counts[flat] *= c;
        }
      }
      auto ct = RankedTensorType::get(countShape, acc);
      SmallVector<Attribute> values;
      for (double c : counts)
        values.push_back(n.b.getFloatAttr(acc, c));
      ins.push_back(arith::ConstantOp::create(
          n.b, n.loc, DenseElementsAttr::get(ct, values)));
    }
    FailureOr<Value> y = elementwise(
        n, ins, elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
          Value v = a[0];
          if (kind == Pooling::Average)
            v = b.createOrFold<arith::DivFOp>(l, v, a[1]);
          else if (p == 2)
            v = b.createOrFold<math::SqrtOp>(l, v);
          else if (p != 1)
            v = b.createOrFold<math::PowFOp>(l, v, fconst(b, l, acc, 1.0 / p));
          return convertScalar(b, l, v, elt);
        });
    if (failed(y))
      return failure();
    return one(*y);
  };
}

} // namespace

Results mlir::tmix::onnx_to_tmix::convOf(Node &n, Value x, Value w,
                                         Value bias) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  int64_t rank = xt.getRank(), spatial = rank - 2;
  if (rank < 3 || wt.getRank() != rank) {
    n.emitError() << "expects input and weight of the same rank >= 3, got "
                  << xt << " and " << wt;
    return failure();
  }
  Type elt = xt.getElementType();
  bool isInt = elt.isInteger(32);
  if ((!isa<FloatType>(elt) && !isInt) || wt.getElementType() != elt) {
    n.emitError() << "expects float input and weight of one type";
    return failure();
  }
  int64_t group = n.getInt("group", 1);
  int64_t batch = xt.getDimSize(0), cin = xt.getDimSize(1);
  int64_t cout = wt.getDimSize(0), cpg = wt.getDimSize(1);
  if (group <= 0 || cin != cpg * group || cout % group) {
    n.emitError() << "channels do not fit group = " << group << ": input has "
                  << cin << ", weight " << cout << "x" << cpg;
    return failure();
  }
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  if (auto ks = n.getInts("kernel_shape"); ks && *ks != kernel) {
    n.emitError() << "kernel_shape disagrees with the weight's shape";
    return failure();
  }
  FailureOr<Window> win = windowOf(n, xt.getShape().drop_front(2), kernel,
                                   /*allowCeil=*/false);
  if (failed(win))
    return failure();
  SmallVector<int64_t> strides = win->strides, dilations = win->dilations,
                       pads = win->pads, outSpatial = win->out;
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  for (int64_t i = 0; i < spatial; ++i) {
    low[2 + i] = pads[i];
    high[2 + i] = pads[i + spatial];
  }
  Value padded = padConstant(n, x, low, high, n.b.getZeroAttr(elt));
  // Dims: n, m, o_0.., c, k_0..
  unsigned numDims = 2 + 2 * spatial + 1;
  auto d = [&](unsigned i) { return n.b.getAffineDimExpr(i); };
  AffineExpr c = d(2 + spatial);
  AffineExpr channel = group == 1 ? c : d(1).floorDiv(cout / group) * cpg + c;
  SmallVector<AffineExpr> xExprs = {d(0), channel};
  SmallVector<AffineExpr> wExprs = {d(1), c};
  SmallVector<AffineExpr> oExprs = {d(0), d(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = d(2 + i), k = d(3 + spatial + i);
    xExprs.push_back(o * strides[i] + k * dilations[i]);
    wExprs.push_back(k);
    oExprs.push_back(o);
  }
  SmallVector<int64_t> outShape = {batch, cout};
  outShape.append(outSpatial);
  Type acc = accumulatorFor(elt);
  SmallVector<utils::IteratorType> iters(2 + spatial,
                                         utils::IteratorType::parallel);
  iters.append(1 + spatial, utils::IteratorType::reduction);
  auto ctx = n.b.getContext();
  Value result =
      linalg::GenericOp::create(
          n.b, n.loc, RankedTensorType::get(outShape, acc),
          ValueRange{padded, w}, zeroFilled(n, outShape, acc),
          {AffineMap::get(numDims, 0, xExprs, ctx),
           AffineMap::get(numDims, 0, wExprs, ctx),
           AffineMap::get(numDims, 0, oExprs, ctx)},
          iters,
          [&](OpBuilder &b, Location l, ValueRange a) {
            Value x = convertScalar(b, l, a[0], acc),
                  y = convertScalar(b, l, a[1], acc);
            Value sum =
                isInt ? b.createOrFold<arith::AddIOp>(
                            l, a[2], b.createOrFold<arith::MulIOp>(l, x, y))
                      : b.createOrFold<arith::AddFOp>(
                            l, a[2], b.createOrFold<arith::MulFOp>(l, x, y));
            linalg::YieldOp::create(b, l, sum);
          })
          .getResult(0);
  SmallVector<Value> ins = {result};
  if (bias)
    ins.push_back(reshape(n, bias, [&] {
      SmallVector<int64_t> s(rank, 1);
      s[1] = cout;
      return s;
    }()));
  FailureOr<Value> y = elementwise(
      n, ins, elt, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value v = a[0];
        if (a.size() > 1)
          v = isInt ? b.createOrFold<arith::AddIOp>(l, v, a[1])
                    : b.createOrFold<arith::AddFOp>(
                          l, v, convertScalar(b, l, a[1], acc));
        return convertScalar(b, l, v, elt);
      });
  if (failed(y))
    return failure();
  return one(*y);
}

namespace {
/// Conv (1-D, 2-D, 3-D; groups, strides, dilations, pads, auto_pad).
Results conv(Node &n) { return convOf(n, n.input(0), n.input(1), n.input(2)); }

/// A two-operand Einsum that is a batched matrix product (each letter is a
/// batch letter of both operands and the output, or the one row, column or
/// contraction letter) goes through `matmul`, so that attention written as
/// Einsum meets the same matmul + transpose ops as attention written as
/// MatMul. Returns std::nullopt for other equations, a null Value on error.
std::optional<Value> einsumAsMatmul(Node &n, ArrayRef<StringRef> terms,
                                    StringRef out, ArrayRef<Value> ins) {
  if (ins.size() != 2 || !isa<FloatType>(getElementTypeOrSelf(ins[0])))
    return std::nullopt;
  StringRef a = terms[0], b = terms[1];
  auto unique = [](StringRef t) {
    return llvm::all_of(t, [&](char c) { return t.count(c) == 1; });
  };
  if (!unique(a) || !unique(b) || !unique(out) ||
      a.size() != static_cast<size_t>(
                      cast<RankedTensorType>(ins[0].getType()).getRank()) ||
      b.size() != static_cast<size_t>(
                      cast<RankedTensorType>(ins[1].getType()).getRank()))
    return std::nullopt;
  std::string batch, rows, cols, inner;
  for (char c : out) {
    bool inA = a.contains(c), inB = b.contains(c);
    if (inA && inB)
      batch.push_back(c);
    else if (inA)
      rows.push_back(c);
    else if (inB)
      cols.push_back(c);
    else
      return std::nullopt;
  }
  for (char c : a)
    if (!out.contains(c)) {
      if (!b.contains(c))
        return std::nullopt;
      inner.push_back(c);
    }
  for (char c : b)
    if (!out.contains(c) && !a.contains(c))
      return std::nullopt;
  if (rows.size() != 1 || cols.size() != 1 || inner.size() != 1)
    return std::nullopt;
  // Permutes `x` (letters `from`) into the letter order `to`.
  auto permute = [&](Value x, StringRef from, StringRef to) {
    SmallVector<int64_t> perm;
    for (char c : to)
      perm.push_back(from.find(c));
    if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
      return x;
    return transpose(n, x, perm);
  };
  std::string lhs = batch + rows + inner, rhs = batch + inner + cols,
              res = batch + rows + cols;
  FailureOr<Value> r =
      matmul(n, permute(ins[0], a, lhs), permute(ins[1], b, rhs));
  if (failed(r))
    return Value();
  return permute(*r, res, out);
}

/// Einsum without ellipsis: a generic whose reduction dims are the letters
/// missing from the output.
Results einsum(Node &n) {
  std::string eq = n.getString("equation", "");
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  if (eq.find("...") != std::string::npos) {
    n.emitError() << "equation '" << eq
                  << "' is not supported (no '...' broadcasting)";
    return failure();
  }
  size_t arrow = eq.find("->");
  if (arrow == std::string::npos) {
    // Implicit output: the letters used once, in alphabetical order.
    std::string out;
    for (char ch = 'A'; ch <= 'z'; ++ch)
      if (std::count(eq.begin(), eq.end(), ch) == 1)
        out.push_back(ch);
    arrow = eq.size();
    eq += "->" + out;
  }
  SmallVector<StringRef> terms;
  StringRef(eq).take_front(arrow).split(terms, ',');
  StringRef out = StringRef(eq).drop_front(arrow + 2);
  SmallVector<Value> ins;
  for (unsigned i = 0; i < n.numInputs(); ++i)
    if (n.input(i))
      ins.push_back(n.input(i));
  if (terms.size() != ins.size()) {
    n.emitError() << "equation has " << terms.size() << " operands, node has "
                  << ins.size();
    return failure();
  }
  if (std::optional<Value> mm = einsumAsMatmul(n, terms, out, ins)) {
    if (!*mm)
      return failure();
    return one(*mm);
  }
  // Letters: output ones first (parallel), then the rest (reduction).
  std::string letters(out);
  llvm::StringMap<int64_t> sizes;
  for (auto [term, v] : llvm::zip(terms, ins)) {
    auto t = cast<RankedTensorType>(v.getType());
    if (term.size() != static_cast<size_t>(t.getRank())) {
      n.emitError() << "term '" << term << "' does not match rank "
                    << t.getRank();
      return failure();
    }
    for (auto [i, ch] : llvm::enumerate(term)) {
      std::string key(1, ch);
      auto [it, inserted] = sizes.try_emplace(key, t.getDimSize(i));
      if (!inserted && it->second != t.getDimSize(i)) {
        n.emitError() << "letter '" << ch << "' has sizes " << it->second
                      << " and " << t.getDimSize(i);
        return failure();
      }
      if (letters.find(ch) == std::string::npos)
        letters.push_back(ch);
    }
  }
  SmallVector<int64_t> outShape;
  for (char ch : out) {
    auto it = sizes.find(std::string(1, ch));
    if (it == sizes.end()) {
      n.emitError() << "output letter '" << ch << "' appears in no input";
      return failure();
    }
    outShape.push_back(it->second);
  }
  auto ctx = n.b.getContext();
  auto mapOf = [&](StringRef term) {
    SmallVector<AffineExpr> e;
    for (char ch : term)
      e.push_back(n.b.getAffineDimExpr(letters.find(ch)));
    return AffineMap::get(letters.size(), 0, e, ctx);
  };
  SmallVector<AffineMap> maps;
  for (StringRef term : terms)
    maps.push_back(mapOf(term));
  maps.push_back(mapOf(out));
  SmallVector<utils::IteratorType> iters(out.size(),
                                         utils::IteratorType::parallel);
  iters.append(letters.size() - out.size(), utils::IteratorType::reduction);
  Type elt = getElementTypeOrSelf(ins[0]);
  Type acc = isa<FloatType>(elt) ? accumulatorFor(elt) : elt;
  bool isFloat = isa<FloatType>(elt);
  Value r = linalg::GenericOp::create(
                n.b, n.loc, RankedTensorType::get(outShape, acc), ins,
                zeroFilled(n, outShape, acc), maps, iters,
                [&](OpBuilder &b, Location l, ValueRange a) {
                  Value p = convertScalar(b, l, a[0], acc);
                  for (Value v : a.drop_front().drop_back())
                    p = isFloat ? b.createOrFold<arith::MulFOp>(
                                      l, p, convertScalar(b, l, v, acc))
                                : b.createOrFold<arith::MulIOp>(l, p, v);
                  Value sum =
                      isFloat ? b.createOrFold<arith::AddFOp>(l, a.back(), p)
                              : b.createOrFold<arith::AddIOp>(l, a.back(), p);
                  linalg::YieldOp::create(b, l, sum);
                })
                .getResult(0);
  return one(convertTensor(n, r, elt));
}

/// Pad (opset 11+: pads, constant_value, axes as inputs) in every mode, as
/// one gather over the output: out[i] = x[source(i - low)] or the pad value.
/// Negative pads crop.
Results pad(Node &n) {
  std::string mode = n.getString("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect" &&
      mode != "wrap") {
    n.emitError() << "mode '" << mode
                  << "' is not one of constant, edge, reflect, wrap";
    return failure();
  }
  Value x = n.input(0);
  auto type = n.type(0);
  int64_t rank = type.getRank();
  FailureOr<SmallVector<int64_t>> pads = n.constantInts(1, "pads");
  if (failed(pads))
    return failure();
  SmallVector<int64_t> axes;
  if (n.input(3)) {
    auto a = n.constantInts(3, "axes");
    if (failed(a))
      return failure();
    for (int64_t ax : *a) {
      FailureOr<int64_t> r = n.axis(ax, rank);
      if (failed(r))
        return failure();
      axes.push_back(*r);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  if (pads->size() != 2 * axes.size()) {
    n.emitError() << "pads has " << pads->size() << " entries for "
                  << axes.size() << " axes";
    return failure();
  }
  SmallVector<int64_t> low(rank, 0), shape(type.getShape());
  for (auto [i, a] : llvm::enumerate(axes)) {
    low[a] = (*pads)[i];
    shape[a] += (*pads)[i] + (*pads)[i + axes.size()];
    int64_t d = type.getDimSize(a);
    bool grows = (*pads)[i] > 0 || (*pads)[i + axes.size()] > 0;
    if (shape[a] < 0 || (grows && d == 0) ||
        (mode == "reflect" && grows &&
         std::max((*pads)[i], (*pads)[i + axes.size()]) >= d)) {
      n.emitError() << "pads on axis " << a << " do not fit its size " << d
                    << " in mode '" << mode << "'";
      return failure();
    }
  }
  Value padValue = n.input(2);
  if (padValue && n.type(2).getNumElements() != 1) {
    n.emitError() << "constant_value must hold one element";
    return failure();
  }
  Type elt = type.getElementType();
  return one(generic(
      n, shape, elt, {}, {},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
        auto idx = [&](int64_t v) -> Value {
          return arith::ConstantIndexOp::create(b, l, v);
        };
        Value inside;
        SmallVector<Value> at;
        for (int64_t d = 0; d < rank; ++d) {
          int64_t size = type.getDimSize(d);
          Value j = b.createOrFold<arith::SubIOp>(l, ivs[d], idx(low[d]));
          Value zero = idx(0), last = idx(size - 1);
          Value lt0 = b.createOrFold<arith::CmpIOp>(
              l, arith::CmpIPredicate::slt, j, zero);
          Value gtLast = b.createOrFold<arith::CmpIOp>(
              l, arith::CmpIPredicate::sgt, j, last);
          if (mode == "edge" || mode == "constant") {
            Value ok = b.createOrFold<arith::OrIOp>(l, lt0, gtLast);
            inside = inside ? b.createOrFold<arith::OrIOp>(l, inside, ok) : ok;
            j = b.createOrFold<arith::SelectOp>(l, lt0, zero, j);
            j = b.createOrFold<arith::SelectOp>(l, gtLast, last, j);
          } else if (mode == "reflect") {
            j = b.createOrFold<arith::SelectOp>(
                l, lt0, b.createOrFold<arith::SubIOp>(l, zero, j), j);
            Value mirrored =
                b.createOrFold<arith::SubIOp>(l, idx(2 * (size - 1)), j);
            j = b.createOrFold<arith::SelectOp>(l, gtLast, mirrored, j);
          } else { // wrap
            Value r = b.createOrFold<arith::RemSIOp>(l, j, idx(size));
            Value neg = b.createOrFold<arith::CmpIOp>(
                l, arith::CmpIPredicate::slt, r, zero);
            j = b.createOrFold<arith::SelectOp>(
                l, neg, b.createOrFold<arith::AddIOp>(l, r, idx(size)), r);
          }
          at.push_back(j);
        }
        Value v = b.createOrFold<tensor::ExtractOp>(l, x, at);
        if (mode != "constant")
          return v;
        Value fill;
        if (padValue) {
          SmallVector<Value> zeros(n.type(2).getRank(), idx(0));
          fill = b.createOrFold<tensor::ExtractOp>(l, padValue, zeros);
        } else {
          fill = arith::ConstantOp::create(b, l, b.getZeroAttr(elt));
        }
        return inside ? b.createOrFold<arith::SelectOp>(l, inside, fill, v) : v;
      }));
}
} // namespace

void mlir::tmix::onnx_to_tmix::addNeuralRules(RuleTable &t) {
  t.add("Conv", 1, conv, 2);
  t.add("Einsum", 12, einsum, 1);
  t.add("Pad", 11, pad, 2);
  t.add(
      "MatMul", 1,
      [](Node &n) -> Results {
        FailureOr<Value> r = matmul(n, n.input(0), n.input(1));
        if (failed(r))
          return failure();
        return one(*r);
      },
      2);
  t.add(
      "Gemm", 7,
      [](Node &n) -> Results {
        Value a = n.input(0), b = n.input(1), c = n.input(2);
        if (n.type(0).getRank() != 2 || n.type(1).getRank() != 2) {
          n.emitError() << "expects 2-D A and B";
          return failure();
        }
        if (n.getInt("transA", 0))
          a = transpose(n, a, {1, 0});
        if (n.getInt("transB", 0))
          b = transpose(n, b, {1, 0});
        FailureOr<Value> ab = matmul(n, a, b);
        if (failed(ab))
          return failure();
        double alpha = n.getFloat("alpha", 1.0), beta = n.getFloat("beta", 1.0);
        if (alpha == 1.0 && (!c || beta == 0.0))
          return one(*ab);
        Type elt = n.type(0).getElementType();
        SmallVector<Value> ins = {*ab};
        if (c && beta != 0.0)
          ins.push_back(c);
        FailureOr<Value> y = elementwise(
            n, ins, elt,
            [&](OpBuilder &bb, Location l, ValueRange, ValueRange x) {
              Value v = bb.createOrFold<arith::MulFOp>(
                  l, x[0], fconst(bb, l, elt, alpha));
              if (x.size() > 1)
                v = bb.createOrFold<arith::AddFOp>(
                    l, v,
                    bb.createOrFold<arith::MulFOp>(l, x[1],
                                                   fconst(bb, l, elt, beta)));
              return v;
            });
        if (failed(y))
          return failure();
        return one(*y);
      },
      2);
  t.add("Softmax", 1, softmax(false));
  t.add("LogSoftmax", 1, softmax(true));
  t.add(
      "LayerNormalization", 17,
      [](Node &n) { return normalization(n, /*rms=*/false); }, 2);
  t.add(
      "RMSNormalization", 23,
      [](Node &n) { return normalization(n, /*rms=*/true); }, 2);
  t.add("ReduceSum", 1, reduction(ReduceKind::Sum, 13));
  t.add("ReduceMean", 1, reduction(ReduceKind::Mean, 18));
  t.add("ReduceMax", 1, reduction(ReduceKind::Max, 18));
  t.add("ReduceMin", 1, reduction(ReduceKind::Min, 18));
  t.add("ReduceProd", 1, reduction(ReduceKind::Prod, 18));
  t.add("ReduceSumSquare", 1, reduction(ReduceKind::SumSquare, 18));
  t.add("ReduceL2", 1, reduction(ReduceKind::L2, 18));
  t.add("ReduceL1", 1, reduction(ReduceKind::L1, 18));
  t.add("ReduceLogSum", 1, reduction(ReduceKind::LogSum, 18));
  t.add("ReduceLogSumExp", 1, reduction(ReduceKind::LogSumExp, 18));
  t.add(
      "NegativeLogLikelihoodLoss", 12,
      [](Node &n) {
        return negativeLogLikelihood(n, n.input(0), n.input(1), n.input(2));
      },
      2);
  t.add(
      "SoftmaxCrossEntropyLoss", 12,
      [](Node &n) -> Results {
        auto type = n.type(0);
        if (!isa<FloatType>(type.getElementType()) || type.getRank() < 2) {
          n.emitError() << "expects float scores of rank >= 2, got " << type;
          return failure();
        }
        Type acc = accumulatorFor(type.getElementType());
        FailureOr<Value> logp = logSoftmax(n, n.input(0), 1, acc);
        if (failed(logp))
          return failure();
        Results loss = negativeLogLikelihood(n, *logp, n.input(1), n.input(2));
        if (failed(loss))
          return failure();
        FailureOr<Value> out = convertTensor(n, *logp, type.getElementType());
        if (failed(out))
          return failure();
        loss->push_back(*out);
        return loss;
      },
      2);
  t.add("ConvTranspose", 1, convTranspose, 2);
  t.add("MaxPool", 1, pool(Pooling::Max, /*global=*/false));
  t.add("AveragePool", 1, pool(Pooling::Average, /*global=*/false));
  t.add("LpPool", 1, pool(Pooling::Lp, /*global=*/false));
  t.add("GlobalMaxPool", 1, pool(Pooling::Max, /*global=*/true));
  t.add("GlobalAveragePool", 1, pool(Pooling::Average, /*global=*/true));
  t.add("GlobalLpPool", 2, pool(Pooling::Lp, /*global=*/true));
  t.add("ArgMax", 1, argExtreme(/*isMax=*/true));
  t.add("ArgMin", 1, argExtreme(/*isMax=*/false));
}
