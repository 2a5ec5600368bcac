//===- Passes.h - tmix passes for x86 CPUs ----------------------*- C++ -*-===//
//
// Passes that only the CPU pipeline runs: BLAS calls for matmuls on
// buffers and the OpenMP plumbing of parallel loops.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_TARGET_CPU_PASSES_H
#define TMIX_TARGET_CPU_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::tmix::cpu {

#define GEN_PASS_DECL
#include "tmix/Target/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tmix/Target/CPU/Passes.h.inc"

} // namespace mlir::tmix::cpu

#endif // TMIX_TARGET_CPU_PASSES_H
