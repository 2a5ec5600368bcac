//===- CpuTarget.cpp - the x86 CPU target -----------------------*- C++ -*-===//
//
// tmix-cpu-pipeline: mixers tiled on tensors, element-wise and
// normalisation nests split over OpenMP threads, f32 matmuls on the model
// support library's GEMM (lib/ModelSupport/Blas.c), vectorisable math.
//
//===----------------------------------------------------------------------===//

#include "tmix/Pipelines.h"
#include "tmix/Target/CPU/Passes.h"
#include "tmix/Target/Target.h"

#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::tmix;

namespace {
class CpuTarget final : public TargetBackend {
public:
  StringRef getName() const override { return "cpu"; }
  StringRef getDescription() const override {
    return "Fuse attention, optionally replace mixers, tile mixers and lower "
           "the whole model for the host CPU to the LLVM dialect";
  }

  llvm::Error validate(const CompileOptions &options) const override {
    if (!llvm::is_contained({"", "f32", "bf16"}, options.precision))
      return llvm::createStringError(
          "--precision=" + options.precision +
          " is not supported by --target=cpu (f32 or bf16)");
    if (!llvm::is_contained({"", "int8"}, options.quantize))
      return llvm::createStringError("--quantize=" + options.quantize +
                                     " is not supported (int8)");
    if (options.quantize.empty() && !options.quantizeNodes.empty())
      return llvm::createStringError("--quantize-nodes needs --quantize");
    if (options.gpuArch != CompileOptions().gpuArch)
      return llvm::createStringError(
          "--gpu-arch applies to --target=cuda only");
    if (options.targetCpu.empty())
      return checkBf16(options,
                       llvm::sys::getHostCPUFeatures().lookup("amx-bf16"));
    // An unknown CPU would only warn in LLVM, then fail with a fatal error
    // when code is generated.
    llvm::InitializeNativeTarget();
    llvm::Triple triple(llvm::sys::getProcessTriple());
    std::string error;
    const llvm::Target *target =
        llvm::TargetRegistry::lookupTarget(triple, error);
    if (!target)
      return llvm::createStringError("no LLVM target for " + triple.str() +
                                     ": " + error);
    std::unique_ptr<llvm::MCSubtargetInfo> info(
        target->createMCSubtargetInfo(triple, "", ""));
    if (!info || !info->isCPUStringValid(options.targetCpu))
      return llvm::createStringError(
          "--target-cpu=" + options.targetCpu +
          " is not a CPU LLVM knows for " + triple.str() +
          " (e.g. x86-64-v3, znver4, sapphirerapids)");
    std::unique_ptr<llvm::MCSubtargetInfo> named(
        target->createMCSubtargetInfo(triple, options.targetCpu, ""));
    return checkBf16(options, named && named->checkFeatures("+amx-bf16"));
  }

  /// bf16 matmuls run on AMX tiles; on a CPU without them they would run in
  /// f32 (the library checks again when it runs), which is not what was
  /// asked for.
  static llvm::Error checkBf16(const CompileOptions &options, bool hasAmx) {
    if (options.precision != "bf16" || hasAmx)
      return llvm::Error::success();
    std::string cpu =
        options.targetCpu.empty()
            ? "this machine's CPU (" + llvm::sys::getHostCPUName().str() + ")"
            : "--target-cpu=" + options.targetCpu;
    return llvm::createStringError(
        "--precision=bf16 needs a CPU with AMX-BF16 (sapphirerapids or "
        "newer); " +
        cpu + " has none");
  }

  void buildPipeline(OpPassManager &pm, const CompileOptions &options,
                     const PipelineHooks &hooks) const override {
    addMixerSelection(pm, options, hooks.mixerReport);
    // Dequantized products of Q/DQ models always run as integer ones.
    TMixQuantizePassOptions quantize;
    quantize.quantizeWeights = options.quantize == "int8";
    quantize.nodes.assign(options.quantizeNodes.begin(),
                          options.quantizeNodes.end());
    pm.addPass(createTMixQuantizePass(quantize));
    addMixerTiling(pm, options);
    // Element-wise and normalisation nests use every core too.
    if (options.parallel)
      pm.addPass(cpu::createTMixParallelizeGenericsPass());
    addBufferization(pm);
    addExternalWeights(pm, options, hooks.weightsWriter);
    if (options.blas) {
      cpu::TMixMatmulToBlasPassOptions blas;
      blas.bf16Weights = options.precision == "bf16";
      pm.addPass(cpu::createTMixMatmulToBlasPass(blas));
    }
    if (options.profile)
      pm.addPass(cpu::createTMixProfileOpsPass());
    auto openMP = [](OpPassManager &nested) {
      // scf.forall iterations run on OpenMP threads.
      nested.addPass(createForallToParallelLoopPass());
      nested.addPass(createConvertSCFToOpenMPPass());
      nested.addPass(cpu::createTMixInlineAllocaScopesPass());
    };
    addLowerToLLVM(pm, options.cInterface, /*fast=*/true,
                   /*modelAllocator=*/true,
                   options.parallel
                       ? function_ref<void(OpPassManager &)>(openMP)
                       : nullptr);
  }
};
} // namespace

const TargetBackend &tmix::getCpuTarget() {
  static const CpuTarget target;
  return target;
}
