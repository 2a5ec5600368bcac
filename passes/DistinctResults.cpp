//===- DistinctResults.cpp - tmix-distinct-results -------------*- C++ -*-===//
//
// Each result of a compiled function is written into its own caller buffer,
// so a value returned twice needs a second copy.
//
//===----------------------------------------------------------------------===//

#include "tmix/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXDISTINCTRESULTSPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;

namespace {
struct TMixDistinctResultsPass
    : tmix::impl::TMixDistinctResultsPassBase<TMixDistinctResultsPass> {
  void runOnOperation() override {
    getOperation()->walk([&](func::ReturnOp ret) {
      auto func = dyn_cast<func::FuncOp>(ret->getParentOp());
      if (!func || !func.isPublic())
        return;
      llvm::SmallPtrSet<Value, 8> seen;
      OpBuilder b(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        if (!type || seen.insert(v).second)
          continue;
        SmallVector<OpFoldResult> sizes =
            tensor::getMixedSizes(b, ret.getLoc(), v);
        Value init = tensor::EmptyOp::create(b, ret.getLoc(), sizes,
                                             type.getElementType());
        operand.set(
            linalg::CopyOp::create(b, ret.getLoc(), v, init).getResult(0));
        ++numCopies;
      }
    });
  }
};
} // namespace
