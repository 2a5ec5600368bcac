//===- ParallelizeGenerics.cpp - tmix-parallelize-generics ------*- C++ -*-===//

#include "tmix/Target/CPU/Passes.h"

#include "IntegerMatmul.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::tmix::cpu {
#define GEN_PASS_DEF_TMIXPARALLELIZEGENERICSPASS
#include "tmix/Target/CPU/Passes.h.inc"
} // namespace mlir::tmix::cpu

using namespace mlir;

namespace {
class ParallelizeGenericsPass
    : public tmix::cpu::impl::TMixParallelizeGenericsPassBase<
          ParallelizeGenericsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (chunks < 2)
      return;
    SmallVector<linalg::GenericOp> ops;
    getOperation()->walk([&](linalg::GenericOp op) {
      // Integer products become library calls that use every core.
      if (op.hasPureTensorSemantics() &&
          !op->getParentOfType<scf::ForallOp>() &&
          !tmix::cpu::matchIntegerMatmul(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : ops) {
      auto tileable = dyn_cast<TilingInterface>(op.getOperation());
      if (!tileable)
        continue;
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic))
        continue;
      int64_t total = 1;
      for (int64_t r : ranges)
        total *= r;
      if (total < minElements)
        continue;
      // The outermost parallel loop with something to split.
      std::optional<unsigned> dim;
      for (auto [i, it] : llvm::enumerate(op.getIteratorTypesArray()))
        if (it == utils::IteratorType::parallel && ranges[i] >= 2) {
          dim = i;
          break;
        }
      if (!dim)
        continue;
      SmallVector<OpFoldResult> threads(ranges.size(),
                                        rewriter.getIndexAttr(0));
      threads[*dim] =
          rewriter.getIndexAttr(std::min<int64_t>(chunks, ranges[*dim]));
      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      options.setNumThreads(threads);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled =
          scf::tileUsingSCF(rewriter, tileable, options);
      if (failed(tiled))
        continue;
      rewriter.replaceOp(op, tiled->replacements);
      ++numSplit;
    }
  }
};
} // namespace
