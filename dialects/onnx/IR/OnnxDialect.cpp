//===- OnnxDialect.cpp - the raw ONNX graph dialect ------------*- C++ -*-===//

#include "onnx/IR/OnnxDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tmix::onnxir;

#include "onnx/IR/OnnxOpsDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "onnx/IR/OnnxOpsTypes.cpp.inc"

#define GET_OP_CLASSES
#include "onnx/IR/OnnxOps.cpp.inc"

void OnnxDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "onnx/IR/OnnxOpsTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "onnx/IR/OnnxOps.cpp.inc"
      >();
}
