//===- AttentionMath.h - score math shared by attention lowerings -*- C++
//-*-===//
//
// The reference decomposition and the tiled lowering of softmax and sigmoid
// attention turn a raw score q.k into a logit (or a sigmoid weight) with the
// same scalar code, so that they cannot drift apart.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_PASSES_ATTENTIONMATH_H
#define TMIX_PASSES_ATTENTIONMATH_H

#include "tmix/IR/TMixDialect.h"

#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir::tmix {

/// Operands and attributes of softmax or sigmoid attention, the ops every
/// tiled lowering treats alike.
struct AttentionSite {
  Operation *op;
  Value q, k, v, mask;
  std::optional<APFloat> scale, softcap, bias;
  CausalMode causal;
  bool sigmoid;

  /// The site of a tmix.attention or tmix.sigmoid_attention, else nothing.
  static std::optional<AttentionSite> match(Operation *op);
  /// Key j is visible to query i iff j <= i + offset (causal sites).
  int64_t causalOffset(int64_t lq, int64_t lk) const {
    return causal == CausalMode::bottom_right ? lk - lq : 0;
  }
};

struct ScoreTransform {
  /// Scalars of the accumulator type; softcap and bias may be null.
  Value scale, softcap, bias;
  /// Index offset of the causal diagonal (key j visible to query i iff
  /// j <= i + offset); null when not causal.
  Value causalOffset;
  /// 0, 1 and -inf of the accumulator type, built once outside the loops.
  Value zero, one, negInf;
  bool boolMask = false;
  bool sigmoid = false;

  /// The transform of `site` with head dimension `d`, as scalars of type
  /// `acc` built at `b`'s insertion point; the causal offset is an index.
  static ScoreTransform forSite(OpBuilder &b, Location loc,
                                const AttentionSite &site, Type acc, int64_t d,
                                int64_t lq, int64_t lk);

  /// The logit of score `s`, -inf when hidden; for sigmoid attention the
  /// weight, 0 when hidden. `mask` is the mask element or null; `position`
  /// gives the absolute (query row, key) indices, and is only called for
  /// causal attention.
  Value apply(OpBuilder &b, Location loc, Value s, Value mask,
              function_ref<std::pair<Value, Value>()> position) const;
};

/// exp(x - m), or `fallback` where `guard` is -inf: softmax weights and
/// their rescale factors, where -inf - -inf would give NaN.
Value guardedExpDiff(OpBuilder &b, Location loc, Value x, Value m, Value guard,
                     Value negInf, Value fallback);

} // namespace mlir::tmix

#endif // TMIX_PASSES_ATTENTIONMATH_H
