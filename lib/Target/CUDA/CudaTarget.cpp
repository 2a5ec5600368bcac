//===- CudaTarget.cpp - the NVIDIA GPU target -------------------*- C++ -*-===//
//
// tmix-cuda-pipeline: attention and f16/bf16 matmuls as tensor-core kernels,
// the rest as SIMT kernels, every buffer in device memory, PTX from LLVM's
// NVPTX backend embedded in the library and launched through the CUDA
// driver that lib/ModelSupport/CudaSupport.c loads at run time.
//
//===----------------------------------------------------------------------===//

#include "tmix/Pipelines.h"
#include "tmix/Target/CUDA/Passes.h"
#include "tmix/Target/Target.h"

#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/RequestCWrappers.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"

using namespace mlir;
using namespace mlir::tmix;

namespace {
/// The sm_NN version of NVIDIA architecture `chip` (e.g. 90 for "sm_90a"),
/// or why it cannot be compiled for: not a name LLVM's NVPTX backend knows,
/// or older than sm_80 (no bf16 tensor cores).
llvm::Expected<unsigned> parseCudaArch(StringRef chip) {
  auto invalid = [&] {
    return llvm::createStringError(
        "--gpu-arch=%s is not an NVIDIA architecture with bf16 tensor cores "
        "(sm_80 or newer, e.g. sm_90)",
        chip.str().c_str());
  };
  StringRef digits = chip;
  unsigned version = 0;
  if (!digits.consume_front("sm_") || digits.consumeInteger(10, version) ||
      version < 80)
    return invalid();
  // A name the backend does not know would only warn, and leave PTX for
  // its default processor.
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTargetMC();
  llvm::Triple triple("nvptx64-nvidia-cuda");
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("this LLVM has no NVPTX backend: " + error);
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!info || !info->isCPUStringValid(chip))
    return invalid();
  return version;
}

class CudaTarget final : public TargetBackend {
public:
  StringRef getName() const override { return "cuda"; }
  StringRef getDescription() const override {
    return "Fuse attention, optionally replace mixers, build tensor-core "
           "kernels and lower the whole model for NVIDIA GPUs: host code in "
           "the LLVM dialect, kernels as embedded PTX";
  }

  llvm::Error validate(const CompileOptions &options) const override {
    if (!options.quantize.empty() || !options.quantizeNodes.empty())
      return llvm::createStringError(
          "--quantize is not supported by --target=cuda yet");
    if (!llvm::is_contained({"", "f32", "f16", "bf16"}, options.precision))
      return llvm::createStringError("--precision=" + options.precision +
                                     " is not one of f32, f16, bf16");
    if (!options.targetCpu.empty())
      return llvm::createStringError(
          "--target-cpu applies to --target=cpu only");
    if (options.profile)
      return llvm::createStringError("--profile applies to --target=cpu only");
    if (options.weights == "embed")
      return llvm::createStringError(
          "--target=cuda keeps the weights in '<output>.weights' "
          "(--weights=embed is for the CPU)");
    return parseCudaArch(options.gpuArch).takeError();
  }

  void specialize(CompileOptions &options,
                  ArrayRef<Type> inputTypes) const override {
    // Half-precision models compute every product in their type, including
    // those of mixers whose tiled forms accumulate in f32.
    if (options.precision.empty())
      for (Type t : inputTypes) {
        Type elt = getElementTypeOrSelf(t);
        if (elt.isBF16() || elt.isF16())
          options.precision = elt.isBF16() ? "bf16" : "f16";
      }
    // GPU models upload their weights once per instance, from the side
    // file: every constant goes there.
    options.weightsMinBytes = 1;
    options.weightsEmbedLimit = 0;
  }

  bool needsExternalWeights() const override { return true; }

  /// Indices live in device memory, where host code cannot read them; an
  /// out-of-range index reads the nearest entry (docs/CudaBackend.md).
  bool reportsIndexErrors() const override { return false; }

  unsigned getCudaArch(const CompileOptions &options) const override {
    llvm::Expected<unsigned> arch = parseCudaArch(options.gpuArch);
    if (!arch) {
      llvm::consumeError(arch.takeError());
      return 0;
    }
    return *arch;
  }

  void buildPipeline(OpPassManager &pm, const CompileOptions &options,
                     const PipelineHooks &hooks) const override {
    addMixerSelection(pm, options, hooks.mixerReport);
    cuda::TMixGpuKernelsPassOptions kernels;
    kernels.precision = options.precision;
    pm.addPass(cuda::createTMixGpuKernelsPass(kernels));
    addMixerTiling(pm, options);
    // Matmuls of tiled mixers and decompositions.
    pm.addPass(cuda::createTMixGpuKernelsPass(kernels));
    addBufferization(pm);
    addExternalWeights(pm, options, hooks.weightsWriter);
    // Tiles of f32 attention are launched one after the other.
    pm.addPass(createForallToForLoopPass());
    pm.addPass(cuda::createTMixGpuMapLinalgPass());
    pm.addPass(cuda::createTMixGpuDeviceMemoryPass());
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
    pm.addNestedPass<gpu::GPUModuleOp>(cuda::createTMixGpuMathToPtxPass());
    gpu::GPUToNVVMPipelineOptions nvvm;
    nvvm.cubinChip = options.gpuArch;
    nvvm.cubinFeatures = options.ptxFeatures;
    nvvm.cubinFormat = "isa";
    nvvm.optLevel = 3;
    gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
    pm.addPass(createFinalizeMemRefToLLVMConversionPass());
    pm.addPass(createConvertControlFlowToLLVMPass());
    pm.addPass(createReconcileUnrealizedCastsPass());
  }
};
} // namespace

const TargetBackend &tmix::getCudaTarget() {
  static const CudaTarget target;
  return target;
}
