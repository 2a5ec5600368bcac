//===- AttentionMath.cpp - score math shared by attention lowerings -------===//

#include "AttentionMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::tmix;

std::optional<AttentionSite> AttentionSite::match(Operation *op) {
  if (auto a = dyn_cast<AttentionOp>(op))
    return AttentionSite{
        op,           a.getQuery(),   a.getKey(),   a.getValue(),  a.getMask(),
        a.getScale(), a.getSoftcap(), std::nullopt, a.getCausal(), false};
  if (auto s = dyn_cast<SigmoidAttentionOp>(op))
    return AttentionSite{
        op,           s.getQuery(), s.getKey(),  s.getValue(),  s.getMask(),
        s.getScale(), std::nullopt, s.getBias(), s.getCausal(), true};
  return std::nullopt;
}

ScoreTransform ScoreTransform::forSite(OpBuilder &b, Location loc,
                                       const AttentionSite &site, Type acc,
                                       int64_t d, int64_t lq, int64_t lk) {
  auto cst = [&](double v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(acc, v));
  };
  ScoreTransform t;
  t.scale = cst(site.scale ? site.scale->convertToDouble()
                           : 1.0 / std::sqrt(double(d)));
  if (site.softcap)
    t.softcap = cst(site.softcap->convertToDouble());
  // Sigmoid attention's default bias, -log(Lk).
  if (site.sigmoid)
    t.bias = cst(site.bias ? site.bias->convertToDouble()
                           : -std::log(static_cast<double>(lk)));
  if (site.causal != CausalMode::none)
    t.causalOffset =
        arith::ConstantIndexOp::create(b, loc, site.causalOffset(lq, lk));
  t.zero = cst(0.0);
  t.one = cst(1.0);
  t.negInf = cst(-std::numeric_limits<double>::infinity());
  t.sigmoid = site.sigmoid;
  t.boolMask = site.mask && getElementTypeOrSelf(site.mask).isInteger(1);
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
