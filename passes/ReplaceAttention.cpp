//===- ReplaceAttention.cpp - tmix-replace-attention ------------*- C++ -*-===//
//
// Swaps chosen tmix.attention sites for sigmoid, linear or pooling mixers
// and reports, per site, what each mixer costs. Sites that a mixer cannot
// express faithfully (a mask it cannot honour, a softcap, causal decode with
// Lq != Lk) are kept, with a remark saying why.
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/TMixDialect.h"
#include "tmix/Passes.h"
#include "tmix/Utils.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cmath>

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXREPLACEATTENTIONPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;
using namespace mlir::tmix;

namespace {

enum class Mixer { softmax, sigmoid, linear, pool };

StringRef mixerName(Mixer m) {
  switch (m) {
  case Mixer::softmax:
    return "softmax";
  case Mixer::sigmoid:
    return "sigmoid";
  case Mixer::linear:
    return "linear";
  case Mixer::pool:
    return "pool";
  }
  llvm_unreachable("unknown mixer");
}

/// Static sizes of one site; -1 where a size is dynamic.
struct SiteShape {
  int64_t batch, hq, hkv, lq, lk, d, dv;
  int64_t elementBytes, maskBytes;
  CausalMode causal;

  bool isStatic() const {
    return llvm::all_of(ArrayRef<int64_t>{batch, hq, hkv, lq, lk, d, dv},
                        [](int64_t x) { return x >= 0; });
  }
};

SiteShape shapeOf(AttentionOp op) {
  auto size = [](int64_t s) { return ShapedType::isDynamic(s) ? -1 : s; };
  auto q = op.getQuery().getType(), k = op.getKey().getType(),
       v = op.getValue().getType();
  SiteShape s{size(q.getDimSize(0)),
              size(q.getDimSize(1)),
              size(k.getDimSize(1)),
              size(q.getDimSize(2)),
              size(k.getDimSize(2)),
              size(q.getDimSize(3)),
              size(v.getDimSize(3)),
              q.getElementTypeBitWidth() / 8,
              0,
              op.getCausal()};
  if (Value mask = op.getMask()) {
    auto m = cast<RankedTensorType>(mask.getType());
    s.maskBytes = m.hasStaticShape()
                      ? m.getNumElements() *
                            std::max<int64_t>(1, m.getElementTypeBitWidth() / 8)
                      : -1;
  }
  return s;
}

/// Query-key pairs a quadratic mixer evaluates under its causal form.
double visiblePairs(const SiteShape &s) {
  if (s.causal == CausalMode::none)
    return double(s.lq) * double(s.lk);
  int64_t offset = s.causal == CausalMode::bottom_right ? s.lk - s.lq : 0;
  double pairs = 0;
  for (int64_t i = 0; i < s.lq; ++i)
    pairs += std::clamp<int64_t>(i + offset + 1, 0, s.lk);
  return pairs;
}

/// Closed-form cost estimates of one site under one mixer; the formulas are
/// documented in docs/MixerReport.md. Bytes count what a fused kernel must
/// move: each operand read once, the output written once.
struct Cost {
  double flops = 0, bytes = 0;
};

/// Chunk length the chunkwise-parallel linear form is costed with.
constexpr int64_t kLinearChunk = 64;

Cost costOf(const SiteShape &s, Mixer m, bool causal) {
  if (!s.isStatic())
    return {NAN, NAN};
  double b = s.batch, hq = s.hq, hkv = s.hkv, lq = s.lq, lk = s.lk, d = s.d,
         dv = s.dv, e = s.elementBytes;
  double qkvo =
      e * (b * hq * lq * d + b * hkv * lk * (d + dv) + b * hq * lq * dv);
  double mask = s.maskBytes < 0 ? NAN : double(s.maskBytes);
  switch (m) {
  case Mixer::softmax:
    // q.k and p.v, plus scale, running max, exp, sum and rescale per pair.
    return {b * hq * visiblePairs(s) * (2 * d + 2 * dv + 5), qkvo + mask};
  case Mixer::sigmoid:
    // q.k and p.v, plus scale, bias and the logistic per pair.
    return {b * hq * visiblePairs(s) * (2 * d + 2 * dv + 4), qkvo + mask};
  case Mixer::linear: {
    // Per kv head: phi(k), the state sum phi(k) v^T and the key sum; per
    // query head: phi(q), phi(q)^T S, the normaliser and the division.
    double flops = b * hkv * lk * (2 * d * dv + 4 * d) +
                   b * hq * lq * (2 * d * dv + 4 * d + dv);
    // Chunkwise causal form: the masked intra-chunk products, half of each
    // chunk x chunk block.
    if (causal)
      flops += b * hq * lq * std::min<double>(kLinearChunk, lk) * (d + dv);
    return {flops, qkvo + (std::isnan(mask) ? 0 : mask)};
  }
  case Mixer::pool:
    // A running sum and one division per element of v; q and k are gone.
    return {2 * b * hkv * lk * dv, e * (b * hkv * lk * dv + b * hq * lq * dv)};
  }
  llvm_unreachable("unknown mixer");
}

/// Every ONNX node name in `loc` (fused sites carry several), in order.
SmallVector<std::string> nodeNames(Location loc) {
  SmallVector<std::string> names;
  cast<LocationAttr>(loc).walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      std::string name = n.getName().str();
      if (!llvm::is_contained(names, name))
        names.push_back(name);
    }
    return WalkResult::advance();
  });
  return names;
}

bool matchesNode(ArrayRef<std::string> names, StringRef selector) {
  return llvm::any_of(names, [&](StringRef name) {
    return name == selector ||
           (selector.ends_with("/") && name.starts_with(selector));
  });
}

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << '?';
        else
          os << d;
      },
      "x");
  return out;
}

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
FailureOr<AffineMap> keyMaskMap(OpBuilder &b, AttentionOp op, Value &mask,
                                std::string &why) {
  auto m = cast<RankedTensorType>(mask.getType());
  int64_t queryAxis = m.getRank() - 2;
  bool firstRow = queryAxis >= 0 && m.getDimSize(queryAxis) != 1 &&
                  isInvariantAlong(mask, queryAxis);
  MLIRContext *ctx = op.getContext();
  int64_t hq = op.getQuery().getType().getDimSize(1);
  int64_t hkv = op.getKey().getType().getDimSize(1);
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

struct Replacer {
  Mixer mixer;
  FeatureMap featureMap;
  std::optional<double> sigmoidBias;
  int64_t poolWindow;

  /// The new mixer's output in place of `op`'s, or failure with `why`.
  FailureOr<Value> rewrite(OpBuilder &b, AttentionOp op,
                           std::string &why) const {
    Location loc = op.getLoc();
    SiteShape s = shapeOf(op);
    bool causal = s.causal != CausalMode::none;
    bool sameLength = s.lq >= 0 && s.lq == s.lk;
    switch (mixer) {
    case Mixer::softmax:
      return op.getOutput();
    case Mixer::sigmoid: {
      if (op.getSoftcap()) {
        why = "sigmoid attention has no softcap";
        return failure();
      }
      FloatAttr bias;
      if (sigmoidBias)
        bias = b.getF32FloatAttr(*sigmoidBias);
      else if (s.lk > 0)
        bias = b.getF32FloatAttr(-std::log(double(s.lk)));
      return SigmoidAttentionOp::create(b, loc, op.getType(), op.getQuery(),
                                        op.getKey(), op.getValue(),
                                        op.getMask(), op.getScaleAttr(), bias,
                                        op.getCausalAttr())
          .getOutput();
    }
    case Mixer::linear: {
      if (causal && !sameLength) {
        why = "it is causal with Lq != Lk (decode against a cache), which "
              "the causal linear form does not cover";
        return failure();
      }
      Value q = op.getQuery(), k = op.getKey();
      FeatureMap inOp = featureMap;
      if (Value mask = op.getMask()) {
        FailureOr<AffineMap> map = keyMaskMap(b, op, mask, why);
        if (failed(map))
          return failure();
        // phi is applied here so that masked keys can be weighted after it.
        FeatureMap fm = featureMap;
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
      MLIRContext *ctx = b.getContext();
      return LinearAttentionOp::create(
                 b, loc, op.getType(), Type(), q, k, op.getValue(), Value(),
                 Value(), Value(), FeatureMapAttr::get(ctx, inOp),
                 UpdateRuleAttr::get(ctx, UpdateRule::linear),
                 causal ? b.getUnitAttr() : UnitAttr(), b.getUnitAttr(),
                 b.getF32FloatAttr(1.0f), b.getF32FloatAttr(1e-6f))
          .getOutput();
    }
    case Mixer::pool: {
      if (!sameLength) {
        why = "pooling mixes a sequence with itself and needs Lq = Lk";
        return failure();
      }
      if (op.getMask()) {
        why = "pooling cannot honour its mask";
        return failure();
      }
      if (s.hq < 0 || s.hkv <= 0) {
        why = "its head counts are dynamic";
        return failure();
      }
      Value v = op.getValue();
      Value pooled =
          PoolMixerOp::create(b, loc, v.getType(), v,
                              PoolKindAttr::get(b.getContext(), PoolKind::avg),
                              b.getI64IntegerAttr(poolWindow),
                              causal ? b.getUnitAttr() : UnitAttr(), UnitAttr())
              .getOutput();
      if (s.hq == s.hkv)
        return pooled;
      // GQA: query head h reads kv head h / (Hq / Hkv).
      auto vt = cast<RankedTensorType>(v.getType());
      int64_t group = s.hq / s.hkv;
      SmallVector<int64_t> shape = {vt.getDimSize(0), s.hkv, group,
                                    vt.getDimSize(2), vt.getDimSize(3)};
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, pooled);
      sizes.insert(sizes.begin() + 2, b.getIndexAttr(group));
      Value init = tensor::EmptyOp::create(b, loc, sizes, vt.getElementType());
      Value spread = linalg::BroadcastOp::create(b, loc, pooled, init,
                                                 ArrayRef<int64_t>{2})
                         .getResult()[0];
      return tensor::CollapseShapeOp::create(
                 b, loc, op.getType(), spread,
                 SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}})
          .getResult();
    }
    }
    llvm_unreachable("unknown mixer");
  }

  std::string describe(AttentionOp op) const {
    bool causal = op.getCausal() != CausalMode::none;
    std::string out;
    llvm::raw_string_ostream os(out);
    switch (mixer) {
    case Mixer::softmax:
      break;
    case Mixer::sigmoid:
      os << "sigmoid attention";
      break;
    case Mixer::linear:
      os << "linear attention (" << stringifyFeatureMap(featureMap)
         << (causal ? ", causal" : "")
         << (op.getMask() ? ", masked keys weighted out" : "") << ")";
      break;
    case Mixer::pool:
      os << "average pooling ("
         << (poolWindow ? "window " + std::to_string(poolWindow)
                        : std::string("global"))
         << (causal ? ", causal" : "") << ")";
      break;
    }
    return out;
  }
};

/// One row of the report.
struct SiteRecord {
  unsigned index;
  SmallVector<std::string> names;
  SmallVector<int64_t> query, key, value, mask;
  bool hasMask;
  CausalMode causal;
  Mixer after = Mixer::softmax;
  std::string status; // replaced, skipped, kept
  std::string reason;
  Cost before, cost;
};

class ReplaceAttentionPass
    : public tmix::impl::TMixReplaceAttentionPassBase<ReplaceAttentionPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<Replacer> replacer = parseOptions(module);
    if (!replacer)
      return signalPassFailure();

    SmallVector<AttentionOp> sites;
    module.walk([&](AttentionOp op) { sites.push_back(op); });
    FailureOr<llvm::SmallBitVector> selected = select(module, sites);
    if (failed(selected))
      return signalPassFailure();

    SmallVector<SiteRecord, 0> records;
    for (auto [i, op] : llvm::enumerate(sites)) {
      SiteShape shape = shapeOf(op);
      SiteRecord r{unsigned(i),
                   nodeNames(op.getLoc()),
                   SmallVector<int64_t>(op.getQuery().getType().getShape()),
                   SmallVector<int64_t>(op.getKey().getType().getShape()),
                   SmallVector<int64_t>(op.getValue().getType().getShape()),
                   {},
                   bool(op.getMask()),
                   op.getCausal(),
                   Mixer::softmax,
                   "kept",
                   "",
                   {},
                   {}};
      if (op.getMask())
        r.mask.assign(
            cast<RankedTensorType>(op.getMask().getType()).getShape().begin(),
            cast<RankedTensorType>(op.getMask().getType()).getShape().end());
      bool causal = op.getCausal() != CausalMode::none;
      r.before = r.cost = costOf(shape, Mixer::softmax, causal);
      if (!(*selected)[i] || replacer->mixer == Mixer::softmax) {
        r.reason = (*selected)[i] ? "" : "not selected";
        records.push_back(std::move(r));
        continue;
      }
      OpBuilder b(op);
      std::string why;
      FailureOr<Value> out = replacer->rewrite(b, op, why);
      if (failed(out)) {
        op.emitRemark() << "kept softmax attention: " << why;
        r.status = "skipped";
        r.reason = why;
        ++numSkipped;
        records.push_back(std::move(r));
        continue;
      }
      op.emitRemark() << "replaced softmax attention with "
                      << replacer->describe(op);
      r.status = "replaced";
      r.after = replacer->mixer;
      r.cost = costOf(shape, replacer->mixer, causal);
      records.push_back(std::move(r));
      SmallVector<Value> operands(op->getOperands());
      op.getOutput().replaceAllUsesWith(*out);
      op.erase();
      eraseDeadProducers(operands);
      ++numReplaced;
    }
    if (!report.empty() && failed(writeReport(module, records)))
      return signalPassFailure();
  }

private:
  std::optional<Replacer> parseOptions(ModuleOp module) {
    Replacer r{Mixer::linear, FeatureMap::elu_plus_one, std::nullopt,
               poolWindow};
    if (mixer == "linear")
      r.mixer = Mixer::linear;
    else if (mixer == "sigmoid")
      r.mixer = Mixer::sigmoid;
    else if (mixer == "pool")
      r.mixer = Mixer::pool;
    else if (mixer == "softmax")
      r.mixer = Mixer::softmax;
    else
      return error(module, "unknown mixer '" + mixer +
                               "' (expected linear, sigmoid, pool or softmax)");
    std::optional<FeatureMap> fm = symbolizeFeatureMap(featureMap);
    if (!fm)
      return error(module, "unknown feature-map '" + featureMap +
                               "' (expected elu_plus_one, relu or identity)");
    r.featureMap = *fm;
    if (!sigmoidBias.empty()) {
      double bias;
      if (StringRef(sigmoidBias).getAsDouble(bias) || !std::isfinite(bias))
        return error(module, "sigmoid-bias '" + sigmoidBias +
                                 "' is not a finite number");
      r.sigmoidBias = bias;
    }
    if (poolWindow < 0)
      return error(module, "pool-window must be >= 0 (0 = global), got " +
                               std::to_string(poolWindow));
    if (reportFormat != "text" && reportFormat != "json")
      return error(module, "unknown report-format '" + reportFormat +
                               "' (expected text or json)");
    return r;
  }

  static std::nullopt_t error(ModuleOp module, const Twine &message) {
    module.emitError() << "tmix-replace-attention: " << message;
    return std::nullopt;
  }

  /// Sites chosen by `layers` and `nodes` (all when both are empty).
  FailureOr<llvm::SmallBitVector> select(ModuleOp module,
                                         MutableArrayRef<AttentionOp> sites) {
    llvm::SmallBitVector chosen(sites.size(), layers.empty() && nodes.empty());
    for (const std::string &entry : layers) {
      StringRef text(entry);
      auto [first, last] = text.split('-');
      unsigned lo, hi;
      if (first.trim().getAsInteger(10, lo) ||
          (last.empty() ? (hi = lo, false)
                        : last.trim().getAsInteger(10, hi)) ||
          hi < lo) {
        error(module, "layers entry '" + entry +
                          "' is not an index or a range like 2-5");
        return failure();
      }
      if (hi >= sites.size()) {
        error(module, "layers entry '" + entry + "' names no site: the " +
                          "module has " + std::to_string(sites.size()) +
                          " attention site(s)");
        return failure();
      }
      chosen.set(lo, hi + 1);
    }
    for (const std::string &name : nodes) {
      bool any = false;
      for (auto [i, op] : llvm::enumerate(sites))
        if (matchesNode(nodeNames(op.getLoc()), name)) {
          chosen.set(i);
          any = true;
        }
      if (!any) {
        error(module, "nodes entry '" + name +
                          "' matches no attention site's ONNX node");
        return failure();
      }
    }
    return chosen;
  }

  /// Erases what only the replaced site used (q and k for pooling).
  void eraseDeadProducers(ArrayRef<Value> roots) {
    SmallVector<Operation *> worklist;
    for (Value v : roots)
      if (Operation *def = v ? v.getDefiningOp() : nullptr)
        worklist.push_back(def);
    llvm::SmallPtrSet<Operation *, 16> erased;
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      if (erased.contains(op) || !isOpTriviallyDead(op))
        continue;
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp())
          worklist.push_back(def);
      erased.insert(op);
      op->erase();
      ++numErased;
    }
  }

  LogicalResult writeReport(ModuleOp module, ArrayRef<SiteRecord> records) {
    std::string error;
    auto file = mlir::openOutputFile(report, &error);
    if (!file) {
      module.emitError() << "tmix-replace-attention: cannot write report '"
                         << report << "': " << error;
      return failure();
    }
    if (reportFormat == "json")
      writeJson(file->os(), records);
    else
      writeText(file->os(), records);
    file->keep();
    return success();
  }

  /// Costs summed over all sites, and how many were replaced.
  struct Totals {
    Cost before, after;
    int64_t replaced = 0;
  };
  static Totals sum(ArrayRef<SiteRecord> records) {
    Totals t;
    for (const SiteRecord &r : records) {
      t.before.flops += r.before.flops;
      t.before.bytes += r.before.bytes;
      t.after.flops += r.cost.flops;
      t.after.bytes += r.cost.bytes;
      t.replaced += r.status == "replaced";
    }
    return t;
  }

  void writeJson(raw_ostream &os, ArrayRef<SiteRecord> records) {
    llvm::json::OStream j(os, 2);
    // Unknown (dynamic) sizes and costs are null.
    auto costs = [&](const Cost &before, const Cost &after) {
      for (auto [key, x] : {std::pair{"flops_before", before.flops},
                            {"flops_after", after.flops},
                            {"bytes_before", before.bytes},
                            {"bytes_after", after.bytes}}) {
        if (std::isnan(x))
          j.attribute(key, nullptr);
        else
          j.attribute(key, x);
      }
    };
    auto shape = [&](StringRef key, ArrayRef<int64_t> dims) {
      j.attributeArray(key, [&] {
        for (int64_t d : dims)
          ShapedType::isDynamic(d) ? j.value(nullptr) : j.value(d);
      });
    };
    Totals totals = sum(records);
    j.object([&] {
      j.attribute("mixer", mixer);
      j.attributeArray("sites", [&] {
        for (const SiteRecord &r : records)
          j.object([&] {
            j.attribute("index", r.index);
            j.attributeArray("nodes", [&] {
              for (const std::string &n : r.names)
                j.value(n);
            });
            shape("query", r.query);
            shape("key", r.key);
            shape("value", r.value);
            if (r.hasMask)
              shape("mask", r.mask);
            else
              j.attribute("mask", nullptr);
            j.attribute("causal", stringifyCausalMode(r.causal));
            j.attribute("before", "softmax");
            j.attribute("after", mixerName(r.after));
            j.attribute("status", r.status);
            if (!r.reason.empty())
              j.attribute("reason", r.reason);
            costs(r.before, r.cost);
          });
      });
      j.attributeObject("totals", [&] {
        j.attribute("sites", int64_t(records.size()));
        j.attribute("replaced", totals.replaced);
        costs(totals.before, totals.after);
      });
    });
    os << "\n";
  }

  void writeText(raw_ostream &os, ArrayRef<SiteRecord> records) {
    auto sig = [](double x, double unit) {
      if (std::isnan(x))
        return std::string("?");
      std::string out;
      llvm::raw_string_ostream(out) << llvm::format("%.4g", x / unit);
      return out;
    };
    auto giga = [&](double x) { return sig(x, 1e9); };
    auto mega = [&](double x) { return sig(x, 1e6); };
    os << "tmix mixer report (mixer=" << mixer << ")\n";
    const char *row = "{0,-4} {1,-14} {2,-14} {3,-11} {4,-18} {5,-20} "
                      "{6,-18} {7,-9} {8}\n";
    os << llvm::formatv(row, "site", "q", "k", "causal", "mixer", "GFLOP",
                        "MB moved", "status", "onnx nodes / reason");
    for (const SiteRecord &r : records) {
      std::string names = llvm::join(r.names, ",");
      if (names.empty())
        names = "-";
      os << llvm::formatv(
          row, r.index, formatShape(r.query), formatShape(r.key),
          stringifyCausalMode(r.causal),
          ("softmax -> " + mixerName(r.after)).str(),
          giga(r.before.flops) + " -> " + giga(r.cost.flops),
          mega(r.before.bytes) + " -> " + mega(r.cost.bytes), r.status,
          names + (r.reason.empty() ? "" : " (" + r.reason + ")"));
    }
    Totals t = sum(records);
    os << llvm::formatv(row, "all", "", "", "", "",
                        giga(t.before.flops) + " -> " + giga(t.after.flops),
                        mega(t.before.bytes) + " -> " + mega(t.after.bytes),
                        llvm::formatv("{0}/{1}", t.replaced, records.size()),
                        "sites replaced");
  }
};

} // namespace
