//===- Replacements.cpp - mixers in place of softmax attention --*- C++ -*-===//
//
// MixerOpInterface::buildReplacement (tmix-replace-attention): how each
// mixer stands in for a softmax attention site, or why it cannot express
// that site faithfully (a mask it cannot honour, a softcap, causal decode
// with Lq != Lk).
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/MixerMath.h"
#include "tmix/IR/TMixDialect.h"
#include "tmix/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tmix;

namespace {
/// Applies `fn` to every element of `x` in the accumulator type (f32 for
/// narrower floats), then narrows back; `extra`, if given, is read through
/// `extraMap` (over x's iteration space) and passed as the second scalar.
Value mapElements(OpBuilder &b, Location loc, Value x, Value extra,
                  AffineMap extraMap,
                  function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elt = type.getElementType();
  Type acc = cast<FloatType>(elt).getWidth() < 32 ? b.getF32Type() : elt;
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<Value> ins = {x};
  SmallVector<AffineMap> maps = {id};
  if (extra) {
    ins.push_back(extra);
    maps.push_back(extraMap);
  }
  maps.push_back(id);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  Value init = tensor::EmptyOp::create(b, loc, sizes, elt);
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, type, ins, init, maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value v = a[0];
               if (elt != acc)
                 v = arith::ExtFOp::create(nb, l, acc, v);
               v = fn(nb, l, v, extra ? a[1] : Value());
               if (elt != acc)
                 v = arith::TruncFOp::create(nb, l, elt, v);
               linalg::YieldOp::create(nb, l, v);
             })
      .getResult(0);
}

/// True if `v` provably holds the same values at every index of `axis`: a
/// size-1 axis, a constant equal along it, or an element-wise generic whose
/// inputs are all such (broadcast along the axis, or invariant themselves).
bool isInvariantAlong(Value v, int64_t axis, int depth = 0) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getDimSize(axis) == 1)
    return true;
  if (depth > 16)
    return false;
  if (DenseElementsAttr attr =
          getConstantElements(v, /*maxElements=*/1 << 22)) {
    if (attr.isSplat())
      return true;
    // Compare every element with its counterpart at index 0 of `axis`.
    ArrayRef<int64_t> shape = type.getShape();
    int64_t inner = 1;
    for (int64_t d = axis + 1; d < type.getRank(); ++d)
      inner *= shape[d];
    int64_t extent = shape[axis];
    auto values = attr.getValues<Attribute>();
    for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
      int64_t first = i - ((i / inner) % extent) * inner;
      if (values[i] != values[first])
        return false;
    }
    return true;
  }
  auto generic = v.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getIndexingMapsArray().back().isIdentity() ||
      !generic.getRegion().getOps<linalg::IndexOp>().empty())
    return false;
  for (OpOperand *in : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(in);
    std::optional<unsigned> at =
        map.getResultPosition(getAffineDimExpr(axis, v.getContext()));
    if (!at) {
      // The input does not vary with `axis` unless it reads it some other
      // way (a non-trivial expression).
      if (llvm::any_of(map.getResults(),
                       [&](AffineExpr e) { return e.isFunctionOfDim(axis); }))
        return false;
      continue;
    }
    if (!isa<RankedTensorType>(in->get().getType()) ||
        !isInvariantAlong(in->get(), *at, depth + 1))
      return false;
  }
  return true;
}

/// The map from k's iteration space (b, kv head, key, d) into a key-padding
/// mask, or a reason the mask is not one: it must be constant along the
/// query axis and, with GQA, across the query heads of a kv group. A mask
/// materialised along the query axis (an Expand, say) is replaced by its
/// first query row.
FailureOr<AffineMap> keyMaskMap(OpBuilder &b, MixerOpInterface op, Value &mask,
                                std::string &why) {
  auto m = cast<RankedTensorType>(mask.getType());
  int64_t queryAxis = m.getRank() - 2;
  bool firstRow = queryAxis >= 0 && m.getDimSize(queryAxis) != 1 &&
                  isInvariantAlong(mask, queryAxis);
  MLIRContext *ctx = op.getContext();
  MixerDims dims = op.getDims();
  int64_t hq = dims.queryHeads, hkv = dims.kvHeads;
  int64_t offset = 4 - m.getRank();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(m.getShape())) {
    int64_t axis = offset + i;
    if (size == 1 || (firstRow && int64_t(i) == queryAxis)) {
      exprs.push_back(getAffineConstantExpr(0, ctx));
      continue;
    }
    if (axis == 2) {
      why = "its mask varies along the query axis (only key-padding masks "
            "have a linear form)";
      return failure();
    }
    if (axis == 1 && (ShapedType::isDynamic(hq) || hq != hkv)) {
      why = "its mask differs between query heads that share a kv head";
      return failure();
    }
    exprs.push_back(getAffineDimExpr(axis == 3 ? 2 : axis, ctx));
  }
  if (firstRow) {
    SmallVector<OpFoldResult> offsets(m.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes, strides(m.getRank(), b.getIndexAttr(1));
    for (int64_t d = 0; d < m.getRank(); ++d)
      sizes.push_back(b.getIndexAttr(d == queryAxis ? 1 : m.getDimSize(d)));
    mask = tensor::ExtractSliceOp::create(b, op.getLoc(), mask, offsets, sizes,
                                          strides);
  }
  return AffineMap::get(4, 0, exprs, ctx);
}

} // namespace

FailureOr<Value> AttentionOp::buildReplacement(OpBuilder &b,
                                               MixerOpInterface site,
                                               const ReplacementOptions &,
                                               std::string &note) {
  note = "softmax attention";
  return site.getMixed();
}

FailureOr<Value>
SigmoidAttentionOp::buildReplacement(OpBuilder &b, MixerOpInterface site,
                                     const ReplacementOptions &options,
                                     std::string &note) {
  ScoreSpec spec = *site.getScoreSpec();
  if (spec.softcap) {
    note = "sigmoid attention has no softcap";
    return failure();
  }
  MixerDims dims = site.getDims();
  FloatAttr bias, scale;
  if (options.sigmoidBias)
    bias = b.getF32FloatAttr(*options.sigmoidBias);
  else if (dims.keyLen > 0)
    bias = b.getF32FloatAttr(-std::log(double(dims.keyLen)));
  if (spec.scale)
    scale = b.getF32FloatAttr(*spec.scale);
  note = "sigmoid attention";
  return SigmoidAttentionOp::create(
             b, site.getLoc(), site.getMixed().getType(), site.getQueries(),
             site.getKeys(), site.getValues(), site.getMaskOperand(), scale,
             bias, CausalModeAttr::get(b.getContext(), site.getCausalForm()))
      .getOutput();
}

FailureOr<Value>
LinearAttentionOp::buildReplacement(OpBuilder &b, MixerOpInterface site,
                                    const ReplacementOptions &options,
                                    std::string &note) {
  Location loc = site.getLoc();
  MixerDims dims = site.getDims();
  bool causal = site.getCausalForm() != CausalMode::none;
  if (causal && (dims.queryLen < 0 || dims.queryLen != dims.keyLen)) {
    note = "it is causal with Lq != Lk (decode against a cache), which "
           "the causal linear form does not cover";
    return failure();
  }
  Value q = site.getQueries(), k = site.getKeys();
  FeatureMap fm = options.featureMap, inOp = fm;
  Value mask = site.getMaskOperand();
  if (mask) {
    FailureOr<AffineMap> map = keyMaskMap(b, site, mask, note);
    if (failed(map))
      return failure();
    // phi is applied here so that masked keys can be weighted after it.
    q = mapElements(b, loc, q, Value(), AffineMap(),
                    [&](OpBuilder &nb, Location l, Value x, Value) {
                      return buildFeatureMap(nb, l, fm, x);
                    });
    bool boolean = getElementTypeOrSelf(mask).isInteger(1);
    k = mapElements(
        b, loc, k, mask, *map,
        [&](OpBuilder &nb, Location l, Value x, Value m) -> Value {
          Value phi = buildFeatureMap(nb, l, fm, x);
          Type t = x.getType();
          Value w;
          if (boolean) {
            w = arith::SelectOp::create(
                nb, l, m,
                arith::ConstantOp::create(nb, l, nb.getFloatAttr(t, 1.0)),
                arith::ConstantOp::create(nb, l, nb.getZeroAttr(t)));
          } else {
            if (m.getType() != t)
              m = arith::ExtFOp::create(nb, l, t, m);
            // softmax(s + m_j) weighs key j by exp(m_j).
            w = math::ExpOp::create(nb, l, m);
          }
          return arith::MulFOp::create(nb, l, phi, w);
        });
    inOp = FeatureMap::identity;
  }
  note = ("linear attention (" + stringifyFeatureMap(fm) +
          (causal ? ", causal" : "") +
          (mask ? ", masked keys weighted out" : "") + ")")
             .str();
  MLIRContext *ctx = b.getContext();
  return LinearAttentionOp::create(
             b, loc, site.getMixed().getType(), Type(), q, k, site.getValues(),
             Value(), Value(), Value(), FeatureMapAttr::get(ctx, inOp),
             UpdateRuleAttr::get(ctx, UpdateRule::linear),
             causal ? b.getUnitAttr() : UnitAttr(), b.getUnitAttr(),
             b.getF32FloatAttr(1.0f), b.getF32FloatAttr(1e-6f))
      .getOutput();
}

FailureOr<Value>
PoolMixerOp::buildReplacement(OpBuilder &b, MixerOpInterface site,
                              const ReplacementOptions &options,
                              std::string &note) {
  Location loc = site.getLoc();
  MixerDims dims = site.getDims();
  bool causal = site.getCausalForm() != CausalMode::none;
  if (dims.queryLen < 0 || dims.queryLen != dims.keyLen) {
    note = "pooling mixes a sequence with itself and needs Lq = Lk";
    return failure();
  }
  if (site.getMaskOperand()) {
    note = "pooling cannot honour its mask";
    return failure();
  }
  if (dims.queryHeads < 0 || dims.kvHeads <= 0) {
    note = "its head counts are dynamic";
    return failure();
  }
  note = "average pooling (" +
         (options.poolWindow ? "window " + std::to_string(options.poolWindow)
                             : std::string("global")) +
         (causal ? ", causal" : "") + ")";
  Value v = site.getValues();
  Value pooled =
      PoolMixerOp::create(b, loc, v.getType(), v,
                          PoolKindAttr::get(b.getContext(), PoolKind::avg),
                          b.getI64IntegerAttr(options.poolWindow),
                          causal ? b.getUnitAttr() : UnitAttr(), UnitAttr())
          .getOutput();
  if (dims.queryHeads == dims.kvHeads)
    return pooled;
  // GQA: query head h reads kv head h / (Hq / Hkv).
  auto vt = cast<RankedTensorType>(v.getType());
  int64_t group = dims.queryHeads / dims.kvHeads;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, pooled);
  sizes.insert(sizes.begin() + 2, b.getIndexAttr(group));
  Value init = tensor::EmptyOp::create(b, loc, sizes, vt.getElementType());
  Value spread =
      linalg::BroadcastOp::create(b, loc, pooled, init, ArrayRef<int64_t>{2})
          .getResult()[0];
  return tensor::CollapseShapeOp::create(
             b, loc, site.getMixed().getType(), spread,
             SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}})
      .getResult();
}
