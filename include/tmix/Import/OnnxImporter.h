//===- OnnxImporter.h - ONNX protobuf to the onnx dialect -------*- C++ -*-===//
//
// The importer is deliberately dumb: one onnx.node per graph node, graph
// inputs as function arguments, initializers as constants. Meaning comes
// from convert-onnx-to-tmix.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_IMPORT_ONNXIMPORTER_H
#define TMIX_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <functional>

#include <string>

namespace mlir::tmix {

struct OnnxImportOptions {
  /// Static shapes for graph inputs, overriding what the graph declares.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Directory that external-data locations are relative to.
  std::string baseDir = ".";
  /// Initializers with more elements than this are stored as dense_resource
  /// blobs (printed once, in the resource section) rather than inline.
  int64_t inlineElementLimit = 256;
  /// Graph inputs specialised to constants: name -> serialized TensorProto.
  /// Such inputs disappear from the function signature.
  llvm::StringMap<std::string> boundInputs;
  /// Name of the function holding the graph.
  std::string functionName = "main_graph";
  /// Called once the bytes are parsed, before the graph is converted: they
  /// are not read again, and their owner may release them.
  std::function<void()> parsed;
};

/// Parses `spec` of the form `name:2x64` (or `name:` for a scalar) into
/// `options.inputShapes`. Returns an error message on malformed input.
std::optional<std::string> parseInputShapeSpec(llvm::StringRef spec,
                                               OnnxImportOptions &options);

/// Parses `spec` of the form `name=FILE.pb` (a serialized TensorProto) into
/// `options.boundInputs`. Returns an error message on failure.
std::optional<std::string> parseBindInputSpec(llvm::StringRef spec,
                                              OnnxImportOptions &options);

/// Imports a binary ModelProto or a model in ONNX text syntax. Errors are
/// reported through the context's diagnostic engine; returns null on error.
OwningOpRef<ModuleOp> importOnnxModel(MLIRContext *context,
                                      llvm::StringRef bytes,
                                      llvm::StringRef sourceName,
                                      const OnnxImportOptions &options);

} // namespace mlir::tmix

#endif // TMIX_IMPORT_ONNXIMPORTER_H
