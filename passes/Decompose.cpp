//===- Decompose.cpp - tmix-decompose ---------------------------*- C++ -*-===//
//
// Rewrites tmix mixers into their reference linalg-on-tensors form
// (MixerOpInterface::decompose), the oracle of every optimised lowering.
//
//===----------------------------------------------------------------------===//

#include "tmix/IR/TMixDialect.h"
#include "tmix/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::tmix {
#define GEN_PASS_DEF_TMIXDECOMPOSEPASS
#include "tmix/Passes.h.inc"
} // namespace mlir::tmix

using namespace mlir;
using namespace mlir::tmix;

namespace {
/// Any mixer whose mnemonic is selected (all when none is).
struct DecomposeMixer : OpInterfaceRewritePattern<MixerOpInterface> {
  DecomposeMixer(MLIRContext *ctx, const llvm::StringSet<> &opNames)
      : OpInterfaceRewritePattern(ctx), opNames(opNames) {}

  LogicalResult matchAndRewrite(MixerOpInterface op,
                                PatternRewriter &rewriter) const override {
    if (!opNames.empty() && !opNames.contains(op->getName().stripDialect()))
      return rewriter.notifyMatchFailure(op, "not selected");
    std::string why;
    FailureOr<SmallVector<Value>> results = op.decompose(rewriter, why);
    if (failed(results))
      return rewriter.notifyMatchFailure(op, why);
    rewriter.replaceOp(op, *results);
    return success();
  }

  llvm::StringSet<> opNames;
};

struct TMixDecomposePass
    : tmix::impl::TMixDecomposePassBase<TMixDecomposePass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    context->getOrLoadDialect<TMixDialect>();
    for (const std::string &name : ops) {
      std::optional<RegisteredOperationName> op =
          RegisteredOperationName::lookup("tmix." + name, context);
      if (!op || !op->hasInterface<MixerOpInterface>())
        return emitError(UnknownLoc::get(context))
               << "tmix-decompose: unknown op '" << name
               << "' in 'ops' (expected " << mnemonics(context) << ")";
      selected.insert(name);
    }
    return success();
  }

  /// The mnemonics of the registered mixers: "attention, ... or pool_mixer".
  static std::string mnemonics(MLIRContext *context) {
    SmallVector<StringRef> names;
    for (RegisteredOperationName op : context->getRegisteredOperations())
      if (op.hasInterface<MixerOpInterface>())
        names.push_back(
            op.getStringRef().drop_front(op.getDialectNamespace().size() + 1));
    llvm::sort(names);
    StringRef last = names.pop_back_val();
    return (llvm::join(names, ", ") + " or " + last).str();
  }

  void runOnOperation() override {
    SmallVector<MixerOpInterface> mixers;
    getOperation()->walk([&](MixerOpInterface op) {
      if (selected.empty() || selected.contains(op->getName().stripDialect()))
        mixers.push_back(op);
    });
    bool failures = false;
    for (MixerOpInterface op : mixers) {
      IRRewriter rewriter(op);
      std::string why;
      FailureOr<SmallVector<Value>> results = op.decompose(rewriter, why);
      if (failed(results)) {
        op->emitError("could not be decomposed: ") << why;
        failures = true;
        continue;
      }
      rewriter.replaceOp(op, *results);
      ++numDecomposed;
    }
    if (failures)
      signalPassFailure();
  }

  llvm::StringSet<> selected;
};
} // namespace

void mlir::tmix::populateTMixDecomposePatterns(
    RewritePatternSet &patterns, const llvm::StringSet<> &opNames) {
  patterns.add<DecomposeMixer>(patterns.getContext(), opNames);
}
