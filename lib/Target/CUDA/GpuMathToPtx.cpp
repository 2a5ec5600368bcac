//===- GpuMathToPtx.cpp - tmix-gpu-math-to-ptx ------------------*- C++ -*-===//
//
// convert-gpu-to-nvvm turns math ops into calls to libdevice, which only
// the CUDA toolkit ships. The few math ops left after the polynomial
// approximations (rounding, square roots, fma, exp2) are single PTX
// instructions, so they are written as such and the PTX links against
// nothing.
//
//===----------------------------------------------------------------------===//

#include "tmix/Target/CUDA/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tmix::cuda {
#define GEN_PASS_DEF_TMIXGPUMATHTOPTXPASS
#include "tmix/Target/CUDA/Passes.h.inc"
} // namespace mlir::tmix::cuda

using namespace mlir;

namespace {
/// Scalar f32 (or f16/bf16, computed in f32) `OpTy` as one PTX
/// instruction taking the op's operands in order.
template <typename OpTy> struct ToPtx : public OpRewritePattern<OpTy> {
  ToPtx(MLIRContext *ctx, StringRef instruction)
      : OpRewritePattern<OpTy>(ctx), instruction(instruction) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!isa<FloatType>(type) || type.getIntOrFloatBitWidth() > 32)
      return rewriter.notifyMatchFailure(op, "not a scalar float of 32 bits "
                                             "or fewer");
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    SmallVector<Value> operands;
    for (Value x : op->getOperands())
      operands.push_back(
          type == f32
              ? x
              : arith::ExtFOp::create(rewriter, loc, f32, x).getResult());
    std::string text = instruction + " $0";
    std::string constraints = "=f";
    for (size_t i = 0; i < operands.size(); ++i) {
      text += ", $" + std::to_string(i + 1);
      constraints += ",f";
    }
    text += ";";
    Value result = LLVM::InlineAsmOp::create(
                       rewriter, loc, f32, operands, text, constraints, false,
                       false, LLVM::tailcallkind::TailCallKind::None,
                       LLVM::AsmDialectAttr(), ArrayAttr())
                       .getResult(0);
    if (type != f32)
      result = arith::TruncFOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }

  std::string instruction;
};

class GpuMathToPtxPass
    : public tmix::cuda::impl::TMixGpuMathToPtxPassBase<GpuMathToPtxPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<ToPtx<math::FloorOp>>(ctx, "cvt.rmi.f32.f32");
    patterns.add<ToPtx<math::CeilOp>>(ctx, "cvt.rpi.f32.f32");
    patterns.add<ToPtx<math::TruncOp>>(ctx, "cvt.rzi.f32.f32");
    patterns.add<ToPtx<math::RoundEvenOp>>(ctx, "cvt.rni.f32.f32");
    patterns.add<ToPtx<math::SqrtOp>>(ctx, "sqrt.rn.f32");
    patterns.add<ToPtx<math::AbsFOp>>(ctx, "abs.f32");
    patterns.add<ToPtx<math::FmaOp>>(ctx, "fma.rn.f32");
    patterns.add<ToPtx<math::Exp2Op>>(ctx, "ex2.approx.ftz.f32");
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Anything else would become a libdevice call the PTX cannot resolve.
    WalkResult walk = getOperation()->walk([&](Operation *op) {
      if (op->getDialect() && op->getDialect()->getNamespace() == "math") {
        op->emitOpError("has no PTX lowering without libdevice on the GPU "
                        "target");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
