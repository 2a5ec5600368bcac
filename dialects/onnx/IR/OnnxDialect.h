//===- OnnxDialect.h - the raw ONNX graph dialect ---------------*- C++ -*-===//

#ifndef TMIX_ONNX_IR_ONNXDIALECT_H
#define TMIX_ONNX_IR_ONNXDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "onnx/IR/OnnxOpsDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "onnx/IR/OnnxOpsTypes.h.inc"

#define GET_OP_CLASSES
#include "onnx/IR/OnnxOps.h.inc"

namespace mlir::tmix::onnxir {
/// The function attribute recording the opsets a model imports.
constexpr llvm::StringLiteral kOpsetImportAttr = "onnx.opset_import";
/// How the default ONNX domain ("") is spelled in that dictionary.
constexpr llvm::StringLiteral kDefaultDomain = "ai.onnx";
} // namespace mlir::tmix::onnxir

#endif // TMIX_ONNX_IR_ONNXDIALECT_H
