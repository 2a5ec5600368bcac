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
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  int64_t count = attr.getNumElements();
  ArrayRef<char> bytes;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return std::nullopt;
    bytes = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    bytes = blob->getData();
  } else {
    return std::nullopt;
  }
  if (bytes.size() != static_cast<size_t>(count) * sizeof(float))
    return std::nullopt;
  return ArrayRef<float>(reinterpret_cast<const float *>(bytes.data()), count);
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
          chosen(op) && llvm::all_of(op->getOperands(), [](Value v) {
            auto t = dyn_cast<RankedTensorType>(v.getType());
            return t && t.hasStaticShape() && t.getElementType().isF32();
          }))
        matmuls.push_back(op);
    });
    for (linalg::MatmulOp op : matmuls)
      rewrite(op);
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

  void rewrite(linalg::MatmulOp op) {
    Value a = op.getInputs()[0], w = op.getInputs()[1],
          init = op.getOutputs()[0];
    std::optional<ArrayRef<float>> data = weightData(w);
    if (!data)
      return;
    auto wt = cast<RankedTensorType>(w.getType());
    int64_t k = wt.getDimSize(0), n = wt.getDimSize(1);
    int64_t m = cast<RankedTensorType>(a.getType()).getDimSize(0);
    // Weights: per column, symmetric, [-127, 127].
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
    OpBuilder b(op);
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type(), i8 = b.getI8Type(), i32 = b.getI32Type();
    auto qType = RankedTensorType::get({k, n}, i8);
    Value wq = arith::ConstantOp::create(
        b, loc,
        DenseResourceElementsAttr::get(
            qType, "tmix_int8_weight",
            HeapAsmResourceBlob::allocateAndCopyWithAlign(
                ArrayRef<char>(reinterpret_cast<const char *>(q.data()),
                               q.size()),
                alignof(int64_t))));
    Value wScale = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({n}, f32),
                               ArrayRef<float>(scales)));

    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx);
    auto par = utils::IteratorType::parallel,
         red = utils::IteratorType::reduction;
    auto filled = [&](ArrayRef<int64_t> shape, Type elt, TypedAttr zero) {
      Value empty = tensor::EmptyOp::create(b, loc, shape, elt);
      Value z = arith::ConstantOp::create(b, loc, zero);
      return linalg::FillOp::create(b, loc, z, empty).getResult(0);
    };
    // Activations: max |A[i, :]| per row, then q = round(a * 127 / max).
    Value rowMax = linalg::GenericOp::create(
                       b, loc, TypeRange{RankedTensorType::get({m}, f32)}, a,
                       filled({m}, f32, b.getF32FloatAttr(0)),
                       {AffineMap::get(2, 0, {d0, d1}, ctx),
                        AffineMap::get(2, 0, {d0}, ctx)},
                       {par, red},
                       [&](OpBuilder &bb, Location l, ValueRange args) {
                         Value abs = math::AbsFOp::create(bb, l, args[0]);
                         Value r =
                             arith::MaximumFOp::create(bb, l, args[1], abs);
                         linalg::YieldOp::create(bb, l, r);
                       })
                       .getResult(0);
    Value aq =
        linalg::GenericOp::create(
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
              Value pos = arith::CmpFOp::create(
                  bb, l, arith::CmpFPredicate::OGT, args[1], fconst(bb, l, 0));
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
    // The s8 x s8 -> i32 contraction (tmix-matmul-to-blas's form).
    Value acc =
        linalg::GenericOp::create(
            b, loc, TypeRange{RankedTensorType::get({m, n}, i32)},
            ValueRange{aq, wq}, filled({m, n}, i32, b.getI32IntegerAttr(0)),
            {AffineMap::get(3, 0, {d0, d2}, ctx),
             AffineMap::get(3, 0, {d2, d1}, ctx),
             AffineMap::get(3, 0, {d0, d1}, ctx)},
            {par, par, red},
            [&](OpBuilder &bb, Location l, ValueRange args) {
              Value x = arith::ExtSIOp::create(bb, l, i32, args[0]);
              Value y = arith::ExtSIOp::create(bb, l, i32, args[1]);
              Value p = arith::MulIOp::create(bb, l, x, y);
              Value s = arith::AddIOp::create(bb, l, args[2], p);
              linalg::YieldOp::create(bb, l, s);
            })
            .getResult(0);
    // acc * (max_i / 127) * b_scale[j] (+ C). When the product is only
    // reshaped back to the node's [..., M, N] (the conversion flattens the
    // leading dims), this happens in that shape, so that the bias add and
    // activation that follow fuse into it.
    bool accumulate = !isZeroFill(init);
    Value replaced = op.getResult(0);
    SmallVector<int64_t> shape = {m, n};
    auto expand = replaced.hasOneUse()
                      ? dyn_cast<tensor::ExpandShapeOp>(*replaced.user_begin())
                      : nullptr;
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
      rowMax = reshaped(rowMax, rows, {groups.front()});
    }
    int64_t rank = shape.size();
    SmallVector<AffineExpr> all, lead;
    for (int64_t d = 0; d < rank; ++d) {
      all.push_back(getAffineDimExpr(d, ctx));
      if (d + 1 < rank)
        lead.push_back(getAffineDimExpr(d, ctx));
    }
    AffineMap identity = AffineMap::get(rank, 0, all, ctx);
    SmallVector<Value> ins = {acc, rowMax, wScale};
    SmallVector<AffineMap> maps = {
        identity, AffineMap::get(rank, 0, lead, ctx),
        AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx)};
    if (accumulate) {
      ins.push_back(init);
      maps.push_back(identity);
    }
    maps.push_back(identity);
    SmallVector<utils::IteratorType> iters(rank, par);
    Value result =
        linalg::GenericOp::create(
            b, loc, TypeRange{replaced.getType()}, ins,
            tensor::EmptyOp::create(b, loc, shape, f32).getResult(), maps,
            iters,
            [&](OpBuilder &bb, Location l, ValueRange args) {
              Value v = arith::SIToFPOp::create(bb, l, f32, args[0]);
              Value scale = arith::MulFOp::create(
                  bb, l,
                  arith::DivFOp::create(bb, l, args[1], fconst(bb, l, 127)),
                  args[2]);
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
    ++numQuantized;
    numWeightBytesSaved += 3 * k * n;
  }
};

} // namespace
