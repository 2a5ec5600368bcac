//===- fuzz-import.cpp - libFuzzer target over ONNX import -----*- C++ -*-===//
//
// Feeds arbitrary bytes to the ONNX importer (binary and text syntax) and,
// when a module comes out, to convert-onnx-to-tmix. Bad input must end in a
// diagnostic; a crash, hang or sanitizer report is a bug.
//
//===----------------------------------------------------------------------===//

#include "tmix/Conversion/Passes.h"
#include "tmix/Import/OnnxImporter.h"
#include "tmix/InitAll.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <cstddef>
#include <cstdint>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry();
    tmix::registerAllTMixDialects(*r);
    return r;
  }();
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler silence(&context,
                                  [](Diagnostic &) { return success(); });
  tmix::OnnxImportOptions options;
  StringRef bytes(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module =
      tmix::importOnnxModel(&context, bytes, "fuzz.onnx", options);
  if (!module)
    return 0;
  PassManager pm(&context);
  pm.addPass(tmix::createConvertOnnxToTMixPass());
  (void)pm.run(*module);
  return 0;
}
