//===- TMixDialect.h - tmix dialect, attributes and ops ---------*- C++ -*-===//
//
// The single header an embedder includes to use the tmix dialect.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_IR_TMIXDIALECT_H
#define TMIX_IR_TMIXDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "tmix/IR/TMixOpsDialect.h.inc"

#include "tmix/IR/TMixOpsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "tmix/IR/TMixOpsAttributes.h.inc"

#define GET_OP_CLASSES
#include "tmix/IR/TMixOps.h.inc"

namespace mlir::tmix {
/// phi(x) for one scalar of float type: the feature map of
/// tmix.linear_attention, shared by its decomposition and by the passes
/// that apply phi themselves.
Value buildFeatureMap(OpBuilder &b, Location loc, FeatureMap map, Value x);
} // namespace mlir::tmix

#endif // TMIX_IR_TMIXDIALECT_H
