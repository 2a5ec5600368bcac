//===- ElementTypes.cpp - conversions between ONNX element types -*- C++ -*-=//
//
// The 8- and 4-bit float formats (float8 e4m3fn/e4m3fnuz/e5m2/e5m2fnuz,
// e8m0, float4 e2m1) have no LLVM arithmetic: bodies see their bits as
// signless integers of the same width. Decoding reads a table of the
// format's values (computed with APFloat); encoding rounds an f32 to
// nearest-even with integer operations, saturating or not as the ONNX Cast
// rules say (the reference is ml_dtypes, which ONNX's reference uses).
//
//===----------------------------------------------------------------------===//

#include "Rules.h"

using namespace mlir;
using namespace mlir::tmix::onnx_to_tmix;

using IP = arith::CmpIPredicate;
using FP = arith::CmpFPredicate;

bool mlir::tmix::onnx_to_tmix::isNarrowFloat(Type t) {
  return isa<Float8E4M3FNType, Float8E4M3FNUZType, Float8E5M2Type,
             Float8E5M2FNUZType, Float4E2M1FNType, Float8E8M0FNUType>(t);
}

namespace {

/// The layout of a narrow float format.
struct Format {
  unsigned width, mantissa;
  int bias;
  bool hasSign, hasInf, nanIsNegZero, hasNaN;
  /// The largest finite magnitude's code (without the sign bit).
  uint32_t maxCode;
};

Format formatOf(Type t) {
  if (isa<Float8E4M3FNType>(t))
    return {8, 3, 7, true, false, false, true, 0x7E};
  if (isa<Float8E4M3FNUZType>(t))
    return {8, 3, 8, true, false, true, true, 0x7F};
  if (isa<Float8E5M2Type>(t))
    return {8, 2, 15, true, true, false, true, 0x7B};
  if (isa<Float8E5M2FNUZType>(t))
    return {8, 2, 16, true, false, true, true, 0x7F};
  if (isa<Float4E2M1FNType>(t))
    return {4, 1, 1, true, false, false, false, 0x7};
  return {8, 0, 127, false, false, false, true, 0xFE}; // e8m0
}

Value i32c(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantOp::create(b, l, b.getI32IntegerAttr(v));
}

/// The f32 value of every code of `t`, as a constant table.
Value decodeTable(OpBuilder &b, Location l, FloatType t) {
  unsigned width = t.getWidth();
  SmallVector<float> values;
  for (uint64_t code = 0; code < (1u << width); ++code) {
    APFloat v(t.getFloatSemantics(), APInt(width, code));
    bool lost;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(v.convertToFloat());
  }
  auto type = RankedTensorType::get({(int64_t)values.size()}, b.getF32Type());
  return arith::ConstantOp::create(
      b, l, DenseElementsAttr::get(type, ArrayRef<float>(values)));
}

Value decodeNarrow(OpBuilder &b, Location l, Value bits, FloatType t) {
  Value idx = b.createOrFold<arith::IndexCastUIOp>(l, b.getIndexType(), bits);
  return b.createOrFold<tensor::ExtractOp>(l, decodeTable(b, l, t),
                                           ValueRange{idx});
}

/// e8m0: the f32 exponent, rounded by `mode` ("up": any fraction goes up,
/// "nearest", "down"); NaN and Inf give 0xFF; saturation keeps 0xFE.
Value encodeE8M0(OpBuilder &b, Location l, Value x, bool saturate,
                 StringRef mode) {
  Value bits = arith::BitcastOp::create(b, l, b.getI32Type(), x);
  Value exp = b.createOrFold<arith::AndIOp>(
      l, b.createOrFold<arith::ShRUIOp>(l, bits, i32c(b, l, 23)),
      i32c(b, l, 0xFF));
  Value special =
      b.createOrFold<arith::CmpIOp>(l, IP::eq, exp, i32c(b, l, 0xFF));
  Value up = i32c(b, l, 0);
  if (mode == "up") {
    Value frac = b.createOrFold<arith::AndIOp>(l, bits, i32c(b, l, 0x7FFFFF));
    up = b.createOrFold<arith::ExtUIOp>(
        l, b.getI32Type(),
        b.createOrFold<arith::CmpIOp>(l, IP::ne, frac, i32c(b, l, 0)));
  } else if (mode == "nearest") {
    auto bit = [&](uint32_t mask) {
      return b.createOrFold<arith::CmpIOp>(
          l, IP::ne, b.createOrFold<arith::AndIOp>(l, bits, i32c(b, l, mask)),
          i32c(b, l, 0));
    };
    Value g = bit(0x400000), r = bit(0x200000), s = bit(0x1FFFFF);
    Value lsb = b.createOrFold<arith::CmpIOp>(l, IP::ugt, exp, i32c(b, l, 0));
    Value roundUp = b.createOrFold<arith::AndIOp>(
        l, g,
        b.createOrFold<arith::OrIOp>(l, b.createOrFold<arith::OrIOp>(l, r, s),
                                     lsb));
    up = b.createOrFold<arith::ExtUIOp>(l, b.getI32Type(), roundUp);
  }
  if (saturate)
    up = b.createOrFold<arith::SelectOp>(
        l, b.createOrFold<arith::CmpIOp>(l, IP::eq, exp, i32c(b, l, 0xFE)),
        i32c(b, l, 0), up);
  Value e = b.createOrFold<arith::AddIOp>(l, exp, up);
  e = b.createOrFold<arith::SelectOp>(l, special, i32c(b, l, 0xFF), e);
  return b.createOrFold<arith::TruncIOp>(l, b.getI8Type(), e);
}

/// f32 `x` rounded to nearest-even in format `t`; values beyond the largest
/// finite one saturate to it, or (without `saturate`) become Inf (e5m2) or
/// NaN. float4 always saturates and maps NaN to -0 (ml_dtypes).
Value encodeNarrow(OpBuilder &b, Location l, Value x, FloatType t,
                   bool saturate, StringRef roundMode) {
  if (isa<Float8E8M0FNUType>(t))
    return encodeE8M0(b, l, x, saturate, roundMode);
  Format f = formatOf(t);
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  if (!f.hasNaN)
    saturate = true;
  APFloat maxValue = APFloat::getLargest(t.getFloatSemantics());
  bool lost;
  maxValue.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
  Value bits = arith::BitcastOp::create(b, l, i32, x);
  Value sign = b.createOrFold<arith::ShRUIOp>(l, bits, i32c(b, l, 31));
  Value a = b.createOrFold<math::AbsFOp>(l, x);
  if (saturate)
    a = b.createOrFold<arith::MinimumFOp>(
        l, a, fconst(b, l, f32, maxValue.convertToDouble()));
  Value abits = arith::BitcastOp::create(b, l, i32, a);
  // Normal numbers: round the f32 mantissa to `mantissa` bits (the carry
  // may bump the exponent), then rebias the exponent.
  int shift = 23 - f.mantissa;
  Value lsb = b.createOrFold<arith::AndIOp>(
      l, b.createOrFold<arith::ShRUIOp>(l, abits, i32c(b, l, shift)),
      i32c(b, l, 1));
  Value rounded = b.createOrFold<arith::AddIOp>(
      l, abits,
      b.createOrFold<arith::AddIOp>(l, lsb,
                                    i32c(b, l, (1 << (shift - 1)) - 1)));
  Value normal = b.createOrFold<arith::SubIOp>(
      l, b.createOrFold<arith::ShRUIOp>(l, rounded, i32c(b, l, shift)),
      i32c(b, l, (127 - f.bias) << f.mantissa));
  // Subnormals (below the smallest normal): a multiple of the smallest
  // subnormal, rounded to even; 2^mantissa is the smallest normal's code.
  double minNormal = std::ldexp(1.0, 1 - f.bias);
  Value scaled = b.createOrFold<arith::MulFOp>(
      l, a, fconst(b, l, f32, std::ldexp(1.0, f.bias - 1 + f.mantissa)));
  Value sub = b.createOrFold<arith::FPToUIOp>(
      l, i32, b.createOrFold<math::RoundEvenOp>(l, scaled));
  Value isSub = b.createOrFold<arith::CmpFOp>(l, FP::OLT, a,
                                              fconst(b, l, f32, minNormal));
  Value code = b.createOrFold<arith::SelectOp>(l, isSub, sub, normal);
  // Past the largest finite value (only without saturation).
  Value over =
      b.createOrFold<arith::CmpIOp>(l, IP::sgt, code, i32c(b, l, f.maxCode));
  uint32_t nanCode = f.nanIsNegZero ? 0x80 : f.hasInf ? 0x7E : 0x7F;
  uint32_t overCode = f.hasInf ? 0x7C : nanCode;
  if (!f.hasNaN)
    overCode = f.maxCode;
  code = b.createOrFold<arith::SelectOp>(l, over, i32c(b, l, overCode), code);
  // The sign, except on a zero of the formats without -0 and on NaN codes
  // that carry none.
  Value signBit =
      b.createOrFold<arith::ShLIOp>(l, sign, i32c(b, l, f.width - 1));
  if (f.nanIsNegZero) {
    Value keep = b.createOrFold<arith::AndIOp>(
        l, b.createOrFold<arith::CmpIOp>(l, IP::ne, code, i32c(b, l, 0)),
        b.createOrFold<arith::CmpIOp>(l, IP::ne, code, i32c(b, l, 0x80)));
    signBit = b.createOrFold<arith::SelectOp>(l, keep, signBit, i32c(b, l, 0));
  }
  code = b.createOrFold<arith::OrIOp>(l, code, signBit);
  Value isNaN = b.createOrFold<arith::CmpFOp>(l, FP::UNO, x, x);
  uint32_t nan =
      !f.hasNaN ? 1u << (f.width - 1) : (f.nanIsNegZero ? 0x80 : nanCode);
  code = b.createOrFold<arith::SelectOp>(l, isNaN, i32c(b, l, nan), code);
  return b.createOrFold<arith::TruncIOp>(l, b.getIntegerType(f.width), code);
}

/// float -> 1-, 2- or 4-bit integer as numpy's astype: truncated toward
/// zero, wrapped; NaN and Inf give 0.
Value floatToSubByte(OpBuilder &b, Location l, Value x, Type to) {
  Type i64 = b.getI64Type();
  Type f = x.getType();
  Value finite = b.createOrFold<arith::CmpFOp>(
      l, FP::OLT, b.createOrFold<math::AbsFOp>(l, x), fconst(b, l, f, 0x1p62));
  Value safe =
      b.createOrFold<arith::SelectOp>(l, finite, x, fconst(b, l, f, 0));
  Value v = b.createOrFold<arith::FPToSIOp>(l, i64, safe);
  return b.createOrFold<arith::TruncIOp>(l, to, v);
}

} // namespace

Value mlir::tmix::onnx_to_tmix::convertElement(OpBuilder &b, Location loc,
                                               Value v, Type from, Type to,
                                               bool saturate,
                                               StringRef roundMode) {
  if (from == to)
    return v;
  Type f32 = b.getF32Type();
  if (isNarrowFloat(from)) {
    v = decodeNarrow(b, loc, v, cast<FloatType>(from));
    from = f32;
    if (from == to)
      return v;
  }
  if (isNarrowFloat(to)) {
    // Through f32 (exact from f16/bf16 and every integer a narrow format
    // can hold).
    Value x = convertScalar(b, loc, v, f32, isUnsigned(from));
    return encodeNarrow(b, loc, x, cast<FloatType>(to), saturate, roundMode);
  }
  auto toInt = dyn_cast<IntegerType>(to);
  if (isa<FloatType>(from) && toInt && toInt.getWidth() < 8 &&
      toInt.getWidth() > 1)
    return floatToSubByte(b, loc, v, signless(to));
  return convertScalar(b, loc, v, to, isUnsigned(from));
}
