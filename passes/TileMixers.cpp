//===- TileMixers.cpp - tmix-tile-mixers ------------------------*- C++ -*-===//
//
// Replaces every mixer that has a tiled form (MixerOpInterface::
// buildTiledForm) with it; mixers with dynamic shapes are left for
// tmix-decompose.
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/TMixDialect.h"
#include "tmix/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXTILEMIXERSPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;
using namespace mlir::tmix;

namespace {
class TileMixersPass
    : public tmix::impl::TMixTileMixersPassBase<TileMixersPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (tileQ <= 0 || tileK <= 0 || chunk <= 0) {
      getOperation()->emitError()
          << "tmix-tile-mixers: tile sizes must be positive, got tile-q="
          << int64_t(tileQ) << " tile-k=" << int64_t(tileK)
          << " chunk=" << int64_t(chunk);
      return signalPassFailure();
    }
    MixerTiling tiling{tileQ, tileK, chunk};
    SmallVector<MixerOpInterface> mixers;
    getOperation()->walk([&](MixerOpInterface op) { mixers.push_back(op); });
    for (MixerOpInterface op : mixers) {
      OpBuilder b(op);
      FailureOr<SmallVector<Value>> results = op.buildTiledForm(b, tiling);
      if (failed(results))
        continue;
      op->replaceAllUsesWith(*results);
      op->erase();
      ++numTiled;
    }
  }
};
} // namespace
