//===- Pipelines.h - tmix pass pipelines ------------------------*- C++ -*-===//

#ifndef TMIX_PIPELINES_H
#define TMIX_PIPELINES_H

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

/// Registers every tmix pipeline with the pass registry.
void registerTMixPipelines();

} // namespace tmix
} // namespace mlir

#endif // TMIX_PIPELINES_H
