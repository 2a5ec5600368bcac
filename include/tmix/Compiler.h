//===- Compiler.h - ONNX model to a shared library --------------*- C++ -*-===//
//
// The library behind tmix-compile, the C API (tmix-c/Compiler.h) and
// Python's tmix.compile: import, convert, run the target's pipeline, emit
// an object and link it with the model ABI (tmix-c/Model.h) into a shared
// library. Options are CompileOptions (tmix/Options.h).
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_COMPILER_H
#define TMIX_COMPILER_H

#include "tmix/Options.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <functional>
#include <string>

namespace mlir {
class MLIRContext;
class PassManager;
namespace tmix {

/// The model to compile: its bytes (binary ModelProto or ONNX text), the
/// name diagnostics give it, and the directory external data and the model
/// itself (for `-o` checks) are relative to.
struct CompileSource {
  llvm::StringRef bytes;
  /// A path or a name; empty for in-memory models.
  std::string path;
  /// Directory of external-data files; "." when empty.
  std::string baseDir;
};

/// Optional callbacks of a compile.
struct CompileHooks {
  /// A phase starts ("import", "convert", "lower", "optimize", "codegen",
  /// "link"): its 1-based number and the number of phases.
  std::function<void(llvm::StringRef phase, unsigned index, unsigned count)>
      phaseStarted;
  /// A phase ended after `seconds`.
  std::function<void(llvm::StringRef phase, double seconds)> phaseDone;
  /// The source's bytes are read no more (the model is imported): a caller
  /// that owns them may release them here, so that a large model's file
  /// and its weights in the IR are not held at once.
  std::function<void()> sourceConsumed;
  /// Configures every pass manager the compile runs (IR printing, timing,
  /// crash reproducers: tmix-compile's MLIR debug flags).
  std::function<LogicalResult(PassManager &pm)> configurePassManager;
};

/// What a compile hands back besides the files it writes.
struct CompileResult {
  /// The mixer report as JSON (docs/MixerReport.md); empty unless
  /// `wantMixerReport` was set.
  std::string mixerReport;
  bool wantMixerReport = false;
  /// The side file written with the library, if any.
  std::string weightsPath;
};

/// Compiles `source` to `outputPath` with `options`, which it checks first
/// (validateCompileOptions). Everything is written beside the output under
/// temporary names and renamed at the end, so a failed compile leaves no
/// file behind; temporary files of earlier compiles of the same output
/// whose process has died are removed. Errors go to the context's
/// diagnostic engine, one line each; returns failure on any.
LogicalResult compileOnnxModel(MLIRContext &context,
                               const CompileSource &source,
                               llvm::StringRef outputPath,
                               const CompileOptions &options,
                               const CompileHooks &hooks = {},
                               CompileResult *result = nullptr);

/// The version line of tmix's tools: "tmix 0.2.0 (LLVM 22.1.0)".
std::string getVersionString();

} // namespace tmix
} // namespace mlir

#endif // TMIX_COMPILER_H
