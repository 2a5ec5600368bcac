//===- Pipelines.cpp - the reference pipeline and shared stages -*- C++ -*-===//
//
// The stages every tmix pipeline shares, from mixer selection to the LLVM
// dialect; targets put their own passes between them (lib/Target).
//
//===----------------------------------------------------------------------===//

#include "tmix/Pipelines.h"
#include "tmix/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToFuncs/MathToFuncs.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/Transforms/RequestCWrappers.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::tmix;

namespace {
/// Tensor-level clean-up after the mixers.
void addTensorCleanup(OpPassManager &pm) {
  pm.addPass(tmix::createTMixDecomposeAggregatesPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
} // namespace

void tmix::addBufferization(OpPassManager &pm) {
  pm.addPass(tmix::createTMixSignlessPass());
  pm.addPass(tmix::createTMixProtectInputsPass());
  pm.addPass(tmix::createTMixDistinctResultsPass());
  pm.addPass(tmix::createTMixUntieInitsPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // Canonicalization may fold the copies that keep loop-carried tiles in
  // place; bufferization then allocates instead of failing.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void tmix::addLowerToLLVM(OpPassManager &pm, bool cInterface, bool fast,
                          bool modelAllocator,
                          function_ref<void(OpPassManager &)> openMP) {
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  if (openMP)
    openMP(pm);
  // Whatever scf.forall is left runs its iterations one after the other.
  pm.addPass(createForallToForLoopPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Wrappers for the caller's functions only: the libm declarations added
  // below must keep their plain C names.
  if (cInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  // libm keeps tanh/erf/... exact; it has no rsqrt, so that one becomes
  // 1/sqrt first. erf has no libmvec routine: a polynomial keeps GELU loops
  // vectorised.
  if (fast)
    pm.addPass(tmix::createTMixApproximateMathPass());
  math::MathExpandOpsPassOptions expand;
  expand.opMnemonics = {"rsqrt"};
  // fma would become a scalar libm call (fmaf); as mul + add it vectorises,
  // and the backend fuses the pair again (tmix-compile allows contraction).
  if (fast) {
    expand.opMnemonics.push_back("tanh");
    expand.opMnemonics.push_back("fma");
  }
  pm.addPass(math::createMathExpandOpsPass(expand));
  // Integer powers become small helper functions.
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  // The model support library's allocator keeps buffers between runs.
  memrefOptions.useGenericFunctions = modelAllocator;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  if (openMP)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void tmix::buildReferencePipeline(OpPassManager &pm,
                                  const ReferencePipelineOptions &options) {
  if (options.decompose)
    pm.addPass(createTMixDecomposePass());
  addTensorCleanup(pm);
  addBufferization(pm);
  addLowerToLLVM(pm, options.cInterface, /*fast=*/false,
                 /*modelAllocator=*/false);
}

void tmix::addMixerSelection(OpPassManager &pm, const CompileOptions &options,
                             MixerReportSink reportSink) {
  if (options.fuse)
    pm.addPass(createTMixFuseAttentionPass());
  if (options.mixer.empty() && options.mixerReport.empty() && !reportSink)
    return;
  TMixReplaceAttentionPassOptions replace;
  replace.mixer =
      options.mixer.empty() ? std::string("softmax") : options.mixer;
  replace.layers.assign(options.layers.begin(), options.layers.end());
  replace.nodes.assign(options.nodes.begin(), options.nodes.end());
  replace.featureMap = options.featureMap;
  replace.sigmoidBias = options.sigmoidBias;
  replace.poolWindow = options.poolWindow;
  replace.report = options.mixerReport;
  replace.reportFormat = options.mixerReportFormat;
  pm.addPass(createTMixReplaceAttentionPass(replace, std::move(reportSink)));
}

void tmix::addMixerTiling(OpPassManager &pm, const CompileOptions &options) {
  TMixTileMixersPassOptions tile;
  tile.tileQ = options.tileQ;
  tile.tileK = options.tileK;
  tile.chunk = options.chunk;
  pm.addPass(createTMixTileMixersPass(tile));
  // Mixers without a tiled form (dynamic shapes) keep their reference form.
  pm.addPass(createTMixDecomposePass());
  addTensorCleanup(pm);
  pm.addPass(createTMixFuseElementwisePass());
  pm.addPass(createCanonicalizerPass());
}

void tmix::addExternalWeights(OpPassManager &pm, const CompileOptions &options,
                              WeightsWriteScheduler schedule) {
  if (options.weightsFile.empty())
    return;
  TMixExternalizeWeightsPassOptions weights;
  weights.file = options.weightsFile;
  weights.minBytes = options.weightsMinBytes;
  weights.embedLimit = options.weightsEmbedLimit;
  pm.addPass(createTMixExternalizeWeightsPass(weights, std::move(schedule)));
}

void tmix::registerReferencePipeline() {
  PassPipelineRegistration<ReferencePipelineOptions>(
      "tmix-reference-pipeline",
      "Decompose tmix ops and lower naively to the LLVM dialect (the "
      "executable numerical reference)",
      buildReferencePipeline);
}
