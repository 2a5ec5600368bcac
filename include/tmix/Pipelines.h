//===- Pipelines.h - tmix pass pipelines and their stages -------*- C++ -*-===//
//
// The reference pipeline, and the target-neutral stages that every target
// pipeline (tmix/Target/Target.h) is assembled from, in order:
//   mixer selection -> mixer tiling -> bufferization -> external weights ->
//   (target passes) -> lowering to the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_PIPELINES_H
#define TMIX_PIPELINES_H

#include "tmix/Options.h"
#include "tmix/Passes.h"

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace tmix {

/// Options of `tmix-reference-pipeline`.
struct ReferencePipelineOptions
    : public PassPipelineOptions<ReferencePipelineOptions> {
  Option<bool> decompose{*this, "decompose",
                         llvm::cl::desc("Run tmix-decompose first"),
                         llvm::cl::init(true)};
  Option<bool> cInterface{
      *this, "c-interface",
      llvm::cl::desc("Emit _mlir_ciface_ wrappers taking memref descriptors"),
      llvm::cl::init(true)};
};

/// The executable reference: tmix ops decomposed to naive linalg, bufferized
/// (function results become out-parameters), lowered to loops and to the
/// LLVM dialect. No tiling, fusion or vectorisation: correctness only.
void buildReferencePipeline(OpPassManager &pm,
                            const ReferencePipelineOptions &options);

/// Attention raised (`fuse`) and mixers replaced (`mixer`, `layers`, ...),
/// the report going to `options.mixerReport` and `reportSink`.
void addMixerSelection(OpPassManager &pm, const CompileOptions &options,
                       MixerReportSink reportSink);

/// Mixers tiled (tmix-tile-mixers) or else decomposed, then tensor-level
/// clean-up and element-wise fusion.
void addMixerTiling(OpPassManager &pm, const CompileOptions &options);

/// Tensors to buffers the caller owns: results become out-parameters.
void addBufferization(OpPassManager &pm);

/// Large constants to the side file named by `options.weightsFile`, written
/// by `schedule` when given (see WeightsWriteScheduler).
void addExternalWeights(OpPassManager &pm, const CompileOptions &options,
                        WeightsWriteScheduler schedule = {});

/// Loops over buffers down to the LLVM dialect. `fast` lets math take
/// vectorisable forms (tanh through exp, polynomial erf, fma as mul + add)
/// where the reference keeps libm. `openMP`, when given, adds the passes
/// that put parallel loops on OpenMP threads (right after linalg becomes
/// loops), and the OpenMP dialect is lowered too; otherwise scf.forall
/// loops run one iteration after the other. `modelAllocator` allocates
/// buffers through the model support library (_mlir_memref_to_llvm_*),
/// which keeps them between runs.
void addLowerToLLVM(OpPassManager &pm, bool cInterface, bool fast,
                    bool modelAllocator,
                    function_ref<void(OpPassManager &)> openMP = {});

/// Registers tmix-reference-pipeline (tmix/Target/Target.h registers the
/// target pipelines).
void registerReferencePipeline();

} // namespace tmix
} // namespace mlir

#endif // TMIX_PIPELINES_H
