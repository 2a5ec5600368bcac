//===- AttentionMath.cpp - score math shared by attention lowerings -------===//

#include "AttentionMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::tmix;

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
