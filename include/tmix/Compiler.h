//===- Compiler.h - ONNX model to a shared library ---------------*- C++
//-*-===//
//
// The library behind tmix-compile: import, fuse, optionally replace mixers,
// lower for the host CPU, emit an object and link it with the model ABI
// (tmix-c/Model.h) into a shared library.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_COMPILER_H
#define TMIX_COMPILER_H

#include "tmix/Import/OnnxImporter.h"
#include "tmix/Pipelines.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::tmix {

struct CompileOptions {
  OnnxImportOptions import;
  /// Options of tmix-cpu-pipeline, as its textual form ("mixer=linear ...").
  std::string pipelineOptions;
  /// "cpu" or "cuda" (kernels as PTX in the library, run through the CUDA
  /// driver loaded at run time; weights always in `<output>.weights`).
  std::string target = "cpu";
  /// Host CPU (and its features) unless set, e.g. "x86-64-v3".
  std::string targetCpu;
  /// What to write: "so" (default), "obj", "llvm" (IR text), "mlir" (the
  /// module before LLVM translation).
  std::string emit = "so";
  /// Where the weights go: "embed" (in the library), "external" (constants
  /// of 4 KiB and more in `<output>.weights`) or "auto" (external once they
  /// total `autoExternalBytes` or more).
  std::string weights = "auto";
  int64_t autoExternalBytes = int64_t(1) << 30;
  /// Phase timings go here when set.
  llvm::raw_ostream *timing = nullptr;
};

/// The sm_NN version of NVIDIA architecture `chip` (e.g. 90 for "sm_90a"),
/// or why it cannot be compiled for: not a name LLVM's NVPTX backend knows,
/// or older than sm_80 (no bf16 tensor cores).
llvm::Expected<unsigned> parseCudaArch(llvm::StringRef chip);

/// Compiles the ONNX model in `bytes` (named `sourceName`) to `outputPath`.
/// The output is written to a temporary file and renamed, so a failed
/// compile leaves no file behind. Errors go to the context's diagnostic
/// engine; returns failure on any.
LogicalResult compileOnnxModel(MLIRContext &context, llvm::StringRef bytes,
                               llvm::StringRef sourceName,
                               llvm::StringRef outputPath,
                               const CompileOptions &options);

} // namespace mlir::tmix

#endif // TMIX_COMPILER_H
