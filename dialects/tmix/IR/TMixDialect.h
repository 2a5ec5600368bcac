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

#include "tmix/IR/MixerTypes.h"

#define GET_ATTRDEF_CLASSES
#include "tmix/IR/TMixOpsAttributes.h.inc"

#include "tmix/IR/TMixInterfaces.h.inc"

#define GET_OP_CLASSES
#include "tmix/IR/TMixOps.h.inc"

namespace mlir::tmix {
/// The names of the mixers that can stand in for softmax attention, in
/// definition order, then "softmax" (which keeps it): the values of
/// `--mixer`.
ArrayRef<StringRef> getMixerNames();

/// The registered mixer op named `name` in `--mixer`'s sense, if any.
std::optional<RegisteredOperationName> lookupMixer(MLIRContext *context,
                                                   StringRef name);
} // namespace mlir::tmix

#endif // TMIX_IR_TMIXDIALECT_H
