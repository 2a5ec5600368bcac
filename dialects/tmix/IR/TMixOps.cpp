//===- TMixOps.cpp - tmix op verifiers and mixer roles ---------*- C++ -*-===//
//
// ODS checks ranks and element types; the shape algebra between operands
// lives here (dynamic dimensions are compatible with anything), with each
// op's roles, score transform and cost model under MixerOpInterface. The
// lowerings the interface names live in Decompositions.cpp, TiledForms.cpp
// and Replacements.cpp.
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

#include "tmix/IR/TMixInterfaces.cpp.inc"

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

//===----------------------------------------------------------------------===//
// MixerOpInterface: roles, sizes, score transforms, costs
//===----------------------------------------------------------------------===//

MixerDims MixerOpInterface::getDims() {
  auto shape = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  };
  ArrayRef<int64_t> v = shape(getValues());
  if (!getQueries())
    return {v[0], v[1], v[1], v[2], v[2], 0, v[3]};
  ArrayRef<int64_t> q = shape(getQueries()), k = shape(getKeys());
  // A dynamic size in one operand may be static in another.
  auto pick = [](int64_t a, int64_t b) {
    return ShapedType::isDynamic(a) ? b : a;
  };
  return {pick(q[0], pick(k[0], v[0])),
          q[1],
          pick(k[1], v[1]),
          q[2],
          pick(k[2], v[2]),
          pick(q[3], k[3]),
          v[3]};
}

MixerSite MixerOpInterface::getSite() {
  MixerSite site{getDims(), getCausalForm(),
                 getElementTypeOrSelf(getValues()).getIntOrFloatBitWidth() / 8,
                 0};
  if (Value mask = getMaskOperand()) {
    auto m = cast<RankedTensorType>(mask.getType());
    site.maskBytes =
        m.hasStaticShape()
            ? m.getNumElements() *
                  std::max<int64_t>(1, m.getElementTypeBitWidth() / 8)
            : -1;
  }
  return site;
}

MixerCost MixerOpInterface::estimateCost() {
  return getImpl()->estimateCostAt(getSite());
}

namespace {
/// Bytes a fused quadratic kernel moves at `site`: q, k and v read once and
/// the output written once (docs/MixerReport.md).
double qkvoBytes(const MixerSite &site) {
  const MixerDims &s = site.dims;
  double b = s.batch, hq = s.queryHeads, hkv = s.kvHeads;
  return double(site.elementBytes) *
         (b * hq * s.queryLen * s.headDim +
          b * hkv * s.keyLen * (s.headDim + s.valueDim) +
          b * hq * s.queryLen * s.valueDim);
}

double maskBytes(const MixerSite &site) {
  return site.maskBytes < 0 ? NAN : double(site.maskBytes);
}

/// q.k and p.v per visible pair, plus `perPair` scalar operations.
MixerCost quadraticCost(const MixerSite &site, double perPair) {
  const MixerDims &s = site.dims;
  if (!s.isStatic())
    return {NAN, NAN};
  return {double(s.batch) * s.queryHeads * s.visiblePairs(site.causal) *
              (2.0 * s.headDim + 2.0 * s.valueDim + perPair),
          qkvoBytes(site) + maskBytes(site)};
}

/// Chunk length the chunkwise-parallel linear form is costed with.
constexpr int64_t kLinearChunk = 64;

} // namespace

StringRef AttentionOp::getMixerName() { return "softmax"; }
Value AttentionOp::getQueries() { return getQuery(); }
Value AttentionOp::getKeys() { return getKey(); }
Value AttentionOp::getValues() { return getValue(); }
Value AttentionOp::getMaskOperand() { return getMask(); }
CausalMode AttentionOp::getCausalForm() { return getCausal(); }
std::optional<ScoreSpec> AttentionOp::getScoreSpec() {
  ScoreSpec spec;
  if (std::optional<APFloat> scale = getScale())
    spec.scale = scale->convertToDouble();
  if (std::optional<APFloat> cap = getSoftcap())
    spec.softcap = cap->convertToDouble();
  return spec;
}
/// Scale, running max, exp, sum and rescale per pair.
MixerCost AttentionOp::estimateCostAt(const MixerSite &site) {
  return quadraticCost(site, 5);
}

StringRef SigmoidAttentionOp::getMixerName() { return "sigmoid"; }
Value SigmoidAttentionOp::getQueries() { return getQuery(); }
Value SigmoidAttentionOp::getKeys() { return getKey(); }
Value SigmoidAttentionOp::getValues() { return getValue(); }
Value SigmoidAttentionOp::getMaskOperand() { return getMask(); }
CausalMode SigmoidAttentionOp::getCausalForm() { return getCausal(); }
std::optional<ScoreSpec> SigmoidAttentionOp::getScoreSpec() {
  ScoreSpec spec;
  spec.sigmoid = true;
  if (std::optional<APFloat> scale = getScale())
    spec.scale = scale->convertToDouble();
  if (std::optional<APFloat> bias = getBias())
    spec.bias = bias->convertToDouble();
  return spec;
}
/// Scale, bias and the logistic per pair.
MixerCost SigmoidAttentionOp::estimateCostAt(const MixerSite &site) {
  return quadraticCost(site, 4);
}

StringRef LinearAttentionOp::getMixerName() { return "linear"; }
Value LinearAttentionOp::getQueries() { return getQuery(); }
Value LinearAttentionOp::getKeys() { return getKey(); }
Value LinearAttentionOp::getValues() { return getValue(); }
CausalMode LinearAttentionOp::getCausalForm() {
  return getCausal() ? CausalMode::top_left : CausalMode::none;
}
/// Per kv head: phi(k), the state sum phi(k) v^T and the key sum; per query
/// head: phi(q), phi(q)^T S, the normaliser and the division; causal adds
/// the masked intra-chunk products, half of each chunk x chunk block.
MixerCost LinearAttentionOp::estimateCostAt(const MixerSite &site) {
  const MixerDims &s = site.dims;
  if (!s.isStatic())
    return {NAN, NAN};
  double b = s.batch, hq = s.queryHeads, hkv = s.kvHeads, lq = s.queryLen,
         lk = s.keyLen, d = s.headDim, dv = s.valueDim;
  double flops = b * hkv * lk * (2 * d * dv + 4 * d) +
                 b * hq * lq * (2 * d * dv + 4 * d + dv);
  if (site.causal != CausalMode::none)
    flops += b * hq * lq * std::min<double>(kLinearChunk, lk) * (d + dv);
  double mask = maskBytes(site);
  return {flops, qkvoBytes(site) + (std::isnan(mask) ? 0 : mask)};
}

StringRef PoolMixerOp::getMixerName() { return "pool"; }
Value PoolMixerOp::getValues() { return getInput(); }
CausalMode PoolMixerOp::getCausalForm() {
  return getCausal() ? CausalMode::top_left : CausalMode::none;
}
/// A running sum and one division per element of v; no q or k.
MixerCost PoolMixerOp::estimateCostAt(const MixerSite &site) {
  const MixerDims &s = site.dims;
  if (!s.isStatic())
    return {NAN, NAN};
  double b = s.batch, e = site.elementBytes;
  return {2 * b * s.kvHeads * s.keyLen * s.valueDim,
          e * (b * s.kvHeads * s.keyLen * s.valueDim +
               b * s.queryHeads * s.queryLen * s.valueDim)};
}

//===----------------------------------------------------------------------===//
// The mixer registry
//===----------------------------------------------------------------------===//

namespace {
template <typename... OpTs> SmallVector<StringRef> collectMixerNames() {
  SmallVector<StringRef> names;
  (
      [&] {
        if constexpr (OpTs::template hasTrait<MixerOpInterface::Trait>())
          if (!std::is_same_v<OpTs, AttentionOp>)
            names.push_back(OpTs::getMixerName());
      }(),
      ...);
  // Keeping softmax attention comes last.
  names.push_back(AttentionOp::getMixerName());
  return names;
}
} // namespace

ArrayRef<StringRef> mlir::tmix::getMixerNames() {
  static const SmallVector<StringRef> names = collectMixerNames<
#define GET_OP_LIST
#include "tmix/IR/TMixOps.cpp.inc"
      >();
  return names;
}

std::optional<RegisteredOperationName>
mlir::tmix::lookupMixer(MLIRContext *context, StringRef name) {
  context->getOrLoadDialect<TMixDialect>();
  for (RegisteredOperationName op : context->getRegisteredOperations()) {
    auto *mixer = op.getInterface<MixerOpInterface>();
    if (mixer && mixer->getMixerName() == name)
      return op;
  }
  return std::nullopt;
}
