//===- Quantize.cpp - tmix-quantize ----------------------------*- C++ -*-===//
//
// Compiler-chosen int8 for f32 models: weights per output column, dynamic
// activations per row, both symmetric, so the product needs no zero points
// (s8 x s8 on AMX-INT8) and its dequantization is one multiply per element
// by a_scale[i] * b_scale[j]. Per-row scales follow outliers in one token
// without costing the others their resolution, which per-tensor dynamic
// quantization (ORT's quantize_dynamic) cannot.
//
//===----------------------------------------------------------------------===//

#include "tmix/Passes.h"
#include "tmix/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXQUANTIZEPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;

namespace {

/// The raw f32 data of a constant weight (dense or a resource blob).
std::optional<ArrayRef<float>> weightData(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  std::optional<ArrayRef<char>> bytes = tmix::getRawConstantBytes(attr);
  if (!bytes || !cast<ElementsAttr>(attr).getElementType().isF32())
    return std::nullopt;
  return ArrayRef<float>(reinterpret_cast<const float *>(bytes->data()),
                         bytes->size() / sizeof(float));
}

bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

Value fconst(OpBuilder &b, Location l, double v) {
  return arith::ConstantOp::create(b, l, b.getF32FloatAttr(v));
}

class QuantizePass : public tmix::impl::TMixQuantizePassBase<QuantizePass> {
public:
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) {
      if (op.hasPureTensorSemantics() && !op.hasUserDefinedMaps() &&
          llvm::all_of(op->getOperands(), [](Value v) {
            auto t = dyn_cast<RankedTensorType>(v.getType());
            return t && t.hasStaticShape() && t.getElementType().isF32();
          }))
        matmuls.push_back(op);
    });
    for (linalg::MatmulOp op : matmuls) {
      OpBuilder b(op);
      if (std::optional<IntegerOperands> ops = dequantizedOperands(op, b)) {
        replaceWithIntegerProduct(op, b, *ops);
        ++numDequantizedProducts;
        continue;
      }
      if (!quantizeWeights || !chosen(op))
        continue;
      auto wt = cast<RankedTensorType>(op.getInputs()[1].getType());
      if (std::optional<IntegerOperands> ops = quantizeOperands(op, b)) {
        replaceWithIntegerProduct(op, b, *ops);
        ++numQuantized;
        numWeightBytesSaved += 3 * wt.getNumElements();
      }
    }
  }

private:
  bool chosen(linalg::MatmulOp op) {
    if (nodes.empty())
      return true;
    SmallVector<std::string> names = tmix::getNodeNames(op.getLoc());
    return llvm::any_of(nodes, [&](const std::string &selector) {
      return llvm::any_of(names, [&](const std::string &name) {
        return name == selector || (StringRef(selector).ends_with("/") &&
                                    StringRef(name).starts_with(selector));
      });
    });
  }

  /// The integer operands of a product and their scales.
  struct IntegerOperands {
    Value a, b; // i8 [M, K], [K, N] (signless)
    bool aUnsigned = false, bUnsigned = false;
    Value aZero, bZero; // i8 rank 0 (or [N] for b), or null
    Value aScale;       // f32 [M] (per row) or rank 0
    Value bScale;       // f32 [N] (per column) or rank 0
  };

  /// A DequantizeLinear as the conversion builds it: an element-wise
  /// generic yielding (tofp(x) [- tofp(zp)]) * scale with x of 8 bits.
  struct Dequantized {
    Value x, zero, scale;
    AffineMap zeroMap, scaleMap;
    bool isUnsigned = false;
  };

  static std::optional<Dequantized> matchDequantize(Value v) {
    auto g = v.getDefiningOp<linalg::GenericOp>();
    if (!g || g->getNumResults() != 1 ||
        g.getNumParallelLoops() != g.getNumLoops() ||
        !g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity())
      return std::nullopt;
    Block *body = g.getBody();
    auto mul =
        body->getTerminator()->getOperand(0).getDefiningOp<arith::MulFOp>();
    if (!mul)
      return std::nullopt;
    auto argOf = [&](Value x) -> int64_t {
      auto arg = dyn_cast<BlockArgument>(x);
      return arg && arg.getOwner() == body &&
                     arg.getArgNumber() < g.getNumDpsInputs()
                 ? arg.getArgNumber()
                 : -1;
    };
    Dequantized d;
    auto toFloat = [&](Value x, bool &isUnsigned) -> int64_t {
      Operation *def = x.getDefiningOp();
      if (!def || !isa<arith::SIToFPOp, arith::UIToFPOp>(def) ||
          !def->getOperand(0).getType().isInteger(8))
        return -1;
      isUnsigned = isa<arith::UIToFPOp>(def);
      return argOf(def->getOperand(0));
    };
    for (auto [value, scale] : {std::pair{mul.getLhs(), mul.getRhs()},
                                std::pair{mul.getRhs(), mul.getLhs()}}) {
      int64_t s = argOf(scale), x = -1, z = -1;
      if (s < 0)
        continue;
      auto sub = value.getDefiningOp<arith::SubFOp>();
      x = toFloat(sub ? sub.getLhs() : value, d.isUnsigned);
      bool zeroUnsigned = d.isUnsigned;
      if (sub)
        z = toFloat(sub.getRhs(), zeroUnsigned);
      if (x < 0 || (sub && (z < 0 || zeroUnsigned != d.isUnsigned)))
        continue;
      if (!g.getMatchingIndexingMap(g.getDpsInputOperand(x)).isIdentity())
        return std::nullopt;
      d.x = g.getDpsInputs()[x];
      d.scale = g.getDpsInputs()[s];
      d.scaleMap = g.getMatchingIndexingMap(g.getDpsInputOperand(s));
      if (z >= 0) {
        d.zero = g.getDpsInputs()[z];
        d.zeroMap = g.getMatchingIndexingMap(g.getDpsInputOperand(z));
      }
      return d;
    }
    return std::nullopt;
  }

  /// `v`, read through `map`, as a rank-0 tensor when it is one value for
  /// every index; null otherwise.
  static Value asScalar(OpBuilder &b, Location loc, Value v, AffineMap map) {
    auto t = cast<RankedTensorType>(v.getType());
    bool constantIndex = llvm::all_of(map.getResults(), [](AffineExpr e) {
      auto c = dyn_cast<AffineConstantExpr>(e);
      return c && c.getValue() == 0;
    });
    if (!constantIndex || t.getNumElements() != 1)
      return Value();
    return t.getRank() == 0
               ? v
               : tensor::CollapseShapeOp::create(
                     b, loc, RankedTensorType::get({}, t.getElementType()), v,
                     ArrayRef<ReassociationIndices>{})
                     .getResult();
  }

  /// `v` as a rank-0 tensor, or as a vector read along dim `dim` of a 2-D
  /// index space; null when it is neither.
  static Value asScalarOrVector(OpBuilder &b, Location loc, Value v,
                                AffineMap map, unsigned dim) {
    if (Value scalar = asScalar(b, loc, v, map))
      return scalar;
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() == 1 && map.getNumResults() == 1 &&
        map.getResult(0) == getAffineDimExpr(dim, b.getContext()))
      return v;
    return Value();
  }

  /// Q/DQ models: a matmul of DequantizeLinear(x, scale, zp) (per tensor,
  /// possibly flattened) by DequantizeLinear(w, scale[j], zp[j]) runs as
  /// the integer product of x and w instead of an f32 product of the
  /// dequantized tensors (which also dequantized the weights every run).
  std::optional<IntegerOperands> dequantizedOperands(linalg::MatmulOp op,
                                                     OpBuilder &b) {
    Value a = op.getInputs()[0];
    auto collapse = a.getDefiningOp<tensor::CollapseShapeOp>();
    std::optional<Dequantized> da =
        matchDequantize(collapse ? collapse.getSrc() : a);
    std::optional<Dequantized> db = matchDequantize(op.getInputs()[1]);
    if (!da || !db)
      return std::nullopt;
    Location loc = op.getLoc();
    IntegerOperands ops;
    // A's parameters are per tensor (read with the rank of A's source).
    ops.aScale = asScalar(b, loc, da->scale, da->scaleMap);
    if (da->zero)
      ops.aZero = asScalar(b, loc, da->zero, da->zeroMap);
    ops.bScale = asScalarOrVector(b, loc, db->scale, db->scaleMap, 1);
    if (db->zero)
      ops.bZero = asScalarOrVector(b, loc, db->zero, db->zeroMap, 1);
    if (!ops.aScale || (da->zero && !ops.aZero) || !ops.bScale ||
        (db->zero && !ops.bZero) || !getElementTypeOrSelf(ops.aScale).isF32() ||
        !getElementTypeOrSelf(ops.bScale).isF32())
      return std::nullopt;
    ops.a = da->x;
    if (collapse)
      ops.a = tensor::CollapseShapeOp::create(
          b, loc,
          RankedTensorType::get(cast<RankedTensorType>(a.getType()).getShape(),
                                getElementTypeOrSelf(da->x)),
          da->x, collapse.getReassociationIndices());
    ops.b = db->x;
    ops.aUnsigned = da->isUnsigned;
    ops.bUnsigned = db->isUnsigned;
    return ops;
  }

  /// --quantize=int8: B quantized here, per column and symmetric; A per row
  /// and symmetric when the model runs.
  std::optional<IntegerOperands> quantizeOperands(linalg::MatmulOp op,
                                                  OpBuilder &b) {
    Value a = op.getInputs()[0], w = op.getInputs()[1];
    std::optional<ArrayRef<float>> data = weightData(w);
    if (!data)
      return std::nullopt;
    auto wt = cast<RankedTensorType>(w.getType());
    int64_t k = wt.getDimSize(0), n = wt.getDimSize(1);
    int64_t m = cast<RankedTensorType>(a.getType()).getDimSize(0);
    SmallVector<float> scales(n, 0.0f);
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < n; ++c)
        scales[c] = std::max(scales[c], std::fabs((*data)[r * n + c]));
    for (float &s : scales)
      s = s > 0 && std::isfinite(s) ? s / 127.0f : 1.0f;
    std::vector<int8_t> q(static_cast<size_t>(k * n));
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < n; ++c) {
        float v = std::nearbyint((*data)[r * n + c] / scales[c]);
        q[r * n + c] = static_cast<int8_t>(
            std::isfinite(v) ? std::clamp(v, -127.0f, 127.0f) : 0.0f);
      }
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type(), i8 = b.getI8Type();
    IntegerOperands ops;
    ops.b = arith::ConstantOp::create(
        b, loc,
        DenseResourceElementsAttr::get(
            RankedTensorType::get({k, n}, i8), "tmix_int8_weight",
            HeapAsmResourceBlob::allocateAndCopyWithAlign(
                ArrayRef<char>(reinterpret_cast<const char *>(q.data()),
                               q.size()),
                alignof(int64_t))));
    ops.bScale = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({n}, f32),
                               ArrayRef<float>(scales)));
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
    auto par = utils::IteratorType::parallel,
         red = utils::IteratorType::reduction;
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    Value rowInit =
        linalg::FillOp::create(
            b, loc, zero,
            tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m}, f32)
                .getResult())
            .getResult(0);
    // max |A[i, :]| per row, then q = round(a * 127 / max).
    Value rowMax =
        linalg::GenericOp::create(
            b, loc, TypeRange{RankedTensorType::get({m}, f32)}, a, rowInit,
            {AffineMap::get(2, 0, {d0, d1}, ctx),
             AffineMap::get(2, 0, {d0}, ctx)},
            {par, red},
            [&](OpBuilder &bb, Location l, ValueRange args) {
              Value abs = math::AbsFOp::create(bb, l, args[0]);
              Value r = arith::MaximumFOp::create(bb, l, args[1], abs);
              linalg::YieldOp::create(bb, l, r);
            })
            .getResult(0);
    ops.a = linalg::GenericOp::create(
                b, loc, TypeRange{RankedTensorType::get({m, k}, i8)},
                ValueRange{a, rowMax},
                tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m, k}, i8)
                    .getResult(),
                {AffineMap::get(2, 0, {d0, d1}, ctx),
                 AffineMap::get(2, 0, {d0}, ctx),
                 AffineMap::get(2, 0, {d0, d1}, ctx)},
                {par, par},
                [&](OpBuilder &bb, Location l, ValueRange args) {
                  // A zero row quantizes to zeros (0 * 0, not 0 / 0).
                  Value pos =
                      arith::CmpFOp::create(bb, l, arith::CmpFPredicate::OGT,
                                            args[1], fconst(bb, l, 0));
                  Value inv = arith::SelectOp::create(
                      bb, l, pos,
                      arith::DivFOp::create(bb, l, fconst(bb, l, 127), args[1]),
                      fconst(bb, l, 0));
                  Value v = math::RoundEvenOp::create(
                      bb, l, arith::MulFOp::create(bb, l, args[0], inv));
                  v = arith::MinimumFOp::create(
                      bb, l,
                      arith::MaximumFOp::create(bb, l, v, fconst(bb, l, -127)),
                      fconst(bb, l, 127));
                  linalg::YieldOp::create(
                      bb, l, arith::FPToSIOp::create(bb, l, i8, v).getResult());
                })
                .getResult(0);
    ops.aScale =
        linalg::GenericOp::create(
            b, loc, TypeRange{rowMax.getType()}, rowMax,
            tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m}, f32)
                .getResult(),
            {AffineMap::get(1, 0, getAffineDimExpr(0, ctx), ctx),
             AffineMap::get(1, 0, getAffineDimExpr(0, ctx), ctx)},
            {par},
            [&](OpBuilder &bb, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  bb, l,
                  arith::DivFOp::create(bb, l, args[0], fconst(bb, l, 127))
                      .getResult());
            })
            .getResult(0);
    return ops;
  }

  /// The int8 product and its dequantization in place of `op`. When the
  /// product is only reshaped back to the node's [..., M, N] (the
  /// conversion flattens the leading dims), the dequantization happens in
  /// that shape, so that the bias add and activation that follow fuse into
  /// it.
  void replaceWithIntegerProduct(linalg::MatmulOp op, OpBuilder &b,
                                 IntegerOperands ops) {
    Value init = op.getOutputs()[0];
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    auto resultType = cast<RankedTensorType>(op.getResult(0).getType());
    int64_t m = resultType.getDimSize(0), n = resultType.getDimSize(1);
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx);
    auto par = utils::IteratorType::parallel,
         red = utils::IteratorType::reduction;
    // (ext(a) [- ext(za)]) * (ext(b) [- ext(zb)]) summed in i32: the form
    // tmix-matmul-to-blas calls a kernel for.
    SmallVector<Value> ins = {ops.a, ops.b};
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {d0, d2}, ctx),
                                   AffineMap::get(3, 0, {d2, d1}, ctx)};
    for (auto [zp, dim] : {std::pair{ops.aZero, d0}, std::pair{ops.bZero, d1}})
      if (zp) {
        ins.push_back(zp);
        maps.push_back(cast<RankedTensorType>(zp.getType()).getRank() == 0
                           ? AffineMap::get(3, 0, {}, ctx)
                           : AffineMap::get(3, 0, {dim}, ctx));
      }
    maps.push_back(AffineMap::get(3, 0, {d0, d1}, ctx));
    Value zeroI = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    Value accInit =
        linalg::FillOp::create(
            b, loc, zeroI,
            tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m, n}, i32)
                .getResult())
            .getResult(0);
    bool hasA = static_cast<bool>(ops.aZero),
         hasB = static_cast<bool>(ops.bZero);
    auto ext = [&](OpBuilder &bb, Location l, Value v, bool isUnsigned) {
      return isUnsigned ? arith::ExtUIOp::create(bb, l, i32, v).getResult()
                        : arith::ExtSIOp::create(bb, l, i32, v).getResult();
    };
    Value acc = linalg::GenericOp::create(
                    b, loc, TypeRange{accInit.getType()}, ins, accInit, maps,
                    {par, par, red},
                    [&](OpBuilder &bb, Location l, ValueRange args) {
                      Value x = ext(bb, l, args[0], ops.aUnsigned);
                      Value y = ext(bb, l, args[1], ops.bUnsigned);
                      unsigned next = 2;
                      if (hasA)
                        x = arith::SubIOp::create(
                            bb, l, x, ext(bb, l, args[next++], ops.aUnsigned));
                      if (hasB)
                        y = arith::SubIOp::create(
                            bb, l, y, ext(bb, l, args[next++], ops.bUnsigned));
                      Value p = arith::MulIOp::create(bb, l, x, y);
                      Value s = arith::AddIOp::create(bb, l, args.back(), p);
                      linalg::YieldOp::create(bb, l, s);
                    })
                    .getResult(0);
    // acc * a_scale * b_scale (+ C).
    bool accumulate = !isZeroFill(init);
    Value replaced = op.getResult(0);
    Value aScale = ops.aScale;
    SmallVector<int64_t> shape = {m, n};
    auto expand = replaced.hasOneUse()
                      ? dyn_cast<tensor::ExpandShapeOp>(*replaced.user_begin())
                      : nullptr;
    bool perRow = cast<RankedTensorType>(aScale.getType()).getRank() == 1;
    if (expand && expand.getReassociationIndices().back().size() == 1 &&
        expand.getReassociationIndices().size() == 2) {
      shape.assign(expand.getResultType().getShape().begin(),
                   expand.getResultType().getShape().end());
      replaced = expand.getResult();
      SmallVector<int64_t> rows(shape.begin(), shape.end() - 1);
      auto reshaped = [&](Value v, ArrayRef<int64_t> to,
                          ArrayRef<ReassociationIndices> groups) -> Value {
        auto t = cast<RankedTensorType>(v.getType());
        return tensor::ExpandShapeOp::create(
            b, loc, RankedTensorType::get(to, t.getElementType()), v, groups);
      };
      SmallVector<ReassociationIndices> groups =
          expand.getReassociationIndices();
      acc = reshaped(acc, shape, groups);
      if (accumulate)
        init = reshaped(init, shape, groups);
      if (perRow)
        aScale = reshaped(aScale, rows, {groups.front()});
    }
    int64_t rank = shape.size();
    SmallVector<AffineExpr> all, lead;
    for (int64_t d = 0; d < rank; ++d) {
      all.push_back(getAffineDimExpr(d, ctx));
      if (d + 1 < rank)
        lead.push_back(getAffineDimExpr(d, ctx));
    }
    AffineMap identity = AffineMap::get(rank, 0, all, ctx);
    bool perColumn = cast<RankedTensorType>(ops.bScale.getType()).getRank();
    SmallVector<Value> epiIns = {acc, aScale, ops.bScale};
    SmallVector<AffineMap> epiMaps = {
        identity,
        perRow ? AffineMap::get(rank, 0, lead, ctx)
               : AffineMap::get(rank, 0, {}, ctx),
        perColumn
            ? AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx)
            : AffineMap::get(rank, 0, {}, ctx)};
    if (accumulate) {
      epiIns.push_back(init);
      epiMaps.push_back(identity);
    }
    epiMaps.push_back(identity);
    SmallVector<utils::IteratorType> iters(rank, par);
    Value result = linalg::GenericOp::create(
                       b, loc, TypeRange{replaced.getType()}, epiIns,
                       tensor::EmptyOp::create(b, loc, shape, f32).getResult(),
                       epiMaps, iters,
                       [&](OpBuilder &bb, Location l, ValueRange args) {
                         Value v = arith::SIToFPOp::create(bb, l, f32, args[0]);
                         Value scale =
                             arith::MulFOp::create(bb, l, args[1], args[2]);
                         v = arith::MulFOp::create(bb, l, v, scale);
                         if (accumulate)
                           v = arith::AddFOp::create(bb, l, v, args[3]);
                         linalg::YieldOp::create(bb, l, v);
                       })
                       .getResult(0);
    replaced.replaceAllUsesWith(result);
    if (replaced != op.getResult(0))
      replaced.getDefiningOp()->erase();
    op.erase();
  }
};

} // namespace
