//===- GpuDeviceMemory.cpp - tmix-gpu-device-memory -------------*- C++ -*-===//
//
// After tmix-gpu-map-linalg, host code only allocates, views and passes
// buffers to kernels, so every buffer can live in device memory: host
// allocations become gpu.alloc, constants are copied to the device where
// they are used, and the external weights buffer (tmix-externalize-weights)
// becomes a trailing argument of the public function, which the model
// runtime uploads once per instance. Host code that still reads or writes
// a buffer is reported, since that buffer is now on the device.
//
//===----------------------------------------------------------------------===//

#include "tmix/Target/CUDA/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::tmix::cuda {
#define GEN_PASS_DEF_TMIXGPUDEVICEMEMORYPASS
#include "tmix/Target/CUDA/Passes.h.inc"
} // namespace mlir::tmix::cuda

using namespace mlir;

namespace {
bool onHost(Operation *op) { return !op->getParentOfType<gpu::LaunchOp>(); }

/// Buffers only the host touches stay in host memory: shape operands of
/// memref.reshape and the ownership flags and pointers of buffer
/// deallocation (passed to its private helper function).
bool hostOnly(Value buffer) {
  return llvm::all_of(buffer.getUsers(), [&](Operation *user) {
    if (!onHost(user))
      return false;
    if (auto reshape = dyn_cast<memref::ReshapeOp>(user))
      return reshape.getShape() == buffer;
    if (auto cast = dyn_cast<memref::CastOp>(user))
      return hostOnly(cast.getResult());
    return isa<memref::LoadOp, memref::StoreOp, memref::DeallocOp,
               func::CallOp>(user);
  });
}

/// Host code of private helpers (buffer deallocation's) only sees host
/// buffers.
bool inPrivateFunction(Operation *op) {
  auto func = op->getParentOfType<func::FuncOp>();
  return func && func.isPrivate();
}

/// gpu.alloc of `type` before `op`, freed before the terminator of the
/// block when `freeAtEnd`.
Value deviceAlloc(RewriterBase &rewriter, Operation *op, MemRefType type,
                  ValueRange dynamicSizes, bool freeAtEnd) {
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(op);
  Value memory = gpu::AllocOp::create(rewriter, loc, type, Type(), ValueRange(),
                                      dynamicSizes, ValueRange())
                     .getMemref();
  if (freeAtEnd) {
    rewriter.setInsertionPoint(op->getBlock()->getTerminator());
    gpu::DeallocOp::create(rewriter, loc, Type(), ValueRange(), memory);
  }
  return memory;
}

class GpuDeviceMemoryPass
    : public tmix::cuda::impl::TMixGpuDeviceMemoryPassBase<
          GpuDeviceMemoryPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    SymbolTable symbols(module);
    WalkResult walk = module.walk([&](Operation *op) -> WalkResult {
      if (!onHost(op))
        return WalkResult::advance();
      if (isa<memref::AllocOp, memref::AllocaOp>(op) &&
          hostOnly(op->getResult(0))) {
        hostBuffers.insert(op->getResult(0));
      } else if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        Value memory = deviceAlloc(rewriter, op, alloc.getType(),
                                   alloc.getDynamicSizes(), false);
        rewriter.replaceOp(op, memory);
      } else if (auto alloca = dyn_cast<memref::AllocaOp>(op)) {
        Value memory = deviceAlloc(rewriter, op, alloca.getType(),
                                   alloca.getDynamicSizes(), true);
        rewriter.replaceOp(op, memory);
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op);
                 dealloc && !hostBuffers.contains(dealloc.getMemref())) {
        rewriter.setInsertionPoint(op);
        rewriter.replaceOpWithNewOp<gpu::DeallocOp>(op, Type(), ValueRange(),
                                                    dealloc.getMemref());
      } else if (auto get = dyn_cast<memref::GetGlobalOp>(op)) {
        auto global =
            symbols.lookup<memref::GlobalOp>(get.getNameAttr().getValue());
        if (!global)
          return op->emitOpError("refers to an unknown global");
        if (global.isExternal())
          return externalToArgument(rewriter, get);
        Value memory =
            deviceAlloc(rewriter, op, get.getType(), ValueRange(), true);
        rewriter.setInsertionPointAfter(get);
        auto upload =
            gpu::MemcpyOp::create(rewriter, op->getLoc(), Type(), ValueRange(),
                                  memory, get.getResult());
        rewriter.replaceAllUsesExcept(get.getResult(), memory, upload);
        ++numConstants;
      } else if (isa<memref::LoadOp, memref::StoreOp>(op) &&
                 !inPrivateFunction(op) &&
                 !hostBuffers.contains(
                     isa<memref::LoadOp>(op)
                         ? cast<memref::LoadOp>(op).getMemRef()
                         : cast<memref::StoreOp>(op).getMemRef())) {
        return op->emitOpError()
               << "reads or writes a buffer on the host, but buffers live in "
                  "device memory on the GPU target";
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
  }

private:
  DenseMap<std::pair<Operation *, Attribute>, Value> arguments;
  DenseSet<Value> hostBuffers;

  /// The external weights become the last argument of the public function
  /// that reads them.
  LogicalResult externalToArgument(RewriterBase &rewriter,
                                   memref::GetGlobalOp get) {
    auto func = get->getParentOfType<func::FuncOp>();
    if (!func || func.isPrivate())
      return get->emitOpError()
             << "reads external global @" << get.getName()
             << " outside a public function; the GPU runtime passes it only "
                "to the model's entry point";
    Value &arg = arguments[{func, get.getNameAttr()}];
    if (!arg) {
      unsigned n = func.getNumArguments();
      if (failed(func.insertArgument(
              n, get.getType(), rewriter.getDictionaryAttr({}), get.getLoc())))
        return failure();
      arg = func.getArgument(n);
    }
    rewriter.replaceOp(get, arg);
    return success();
  }
};
} // namespace
