//===- MixerTypes.h - plain data of the mixer interface ---------*- C++ -*-===//
//
// Sizes, score scalars, costs and lowering options that MixerOpInterface
// methods take and return. Plain data: building IR from them is
// MixerMath.h's job.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_IR_MIXERTYPES_H
#define TMIX_IR_MIXERTYPES_H

#include "mlir/IR/AffineExpr.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <optional>
#include <tuple>

namespace mlir::tmix {

enum class CausalMode : uint32_t;
enum class FeatureMap : uint32_t;

/// The sizes of a mixer; ShapedType::kDynamic where unknown. Pooling has no
/// queries or keys: its query heads and length are those of its values and
/// its head dimension is 0.
struct MixerDims {
  int64_t batch, queryHeads, kvHeads, queryLen, keyLen, headDim, valueDim;

  /// The sizes in declaration order, for std::tie.
  std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>
  asTuple() const {
    return {batch, queryHeads, kvHeads, queryLen, keyLen, headDim, valueDim};
  }
  bool isStatic() const;
  /// Query heads per key/value head, when both counts are static.
  std::optional<int64_t> groupSize() const;
  /// The key/value head that query head `h` reads: h, 0 (one kv head) or
  /// h floordiv (Hq / Hkv); failure when that ratio is not static.
  FailureOr<AffineExpr> kvHead(AffineExpr h) const;
  /// Key j is visible to query i iff j <= i + causalOffset (static Lq, Lk).
  int64_t causalOffset(CausalMode causal) const;
  /// Query-key pairs the causal form leaves visible (static sizes).
  double visiblePairs(CausalMode causal) const;
};

/// The scalars turning a raw score q.k into a weight. Unset scalars take
/// the op's defaults: scale 1/sqrt(D), sigmoid bias -log(Lk).
struct ScoreSpec {
  std::optional<double> scale, softcap, bias;
  /// Weights are sigmoid(s) with no normalisation, else softmax over keys.
  bool sigmoid = false;
};

/// What the cost model needs of a site.
struct MixerSite {
  MixerDims dims;
  CausalMode causal;
  /// Bytes per element of q/k/v/o, and of the whole mask (0 without one,
  /// -1 when its shape is dynamic).
  int64_t elementBytes, maskBytes;
};

/// Closed-form estimates (docs/MixerReport.md); NaN where sizes are dynamic.
struct MixerCost {
  double flops = 0, bytes = 0;
};

/// Options of the mixers that replace softmax attention.
struct ReplacementOptions {
  FeatureMap featureMap;
  std::optional<double> sigmoidBias;
  int64_t poolWindow = 0;
};

/// Tile sizes of the tiled forms.
struct MixerTiling {
  int64_t tileQ = 64, tileK = 64, chunk = 64;
};

} // namespace mlir::tmix

#endif // TMIX_IR_MIXERTYPES_H
