/*===- TMix.h - C API of the tmix dialect and passes -------------*- C -*-===*/

#ifndef TMIX_C_TMIX_H
#define TMIX_C_TMIX_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(TMix, tmix);

/// Registers the tmix passes and pipelines with the global pass registry.
MLIR_CAPI_EXPORTED void tmixRegisterPasses(void);

/// Adds the tmix dialect and the upstream dialects its pipelines use.
MLIR_CAPI_EXPORTED void tmixRegisterAllDialects(MlirDialectRegistry registry);

#ifdef __cplusplus
}
#endif

#endif /* TMIX_C_TMIX_H */
