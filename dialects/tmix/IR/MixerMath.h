//===- MixerMath.h - scalar math shared by mixer lowerings ------*- C++ -*-===//
//
// The reference decompositions, the tiled forms and the GPU kernels turn a
// raw score q.k into a logit (or a sigmoid weight) with the same scalar
// code, so that they cannot drift apart; likewise the feature maps of
// linear attention and the guarded exponentials of softmax.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_IR_MIXERMATH_H
#define TMIX_IR_MIXERMATH_H

#include "tmix/IR/TMixDialect.h"

#include "mlir/IR/Builders.h"

namespace mlir::tmix {

/// A mixer's ScoreSpec as scalars of the accumulator type, built once
/// outside the loops that apply it.
struct ScoreTransform {
  /// Softcap and bias may be null.
  Value scale, softcap, bias;
  /// Index offset of the causal diagonal (key j visible to query i iff
  /// j <= i + offset); null when not causal.
  Value causalOffset;
  /// 0, 1 and -inf of the accumulator type.
  Value zero, one, negInf;
  bool boolMask = false;
  bool sigmoid = false;

  /// The transform of `op` (which must have a ScoreSpec) as scalars of type
  /// `acc` built at `b`'s insertion point. Defaults that depend on dynamic
  /// sizes read them from the operands (tensors only).
  static ScoreTransform forMixer(OpBuilder &b, Location loc,
                                 MixerOpInterface op, Type acc);

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

/// phi(x) for one scalar of float type: the feature map of
/// tmix.linear_attention, for its lowerings and for replacements that
/// apply phi themselves.
Value buildFeatureMap(OpBuilder &b, Location loc, FeatureMap map, Value x);

/// f16/bf16/f32 accumulate in f32; f64 stays f64.
FloatType accumulatorType(Type elementType);

} // namespace mlir::tmix

#endif // TMIX_IR_MIXERMATH_H
