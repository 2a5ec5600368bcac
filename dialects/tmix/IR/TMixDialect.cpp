//===- TMixDialect.cpp - tmix dialect registration -------------*- C++ -*-===//

#include "tmix/IR/TMixDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tmix;

#include "tmix/IR/TMixOpsDialect.cpp.inc"

#include "tmix/IR/TMixOpsEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "tmix/IR/TMixOpsAttributes.cpp.inc"

void TMixDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "tmix/IR/TMixOpsAttributes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "tmix/IR/TMixOps.cpp.inc"
      >();
}
