//===- Passes.h - tmix passes for NVIDIA GPUs -------------------*- C++ -*-===//
//
// Passes that only the CUDA pipeline runs: tensor-core kernels for
// attention and matmuls, SIMT kernels for the rest, device memory and PTX
// math. The GPU dialect headers are included by these passes' sources only.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_TARGET_CUDA_PASSES_H
#define TMIX_TARGET_CUDA_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::tmix::cuda {

#define GEN_PASS_DECL
#include "tmix/Target/CUDA/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tmix/Target/CUDA/Passes.h.inc"

} // namespace mlir::tmix::cuda

#endif // TMIX_TARGET_CUDA_PASSES_H
