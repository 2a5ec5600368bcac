//===- TMix.cpp - C API of the tmix dialect and passes ---------*- C++ -*-===//

#include "tmix-c/TMix.h"
#include "tmix/IR/TMixDialect.h"
#include "tmix/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(TMix, tmix, mlir::tmix::TMixDialect)

void tmixRegisterPasses(void) { mlir::tmix::registerAllTMixPasses(); }

void tmixRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::tmix::registerAllTMixDialects(*unwrap(registry));
}
