//===- GpuMapLinalg.cpp - tmix-gpu-map-linalg -------------------*- C++ -*-===//
//
// Every linalg op on buffers left in host code (element-wise chains,
// normalisations, reductions, copies, f32 matmuls) becomes one gpu.launch:
// a thread per point of the op's parallel iteration space, reduction
// dimensions looped inside the thread. memref.copy becomes such a kernel
// too, since the buffers live in device memory.
//
//===----------------------------------------------------------------------===//

#include "tmix/Target/CUDA/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::tmix::cuda {
#define GEN_PASS_DEF_TMIXGPUMAPLINALGPASS
#include "tmix/Target/CUDA/Passes.h.inc"
} // namespace mlir::tmix::cuda

using namespace mlir;

namespace {
/// The scalar body of `op` at loop indices `ivs`: operands loaded, the
/// payload cloned, results stored.
void emitPoint(OpBuilder &b, Location loc, linalg::GenericOp op,
               ArrayRef<Value> ivs) {
  IRMapping map;
  Block *body = op.getBody();
  auto indices = [&](OpOperand &operand) {
    SmallVector<Value> at;
    AffineMap m = op.getMatchingIndexingMap(&operand);
    for (AffineExpr e : m.getResults())
      at.push_back(affine::AffineApplyOp::create(
          b, loc, AffineMap::get(m.getNumDims(), 0, e), ivs));
    return at;
  };
  for (OpOperand &operand : op->getOpOperands()) {
    BlockArgument arg = body->getArgument(operand.getOperandNumber());
    Value value = operand.get();
    if (!isa<MemRefType>(value.getType())) {
      map.map(arg, value);
      continue;
    }
    if (op.isDpsInit(&operand) && !op.payloadUsesValueFromOperand(&operand))
      continue;
    map.map(arg, memref::LoadOp::create(b, loc, value, indices(operand)));
  }
  for (Operation &inner : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      map.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(inner, map);
  }
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  for (auto [value, init] :
       llvm::zip(yield.getValues(), op.getDpsInitsMutable()))
    memref::StoreOp::create(b, loc, map.lookupOrDefault(value), init.get(),
                            indices(init));
}

/// One gpu.launch computing `op`.
void mapToKernel(RewriterBase &rewriter, linalg::GenericOp op,
                 int64_t blockSize) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  b.setInsertionPoint(op);
  SmallVector<Range, 4> ranges =
      cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc);
  SmallVector<Value> sizes;
  for (Range r : ranges)
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<int64_t> parallel, reduction;
  for (auto [i, it] : llvm::enumerate(iters))
    (linalg::isParallelIterator(it) ? parallel : reduction).push_back(i);

  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value points = c(1);
  for (int64_t i : parallel)
    points = arith::MulIOp::create(b, loc, points, sizes[i]);
  // An empty iteration space still launches one (idle) block.
  Value blocks = arith::MaxUIOp::create(
      b, loc, c(1), arith::CeilDivUIOp::create(b, loc, points, c(blockSize)));
  auto launch = gpu::LaunchOp::create(b, loc, blocks, c(1), c(1), c(blockSize),
                                      c(1), c(1));
  b.setInsertionPointToStart(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value id = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, c(blockSize)),
      launch.getThreadIds().x);
  auto inside = scf::IfOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id, points));
  b.setInsertionPointToStart(inside.thenBlock());

  SmallVector<Value> ivs(iters.size());
  // Row-major over the parallel dimensions: consecutive threads touch
  // consecutive innermost elements.
  Value rest = id;
  for (int64_t i : llvm::reverse(parallel)) {
    ivs[i] = arith::RemUIOp::create(b, loc, rest, sizes[i]);
    rest = arith::DivUIOp::create(b, loc, rest, sizes[i]);
  }
  for (int64_t i : reduction) {
    auto loop = scf::ForOp::create(b, loc, c(0), sizes[i], c(1));
    b.setInsertionPointToStart(loop.getBody());
    ivs[i] = loop.getInductionVar();
  }
  emitPoint(b, loc, op, ivs);
  rewriter.eraseOp(op);
}

class GpuMapLinalgPass
    : public tmix::cuda::impl::TMixGpuMapLinalgPassBase<GpuMapLinalgPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (blockSize <= 0 || blockSize > 1024) {
      getOperation()->emitError()
          << "tmix-gpu-map-linalg: block-size must be in [1, 1024], got "
          << int64_t(blockSize);
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    // Host copies between device buffers are kernels as well.
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp op) {
      if (!op->getParentOfType<gpu::LaunchOp>())
        copies.push_back(op);
    });
    for (memref::CopyOp op : copies) {
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(),
                                                  op.getTarget());
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<gpu::LaunchOp>())
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op->emitOpError("tmix-gpu-map-linalg: expected an op on buffers "
                        "(run after bufferization)");
        return signalPassFailure();
      }
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> g =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(g)) {
          op->emitOpError("tmix-gpu-map-linalg: has no generic form");
          return signalPassFailure();
        }
        generic = *g;
      }
      mapToKernel(rewriter, generic, blockSize);
      ++numKernels;
    }
  }
};
} // namespace
