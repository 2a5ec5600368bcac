//===- ProtectInputs.cpp - tmix-protect-inputs -----------------*- C++ -*-===//
//
// Caller buffers are inputs, never scratch space: mark them read-only for
// one-shot bufferization.
//
//===----------------------------------------------------------------------===//

#include "tmix/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXPROTECTINPUTSPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;

namespace {
struct TMixProtectInputsPass
    : tmix::impl::TMixProtectInputsPassBase<TMixProtectInputsPass> {
  void runOnOperation() override {
    StringRef attrName = bufferization::BufferizationDialect::kWritableAttrName;
    getOperation()->walk([&](func::FuncOp func) {
      if (!func.isPublic() || func.isExternal())
        return;
      for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
        if (!isa<TensorType>(arg.getType()) || func.getArgAttr(i, attrName))
          continue;
        func.setArgAttr(i, attrName, BoolAttr::get(&getContext(), false));
        ++numProtected;
      }
    });
  }
};
} // namespace
