//===- FuseElementwise.cpp - tmix-fuse-elementwise --------------*- C++ -*-===//

#include "tmix/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXFUSEELEMENTWISEPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;

namespace {
class FuseElementwisePass
    : public tmix::impl::TMixFuseElementwisePassBase<FuseElementwisePass> {
public:
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *operand) {
          // One consumer, element-wise: the producer is computed once.
          auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
          Operation *producer = operand->get().getDefiningOp();
          return consumer && producer && producer->hasOneUse() &&
                 consumer.getNumParallelLoops() == consumer.getNumLoops();
        });
    // Powers with small constant exponents (GELU's x^3) become products,
    // which vectorise, instead of powf calls.
    populateMathAlgebraicSimplificationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
