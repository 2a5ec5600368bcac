//===- tmix-translate.cpp - ONNX import and other translations -*- C++ -*-===//
//
// `tmix-translate --import-onnx model.onnx` prints the converted module
// (linalg/tensor/arith/math + tmix); `--onnx-generic` stops after the
// one-op-per-node form.
//
//===----------------------------------------------------------------------===//

#include "onnx/IR/OnnxDialect.h"
#include "tmix/Conversion/Passes.h"
#include "tmix/Import/OnnxImporter.h"
#include "tmix/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static llvm::cl::list<std::string>
    inputShapes("input-shape",
                llvm::cl::desc("Static shape of a graph input, NAME:DIMS (e.g. "
                               "input_ids:2x64); repeatable"),
                llvm::cl::ZeroOrMore);
static llvm::cl::list<std::string> bindInputs(
    "bind-input",
    llvm::cl::desc("Specialise a graph input to the constant in a serialized "
                   "TensorProto, NAME=FILE.pb; repeatable"),
    llvm::cl::ZeroOrMore);
static llvm::cl::opt<std::string>
    functionName("onnx-function-name",
                 llvm::cl::desc("Name of the function holding the graph"),
                 llvm::cl::init("main_graph"));
static llvm::cl::opt<int64_t> inlineLimit(
    "onnx-inline-limit",
    llvm::cl::desc("Initializers with more elements are dense_resource blobs"),
    llvm::cl::init(256));
static llvm::cl::opt<bool>
    genericOnly("onnx-generic",
                llvm::cl::desc("Stop after the generic one-op-per-node form"),
                llvm::cl::init(false));

static OwningOpRef<Operation *> importOnnx(llvm::SourceMgr &sourceMgr,
                                           MLIRContext *context) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  tmix::OnnxImportOptions options;
  StringRef name = buffer->getBufferIdentifier();
  StringRef dir = llvm::sys::path::parent_path(name);
  options.baseDir = dir.empty() ? "." : dir.str();
  for (const std::string &spec : bindInputs)
    if (auto error = tmix::parseBindInputSpec(spec, options)) {
      emitError(UnknownLoc::get(context)) << *error;
      return nullptr;
    }
  options.functionName = functionName;
  options.inlineElementLimit = inlineLimit;
  for (const std::string &spec : inputShapes)
    if (auto error = tmix::parseInputShapeSpec(spec, options)) {
      emitError(UnknownLoc::get(context)) << *error;
      return nullptr;
    }
  OwningOpRef<ModuleOp> module =
      tmix::importOnnxModel(context, buffer->getBuffer(), name, options);
  if (!module || genericOnly)
    return module;
  PassManager pm(context);
  pm.addPass(tmix::createConvertOnnxToTMixPass());
  if (failed(pm.run(*module)))
    return nullptr;
  return module;
}

int main(int argc, char **argv) {
  TranslateToMLIRRegistration registration(
      "import-onnx", "Import an ONNX model (binary protobuf or text syntax)",
      importOnnx, [](DialectRegistry &registry) {
        tmix::registerAllTMixDialects(registry);
      });
  return failed(mlirTranslateMain(argc, argv, "tmix translation driver\n"));
}
