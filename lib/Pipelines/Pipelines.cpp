//===- Pipelines.cpp - tmix-reference-pipeline, tmix-cpu-pipeline -*- C++
//-*-===//
//
// Both pipelines share the tail from bufferization to the LLVM dialect; they
// differ in how mixers and matmuls are computed before it.
//

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
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
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
/// Tensor-level clean-up shared by both pipelines, after the mixers.
void addTensorCleanup(OpPassManager &pm) {
  pm.addPass(tmix::createTMixDecomposeAggregatesPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// Tensors to buffers the caller owns: results become out-parameters.
void addBufferization(OpPassManager &pm) {
  pm.addPass(tmix::createTMixProtectInputsPass());
  pm.addPass(tmix::createTMixDistinctResultsPass());
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

/// Loops over buffers down to the LLVM dialect.
/// `fast` (the CPU pipeline) also writes tanh with exp, which the vector
/// math library has and LLVM then vectorises; the reference keeps libm.
void addLowerToLLVM(OpPassManager &pm, bool cInterface, bool parallel,
                    bool fast) {
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // scf.forall iterations run on OpenMP threads, or one after the other.
  if (parallel) {
    pm.addPass(createForallToParallelLoopPass());
    pm.addPass(createConvertSCFToOpenMPPass());
    pm.addPass(tmix::createTMixInlineAllocaScopesPass());
  }
  pm.addPass(createForallToForLoopPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Wrappers for the caller's functions only: the libm declarations added
  // below must keep their plain C names.
  if (cInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  // libm keeps tanh/erf/... exact; it has no rsqrt, so that one becomes
  // 1/sqrt first.
  // erf has no libmvec routine: a polynomial keeps GELU loops vectorised.
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
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  if (parallel)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}
} // namespace

void tmix::buildReferencePipeline(OpPassManager &pm,
                                  const ReferencePipelineOptions &options) {
  if (options.decompose)
    pm.addPass(createTMixDecomposePass());
  addTensorCleanup(pm);
  addBufferization(pm);
  addLowerToLLVM(pm, options.cInterface, /*parallel=*/false, /*fast=*/false);
}

namespace {
/// Attention raised and mixers replaced as asked: the start of both model
/// pipelines.
void addMixerSelection(OpPassManager &pm, const ModelPipelineOptions &options) {
  if (options.fuse)
    pm.addPass(createTMixFuseAttentionPass());
  if (!options.mixer.empty() || !options.report.empty()) {
    TMixReplaceAttentionPassOptions replace;
    replace.mixer = options.mixer.empty() ? std::string("softmax")
                                          : options.mixer.getValue();
    replace.layers.assign(options.layers.begin(), options.layers.end());
    replace.nodes.assign(options.nodes.begin(), options.nodes.end());
    replace.featureMap = options.featureMap;
    replace.sigmoidBias = options.sigmoidBias;
    replace.poolWindow = options.poolWindow;
    replace.report = options.report;
    replace.reportFormat = options.reportFormat;
    pm.addPass(createTMixReplaceAttentionPass(replace));
  }
}

/// Mixers without a kernel of their own tiled, the rest decomposed.
void addMixerTiling(OpPassManager &pm, const ModelPipelineOptions &options) {
  TMixTileMixersPassOptions tile;
  tile.tileQ = options.tileQ;
  tile.tileK = options.tileK;
  tile.chunk = options.chunk;
  pm.addPass(createTMixTileMixersPass(tile));
  // Mixers without a tiled form yet keep their reference form.
  pm.addPass(createTMixDecomposePass());
  addTensorCleanup(pm);
  pm.addPass(createTMixFuseElementwisePass());
  pm.addPass(createCanonicalizerPass());
}

void addExternalWeights(OpPassManager &pm,
                        const ModelPipelineOptions &options) {
  if (options.weightsFile.empty())
    return;
  TMixExternalizeWeightsPassOptions weights;
  weights.file = options.weightsFile;
  weights.minBytes = options.weightsMinBytes;
  weights.embedLimit = options.weightsEmbedLimit;
  pm.addPass(createTMixExternalizeWeightsPass(weights));
}
} // namespace

void tmix::buildCpuPipeline(OpPassManager &pm,
                            const CpuPipelineOptions &options) {
  addMixerSelection(pm, options);
  addMixerTiling(pm, options);
  // Element-wise and normalisation nests use every core too.
  if (options.parallel)
    pm.addPass(createTMixParallelizeGenericsPass());
  addBufferization(pm);
  addExternalWeights(pm, options);
  if (options.blas)
    pm.addPass(createTMixMatmulToBlasPass());
  addLowerToLLVM(pm, options.cInterface, options.parallel, /*fast=*/true);
}

void tmix::buildCudaPipeline(OpPassManager &pm,
                             const ModelPipelineOptions &options) {
  addMixerSelection(pm, options);
  TMixGpuKernelsPassOptions kernels;
  kernels.precision = options.precision;
  pm.addPass(createTMixGpuKernelsPass(kernels));
  addMixerTiling(pm, options);
  // Matmuls of tiled mixers and decompositions.
  pm.addPass(createTMixGpuKernelsPass(kernels));
  addBufferization(pm);
  addExternalWeights(pm, options);
  // Tiles of f32 attention are launched one after the other.
  pm.addPass(createForallToForLoopPass());
  pm.addPass(createTMixGpuMapLinalgPass());
  pm.addPass(createTMixGpuDeviceMemoryPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createGpuKernelOutliningPass());
  // One stream per call of the model; operations ordered on it.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  if (options.cInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  // Kernels call no libdevice: PTX is produced without the CUDA toolkit.
  math::MathExpandOpsPassOptions expand;
  expand.opMnemonics = {"rsqrt", "tanh", "powf", "fpowi", "ctlz", "round"};
  pm.addNestedPass<gpu::GPUModuleOp>(math::createMathExpandOpsPass(expand));
  TMixApproximateMathPassOptions approximate;
  approximate.ops = {"erf",  "exp",   "expm1", "log", "log1p", "log2",
                     "atan", "atan2", "sin",   "cos", "cbrt",  "tanh"};
  pm.addNestedPass<gpu::GPUModuleOp>(
      createTMixApproximateMathPass(approximate));
  pm.addNestedPass<gpu::GPUModuleOp>(createTMixGpuMathToPtxPass());
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  nvvm.cubinFeatures = options.ptxFeatures;
  nvvm.cubinFormat = "isa";
  nvvm.optLevel = 3;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void tmix::registerTMixPipelines() {
  PassPipelineRegistration<ReferencePipelineOptions>(
      "tmix-reference-pipeline",
      "Decompose tmix ops and lower naively to the LLVM dialect (the "
      "executable numerical reference)",
      buildReferencePipeline);
  PassPipelineRegistration<CpuPipelineOptions>(
      "tmix-cpu-pipeline",
      "Fuse attention, optionally replace mixers, tile mixers and lower the "
      "whole model for the host CPU to the LLVM dialect",
      buildCpuPipeline);
  PassPipelineRegistration<ModelPipelineOptions>(
      "tmix-cuda-pipeline",
      "Fuse attention, optionally replace mixers, build tensor-core kernels "
      "and lower the whole model for NVIDIA GPUs: host code in the LLVM "
      "dialect, kernels as embedded PTX",
      buildCudaPipeline);
}
