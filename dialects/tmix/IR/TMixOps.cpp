//===- TMixOps.cpp - tmix op verifiers -------------------------*- C++ -*-===//
//
// ODS checks ranks and element types; the shape algebra between operands
// lives here. Dynamic dimensions are compatible with anything.
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/TMixDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tmix;

#define GET_OP_CLASSES
#include "tmix/IR/TMixOps.cpp.inc"

namespace {
/// Formats a shape the way tensor types print it: `2x?x16`.
std::string formatShape(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  return llvm::join(llvm::map_range(shape,
                                    [](int64_t d) -> std::string {
                                      return ShapedType::isDynamic(d)
                                                 ? "?"
                                                 : std::to_string(d);
                                    }),
                    "x");
}

bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

std::string formatDim(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

/// Checks that two operands agree on one dimension.
LogicalResult checkSameDim(Operation *op, StringRef lhs, StringRef rhs,
                           StringRef what, int64_t a, int64_t b) {
  if (compatible(a, b))
    return success();
  return op->emitOpError("expected ")
         << lhs << " and " << rhs << " to have the same " << what << ", got "
         << formatDim(a) << " and " << formatDim(b);
}

/// Checks that `type` has exactly the shape `expected`.
LogicalResult checkShape(Operation *op, StringRef name, ShapedType type,
                         ArrayRef<int64_t> expected) {
  bool ok =
      type.getRank() == static_cast<int64_t>(expected.size()) &&
      llvm::all_of(llvm::zip_equal(type.getShape(), expected), [](auto p) {
        return compatible(std::get<0>(p), std::get<1>(p));
      });
  if (ok)
    return success();
  return op->emitOpError("expected ")
         << name << " of shape " << formatShape(expected) << ", got "
         << formatShape(type.getShape());
}

LogicalResult checkFinite(Operation *op, StringRef name,
                          std::optional<APFloat> value) {
  if (!value || value->isFinite())
    return success();
  return op->emitOpError("expected ") << name << " to be finite";
}

/// Shapes shared by the two quadratic attention ops.
struct AttentionDims {
  int64_t batch, qHeads, kvHeads, qLen, kLen, headDim, valueDim;
};

/// Checks shared by every attention-like op: q[B,Hq,Lq,D], k[B,Hkv,Lk,D],
/// v[B,Hkv,Lk,Dv] with Hq a multiple of Hkv. Every pair is compared so that
/// a dynamic dimension in one operand does not hide a clash between the
/// other two.
LogicalResult verifyQueryKeyValue(Operation *o, RankedTensorType q,
                                  RankedTensorType k, RankedTensorType v) {
  if (failed(checkSameDim(o, "query", "key", "batch size", q.getDimSize(0),
                          k.getDimSize(0))) ||
      failed(checkSameDim(o, "key", "value", "batch size", k.getDimSize(0),
                          v.getDimSize(0))) ||
      failed(checkSameDim(o, "query", "value", "batch size", q.getDimSize(0),
                          v.getDimSize(0))) ||
      failed(checkSameDim(o, "key", "value", "number of heads", k.getDimSize(1),
                          v.getDimSize(1))) ||
      failed(checkSameDim(o, "key", "value", "sequence length", k.getDimSize(2),
                          v.getDimSize(2))) ||
      failed(checkSameDim(o, "query", "key", "head dimension", q.getDimSize(3),
                          k.getDimSize(3))))
    return failure();
  int64_t hq = q.getDimSize(1);
  int64_t hkv = ShapedType::isDynamic(k.getDimSize(1)) ? v.getDimSize(1)
                                                       : k.getDimSize(1);
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) &&
      (hkv == 0 || hq % hkv != 0))
    return o->emitOpError("expected the number of query heads (")
           << hq << ") to be a multiple of the number of key/value heads ("
           << hkv << ")";
  return success();
}

/// Verifies q/k/v/mask/output of `tmix.attention` and
/// `tmix.sigmoid_attention`, which share operands and rules.
template <typename OpT> LogicalResult verifyQuadraticAttention(OpT op) {
  Operation *o = op.getOperation();
  auto q = op.getQuery().getType();
  auto k = op.getKey().getType();
  auto v = op.getValue().getType();
  if (failed(verifyQueryKeyValue(o, q, k, v)))
    return failure();
  int64_t hq = q.getDimSize(1);
  SmallVector<int64_t> full = {q.getDimSize(0), hq, q.getDimSize(2),
                               k.getDimSize(2)};
  if (failed(
          checkShape(o, "output", op.getOutput().getType(),
                     {q.getDimSize(0), hq, q.getDimSize(2), v.getDimSize(3)})))
    return failure();
  if (Value mask = op.getMask()) {
    auto m = cast<RankedTensorType>(mask.getType());
    if (m.getRank() > 4)
      return op.emitOpError("expected mask of rank at most 4, got rank ")
             << m.getRank();
    // Numpy broadcasting, aligned on the trailing dimension.
    int64_t offset = 4 - m.getRank();
    for (auto [i, d] : llvm::enumerate(m.getShape())) {
      if (d == 1 || compatible(d, full[offset + i]))
        continue;
      return op.emitOpError("expected mask of shape ")
             << formatShape(m.getShape())
             << " to broadcast to [batch, query heads, query length, key "
                "length] = "
             << formatShape(full);
    }
  }
  if (failed(checkFinite(o, "scale",
                         op.getScale() ? std::optional(*op.getScale())
                                       : std::nullopt)))
    return failure();
  return success();
}
} // namespace

LogicalResult AttentionOp::verify() {
  if (failed(verifyQuadraticAttention(*this)))
    return failure();
  if (std::optional<APFloat> cap = getSoftcap()) {
    if (!cap->isFinite() || cap->isNegative() || cap->isZero())
      return emitOpError("expected softcap to be positive and finite, got ")
             << cap->convertToDouble();
  }
  return success();
}

LogicalResult SigmoidAttentionOp::verify() {
  if (failed(verifyQuadraticAttention(*this)))
    return failure();
  return checkFinite(*this, "bias",
                     getBias() ? std::optional(*getBias()) : std::nullopt);
}

LogicalResult LinearAttentionOp::verify() {
  Operation *o = getOperation();
  auto q = getQuery().getType();
  auto k = getKey().getType();
  auto v = getValue().getType();
  if (failed(verifyQueryKeyValue(o, q, k, v)))
    return failure();
  int64_t batch = q.getDimSize(0), hq = q.getDimSize(1), hkv = k.getDimSize(1),
          len = k.getDimSize(2), dk = k.getDimSize(3), dv = v.getDimSize(3);
  if (getCausal() &&
      failed(checkSameDim(o, "query", "key", "sequence length (causal)",
                          q.getDimSize(2), len)))
    return failure();
  if (failed(checkShape(o, "output", getOutput().getType(),
                        {batch, hq, q.getDimSize(2), dv})))
    return failure();

  StringRef rule = stringifyUpdateRule(getUpdateRule());
  if (!getCausal() && getUpdateRule() != UpdateRule::linear)
    return emitOpError("expected update rule 'linear' for non-causal linear "
                       "attention, got '")
           << rule << "'";
  if (isGated() != static_cast<bool>(getDecay()))
    return emitOpError("update rule '")
           << rule << "' " << (isGated() ? "requires" : "does not take")
           << " a decay operand";
  if (isDelta() != static_cast<bool>(getBeta()))
    return emitOpError("update rule '")
           << rule << "' " << (isDelta() ? "requires" : "does not take")
           << " a beta operand";
  if (Value decay = getDecay()) {
    auto d = cast<RankedTensorType>(decay.getType());
    if (d.getRank() == 4) {
      if (failed(
              checkShape(o, "per-dimension decay", d, {batch, hkv, len, dk})))
        return failure();
    } else if (failed(checkShape(o, "decay", d, {batch, hkv, len}))) {
      return failure();
    }
  }
  if (Value beta = getBeta())
    if (failed(checkShape(o, "beta", cast<RankedTensorType>(beta.getType()),
                          {batch, hkv, len})))
      return failure();
  if (Value init = getInitialState())
    if (failed(checkShape(o, "initial state",
                          cast<RankedTensorType>(init.getType()),
                          {batch, hkv, dk, dv})))
      return failure();
  if (Value fin = getFinalState()) {
    auto f = cast<RankedTensorType>(fin.getType());
    if (failed(checkShape(o, "final state", f, {batch, hkv, dk, dv})))
      return failure();
    Type expected = getInitialState()
                        ? getInitialState().getType().getElementType()
                        : q.getElementType();
    if (f.getElementType() != expected)
      return emitOpError("expected final state element type ")
             << expected << ", got " << f.getElementType();
  }
  if (getNormalize()) {
    if (isDelta())
      return emitOpError("normalize is only defined for the 'linear' and "
                         "'gated' update rules, got '")
             << rule << "'";
    if (getInitialState() || getFinalState())
      return emitOpError("normalize cannot be combined with a carried state "
                         "(initial state or final state)");
  }
  if (failed(checkFinite(
          o, "scale", getScale() ? std::optional(*getScale()) : std::nullopt)))
    return failure();
  APFloat eps = getEps();
  if (!eps.isFinite() || (eps.isNegative() && !eps.isZero()))
    return emitOpError("expected eps to be finite and non-negative, got ")
           << eps.convertToDouble();
  return success();
}

LogicalResult PoolMixerOp::verify() {
  // The attribute is signless: read it as signed.
  int64_t window = getWindowAttr().getValue().getSExtValue();
  if (window < 0)
    return emitOpError("expected window to be non-negative (0 = global), got ")
           << window;
  return success();
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
