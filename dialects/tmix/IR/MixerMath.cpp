//===- MixerMath.cpp - scalar math shared by mixer lowerings ----*- C++ -*-===//

#include "tmix/IR/MixerMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::tmix;

bool MixerDims::isStatic() const {
  return llvm::none_of(ArrayRef<int64_t>{batch, queryHeads, kvHeads, queryLen,
                                         keyLen, headDim, valueDim},
                       ShapedType::isDynamic);
}

std::optional<int64_t> MixerDims::groupSize() const {
  if (ShapedType::isDynamic(queryHeads) || ShapedType::isDynamic(kvHeads) ||
      kvHeads == 0)
    return std::nullopt;
  return queryHeads / kvHeads;
}

FailureOr<AffineExpr> MixerDims::kvHead(AffineExpr h) const {
  if (kvHeads == 1)
    return getAffineConstantExpr(0, h.getContext());
  std::optional<int64_t> group = groupSize();
  if (!group)
    return failure();
  return *group == 1 ? h : h.floorDiv(*group);
}

int64_t MixerDims::causalOffset(CausalMode causal) const {
  return causal == CausalMode::bottom_right ? keyLen - queryLen : 0;
}

double MixerDims::visiblePairs(CausalMode causal) const {
  if (causal == CausalMode::none)
    return double(queryLen) * double(keyLen);
  int64_t offset = causalOffset(causal);
  double pairs = 0;
  for (int64_t i = 0; i < queryLen; ++i)
    pairs += std::clamp<int64_t>(i + offset + 1, 0, keyLen);
  return pairs;
}

FloatType mlir::tmix::accumulatorType(Type elementType) {
  auto ft = cast<FloatType>(elementType);
  if (ft.getWidth() > 32)
    return ft;
  return Float32Type::get(ft.getContext());
}

ScoreTransform ScoreTransform::forMixer(OpBuilder &b, Location loc,
                                        MixerOpInterface op, Type acc) {
  std::optional<ScoreSpec> spec = op.getScoreSpec();
  assert(spec && "mixer has no score transform");
  auto cst = [&](double v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(acc, v));
  };
  // A size as an index value, and as a float of the accumulator type.
  auto size = [&](Value t, int64_t i) {
    return getValueOrCreateConstantIndexOp(b, loc,
                                           tensor::getMixedSize(b, loc, t, i));
  };
  auto sizeAsFloat = [&](Value t, int64_t i) -> Value {
    Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), size(t, i));
    return arith::SIToFPOp::create(b, loc, acc, i64);
  };
  MixerDims dims = op.getDims();
  Value q = op.getQueries(), k = op.getKeys();
  // The order of the constants is the order tests read them in.
  ScoreTransform t;
  if (spec->scale)
    t.scale = cst(*spec->scale);
  else if (!ShapedType::isDynamic(dims.headDim))
    t.scale = cst(1.0 / std::sqrt(double(dims.headDim)));
  else
    t.scale = math::RsqrtOp::create(b, loc, sizeAsFloat(q, 3));
  // Sigmoid attention's default bias, -log(Lk).
  if (spec->sigmoid) {
    if (spec->bias)
      t.bias = cst(*spec->bias);
    else if (!ShapedType::isDynamic(dims.keyLen))
      t.bias = cst(-std::log(double(dims.keyLen)));
    else
      t.bias = arith::NegFOp::create(
          b, loc, math::LogOp::create(b, loc, sizeAsFloat(k, 2)));
  }
  CausalMode causal = op.getCausalForm();
  if (causal == CausalMode::top_left)
    t.causalOffset = arith::ConstantIndexOp::create(b, loc, 0);
  else if (causal == CausalMode::bottom_right)
    t.causalOffset = b.createOrFold<arith::SubIOp>(loc, size(k, 2), size(q, 2));
  t.negInf = cst(-std::numeric_limits<double>::infinity());
  t.zero = cst(0.0);
  t.one = cst(1.0);
  if (spec->softcap)
    t.softcap = cst(*spec->softcap);
  t.sigmoid = spec->sigmoid;
  Value mask = op.getMaskOperand();
  t.boolMask = mask && getElementTypeOrSelf(mask).isInteger(1);
  return t;
}

Value ScoreTransform::apply(
    OpBuilder &b, Location loc, Value s, Value mask,
    function_ref<std::pair<Value, Value>()> position) const {
  Type acc = s.getType();
  s = arith::MulFOp::create(b, loc, s, scale);
  if (softcap) {
    Value t =
        math::TanhOp::create(b, loc, arith::DivFOp::create(b, loc, s, softcap));
    s = arith::MulFOp::create(b, loc, softcap, t);
  }
  if (bias)
    s = arith::AddFOp::create(b, loc, s, bias);
  Value visible;
  if (mask && boolMask) {
    visible = mask;
  } else if (mask) {
    if (mask.getType() != acc)
      mask = arith::ExtFOp::create(b, loc, acc, mask);
    s = arith::AddFOp::create(b, loc, s, mask);
  }
  if (causalOffset) {
    auto [i, j] = position();
    Value limit = arith::AddIOp::create(b, loc, i, causalOffset);
    Value inCausal =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, j, limit);
    visible = visible
                  ? arith::AndIOp::create(b, loc, visible, inCausal).getResult()
                  : inCausal;
  }
  if (sigmoid) {
    Value w = arith::DivFOp::create(
        b, loc, one,
        arith::AddFOp::create(
            b, loc, one,
            math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, s))));
    return visible
               ? arith::SelectOp::create(b, loc, visible, w, zero).getResult()
               : w;
  }
  return visible
             ? arith::SelectOp::create(b, loc, visible, s, negInf).getResult()
             : s;
}

Value mlir::tmix::guardedExpDiff(OpBuilder &b, Location loc, Value x, Value m,
                                 Value guard, Value negInf, Value fallback) {
  Value hidden =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, guard, negInf);
  Value e = math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, x, m));
  return arith::SelectOp::create(b, loc, hidden, fallback, e);
}

Value mlir::tmix::buildFeatureMap(OpBuilder &b, Location loc, FeatureMap map,
                                  Value x) {
  switch (map) {
  case FeatureMap::identity:
    return x;
  case FeatureMap::relu:
    return arith::MaximumFOp::create(
        b, loc, x,
        arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType())));
  case FeatureMap::elu_plus_one: {
    // elu(x) + 1 = x + 1 for x > 0, exp(x) otherwise.
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType()));
    Value one =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(x.getType(), 1.0));
    Value pos =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
    return arith::SelectOp::create(b, loc, pos,
                                   arith::AddFOp::create(b, loc, x, one),
                                   math::ExpOp::create(b, loc, x));
  }
  }
  llvm_unreachable("unknown feature map");
}
