//===- Passes.h - tmix conversion passes ------------------------*- C++ -*-===//

#ifndef TMIX_CONVERSION_PASSES_H
#define TMIX_CONVERSION_PASSES_H

#include "tmix/IR/TMixDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::tmix {

#define GEN_PASS_DECL
#include "tmix/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tmix/Conversion/Passes.h.inc"

} // namespace mlir::tmix

#endif // TMIX_CONVERSION_PASSES_H
