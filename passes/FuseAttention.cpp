//===- FuseAttention.cpp - tmix-fuse-attention -----------------*- C++ -*-===//
//
// Raises decomposed softmax attention in converted graphs to tmix.attention.
// The anchor is a linalg.softmax over the last dim of [B,H,Lq,Lk] scores:
//   scores = steps(expand(batch_matmul(collapse(Q'), collapse(K'^T))))
//   out    = expand(batch_matmul(collapse(guard(softmax(scores))),
//   collapse(V)))
// where the steps are element-wise generics that scale by a constant, add
// a float mask or select -inf under a boolean mask, Q' and K'^T may carry
// constant scale factors, and `guard` is the select(isnan(p), 0, p) that
// SDPA exports add. Anything else is left alone: a second use of the
// probabilities, a softmax over another axis, a scale after an additive
// mask, a mask before a softcap, non-zero matmul accumulators. Several
// masks on one site are summed into one.
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/TMixDialect.h"
#include "tmix/Passes.h"
#include "tmix/Utils.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include <cmath>

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXFUSEATTENTIONPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;
using namespace mlir::tmix;

namespace {

/// The value of a splat float constant, if `v` is one.
std::optional<double> splatValue(Value v) {
  DenseElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// A single-op element-wise generic, seen as `result = op(operands)` with
/// each block argument resolved to its input tensor and indexing map.
struct Elementwise {
  linalg::GenericOp op;
  Operation *body; // the one computing op
  /// For each operand of `body`: the input tensor it reads (null for a
  /// constant defined in the body) and that input's map.
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  SmallVector<std::optional<double>> constants;
};

std::optional<Elementwise> asElementwise(Value v) {
  auto op = v.getDefiningOp<linalg::GenericOp>();
  if (!op || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.getIndexingMapsArray().back().isIdentity())
    return std::nullopt;
  Block &block = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(block.getTerminator());
  Operation *body = yield.getOperand(0).getDefiningOp();
  if (!body || body->getBlock() != &block)
    return std::nullopt;
  for (Operation &inner : block.without_terminator())
    if (&inner != body && !isa<arith::ConstantOp>(inner))
      return std::nullopt;
  Elementwise e{op, body, {}, {}, {}};
  for (Value operand : body->getOperands()) {
    if (auto arg = dyn_cast<BlockArgument>(operand)) {
      if (arg.getOwner() != &block ||
          arg.getArgNumber() >= op.getNumDpsInputs())
        return std::nullopt;
      OpOperand *in = op.getDpsInputOperand(arg.getArgNumber());
      e.inputs.push_back(in->get());
      e.maps.push_back(op.getMatchingIndexingMap(in));
      e.constants.push_back(splatValue(in->get()));
      continue;
    }
    FloatAttr f;
    if (!matchPattern(operand, m_Constant(&f)))
      return std::nullopt;
    e.inputs.push_back(Value());
    e.maps.push_back(AffineMap());
    e.constants.push_back(f.getValueAsDouble());
  }
  return e;
}

/// A broadcast of a rank-r mask into the trailing dims of a rank-4 space:
/// each result is its own dim or the constant 0 (a size-1 dim).
bool isTrailingBroadcast(AffineMap map, Value mask) {
  auto type = cast<RankedTensorType>(mask.getType());
  if (map.getNumDims() != 4 || map.getNumResults() != type.getRank())
    return false;
  int64_t offset = 4 - type.getRank();
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    if (auto d = dyn_cast<AffineDimExpr>(expr);
        d && d.getPosition() == offset + i)
      continue;
    auto c = dyn_cast<AffineConstantExpr>(expr);
    if (!c || c.getValue() != 0 || type.getDimSize(i) != 1)
      return false;
  }
  return true;
}

/// One step of the score chain, seen from its result back to `source`.
struct Step {
  enum Kind { Scale, AddMask, BoolMask, Tanh } kind;
  Value source;
  double factor = 1.0; // Scale
  Value mask;          // AddMask / BoolMask
  bool negate = false; // BoolMask with -inf where the mask is true
  /// BoolMask filling hidden scores with a finite minimum (finfo.min, as
  /// Hugging Face writes it) rather than -inf.
  bool finiteFill = false;
};

std::optional<Step> matchStep(Value v) {
  std::optional<Elementwise> e = asElementwise(v);
  if (!e)
    return std::nullopt;
  auto isScore = [&](unsigned i) {
    return e->inputs[i] && e->maps[i].isIdentity() &&
           e->inputs[i].getType() == v.getType();
  };
  Operation *body = e->body;
  if (isa<math::TanhOp>(body) && isScore(0))
    return Step{Step::Tanh, e->inputs[0], 1.0, Value()};
  if (isa<arith::MulFOp>(body))
    for (unsigned i : {0u, 1u})
      if (isScore(i) && e->constants[1 - i])
        return Step{Step::Scale, e->inputs[i], *e->constants[1 - i], Value()};
  if (isa<arith::DivFOp>(body) && isScore(0) && e->constants[1] &&
      *e->constants[1] != 0.0)
    return Step{Step::Scale, e->inputs[0], 1.0 / *e->constants[1], Value()};
  if (isa<arith::AddFOp>(body))
    for (unsigned i : {0u, 1u})
      if (isScore(i) && e->inputs[1 - i] &&
          isTrailingBroadcast(e->maps[1 - i], e->inputs[1 - i]))
        return Step{Step::AddMask, e->inputs[i], 1.0, e->inputs[1 - i]};
  if (isa<arith::SelectOp>(body) && e->inputs[0] &&
      isTrailingBroadcast(e->maps[0], e->inputs[0])) {
    auto hides = [&](unsigned i) {
      return e->constants[i] && *e->constants[i] <= -1e30;
    };
    for (auto [score, fill, negate] :
         {std::tuple{1u, 2u, false}, std::tuple{2u, 1u, true}})
      if (isScore(score) && hides(fill))
        return Step{
            Step::BoolMask, e->inputs[score], 1.0,
            e->inputs[0],   negate,           !std::isinf(*e->constants[fill])};
  }
  return std::nullopt;
}

/// Strips constant scale factors off `v` (a Q or K^T operand).
Value peelScale(Value v, double &scale) {
  while (std::optional<Step> s = matchStep(v)) {
    if (s->kind != Step::Scale)
      break;
    scale *= s->factor;
    v = s->source;
  }
  return v;
}

/// `collapse_shape [[0, 1], [2], [3]]` of a 4-D tensor: that tensor.
Value uncollapse(Value v) {
  auto c = v.getDefiningOp<tensor::CollapseShapeOp>();
  if (!c || c.getSrcType().getRank() != 4)
    return Value();
  SmallVector<ReassociationIndices> re = c.getReassociationIndices();
  if (re.size() != 3 || re[0] != ReassociationIndices{0, 1})
    return Value();
  return c.getSrc();
}

/// The wide value `v` narrows, when `v` is an element-wise truncf of a value
/// used only there (f16 matmuls accumulate in f32); `v` otherwise.
Value skipNarrowing(Value v) {
  std::optional<Elementwise> e = asElementwise(v);
  if (e && isa<arith::TruncFOp>(e->body) && e->inputs[0] &&
      e->maps[0].isIdentity() && e->inputs[0].hasOneUse())
    return e->inputs[0];
  return v;
}

/// A batch_matmul into a zero-filled accumulator, seen through a narrowing.
linalg::BatchMatmulOp zeroInitBatchMatmul(Value v) {
  if (!v)
    return {};
  auto mm = skipNarrowing(v).getDefiningOp<linalg::BatchMatmulOp>();
  if (!mm)
    return {};
  auto fill = mm.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  std::optional<double> zero =
      fill ? splatValue(fill.getInputs()[0]) : std::nullopt;
  FloatAttr f;
  if (fill && matchPattern(fill.getInputs()[0], m_Constant(&f)))
    zero = f.getValueAsDouble();
  return zero && *zero == 0.0 ? mm : linalg::BatchMatmulOp();
}

/// True if `cond` is "row of `mask` entirely -inf": cmpf oeq(R, -inf) of
/// R = max over the mask's last dim (the ONNX Attention function's guard).
/// `mask` is filled in with the mask it reads.
bool isRowFullyMasked(Value cond, Value &mask) {
  std::optional<Elementwise> e = asElementwise(cond);
  auto cmp = e ? dyn_cast<arith::CmpFOp>(e->body) : arith::CmpFOp();
  if (!cmp || cmp.getPredicate() != arith::CmpFPredicate::OEQ ||
      !e->constants[1] || !std::isinf(*e->constants[1]) ||
      *e->constants[1] > 0 || !e->inputs[0])
    return false;
  auto reduce = skipNarrowing(e->inputs[0]).getDefiningOp<linalg::GenericOp>();
  if (!reduce || reduce.getNumDpsInputs() != 1 ||
      reduce.getNumReductionLoops() != 1 ||
      reduce.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return false;
  Block &block = reduce.getRegion().front();
  auto yield = cast<linalg::YieldOp>(block.getTerminator());
  if (!isa_and_nonnull<arith::MaximumFOp>(yield.getOperand(0).getDefiningOp()))
    return false;
  std::optional<double> init = splatValue(reduce.getDpsInits()[0]);
  if (auto fill = reduce.getDpsInits()[0].getDefiningOp<linalg::FillOp>()) {
    FloatAttr f;
    if (matchPattern(fill.getInputs()[0], m_Constant(&f)))
      init = f.getValueAsDouble();
  }
  if (!init || !std::isinf(*init) || *init > 0)
    return false;
  mask = reduce.getDpsInputs()[0];
  return true;
}

/// The probabilities after the guard that exporters put on fully masked
/// rows, and the ops of that guard. Two forms are absorbed because tmix
/// already yields 0 for such rows: SDPA's select(isnan(p), 0, p), and the
/// ONNX Attention function's select(rowmax(mask) == -inf, 0, p), whose
/// mask must then be the site's own (returned in `guardMask`). A constant
/// all-false condition is a guard that never fires.
Value skipGuard(Value p, SmallVectorImpl<Operation *> &guard,
                Value &guardMask) {
  if (p.hasOneUse()) {
    auto g = dyn_cast<linalg::GenericOp>(*p.getUsers().begin());
    std::optional<Elementwise> e =
        g ? asElementwise(g.getResult(0)) : std::nullopt;
    if (!e || !isa<arith::SelectOp>(e->body) || e->inputs[2] != p ||
        !e->constants[1] || *e->constants[1] != 0.0 || !e->inputs[0])
      return p;
    DenseElementsAttr c;
    bool neverFires = matchPattern(e->inputs[0], m_Constant(&c)) &&
                      c.getElementType().isInteger(1) && c.isSplat() &&
                      !c.getSplatValue<bool>();
    if (!neverFires && !isRowFullyMasked(e->inputs[0], guardMask))
      return p;
    guard.push_back(g);
    return g.getResult(0);
  }
  linalg::GenericOp isnan, select;
  for (Operation *user : p.getUsers()) {
    auto g = dyn_cast<linalg::GenericOp>(user);
    std::optional<Elementwise> e =
        g ? asElementwise(g.getResult(0)) : std::nullopt;
    if (!e)
      return Value();
    if (auto cmp = dyn_cast<arith::CmpFOp>(e->body);
        cmp && cmp.getPredicate() == arith::CmpFPredicate::UNO &&
        e->inputs[0] == p && e->inputs[1] == p)
      isnan = g;
    else if (isa<arith::SelectOp>(e->body) && e->inputs[2] == p &&
             e->constants[1] && *e->constants[1] == 0.0)
      select = g;
    else
      return Value();
  }
  if (!isnan || !select || !isnan.getResult(0).hasOneUse() ||
      asElementwise(select.getResult(0))->inputs[0] != isnan.getResult(0))
    return Value();
  guard.push_back(select);
  guard.push_back(isnan);
  return select.getResult(0);
}

/// K or V as [B,Hkv,L,D] when `x` is its per-query-head copy, written as
/// Unsqueeze -> Expand -> Reshape (GQA): the copy a generic broadcasting
/// [B,Hkv,1,L,D] to [B,Hkv,G,L,D], collapsed to [B,Hkv*G,L,D]. Null
/// otherwise. tmix.attention reads kv head h / G itself, so no copy.
Value ungroupHeads(OpBuilder &b, Location loc, Value x) {
  auto c = x.getDefiningOp<tensor::CollapseShapeOp>();
  if (!c || c.getSrcType().getRank() != 5 ||
      c.getReassociationIndices() !=
          SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}})
    return Value();
  auto g = c.getSrc().getDefiningOp<linalg::GenericOp>();
  if (!g || g.getNumDpsInputs() != 1 ||
      g.getNumParallelLoops() != g.getNumLoops())
    return Value();
  auto yield = cast<linalg::YieldOp>(g.getRegion().front().getTerminator());
  auto arg = dyn_cast<BlockArgument>(yield.getOperand(0));
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineMap broadcast = AffineMap::get(
      5, 0, {d(0), d(1), getAffineConstantExpr(0, ctx), d(3), d(4)}, ctx);
  if (!arg || arg.getArgNumber() != 0 ||
      g.getIndexingMapsArray()[0] != broadcast ||
      !g.getIndexingMapsArray()[1].isIdentity())
    return Value();
  Value src = g.getDpsInputs()[0];
  auto type = cast<RankedTensorType>(src.getType());
  if (type.getDimSize(2) != 1)
    return Value();
  if (auto e = src.getDefiningOp<tensor::ExpandShapeOp>();
      e && e.getSrcType().getRank() == 4 &&
      e.getSrcType().getDimSize(1) == type.getDimSize(1))
    return e.getSrc();
  return tensor::CollapseShapeOp::create(
      b, loc, src, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
}

/// One float mask equal to the sum of `masks` (boolean ones as 0 / -inf),
/// broadcast to their common trailing shape within [B,H,Lq,Lk].
Value sumMasks(OpBuilder &b, Location loc, ArrayRef<Step> masks,
               Type elementType) {
  SmallVector<int64_t> shape(4, 1);
  for (const Step &m : masks) {
    auto t = cast<RankedTensorType>(m.mask.getType());
    for (int64_t i = 0, off = 4 - t.getRank(); i < t.getRank(); ++i)
      shape[off + i] = std::max(shape[off + i], t.getDimSize(i));
  }
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  for (const Step &m : masks) {
    auto t = cast<RankedTensorType>(m.mask.getType());
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0, off = 4 - t.getRank(); i < t.getRank(); ++i)
      exprs.push_back(t.getDimSize(i) == 1 && shape[off + i] != 1
                          ? b.getAffineConstantExpr(0)
                          : b.getAffineDimExpr(off + i));
    ins.push_back(m.mask);
    maps.push_back(AffineMap::get(4, 0, exprs, b.getContext()));
  }
  maps.push_back(b.getMultiDimIdentityMap(4));
  Value init = tensor::EmptyOp::create(b, loc, shape, elementType);
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ins, init, maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value zero = arith::ConstantOp::create(
                   nb, l, nb.getFloatAttr(elementType, 0.0));
               Value ninf = arith::ConstantOp::create(
                   nb, l, nb.getFloatAttr(elementType, -INFINITY));
               Value sum = zero;
               for (auto [m, arg] : llvm::zip(masks, args.drop_back())) {
                 Value v = arg;
                 if (arg.getType().isInteger(1))
                   v = m.negate
                           ? arith::SelectOp::create(nb, l, arg, ninf, zero)
                           : arith::SelectOp::create(nb, l, arg, zero, ninf);
                 else if (arg.getType().getIntOrFloatBitWidth() <
                          elementType.getIntOrFloatBitWidth())
                   v = arith::ExtFOp::create(nb, l, elementType, arg);
                 else if (arg.getType() != elementType)
                   v = arith::TruncFOp::create(nb, l, elementType, arg);
                 sum = arith::AddFOp::create(nb, l, sum, v);
               }
               linalg::YieldOp::create(nb, l, sum);
             })
      .getResult(0);
}

/// True for a constant additive mask of zeros or boolean mask of trues.
bool isNoOpMask(Value mask, bool negate) {
  DenseElementsAttr c;
  if (!matchPattern(mask, m_Constant(&c)) || !c.isSplat())
    return false;
  if (c.getElementType().isInteger(1))
    return c.getSplatValue<bool>() != negate;
  return c.getSplatValue<APFloat>().isZero();
}

/// The causal form a constant mask spells, if exactly one: boolean, or
/// additive with 0 for visible and -inf (or at most -1e30, as exporters
/// write -FLT_MAX) for hidden keys, over [.., Lq, Lk] with every leading
/// slice equal. A finite "hidden" value only equals the causal attribute
/// when no query row is left without keys, so that case is refused.
std::optional<CausalMode> causalForm(Value mask, bool negate, int64_t lq,
                                     int64_t lk) {
  auto type = cast<RankedTensorType>(mask.getType());
  if (type.getRank() < 2 || type.getDimSize(type.getRank() - 2) != lq ||
      type.getDimSize(type.getRank() - 1) != lk)
    return std::nullopt;
  DenseElementsAttr attr = getConstantElements(mask, /*maxElements=*/1 << 24);
  if (!attr)
    return std::nullopt;
  SmallVector<bool> visible;
  bool finiteHidden = false;
  if (attr.getElementType().isInteger(1)) {
    for (bool b : attr.getValues<bool>())
      visible.push_back(b != negate);
  } else {
    for (APFloat f : attr.getValues<APFloat>()) {
      double d = f.convertToDouble();
      if (d == 0.0) {
        visible.push_back(true);
      } else if (d <= -1e30) {
        visible.push_back(false);
        finiteHidden |= !f.isInfinity();
      } else {
        return std::nullopt;
      }
    }
  }
  int64_t slice = lq * lk;
  for (size_t i = slice; i < visible.size(); ++i)
    if (visible[i] != visible[i % slice])
      return std::nullopt;
  for (auto [mode, offset] : {std::pair{CausalMode::top_left, int64_t(0)},
                              std::pair{CausalMode::bottom_right, lk - lq}}) {
    bool match = true;
    for (int64_t i = 0; i < lq && match; ++i)
      for (int64_t j = 0; j < lk && match; ++j)
        match = visible[i * lk + j] == (j <= i + offset);
    if (match && !(finiteHidden && offset < 0))
      return mode;
  }
  return std::nullopt;
}

struct FuseSoftmaxAttention : OpRewritePattern<linalg::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    auto scoresType = cast<RankedTensorType>(softmax.getInput().getType());
    if (scoresType.getRank() != 4 || softmax.getDimension() != 3)
      return rewriter.notifyMatchFailure(softmax, "not over the key axis");

    // Scores: walk back through the element-wise steps to Q K^T.
    SmallVector<Step> steps;
    Value s = softmax.getInput();
    linalg::BatchMatmulOp qk;
    while (true) {
      if (!s.hasOneUse())
        return rewriter.notifyMatchFailure(softmax, "scores used twice");
      if (auto e = s.getDefiningOp<tensor::ExpandShapeOp>())
        if ((qk = zeroInitBatchMatmul(e.getSrc())))
          break;
      std::optional<Step> step = matchStep(s);
      if (!step)
        return rewriter.notifyMatchFailure(softmax, "unknown score step");
      steps.push_back(*step);
      s = step->source;
    }
    // In graph order: scales, optionally Div(c) -> Tanh -> Mul(c) (softcap),
    // then at most one mask. Scales before the tanh multiply q.k; the one
    // after it is the cap.
    double pre = 1.0, post = 1.0;
    bool sawTanh = false;
    SmallVector<Step> masks;
    Value mask;
    bool negate = false, sawAdditive = false, finiteFill = false;
    for (const Step &step : llvm::reverse(steps)) {
      switch (step.kind) {
      case Step::Scale:
        // Scaling after an additive mask would scale the mask too.
        if (sawAdditive || (mask && step.factor <= 0))
          return rewriter.notifyMatchFailure(softmax, "scale after mask");
        // A positive scale commutes with a boolean (-inf) mask.
        (sawTanh ? post : pre) *= step.factor;
        break;
      case Step::Tanh:
        if (sawTanh || mask)
          return rewriter.notifyMatchFailure(softmax, "tanh after mask");
        sawTanh = true;
        break;
      case Step::AddMask:
      case Step::BoolMask:
        finiteFill |= step.finiteFill;
        masks.push_back(step);
        mask = step.mask;
        negate = step.negate;
        sawAdditive |= step.kind == Step::AddMask;
        break;
      }
    }
    // Several masks (a position bias and a padding mask, say) add up.
    if (masks.size() > 1)
      mask = Value();
    if (sawTanh && post <= 0)
      return rewriter.notifyMatchFailure(softmax, "not a softcap");
    Value q = uncollapse(qk.getDpsInputs()[0]);
    Value kt = uncollapse(qk.getDpsInputs()[1]);
    if (!q || !kt)
      return rewriter.notifyMatchFailure(softmax, "operands not 4-D");
    double scale = pre;
    q = peelScale(q, scale);
    kt = peelScale(kt, scale);
    // c * tanh(s / c) with s = scale' * q.k: tmix's scale is scale' = pre * c.
    std::optional<double> softcap;
    if (sawTanh)
      softcap = post;
    scale *= post;

    // Output: the guard, then P V.
    SmallVector<Operation *> guard;
    Value guardMask;
    Value p = skipGuard(softmax.getResult()[0], guard, guardMask);
    if (guardMask && (masks.size() != 1 || guardMask != mask))
      return rewriter.notifyMatchFailure(softmax, "guard on another mask");
    if (!p || !p.hasOneUse())
      return rewriter.notifyMatchFailure(softmax, "probabilities reused");
    auto pc = dyn_cast<tensor::CollapseShapeOp>(*p.getUsers().begin());
    if (!pc || uncollapse(pc.getResult()) != p || !pc->hasOneUse())
      return rewriter.notifyMatchFailure(softmax, "no P V matmul");
    linalg::BatchMatmulOp pv =
        zeroInitBatchMatmul((*pc->getUsers().begin())->getNumResults()
                                ? (*pc->getUsers().begin())->getResult(0)
                                : Value());
    if (!pv || pv.getDpsInputs()[0] != pc.getResult() ||
        !pv->getResult(0).hasOneUse())
      return rewriter.notifyMatchFailure(softmax, "no P V matmul");
    Value pvOut = pv->getResult(0);
    if (Operation *user = *pvOut.getUsers().begin();
        user->getNumResults() == 1 &&
        skipNarrowing(user->getResult(0)) == pvOut) {
      pvOut = user->getResult(0);
      if (!pvOut.hasOneUse())
        return rewriter.notifyMatchFailure(softmax, "no P V matmul");
    }
    auto out = dyn_cast<tensor::ExpandShapeOp>(*pvOut.getUsers().begin());
    Value v = uncollapse(pv.getDpsInputs()[1]);
    if (!out || !v || out.getResultType().getRank() != 4)
      return rewriter.notifyMatchFailure(softmax, "no P V matmul");

    auto qType = cast<RankedTensorType>(q.getType());
    auto ktType = cast<RankedTensorType>(kt.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    if (qType.getElementType() != ktType.getElementType() ||
        qType.getElementType() != vType.getElementType() ||
        out.getResultType().getElementType() != qType.getElementType())
      return rewriter.notifyMatchFailure(softmax, "mixed element types");

    // The site answers to the names of all three ONNX nodes.
    // A finite fill equals tmix's "hidden" only where no row is entirely
    // hidden (there softmax would average instead of giving 0): accept it
    // for constant causal masks that leave every row a key.
    if (finiteFill) {
      int64_t lq = scoresType.getDimSize(2), lk = scoresType.getDimSize(3);
      std::optional<CausalMode> c =
          masks.size() == 1 ? causalForm(mask, negate, lq, lk) : std::nullopt;
      bool exact = (masks.size() == 1 && isNoOpMask(mask, negate)) ||
                   (c && !(*c == CausalMode::bottom_right && lk < lq));
      if (!exact)
        return rewriter.notifyMatchFailure(
            softmax, "finite fill on a mask that may hide whole rows");
    }
    Location loc =
        rewriter.getFusedLoc({qk.getLoc(), softmax.getLoc(), pv.getLoc()});
    // V may be computed after the softmax: build where the output was.
    rewriter.setInsertionPoint(out);
    int64_t lq = scoresType.getDimSize(2), lk = scoresType.getDimSize(3);
    if (masks.size() > 1) {
      mask = sumMasks(rewriter, loc, masks, scoresType.getElementType());
      negate = false;
    }
    CausalMode causal = CausalMode::none;
    if (mask && isNoOpMask(mask, negate))
      mask = Value();
    if (mask)
      if (std::optional<CausalMode> c = causalForm(mask, negate, lq, lk)) {
        causal = *c;
        mask = Value();
      }
    if (mask && negate) {
      // The graph hides keys where the mask is true: tmix wants "attend".
      auto mt = cast<RankedTensorType>(mask.getType());
      Value init = tensor::EmptyOp::create(rewriter, loc, mt.getShape(),
                                           mt.getElementType());
      AffineMap id = rewriter.getMultiDimIdentityMap(mt.getRank());
      SmallVector<utils::IteratorType> iters(mt.getRank(),
                                             utils::IteratorType::parallel);
      mask = linalg::GenericOp::create(
                 rewriter, loc, mt, mask, init, {id, id}, iters,
                 [](OpBuilder &b, Location l, ValueRange a) {
                   Value t =
                       arith::ConstantOp::create(b, l, b.getBoolAttr(true));
                   linalg::YieldOp::create(
                       b, l, arith::XOrIOp::create(b, l, a[0], t).getResult());
                 })
                 .getResult(0);
    }
    // K^T [B,H,D,Lk] -> K [B,H,Lk,D]: the transpose's input when K^T is
    // one, a new transpose otherwise.
    Value k;
    if (auto t = kt.getDefiningOp<linalg::TransposeOp>();
        t && t.getPermutation() == ArrayRef<int64_t>{0, 1, 3, 2}) {
      k = t.getInput();
    } else {
      Value kInit =
          tensor::EmptyOp::create(rewriter, loc,
                                  {ktType.getDimSize(0), ktType.getDimSize(1),
                                   ktType.getDimSize(3), ktType.getDimSize(2)},
                                  ktType.getElementType());
      k = linalg::TransposeOp::create(rewriter, loc, kt, kInit,
                                      ArrayRef<int64_t>{0, 1, 3, 2})
              .getResult()[0];
    }
    // GQA written as a copy of the kv heads: read the kv heads instead.
    Value kGroups = ungroupHeads(rewriter, loc, k);
    Value vGroups = ungroupHeads(rewriter, loc, v);
    if (kGroups && vGroups) {
      k = kGroups;
      v = vGroups;
    }
    auto attention = AttentionOp::create(
        rewriter, loc, out.getResultType(), q, k, v, mask,
        rewriter.getF32FloatAttr(scale),
        softcap ? rewriter.getF32FloatAttr(*softcap) : FloatAttr(),
        CausalModeAttr::get(rewriter.getContext(), causal));
    if (failed(attention.verify())) {
      rewriter.eraseOp(attention);
      return rewriter.notifyMatchFailure(softmax, "shapes do not fit");
    }
    rewriter.replaceOp(out, attention.getOutput());
    eraseDeadChain(rewriter, pvOut.getDefiningOp());
    return success();
  }

  /// Erases `op` and, transitively, the producers that only it used.
  static void eraseDeadChain(PatternRewriter &rewriter, Operation *op) {
    SmallVector<Operation *> worklist = {op};
    while (!worklist.empty()) {
      Operation *next = worklist.pop_back_val();
      if (!isOpTriviallyDead(next))
        continue;
      for (Value operand : next->getOperands())
        if (Operation *def = operand.getDefiningOp())
          worklist.push_back(def);
      rewriter.eraseOp(next);
    }
  }
};

/// A tmix.attention whose mask is a constant spelling a causal form gets
/// the attribute instead (the ONNX Attention op carries such masks).
struct LiftCausalMask : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Value mask = op.getMask();
    if (!mask || op.getCausal() != CausalMode::none)
      return failure();
    MixerDims dims = cast<MixerOpInterface>(op.getOperation()).getDims();
    std::optional<CausalMode> causal =
        causalForm(mask, /*negate=*/false, dims.queryLen, dims.keyLen);
    if (!causal)
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.getMaskMutable().clear();
      op.setCausal(*causal);
    });
    return success();
  }
};

struct TMixFuseAttentionPass
    : tmix::impl::TMixFuseAttentionPassBase<TMixFuseAttentionPass> {
  void runOnOperation() override {
    auto count = [&] {
      unsigned n = 0;
      getOperation()->walk([&](AttentionOp) { ++n; });
      return n;
    };
    unsigned before = count();
    // One rewrite per anchor; each erases its own dead chain, which the
    // walk driver does not allow, so drive the anchors directly.
    SmallVector<linalg::SoftmaxOp> anchors;
    getOperation()->walk([&](linalg::SoftmaxOp op) { anchors.push_back(op); });
    struct Rewriter : PatternRewriter {
      using PatternRewriter::PatternRewriter;
    } rewriter(&getContext());
    FuseSoftmaxAttention pattern(&getContext());
    for (linalg::SoftmaxOp op : anchors) {
      rewriter.setInsertionPoint(op);
      (void)pattern.matchAndRewrite(op, rewriter);
    }
    LiftCausalMask lift(&getContext());
    getOperation()->walk([&](AttentionOp op) {
      rewriter.setInsertionPoint(op);
      if (succeeded(lift.matchAndRewrite(op, rewriter)))
        ++numCausalLifted;
    });
    numFused += count() - before;
  }
};
} // namespace

void mlir::tmix::populateTMixFuseAttentionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<FuseSoftmaxAttention, LiftCausalMask>(patterns.getContext());
}
