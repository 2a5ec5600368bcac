//===- ApproximateMath.cpp - tmix-approximate-math --------------*- C++ -*-===//
//
// Math ops without a vector-library routine keep loops scalar after LLVM's
// vectoriser; MLIR's polynomial approximations are plain arithmetic, so
// loops containing them vectorise.
//
//===----------------------------------------------------------------------===//

#include "tmix/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXAPPROXIMATEMATHPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;

namespace {
class ApproximateMathPass
    : public tmix::impl::TMixApproximateMathPassBase<ApproximateMathPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    llvm::StringSet<> names;
    for (const std::string &op : ops)
      names.insert(op);
    if (names.empty())
      names.insert("erf");
    // Upstream asks with the full name ("math.erf").
    auto selected = [&](StringRef name) {
      name.consume_front("math.");
      return names.contains(name);
    };
    auto isSelected = [&](Operation *op) {
      return op->getDialect() && op->getDialect()->getNamespace() == "math" &&
             selected(op->getName().stripDialect()) &&
             llvm::all_of(op->getResultTypes(), [](Type t) {
               return getElementTypeOrSelf(t).getIntOrFloatBitWidth() <= 32;
             });
    };
    int64_t before = 0;
    getOperation()->walk([&](Operation *op) { before += isSelected(op); });
    if (!before)
      return;
    RewritePatternSet patterns(&getContext());
    // f16/bf16 ops are computed in f32 first; the approximations are f32.
    populateMathF32ExpansionPatterns(patterns, selected);
    populateMathPolynomialApproximationPatterns(patterns, selected);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    int64_t after = 0;
    getOperation()->walk([&](Operation *op) { after += isSelected(op); });
    numApproximated += before - after;
  }
};
} // namespace
