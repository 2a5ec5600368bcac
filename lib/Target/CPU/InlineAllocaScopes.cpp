//===- InlineAllocaScopes.cpp - tmix-inline-alloca-scopes -------*- C++ -*-===//

#include "tmix/Target/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::tmix::cpu {
#define GEN_PASS_DEF_TMIXINLINEALLOCASCOPESPASS
#include "tmix/Target/CPU/Passes.h.inc"
} // namespace mlir::tmix::cpu

using namespace mlir;

namespace {
class InlineAllocaScopesPass
    : public tmix::cpu::impl::TMixInlineAllocaScopesPassBase<
          InlineAllocaScopesPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation()->walk([&](memref::AllocaScopeOp scope) {
      // Anything allocating on the stack (memref.alloca, llvm.alloca, ...)
      // needs the scope.
      bool allocates = false;
      scope.getBodyRegion().walk([&](Operation *op) {
        auto effects = dyn_cast<MemoryEffectOpInterface>(op);
        if (effects && effects.hasEffect<MemoryEffects::Allocate>())
          for (auto &effect : [&] {
                 SmallVector<MemoryEffects::EffectInstance> all;
                 effects.getEffects(all);
                 return all;
               }())
            if (isa<MemoryEffects::Allocate>(effect.getEffect()) &&
                effect.getResource() ==
                    SideEffects::AutomaticAllocationScopeResource::get())
              allocates = true;
      });
      if (!allocates && scope.getBodyRegion().hasOneBlock())
        scopes.push_back(scope);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocaScopeOp scope : scopes) {
      Block &body = scope.getBodyRegion().front();
      auto ret = cast<memref::AllocaScopeReturnOp>(body.getTerminator());
      SmallVector<Value> results(ret.getResults());
      rewriter.eraseOp(ret);
      rewriter.inlineBlockBefore(&body, scope);
      rewriter.replaceOp(scope, results);
    }
  }
};
} // namespace
