//===- Target.h - the seam between tmix and its targets ---------*- C++ -*-===//
//
// Everything target-specific about a compile sits behind TargetBackend: its
// option checks, the defaults it derives from the model, its pipeline and
// what the model library must know about it. The driver, tmix-opt's
// tmix-<target>-pipeline registrations and validateCompileOptions go
// through this interface only.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_TARGET_TARGET_H
#define TMIX_TARGET_TARGET_H

#include "tmix/Options.h"
#include "tmix/Passes.h"

#include "mlir/IR/Types.h"

namespace mlir {
class OpPassManager;
namespace tmix {

/// What a pipeline hands back to its caller while it runs.
struct PipelineHooks {
  /// Receives tmix-replace-attention's report (JSON), if set.
  MixerReportSink mixerReport;
  /// Runs the weights file write, if set (tmix-externalize-weights).
  WeightsWriteScheduler weightsWriter;
};

class TargetBackend {
public:
  virtual ~TargetBackend();

  /// The name --target takes; the pipeline is tmix-<name>-pipeline.
  virtual llvm::StringRef getName() const = 0;
  /// One line for the pipeline registry.
  virtual llvm::StringRef getDescription() const = 0;
  /// Checks the options that concern this target.
  virtual llvm::Error validate(const CompileOptions &options) const = 0;
  /// Fills in what follows from the model (its input element types) and
  /// from this target: GPU models compute in their half type; GPU weights
  /// always live in the side file.
  virtual void specialize(CompileOptions &options,
                          llvm::ArrayRef<Type> inputTypes) const {}
  /// Whether weights must go to the side file (--weights=embed refused).
  virtual bool needsExternalWeights() const { return false; }
  /// Whether the host can read run-time indices to report out-of-range
  /// ones as an error of run (convert-onnx-to-tmix{index-checks}); where it
  /// cannot, such indices are only clamped into the data.
  virtual bool reportsIndexErrors() const { return true; }
  /// Converted ONNX (linalg + tmix) in, LLVM dialect out.
  virtual void buildPipeline(OpPassManager &pm, const CompileOptions &options,
                             const PipelineHooks &hooks) const = 0;
  /// The sm_NN version the model library checks the GPU against; 0 for
  /// host-only code.
  virtual unsigned getCudaArch(const CompileOptions &options) const {
    return 0;
  }
};

/// Every target, in the order `--target` lists them.
llvm::ArrayRef<const TargetBackend *> getTargets();
/// The target named `name`, or null.
const TargetBackend *lookupTarget(llvm::StringRef name);

/// Registers tmix-<target>-pipeline for every target; its options are the
/// Pipeline and Internal options of Options.def.
void registerTargetPipelines();

// The targets (lib/Target/<Target>).
const TargetBackend &getCpuTarget();
const TargetBackend &getCudaTarget();

} // namespace tmix
} // namespace mlir

#endif // TMIX_TARGET_TARGET_H
