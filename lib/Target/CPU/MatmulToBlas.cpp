//===- MatmulToBlas.cpp - tmix-matmul-to-blas ------------------*- C++ -*-===//
//
// f32 matmuls on buffers become calls into the model support library, which
// runs them with a BLAS sgemm: on two cores, OpenBLAS's packed AVX-512
// kernels beat loops that LLVM vectorises by an order of magnitude (see
// docs/CpuBackend.md for the measurement).
//
//===----------------------------------------------------------------------===//

#include "tmix/Target/CPU/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::tmix::cpu {
#define GEN_PASS_DEF_TMIXMATMULTOBLASPASS
#include "tmix/Target/CPU/Passes.h.inc"
} // namespace mlir::tmix::cpu

using namespace mlir;
using namespace mlir::tmix;

namespace {

/// True for a matmul/batch_matmul on f32 memrefs with the default maps and
/// no element conversion.
bool isPlainF32(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics())
    return false;
  for (Value v : op->getOperands()) {
    auto t = dyn_cast<MemRefType>(v.getType());
    // Host memory, addressable through strides.
    if (!t || !t.getElementType().isF32() || t.getMemorySpace() ||
        !t.isStrided())
      return false;
  }
  if (auto mm = dyn_cast<linalg::MatmulOp>(op.getOperation()))
    return !mm.hasUserDefinedMaps();
  if (auto bmm = dyn_cast<linalg::BatchMatmulOp>(op.getOperation()))
    return !bmm.hasUserDefinedMaps();
  return false;
}

/// A fully dynamic strided memref of `rank`, which every operand casts to.
MemRefType anyStrided(MLIRContext *ctx, int64_t rank) {
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  SmallVector<int64_t> strides(rank, ShapedType::kDynamic);
  return MemRefType::get(
      shape, Float32Type::get(ctx),
      StridedLayoutAttr::get(ctx, ShapedType::kDynamic, strides));
}

class MatmulToBlasPass
    : public tmix::cpu::impl::TMixMatmulToBlasPassBase<MatmulToBlasPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> ops;
    module.walk([&](linalg::LinalgOp op) {
      if (isPlainF32(op))
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops) {
      int64_t rank = op.getRank(op.getDpsInitOperand(0));
      StringRef name =
          rank == 2 ? "tmix_rt_sgemm_f32" : "tmix_rt_sgemm_batched_f32";
      MemRefType type = anyStrided(module.getContext(), rank);
      func::FuncOp callee = declare(module, name, type);
      if (!callee) {
        module.emitError() << "tmix-matmul-to-blas: '" << name
                           << "' exists with another signature";
        return signalPassFailure();
      }
      OpBuilder b(op);
      SmallVector<Value> args;
      for (Value v : op->getOperands())
        args.push_back(memref::CastOp::create(b, op.getLoc(), type, v));
      func::CallOp::create(b, op.getLoc(), callee, args);
      op->erase();
      ++numCalls;
    }
  }

private:
  func::FuncOp declare(ModuleOp module, StringRef name, MemRefType type) {
    FunctionType fnType =
        FunctionType::get(module.getContext(), {type, type, type}, {});
    if (Operation *existing = module.lookupSymbol(name)) {
      auto f = dyn_cast<func::FuncOp>(existing);
      return f && f.getFunctionType() == fnType ? f : func::FuncOp();
    }
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto f = func::FuncOp::create(b, module.getLoc(), name,
                                  b.getFunctionType({type, type, type}, {}));
    f.setPrivate();
    // Descriptors by pointer: the support library's C signature.
    f->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    return f;
  }
};

} // namespace
