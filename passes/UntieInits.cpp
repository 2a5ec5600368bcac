//===- UntieInits.cpp - tmix-untie-inits ------------------------*- C++ -*-===//
//
// CSE merges identical `linalg.fill`s and `tensor.empty`s, so one zeroed
// tensor ends up as the init of every matmul that starts from zero. Each op
// writes its init in place, so bufferization kept the shared one intact and
// copied it before each writer: a memref.copy as large as the result (in
// HF BERT-base, 7% of a run). Recomputing the fill for each writer is
// cheaper than that copy, and is what the graph meant.
//
//===----------------------------------------------------------------------===//

#include "tmix/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXUNTIEINITSPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;

namespace {

/// A tensor.empty, or a linalg.fill of one with a scalar defined outside
/// the fill: cheap to build again next to each user.
bool isRecomputable(Operation *op) {
  if (isa<tensor::EmptyOp>(op))
    return true;
  auto fill = dyn_cast<linalg::FillOp>(op);
  return fill && fill.hasPureTensorSemantics() &&
         fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
}

struct TMixUntieInitsPass
    : tmix::impl::TMixUntieInitsPassBase<TMixUntieInitsPass> {
  void runOnOperation() override {
    SmallVector<OpOperand *> inits;
    getOperation()->walk([&](DestinationStyleOpInterface op) {
      if (!op.hasPureTensorSemantics())
        return;
      for (OpOperand &init : op.getDpsInitsMutable()) {
        Operation *def = init.get().getDefiningOp();
        if (def && isRecomputable(def) && !init.get().hasOneUse())
          inits.push_back(&init);
      }
    });
    for (OpOperand *init : inits) {
      Value shared = init->get();
      // The last writer keeps the original; the others get their own.
      if (shared.hasOneUse())
        continue;
      Operation *def = shared.getDefiningOp();
      OpBuilder b(init->getOwner());
      Operation *copy;
      if (auto fill = dyn_cast<linalg::FillOp>(def)) {
        Operation *empty = b.clone(*fill.getOutputs()[0].getDefiningOp());
        IRMapping map;
        map.map(fill.getOutputs()[0], empty->getResult(0));
        copy = b.clone(*fill, map);
      } else {
        copy = b.clone(*def);
      }
      init->set(copy->getResult(0));
      ++numUntied;
    }
  }
};

} // namespace
