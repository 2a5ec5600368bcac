//===- Quantize.cpp - ONNX quantization ops ---------------------*- C++ -*-===//
//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear and the integer
// products (MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv) with
// the ONNX reference's arithmetic: round half to even, saturation to the
// zero point's type, requantization in f64 as numpy computes it.
//
// A 2-D product with a 2-D B (after flattening A's leading dims) becomes
// one contraction generic over the 8-bit operands with the zero points
// subtracted in its body (`integerMatmul`); backends recognise that form
// and run it on integer dot-product hardware. Other shapes widen their
// operands to i32 first and reuse the numpy matmul.
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tmix::onnx_to_tmix;

namespace {

/// The [lo, hi] range of a quantized integer type.
std::pair<double, double> rangeOf(Type t) {
  unsigned w = t.getIntOrFloatBitWidth();
  if (isUnsigned(t))
    return {0.0, std::ldexp(1.0, w) - 1};
  return {-std::ldexp(1.0, w - 1), std::ldexp(1.0, w - 1) - 1};
}

/// Integers of 2 to 16 bits and the narrow float formats.
bool isQuantizedType(Type t) {
  auto i = dyn_cast<IntegerType>(t);
  return (i && i.getWidth() >= 2 && i.getWidth() <= 16) || isNarrowFloat(t);
}

/// The map from x's index space to a scale or zero point of `param`'s
/// shape: per tensor (a scalar or one element), per axis (1-D of the axis'
/// size) or blocked (x's rank, the axis divided into `blockSize` blocks).
FailureOr<AffineMap> paramMap(Node &n, RankedTensorType xt, Value param,
                              int64_t axis, int64_t blockSize, StringRef what) {
  auto pt = cast<RankedTensorType>(param.getType());
  MLIRContext *ctx = n.b.getContext();
  int64_t rank = xt.getRank();
  if (pt.getNumElements() == 1 && (pt.getRank() <= 1 || !blockSize))
    return AffineMap::get(
        rank, 0,
        SmallVector<AffineExpr>(pt.getRank(), getAffineConstantExpr(0, ctx)),
        ctx);
  FailureOr<int64_t> ax = n.axis(axis, rank);
  if (failed(ax))
    return failure();
  int64_t size = xt.getDimSize(*ax);
  if (!blockSize) {
    if (pt.getRank() != 1 || pt.getDimSize(0) != size) {
      n.emitError() << what << " has shape " << pt
                    << ": per-axis parameters need one value per element of "
                       "axis "
                    << *ax << " (" << size << ")";
      return failure();
    }
    return AffineMap::get(rank, 0, getAffineDimExpr(*ax, ctx), ctx);
  }
  if (blockSize < 0) {
    n.emitError() << "block_size must be positive, got " << blockSize;
    return failure();
  }
  SmallVector<AffineExpr> exprs;
  bool ok = pt.getRank() == rank;
  for (int64_t d = 0; ok && d < rank; ++d) {
    int64_t want = d == *ax ? (xt.getDimSize(d) + blockSize - 1) / blockSize
                            : xt.getDimSize(d);
    ok = pt.getDimSize(d) == want;
    exprs.push_back(d == *ax ? getAffineDimExpr(d, ctx).floorDiv(blockSize)
                             : getAffineDimExpr(d, ctx));
  }
  if (!ok) {
    n.emitError() << what << " has shape " << pt << ", which does not block "
                  << xt << " along axis " << *ax << " in blocks of "
                  << blockSize;
    return failure();
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// Every element of a constant scale must be positive and finite.
LogicalResult checkScale(Node &n, Value scale, StringRef what) {
  DenseElementsAttr c;
  if (!matchPattern(scale, m_Constant(&c)) ||
      !isa<FloatType>(c.getElementType()))
    return success();
  for (APFloat v : c.getValues<APFloat>())
    if (!v.isFiniteNonZero() || v.isNegative()) {
      SmallString<16> text;
      v.toString(text);
      n.emitError() << what << " holds " << text
                    << "; scales must be positive and finite";
      return failure();
    }
  return success();
}

/// x, its scale and its zero point (if any) with the maps that read them
/// from x's index space (the node's axis and block_size); scales checked.
LogicalResult quantizationInputs(Node &n, Value x, Value scale, Value zp,
                                 StringRef prefix, SmallVectorImpl<Value> &ins,
                                 SmallVectorImpl<AffineMap> &maps) {
  auto xt = cast<RankedTensorType>(x.getType());
  std::string scaleName = (prefix + "_scale").str();
  if (failed(checkScale(n, scale, scaleName)))
    return failure();
  int64_t axis = n.getInt("axis", 1), block = n.getInt("block_size", 0);
  ins.assign({x, scale});
  maps.assign({n.b.getMultiDimIdentityMap(xt.getRank())});
  FailureOr<AffineMap> sm = paramMap(n, xt, scale, axis, block, scaleName);
  if (failed(sm))
    return failure();
  maps.push_back(*sm);
  if (zp) {
    FailureOr<AffineMap> zm =
        paramMap(n, xt, zp, axis, block, (prefix + "_zero_point").str());
    if (failed(zm))
      return failure();
    ins.push_back(zp);
    maps.push_back(*zm);
  }
  return success();
}

/// A scalar float type for quantization arithmetic: f32, or f64 as asked.
Type computeType(Node &n, Type t) {
  return isa<Float64Type>(t) ? t : Type(n.b.getF32Type());
}

Results quantizeLinear(Node &n) {
  Value x = n.input(0), scale = n.input(1), zp = n.input(2);
  auto xt = n.type(0);
  Type xElt = xt.getElementType();
  if (!isa<FloatType>(xElt) && !xElt.isInteger(32)) {
    n.emitError() << "expects a float or int32 input, got " << xElt;
    return failure();
  }
  int64_t code = n.getInt("output_dtype", 0);
  Type out = zp          ? getElementTypeOrSelf(zp)
             : code == 0 ? Type(n.b.getIntegerType(8, false))
                         : onnxElementType(n.b, code);
  if (!out || !isQuantizedType(out)) {
    auto diag = n.emitError() << "quantizes to an unsupported type (";
    if (out)
      diag << out
           << "; 2- to 16-bit integers and float8/float4 formats are "
              "supported)";
    else
      diag << "output_dtype " << code << ")";
    return failure();
  }
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  if (failed(quantizationInputs(n, x, scale, zp, "y", ins, maps)))
    return failure();
  // `precision` (opset 25) names the type of the division; by default it
  // happens in x's type, as the reference's numpy does.
  Type div = isa<FloatType>(xElt) ? xElt : Type(n.b.getF32Type());
  if (int64_t p = n.getInt("precision", 0)) {
    div = p == 1    ? Type(n.b.getF32Type())
          : p == 10 ? Type(n.b.getF16Type())
          : p == 16 ? Type(n.b.getBF16Type())
          : p == 11 ? Type(n.b.getF64Type())
                    : Type();
    if (!div) {
      n.emitError() << "precision " << p << " is not a float type";
      return failure();
    }
  }
  bool toFloat = isNarrowFloat(out), saturate = n.getInt("saturate", 1);
  std::pair<double, double> range =
      toFloat ? std::pair{0.0, 0.0} : rangeOf(out);
  return one(generic(
      n, xt.getShape(), out, ins, maps,
      [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Type f = computeType(n, div);
        Value q = b.createOrFold<arith::DivFOp>(
            l, convertScalar(b, l, a[0], div), convertScalar(b, l, a[1], div));
        q = convertScalar(b, l, q, f);
        // Integers round here and saturate to their range; float formats
        // round (and saturate, or not) in the conversion.
        if (!toFloat)
          q = b.createOrFold<math::RoundEvenOp>(l, q);
        if (a.size() > 2)
          q = b.createOrFold<arith::AddFOp>(l, q,
                                            convertElement(b, l, a[2], out, f));
        if (toFloat)
          return convertElement(b, l, q, f, out, saturate);
        q = b.createOrFold<arith::MaximumFOp>(l, q,
                                              fconst(b, l, f, range.first));
        q = b.createOrFold<arith::MinimumFOp>(l, q,
                                              fconst(b, l, f, range.second));
        return convertScalar(b, l, q, out);
      }));
}

Results dequantizeLinear(Node &n) {
  Value x = n.input(0), scale = n.input(1), zp = n.input(2);
  auto xt = n.type(0);
  Type xElt = xt.getElementType();
  if (!(isQuantizedType(xElt) || xElt.isSignlessInteger(32))) {
    n.emitError() << "expects a 2- to 32-bit integer or float8/float4 input, "
                     "got "
                  << xElt;
    return failure();
  }
  if (zp && getElementTypeOrSelf(zp) != xElt) {
    n.emitError() << "x_zero_point has type " << getElementTypeOrSelf(zp)
                  << " but x has " << xElt;
    return failure();
  }
  Type out = getElementTypeOrSelf(scale);
  if (!isa<FloatType>(out)) {
    n.emitError() << "x_scale must be a float tensor, got " << out;
    return failure();
  }
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  if (failed(quantizationInputs(n, x, scale, zp, "x", ins, maps)))
    return failure();
  return one(generic(n, xt.getShape(), out, ins, maps,
                     [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                       // (float(x) - float(zp)) * scale in f32, as the
                       // reference does.
                       Type f = computeType(n, out);
                       Value v = convertElement(b, l, a[0], xElt, f);
                       if (a.size() > 2)
                         v = b.createOrFold<arith::SubFOp>(
                             l, v, convertElement(b, l, a[2], xElt, f));
                       v = b.createOrFold<arith::MulFOp>(
                           l, v, convertScalar(b, l, a[1], f));
                       return convertScalar(b, l, v, out);
                     }));
}

/// min(0, min x) or max(0, max x) as a rank-0 f32 tensor. Tensors of
/// rank 2 or more reduce their last dim row by row first (a reduction the
/// CPU splits over its cores), then the row extremes: one full reduction
/// ran on one core, 10% of a BERT-base pass at L=512. (One generic with
/// both extremes as results was measured 8x slower.)
Value extremeWithZero(Node &n, Value x, bool isMax) {
  Type f32 = n.b.getF32Type();
  MLIRContext *ctx = n.b.getContext();
  auto reduceLast = [&](Value in, bool all) {
    auto t = cast<RankedTensorType>(in.getType());
    int64_t rank = t.getRank();
    SmallVector<int64_t> outShape;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iters;
    for (int64_t d = 0; d < rank; ++d) {
      bool reduced = all || d + 1 == rank;
      iters.push_back(reduced ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);
      if (!reduced) {
        outShape.push_back(t.getDimSize(d));
        outExprs.push_back(getAffineDimExpr(d, ctx));
      }
    }
    Value empty = tensor::EmptyOp::create(n.b, n.loc, outShape, f32);
    Value zero = fconst(n.b, n.loc, f32, 0.0);
    Value init = linalg::FillOp::create(n.b, n.loc, zero, empty).getResult(0);
    return linalg::GenericOp::create(
               n.b, n.loc, init.getType(), in, init,
               {n.b.getMultiDimIdentityMap(rank),
                AffineMap::get(rank, 0, outExprs, ctx)},
               iters,
               [&](OpBuilder &b, Location l, ValueRange a) {
                 Value v = convertScalar(b, l, a[0], f32);
                 Value r = isMax
                               ? b.createOrFold<arith::MaximumFOp>(l, a[1], v)
                               : b.createOrFold<arith::MinimumFOp>(l, a[1], v);
                 linalg::YieldOp::create(b, l, r);
               })
        .getResult(0);
  };
  auto xt = cast<RankedTensorType>(x.getType());
  if (xt.getRank() < 2)
    return reduceLast(x, /*all=*/true);
  return reduceLast(reduceLast(x, /*all=*/false), /*all=*/true);
}

/// DynamicQuantizeLinear of `x`: {uint8 values, scale, zero point}.
Results dynamicQuantize(Node &n, Value x) {
  auto xt = cast<RankedTensorType>(x.getType());
  if (!xt.getElementType().isF32()) {
    n.emitError() << "expects a float32 input, got " << xt.getElementType();
    return failure();
  }
  Type f32 = n.b.getF32Type(), u8 = n.b.getIntegerType(8, false);
  Value hi = extremeWithZero(n, x, /*isMax=*/true);
  Value lo = extremeWithZero(n, x, /*isMax=*/false);
  MLIRContext *ctx = n.b.getContext();
  AffineMap scalar0 = AffineMap::get(0, 0, {}, ctx);
  // scale = (max - min) / 255, or 1/255 when the range is empty.
  Value scale =
      generic(n, {}, f32, {hi, lo}, {scalar0, scalar0},
              [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                Value range = b.createOrFold<arith::SubFOp>(l, a[0], a[1]);
                Value empty = b.createOrFold<arith::CmpFOp>(
                    l, arith::CmpFPredicate::OEQ, a[0], a[1]);
                range = b.createOrFold<arith::SelectOp>(
                    l, empty, fconst(b, l, f32, 1), range);
                return b.createOrFold<arith::DivFOp>(l, range,
                                                     fconst(b, l, f32, 255.0));
              });
  // zp = round(clip(0 - min / scale, 0, 255)), kept as f32 for the next step.
  Value zpF = generic(
      n, {}, f32, {lo, scale}, {scalar0, scalar0},
      [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value z = b.createOrFold<arith::SubFOp>(
            l, fconst(b, l, f32, 0),
            b.createOrFold<arith::DivFOp>(l, a[0], a[1]));
        z = b.createOrFold<arith::MaximumFOp>(l, z, fconst(b, l, f32, 0));
        z = b.createOrFold<arith::MinimumFOp>(l, z, fconst(b, l, f32, 255));
        return b.createOrFold<math::RoundEvenOp>(l, z);
      });
  AffineMap scalarX = AffineMap::get(xt.getRank(), 0, {}, ctx);
  Value y = generic(
      n, xt.getShape(), u8, {x, scale, zpF},
      {n.b.getMultiDimIdentityMap(xt.getRank()), scalarX, scalarX},
      [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value q = b.createOrFold<math::RoundEvenOp>(
            l, b.createOrFold<arith::DivFOp>(l, a[0], a[1]));
        q = b.createOrFold<arith::AddFOp>(l, q, a[2]);
        q = b.createOrFold<arith::MaximumFOp>(l, q, fconst(b, l, f32, 0));
        q = b.createOrFold<arith::MinimumFOp>(l, q, fconst(b, l, f32, 255));
        return convertScalar(b, l, q, u8);
      });
  Value zp = generic(n, {}, u8, {zpF}, {scalar0},
                     [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                       return convertScalar(b, l, a[0], u8);
                     });
  return SmallVector<Value>{y, scale, zp};
}

Results dynamicQuantizeLinear(Node &n) {
  return dynamicQuantize(n, n.input(0));
}

/// ext(x) - ext(zp) as i32, zp broadcast as `zpShape` (numpy rules).
FailureOr<Value> widened(Node &n, Value x, Value zp) {
  Type i32 = n.b.getI32Type();
  bool uns = isUnsigned(getElementTypeOrSelf(x));
  SmallVector<Value> ins = {x};
  if (zp)
    ins.push_back(zp);
  return elementwise(n, ins, i32,
                     [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
                       Value v = convertScalar(b, l, a[0], i32, uns);
                       if (a.size() > 1)
                         v = b.createOrFold<arith::SubIOp>(
                             l, v, convertScalar(b, l, a[1], i32, uns));
                       return v;
                     });
}

/// A zero point as a rank-0 tensor when it holds one element.
Value asScalar(Node &n, Value zp) {
  auto t = cast<RankedTensorType>(zp.getType());
  return t.getNumElements() == 1 ? reshape(n, zp, {}) : zp;
}

/// The integer product of MatMulInteger: (A - a_zp) (B - b_zp) in i32,
/// numpy-batched. a_zp is a scalar or per row of A, b_zp a scalar or per
/// column of B.
FailureOr<Value> integerMatmul(Node &n, Value a, Value b, Value azp,
                               Value bzp) {
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(b.getType());
  for (Value v : {a, b})
    if (!getElementTypeOrSelf(v).isInteger(8)) {
      n.emitError() << "expects int8 or uint8 operands, got "
                    << getElementTypeOrSelf(v);
      return failure();
    }
  for (auto [zp, x] : {std::pair{azp, a}, std::pair{bzp, b}})
    if (zp && getElementTypeOrSelf(zp) != getElementTypeOrSelf(x)) {
      n.emitError() << "zero point of type " << getElementTypeOrSelf(zp)
                    << " does not match its operand's "
                    << getElementTypeOrSelf(x);
      return failure();
    }
  if (at.getRank() < 1 || bt.getRank() < 1 ||
      at.getShape().back() !=
          bt.getDimSize(bt.getRank() == 1 ? 0 : bt.getRank() - 2)) {
    n.emitError() << "contraction dimensions differ: " << at << " x " << bt;
    return failure();
  }
  // A per-row zero point of a 2-D A is 1-D: align it with A's rows.
  if (azp) {
    azp = asScalar(n, azp);
    auto zt = cast<RankedTensorType>(azp.getType());
    if (zt.getRank() == 1)
      azp = reshape(n, azp, {zt.getDimSize(0), 1});
  }
  if (bzp)
    bzp = asScalar(n, bzp);
  auto rank0 = [](Value v) {
    return !v || cast<RankedTensorType>(v.getType()).getRank() == 0;
  };
  auto perColumn = [&](Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    return t.getRank() == 1 && bt.getRank() == 2 &&
           t.getDimSize(0) == bt.getDimSize(1);
  };
  if (at.getRank() >= 2 && bt.getRank() == 2 && rank0(azp) &&
      (rank0(bzp) || perColumn(bzp))) {
    // The contraction form backends recognise.
    int64_t k = at.getShape().back(), nn = bt.getDimSize(1);
    int64_t rows = at.getNumElements() / k;
    Value a2 = reshape(n, a, {rows, k});
    Type i32 = n.b.getI32Type();
    MLIRContext *ctx = n.b.getContext();
    AffineExpr m = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx),
               kk = getAffineDimExpr(2, ctx);
    SmallVector<Value> ins = {
        bitcastElements(n, a2, signless(at.getElementType())),
        bitcastElements(n, b, signless(bt.getElementType()))};
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, kk}, ctx),
                                   AffineMap::get(3, 0, {kk, j}, ctx)};
    for (auto [zp, expr] : {std::pair{azp, m}, std::pair{bzp, j}}) {
      if (!zp)
        continue;
      bool scalar = rank0(zp);
      ins.push_back(bitcastElements(n, zp, signless(getElementTypeOrSelf(zp))));
      maps.push_back(scalar ? AffineMap::get(3, 0, {}, ctx)
                            : AffineMap::get(3, 0, {expr}, ctx));
    }
    maps.push_back(AffineMap::get(3, 0, {m, j}, ctx));
    Value empty = tensor::EmptyOp::create(n.b, n.loc, {rows, nn}, i32);
    Value zero =
        arith::ConstantOp::create(n.b, n.loc, n.b.getI32IntegerAttr(0));
    Value init = linalg::FillOp::create(n.b, n.loc, zero, empty).getResult(0);
    bool aU = isUnsigned(at.getElementType()),
         bU = isUnsigned(bt.getElementType());
    bool hasA = static_cast<bool>(azp), hasB = static_cast<bool>(bzp);
    Value product =
        linalg::GenericOp::create(
            n.b, n.loc, init.getType(), ins, init, maps,
            {utils::IteratorType::parallel, utils::IteratorType::parallel,
             utils::IteratorType::reduction},
            [&](OpBuilder &bb, Location l, ValueRange args) {
              Value x = convertScalar(bb, l, args[0], i32, aU);
              Value y = convertScalar(bb, l, args[1], i32, bU);
              unsigned next = 2;
              if (hasA)
                x = arith::SubIOp::create(
                    bb, l, x, convertScalar(bb, l, args[next++], i32, aU));
              if (hasB)
                y = arith::SubIOp::create(
                    bb, l, y, convertScalar(bb, l, args[next++], i32, bU));
              Value p = arith::MulIOp::create(bb, l, x, y);
              Value sum = arith::AddIOp::create(bb, l, args.back(), p);
              linalg::YieldOp::create(bb, l, sum);
            })
            .getResult(0);
    SmallVector<int64_t> shape(at.getShape().drop_back());
    shape.push_back(nn);
    return reshape(n, product, shape);
  }
  FailureOr<Value> a32 = widened(n, a, azp);
  FailureOr<Value> b32 = widened(n, b, bzp);
  if (failed(a32) || failed(b32))
    return failure();
  FailureOr<Value> r = matmulOf(n, *a32, *b32);
  return r;
}

/// round(acc * (sa * sb / sy)) + zy, saturated to zy's type: the
/// requantization of QLinearMatMul and QLinearConv, in f64 as numpy
/// computes an int32 array times float32 scales. `sbMap` places b's scale
/// (per output column or channel).
FailureOr<Value> requantize(Node &n, Value acc, Value sa, Value sb,
                            AffineMap sbMap, Value sy, Value zy, Type out) {
  auto t = cast<RankedTensorType>(acc.getType());
  MLIRContext *ctx = n.b.getContext();
  int64_t rank = t.getRank();
  AffineMap scalar = AffineMap::get(rank, 0, {}, ctx);
  SmallVector<Value> ins = {acc, asScalar(n, sa), sb, asScalar(n, sy)};
  SmallVector<AffineMap> maps = {n.b.getMultiDimIdentityMap(rank), scalar,
                                 sbMap, scalar};
  for (Value s : {ins[1], ins[3]})
    if (cast<RankedTensorType>(s.getType()).getRank() != 0) {
      n.emitError() << "a_scale/x_scale and y_scale must be scalars, got "
                    << s.getType();
      return failure();
    }
  if (zy) {
    ins.push_back(asScalar(n, zy));
    if (cast<RankedTensorType>(ins.back().getType()).getRank() != 0) {
      n.emitError() << "y_zero_point must be a scalar";
      return failure();
    }
    maps.push_back(scalar);
  }
  Type scaleType = getElementTypeOrSelf(sa);
  Type f64 = n.b.getF64Type();
  bool zyU = isUnsigned(out);
  double lo = rangeOf(out).first, hi = rangeOf(out).second;
  return generic(
      n, t.getShape(), out, ins, maps,
      [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value factor = b.createOrFold<arith::DivFOp>(
            l,
            b.createOrFold<arith::MulFOp>(l, a[1],
                                          convertScalar(b, l, a[2], scaleType)),
            convertScalar(b, l, a[3], scaleType));
        Value v =
            b.createOrFold<arith::MulFOp>(l, convertScalar(b, l, a[0], f64),
                                          convertScalar(b, l, factor, f64));
        if (a.size() > 4)
          v = b.createOrFold<arith::AddFOp>(
              l, v, convertScalar(b, l, a[4], f64, zyU));
        v = b.createOrFold<math::RoundEvenOp>(l, v);
        v = b.createOrFold<arith::MaximumFOp>(l, v, fconst(b, l, f64, lo));
        v = b.createOrFold<arith::MinimumFOp>(l, v, fconst(b, l, f64, hi));
        return convertScalar(b, l, v, out);
      });
}

/// b's scale: a scalar, or one per output column (`columns` long) placed
/// on `dim` of an accumulator of `rank`.
FailureOr<std::pair<Value, AffineMap>>
perChannelScale(Node &n, Value s, int64_t columns, int64_t dim, int64_t rank,
                StringRef what) {
  MLIRContext *ctx = n.b.getContext();
  s = asScalar(n, s);
  auto t = cast<RankedTensorType>(s.getType());
  if (t.getRank() == 0)
    return std::pair{s, AffineMap::get(rank, 0, {}, ctx)};
  if (t.getRank() == 1 && t.getDimSize(0) == columns)
    return std::pair{s,
                     AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx), ctx)};
  n.emitError() << what << " has shape " << t << "; expected a scalar or "
                << columns << " values";
  return failure();
}

Results qlinearMatmul(Node &n) {
  Value a = n.input(0), sa = n.input(1), za = n.input(2), b = n.input(3),
        sb = n.input(4), zb = n.input(5), sy = n.input(6), zy = n.input(7);
  for (auto [s, what] : {std::pair{sa, "a_scale"}, std::pair{sb, "b_scale"},
                         std::pair{sy, "y_scale"}})
    if (failed(checkScale(n, s, what)))
      return failure();
  FailureOr<Value> acc = integerMatmul(n, a, b, za, zb);
  if (failed(acc))
    return failure();
  Type out = zy ? getElementTypeOrSelf(zy) : getElementTypeOrSelf(a);
  auto t = cast<RankedTensorType>(acc->getType());
  FailureOr<std::pair<Value, AffineMap>> sbm = perChannelScale(
      n, sb, t.getShape().back(), t.getRank() - 1, t.getRank(), "b_scale");
  if (failed(sbm))
    return failure();
  return one(requantize(n, *acc, sa, sbm->first, sbm->second, sy, zy, out));
}

/// x and w widened with their zero points subtracted (w's per output
/// channel), for ConvInteger and QLinearConv.
FailureOr<std::pair<Value, Value>>
widenedConvOperands(Node &n, Value x, Value xzp, Value w, Value wzp) {
  for (Value v : {x, w})
    if (!getElementTypeOrSelf(v).isInteger(8)) {
      n.emitError() << "expects int8 or uint8 input and weight, got "
                    << getElementTypeOrSelf(v);
      return failure();
    }
  if (xzp)
    xzp = asScalar(n, xzp);
  if (xzp && cast<RankedTensorType>(xzp.getType()).getRank() != 0) {
    n.emitError() << "x_zero_point must be a scalar";
    return failure();
  }
  if (wzp) {
    wzp = asScalar(n, wzp);
    auto zt = cast<RankedTensorType>(wzp.getType());
    auto wt = cast<RankedTensorType>(w.getType());
    if (zt.getRank() == 1 && zt.getDimSize(0) == wt.getDimSize(0)) {
      SmallVector<int64_t> s(wt.getRank(), 1);
      s[0] = wt.getDimSize(0);
      wzp = reshape(n, wzp, s);
    } else if (zt.getRank() != 0) {
      n.emitError() << "w_zero_point has shape " << zt
                    << "; expected a scalar or one per output channel";
      return failure();
    }
  }
  FailureOr<Value> x32 = widened(n, x, xzp), w32 = widened(n, w, wzp);
  if (failed(x32) || failed(w32))
    return failure();
  return std::pair{*x32, *w32};
}

Results convInteger(Node &n) {
  FailureOr<std::pair<Value, Value>> ops =
      widenedConvOperands(n, n.input(0), n.input(2), n.input(1), n.input(3));
  if (failed(ops))
    return failure();
  return convOf(n, ops->first, ops->second, Value());
}

Results qlinearConv(Node &n) {
  Value x = n.input(0), sx = n.input(1), zx = n.input(2), w = n.input(3),
        sw = n.input(4), zw = n.input(5), sy = n.input(6), zy = n.input(7),
        bias = n.input(8);
  for (auto [s, what] : {std::pair{sx, "x_scale"}, std::pair{sw, "w_scale"},
                         std::pair{sy, "y_scale"}})
    if (failed(checkScale(n, s, what)))
      return failure();
  if (bias && !getElementTypeOrSelf(bias).isInteger(32)) {
    n.emitError() << "bias must be int32, got " << getElementTypeOrSelf(bias);
    return failure();
  }
  FailureOr<std::pair<Value, Value>> ops = widenedConvOperands(n, x, zx, w, zw);
  if (failed(ops))
    return failure();
  Results acc = convOf(n, ops->first, ops->second, bias);
  if (failed(acc))
    return failure();
  Value r = (*acc)[0];
  auto t = cast<RankedTensorType>(r.getType());
  FailureOr<std::pair<Value, AffineMap>> swm =
      perChannelScale(n, sw, t.getDimSize(1), 1, t.getRank(), "w_scale");
  if (failed(swm))
    return failure();
  Type out = zy ? getElementTypeOrSelf(zy) : getElementTypeOrSelf(x);
  return one(requantize(n, r, sx, swm->first, swm->second, sy, zy, out));
}

Results matmulInteger(Node &n) {
  return one(integerMatmul(n, n.input(0), n.input(1), n.input(2), n.input(3)));
}

/// float(acc) * a_scale * b_scale (+ bias) in the scales' type: a_scale one
/// value, b_scale one value or one per column (acc's last dim).
Results scaledProduct(Node &n, Value acc, Value aScale, Value bScale,
                      Value bias) {
  Type out = getElementTypeOrSelf(bScale);
  int64_t cols = cast<RankedTensorType>(acc.getType()).getShape().back();
  auto count = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getNumElements();
  };
  if (!isa<FloatType>(out) || getElementTypeOrSelf(aScale) != out ||
      count(aScale) != 1 || (count(bScale) != 1 && count(bScale) != cols) ||
      (bias && (getElementTypeOrSelf(bias) != out || count(bias) != cols))) {
    n.emitError() << "expects a one-value a_scale, a b_scale of one value or "
                     "one per output column ("
                  << cols << ") and a bias of " << cols
                  << " values, all of one float type";
    return failure();
  }
  if (failed(checkScale(n, aScale, "a_scale")) ||
      failed(checkScale(n, bScale, "b_scale")))
    return failure();
  SmallVector<Value> ins = {
      acc, reshape(n, aScale, {}),
      reshape(n, bScale, {count(bScale) == 1 ? 1 : cols})};
  if (bias)
    ins.push_back(reshape(n, bias, {cols}));
  Type f = computeType(n, out);
  return one(elementwise(
      n, ins, out, [&](OpBuilder &b, Location l, ValueRange, ValueRange a) {
        Value v = convertScalar(b, l, a[0], f);
        v = b.createOrFold<arith::MulFOp>(
            l, v,
            b.createOrFold<arith::MulFOp>(l, convertScalar(b, l, a[1], f),
                                          convertScalar(b, l, a[2], f)));
        if (a.size() > 3)
          v = b.createOrFold<arith::AddFOp>(l, v, convertScalar(b, l, a[3], f));
        return convertScalar(b, l, v, out);
      }));
}

/// com.microsoft DynamicQuantizeMatMul: A quantized per tensor to uint8 as
/// DynamicQuantizeLinear does, the integer product with B, then scaled.
Results dynamicQuantizeMatmul(Node &n) {
  Results q = dynamicQuantize(n, n.input(0));
  if (failed(q))
    return failure();
  Value a = (*q)[0], aScale = (*q)[1], aZp = (*q)[2];
  FailureOr<Value> acc = integerMatmul(n, a, n.input(1), aZp, n.input(3));
  if (failed(acc))
    return failure();
  return scaledProduct(n, *acc, aScale, n.input(2), n.input(4));
}

/// com.microsoft MatMulIntegerToFloat: (A - a_zp)(B - b_zp) * a_scale *
/// b_scale (+ bias).
Results matmulIntegerToFloat(Node &n) {
  FailureOr<Value> acc =
      integerMatmul(n, n.input(0), n.input(1), n.input(4), n.input(5));
  if (failed(acc))
    return failure();
  return scaledProduct(n, *acc, n.input(2), n.input(3), n.input(6));
}

/// com.microsoft MatMulNBits: A [.., K] times B^T, B [N, K] stored as
/// `bits`-bit values (low bits first) in blocks of `block_size` along K,
/// each block with its scale and zero point (packed like B, or float;
/// 2^(bits-1) when absent). The weights dequantize to [K, N] in A's type,
/// then an ordinary matmul (and bias).
Results matmulNBits(Node &n) {
  Value a = n.input(0), q = n.input(1), scales = n.input(2), zps = n.input(3);
  int64_t K = n.getInt("K", 0), N = n.getInt("N", 0),
          bits = n.getInt("bits", 4), bs = n.getInt("block_size", 0);
  auto at = n.type(0), qt = n.type(1);
  Type elt = at.getElementType();
  if (n.input(4)) {
    n.emitError() << "g_idx (act-order) is not supported";
    return failure();
  }
  if ((bits != 2 && bits != 4 && bits != 8) || bs < 16 || (bs & (bs - 1)) ||
      K <= 0 || N <= 0) {
    n.emitError() << "expects bits 2, 4 or 8, a power-of-two block_size >= "
                     "16 and positive K and N; got bits "
                  << bits << ", block_size " << bs << ", K " << K << ", N "
                  << N;
    return failure();
  }
  int64_t blocks = (K + bs - 1) / bs, blob = bs * bits / 8;
  int64_t perByte = 8 / bits;
  if (!isa<FloatType>(elt) || at.getShape().back() != K ||
      !getElementTypeOrSelf(q).isInteger(8) ||
      qt.getShape() != ArrayRef<int64_t>{N, blocks, blob} ||
      n.type(2).getNumElements() != N * blocks ||
      n.type(2).getElementType() != elt) {
    n.emitError() << "A " << at << ", B " << qt << " and scales " << n.type(2)
                  << " do not fit K = " << K << ", N = " << N
                  << ", block_size = " << bs << ", bits = " << bits;
    return failure();
  }
  bool floatZp = zps && isa<FloatType>(getElementTypeOrSelf(zps));
  int64_t zpRow = (blocks * bits + 7) / 8;
  if (zps && n.type(3).getNumElements() != (floatZp ? N * blocks : N * zpRow)) {
    n.emitError() << "zero_points " << n.type(3) << " do not fit " << N
                  << " rows of " << blocks << " blocks";
    return failure();
  }
  MLIRContext *ctx = n.b.getContext();
  AffineExpr k = getAffineDimExpr(0, ctx), col = getAffineDimExpr(1, ctx);
  AffineExpr block = k.floorDiv(bs);
  SmallVector<Value> ins = {bitcastElements(n, q, n.b.getI8Type()),
                            reshape(n, scales, {N * blocks})};
  SmallVector<AffineMap> maps = {
      AffineMap::get(2, 0, {col, block, (k % bs).floorDiv(perByte)}, ctx),
      AffineMap::get(2, 0, {col * blocks + block}, ctx)};
  if (zps) {
    Value flat = reshape(n, zps, {n.type(3).getNumElements()});
    ins.push_back(floatZp ? flat : bitcastElements(n, flat, n.b.getI8Type()));
    maps.push_back(
        AffineMap::get(2, 0,
                       {floatZp ? col * blocks + block
                                : col * zpRow + (block * bits).floorDiv(8)},
                       ctx));
  }
  Type f = accumulatorFor(elt), i32 = n.b.getI32Type();
  Value w = generic(
      n, {K, N}, elt, ins, maps,
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange v) {
        auto field = [&](Value byte, Value index) {
          // The `bits`-bit field number `index % perByte` of `byte`.
          Value shift = b.createOrFold<arith::MulIOp>(
              l,
              b.createOrFold<arith::RemUIOp>(
                  l, index, arith::ConstantIndexOp::create(b, l, perByte)),
              arith::ConstantIndexOp::create(b, l, bits));
          Value x = b.createOrFold<arith::ShRUIOp>(
              l, b.createOrFold<arith::ExtUIOp>(l, i32, byte),
              b.createOrFold<arith::IndexCastOp>(l, i32, shift));
          return b.createOrFold<arith::AndIOp>(
              l, x,
              arith::ConstantOp::create(b, l,
                                        b.getI32IntegerAttr((1 << bits) - 1)));
        };
        Value within = b.createOrFold<arith::RemUIOp>(
            l, ivs[0], arith::ConstantIndexOp::create(b, l, bs));
        Value value = convertScalar(b, l, field(v[0], within), f);
        Value blk = b.createOrFold<arith::DivUIOp>(
            l, ivs[0], arith::ConstantIndexOp::create(b, l, bs));
        Value zp = fconst(b, l, f, 1 << (bits - 1));
        if (zps)
          zp = floatZp ? convertScalar(b, l, v[2], f)
                       : convertScalar(b, l, field(v[2], blk), f);
        Value d = b.createOrFold<arith::MulFOp>(
            l, b.createOrFold<arith::SubFOp>(l, value, zp),
            convertScalar(b, l, v[1], f));
        return convertScalar(b, l, d, elt);
      });
  FailureOr<Value> y = matmulOf(n, a, w);
  if (failed(y))
    return failure();
  if (!n.input(5))
    return one(*y);
  return one(
      elementwise(n, {*y, n.input(5)}, elt,
                  [&](OpBuilder &b, Location l, ValueRange, ValueRange v) {
                    return convertScalar(b, l,
                                         b.createOrFold<arith::AddFOp>(
                                             l, convertScalar(b, l, v[0], f),
                                             convertScalar(b, l, v[1], f)),
                                         elt);
                  }));
}

} // namespace

void mlir::tmix::onnx_to_tmix::addQuantizationRules(RuleTable &t) {
  t.add("QuantizeLinear", 10, quantizeLinear, 2);
  t.add("DequantizeLinear", 10, dequantizeLinear, 2);
  t.add("DynamicQuantizeLinear", 11, dynamicQuantizeLinear);
  t.add("MatMulInteger", 10, matmulInteger, 2);
  t.add("QLinearMatMul", 10, qlinearMatmul, 8);
  t.add("ConvInteger", 10, convInteger, 2);
  t.add("QLinearConv", 10, qlinearConv, 8);
  // ONNX Runtime's contrib ops for quantized transformers.
  t.add("DynamicQuantizeMatMul", 1, dynamicQuantizeMatmul, 3, "com.microsoft");
  t.add("MatMulIntegerToFloat", 1, matmulIntegerToFloat, 4, "com.microsoft");
  t.add("MatMulNBits", 1, matmulNBits, 3, "com.microsoft");
}
