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

#include "mlir/IR/Builders.h"

namespace mlir::tmix {

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
