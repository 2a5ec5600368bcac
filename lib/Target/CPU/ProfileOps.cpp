//===- ProfileOps.cpp - tmix-profile-ops ------------------------*- C++ -*-===//
//
// Per-operation timers for `tmix-compile --profile`: each top-level
// operation of a public function is bracketed by calls that the model
// support library times, so that `tmix-run --profile` can say which ONNX
// nodes the run spends its time in.
//
//===----------------------------------------------------------------------===//

#include "tmix/Target/CPU/Passes.h"
#include "tmix/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::tmix::cpu {
#define GEN_PASS_DEF_TMIXPROFILEOPSPASS
#include "tmix/Target/CPU/Passes.h.inc"
} // namespace mlir::tmix::cpu

using namespace mlir;
using namespace mlir::tmix;

namespace {

/// True for operations that cost nothing worth timing.
bool isFree(Operation *op, ModuleOp module) {
  if (op->hasTrait<OpTrait::IsTerminator>() ||
      isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp>(op))
    return true;
  if (op->getNumRegions() == 0 && isMemoryEffectFree(op))
    return true;
  // Buffer deallocation's helpers are the module's own private functions.
  if (auto call = dyn_cast<func::CallOp>(op)) {
    auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
    return callee && callee.isPrivate() && !callee.isExternal();
  }
  return false;
}

class ProfileOpsPass
    : public tmix::cpu::impl::TMixProfileOpsPassBase<ProfileOpsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Type i64 = b.getI64Type();
    FunctionType type = b.getFunctionType({i64}, {});
    auto declare = [&](StringRef name) -> func::FuncOp {
      if (auto f = module.lookupSymbol<func::FuncOp>(name))
        return f.getFunctionType() == type ? f : func::FuncOp();
      OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
      auto f = func::FuncOp::create(mb, module.getLoc(), name, type);
      f.setPrivate();
      return f;
    };
    func::FuncOp enter = declare("tmix_rt_profile_enter");
    func::FuncOp exit = declare("tmix_rt_profile_exit");
    if (!enter || !exit) {
      module.emitError("tmix-profile-ops: tmix_rt_profile_enter/exit exist "
                       "with another signature");
      return signalPassFailure();
    }
    SmallVector<Attribute> sites;
    if (auto existing = module->getAttrOfType<ArrayAttr>("tmix.profile_sites"))
      sites.assign(existing.begin(), existing.end());
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isPrivate() || func.isExternal())
        continue;
      SmallVector<Operation *> timed;
      for (Block &block : func.getBody())
        for (Operation &op : block)
          if (!isFree(&op, module))
            timed.push_back(&op);
      for (Operation *op : timed) {
        Location loc = op->getLoc();
        b.setInsertionPoint(op);
        Value site = arith::ConstantIntOp::create(b, loc, i64, sites.size());
        func::CallOp::create(b, loc, enter, site);
        b.setInsertionPointAfter(op);
        func::CallOp::create(b, loc, exit, site);
        sites.push_back(b.getDictionaryAttr(
            {b.getNamedAttr("op",
                            b.getStringAttr(op->getName().getStringRef())),
             b.getNamedAttr("nodes", b.getStringAttr(llvm::join(
                                         getNodeNames(loc), ",")))}));
        ++numSites;
      }
    }
    module->setAttr("tmix.profile_sites", b.getArrayAttr(sites));
  }
};

} // namespace
