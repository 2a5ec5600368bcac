//===- MatmulToBlas.cpp - tmix-matmul-to-blas ------------------*- C++ -*-===//
//
// f32 matmuls on buffers become calls into the model support library's
// packed GEMM (OpenBLAS where it has no kernel): on two cores, packed
// AVX-512 kernels beat loops that LLVM vectorises by an order of magnitude
// (docs/CpuBackend.md has the measurements). A matmul whose B is a weight
// gets a slot in which the library keeps B packed after the first call.
//
//===----------------------------------------------------------------------===//

#include "tmix/Passes.h"
#include "tmix/Target/CPU/Passes.h"

#include "IntegerMatmul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

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

/// True when every operand of `op` is a host memref addressable through
/// strides.
bool isHostBuffers(linalg::LinalgOp op) {
  return op.hasPureBufferSemantics() &&
         llvm::all_of(op->getOperands(), [](Value v) {
           auto t = dyn_cast<MemRefType>(v.getType());
           return t && !t.getMemorySpace() && t.isStrided();
         });
}

/// A fully dynamic strided memref of `rank`, which every operand casts to.
MemRefType anyStrided(MLIRContext *ctx, int64_t rank, Type elt = Type()) {
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  SmallVector<int64_t> strides(rank, ShapedType::kDynamic);
  return MemRefType::get(
      shape, elt ? elt : Float32Type::get(ctx),
      StridedLayoutAttr::get(ctx, ShapedType::kDynamic, strides));
}

/// True when `v` holds the same bytes on every call: a view, through ops
/// whose other operands are constants, of a constant global or of the
/// externalized weights (filled once, when the model is created).
bool isConstantBuffer(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto get = dyn_cast<memref::GetGlobalOp>(def)) {
      auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
          get, get.getNameAttr());
      return global && (global.getConstant() ||
                        global.getSymName() == kWeightsBufferName);
    }
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return false;
    Value source = view.getViewSource();
    for (Value operand : def->getOperands())
      if (operand != source && !matchPattern(operand, m_Constant()))
        return false;
    v = source;
  }
  return false;
}

/// The linalg.fill of +0.0 into `op`'s output buffer that `op` would
/// accumulate onto, when nothing between them touches memory; null
/// otherwise. The call can then write C = A B instead (no pass over C to
/// zero it, no read of the zeros).
linalg::FillOp zeroFillBefore(linalg::LinalgOp op) {
  Value out = op.getDpsInitOperand(0)->get();
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(prev)) {
      if (fill.getOutputs()[0] == out &&
          matchPattern(fill.getInputs()[0], m_PosZeroFloat()))
        return fill;
      if (fill.getOutputs()[0] == out &&
          matchPattern(fill.getInputs()[0], m_Zero()))
        return fill;
      return nullptr;
    }
    // Views, allocations and constants can sit in between.
    if (!isMemoryEffectFree(prev) &&
        !isa<memref::AllocOp, memref::AllocaOp>(prev))
      return nullptr;
  }
  return nullptr;
}

class MatmulToBlasPass
    : public tmix::cpu::impl::TMixMatmulToBlasPassBase<MatmulToBlasPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> ops;
    SmallVector<std::pair<linalg::GenericOp, cpu::IntegerMatmul>> integer;
    module.walk([&](linalg::LinalgOp op) {
      if (isPlainF32(op))
        ops.push_back(op);
      else if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
        if (std::optional<cpu::IntegerMatmul> im =
                cpu::matchIntegerMatmul(generic);
            im && isHostBuffers(generic))
          integer.emplace_back(generic, *im);
    });
    MLIRContext *ctx = module.getContext();
    auto slotType = MemRefType::get({1}, IntegerType::get(ctx, 64));
    SymbolTable symbols(module);
    for (auto &[op, im] : integer)
      if (failed(callIntegerGemm(module, symbols, op, im)))
        return signalPassFailure();
    for (linalg::LinalgOp op : ops) {
      int64_t rank = op.getRank(op.getDpsInitOperand(0));
      bool constB =
          rank == 2 && packWeights && isConstantBuffer(op->getOperand(1));
      StringRef name = rank == 2 ? (constB ? "tmix_rt_sgemm_f32_constb"
                                           : "tmix_rt_sgemm_f32")
                                 : "tmix_rt_sgemm_batched_f32";
      MemRefType type = anyStrided(ctx, rank);
      SmallVector<Type> argTypes(3, type);
      if (constB)
        argTypes.push_back(slotType);
      // Last, i32 flags: 1 when C keeps its contents (else it is
      // overwritten), 2 for a product in bf16.
      argTypes.push_back(IntegerType::get(ctx, 32));
      func::FuncOp callee = declare(module, name, argTypes);
      if (!callee) {
        module.emitError() << "tmix-matmul-to-blas: '" << name
                           << "' exists with another signature";
        return signalPassFailure();
      }
      OpBuilder b(op);
      SmallVector<Value> args;
      for (Value v : op->getOperands())
        args.push_back(memref::CastOp::create(b, op.getLoc(), type, v));
      if (constB) {
        args.push_back(packedSlot(module, symbols, b, op.getLoc()));
        ++numPackedWeights;
      }
      linalg::FillOp zeroFill = foldZeroFills ? zeroFillBefore(op) : nullptr;
      int32_t flags = (zeroFill ? 0 : 1) | (constB && bf16Weights ? 2 : 0);
      args.push_back(arith::ConstantIntOp::create(b, op.getLoc(), flags, 32));
      func::CallOp::create(b, op.getLoc(), callee, args);
      op->erase();
      if (zeroFill) {
        zeroFill->erase();
        ++numZeroFillsFolded;
      }
      ++numCalls;
    }
  }

private:
  /// A private zeroed cell in which the library publishes a packed B.
  Value packedSlot(ModuleOp module, SymbolTable &symbols, OpBuilder &b,
                   Location loc) {
    auto slotType = MemRefType::get({1}, b.getI64Type());
    OpBuilder atTop = OpBuilder::atBlockBegin(module.getBody());
    auto slot = memref::GlobalOp::create(
        atTop, loc, "tmix__packed_b", atTop.getStringAttr("private"), slotType,
        DenseElementsAttr::get(
            RankedTensorType::get({1}, slotType.getElementType()),
            atTop.getI64IntegerAttr(0)),
        /*constant=*/false, /*alignment=*/IntegerAttr());
    symbols.insert(slot);
    return memref::GetGlobalOp::create(b, loc, slotType, slot.getSymName());
  }

  /// A zero point as a 1-D i8 view: empty when absent, one element per
  /// tensor (an operand or a constant), or one per row/column.
  Value zeroPointVector(OpBuilder &b, Location loc, Value zp,
                        std::optional<int64_t> constant) {
    MemRefType vec = anyStrided(b.getContext(), 1, b.getI8Type());
    // Buffers at the function's entry, not in loops around the call.
    Operation *fn = b.getInsertionBlock()->getParentOp();
    if (!isa<FunctionOpInterface>(fn))
      fn = fn->getParentOfType<FunctionOpInterface>();
    OpBuilder atEntry = OpBuilder::atBlockBegin(
        &cast<FunctionOpInterface>(fn).getFunctionBody().front());
    auto buffer = [&](int64_t size) {
      return memref::AllocaOp::create(atEntry, loc,
                                      MemRefType::get({size}, b.getI8Type()));
    };
    if (constant) {
      Value one = buffer(1);
      Value v = arith::ConstantIntOp::create(b, loc, *constant, 8);
      Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
      memref::StoreOp::create(b, loc, v, one, ValueRange{c0});
      return memref::CastOp::create(b, loc, vec, one);
    }
    if (!zp)
      return memref::CastOp::create(b, loc, vec, buffer(0));
    auto t = cast<MemRefType>(zp.getType());
    if (t.getRank() == 0) {
      // The scalar, copied into a one-element buffer of the call's own.
      Value one = buffer(1);
      Value v = memref::LoadOp::create(b, loc, zp, ValueRange{});
      Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
      memref::StoreOp::create(b, loc, v, one, ValueRange{c0});
      return memref::CastOp::create(b, loc, vec, one);
    }
    return memref::CastOp::create(b, loc, vec, zp);
  }

  /// Replaces an integer product with a call into the library's int8
  /// GEMM (AMX-INT8 tiles where present).
  LogicalResult callIntegerGemm(ModuleOp module, SymbolTable &symbols,
                                linalg::GenericOp op,
                                const cpu::IntegerMatmul &im) {
    MLIRContext *ctx = module.getContext();
    bool constB = packWeights && isConstantBuffer(im.b);
    StringRef name = constB ? "tmix_rt_igemm_i8_constb" : "tmix_rt_igemm_i8";
    Type i8 = IntegerType::get(ctx, 8), i32 = IntegerType::get(ctx, 32);
    MemRefType mat8 = anyStrided(ctx, 2, i8), mat32 = anyStrided(ctx, 2, i32),
               vec8 = anyStrided(ctx, 1, i8);
    SmallVector<Type> argTypes = {mat8, mat8, mat32, vec8, vec8};
    if (constB)
      argTypes.push_back(MemRefType::get({1}, IntegerType::get(ctx, 64)));
    argTypes.push_back(i32);
    func::FuncOp callee = declare(module, name, argTypes);
    if (!callee)
      return module.emitError() << "tmix-matmul-to-blas: '" << name
                                << "' exists with another signature";
    // Found before the zero points' stores land between fill and call.
    linalg::FillOp zeroFill =
        foldZeroFills ? zeroFillBefore(cast<linalg::LinalgOp>(*op)) : nullptr;
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value c = op.getDpsInits()[0];
    SmallVector<Value> args = {memref::CastOp::create(b, loc, mat8, im.a),
                               memref::CastOp::create(b, loc, mat8, im.b),
                               memref::CastOp::create(b, loc, mat32, c),
                               zeroPointVector(b, loc, im.azp, im.azpConstant),
                               zeroPointVector(b, loc, im.bzp, im.bzpConstant)};
    if (constB) {
      args.push_back(packedSlot(module, symbols, b, loc));
      ++numPackedWeights;
    }
    // Bits 2 and 3: A and B (and their zero points) are unsigned.
    int32_t flags =
        (zeroFill ? 0 : 1) | (im.aUnsigned ? 4 : 0) | (im.bUnsigned ? 8 : 0);
    args.push_back(arith::ConstantIntOp::create(b, loc, flags, 32));
    func::CallOp::create(b, loc, callee, args);
    op->erase();
    if (zeroFill) {
      zeroFill->erase();
      ++numZeroFillsFolded;
    }
    ++numIntegerCalls;
    return success();
  }

  func::FuncOp declare(ModuleOp module, StringRef name,
                       ArrayRef<Type> argTypes) {
    FunctionType fnType = FunctionType::get(module.getContext(), argTypes, {});
    if (Operation *existing = module.lookupSymbol(name)) {
      auto f = dyn_cast<func::FuncOp>(existing);
      return f && f.getFunctionType() == fnType ? f : func::FuncOp();
    }
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto f = func::FuncOp::create(b, module.getLoc(), name, fnType);
    f.setPrivate();
    // Descriptors by pointer: the support library's C signature.
    f->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    return f;
  }
};

} // namespace
