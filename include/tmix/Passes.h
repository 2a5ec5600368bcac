//===- Passes.h - tmix passes and pattern entry points ----------*- C++ -*-===//

#ifndef TMIX_PASSES_H
#define TMIX_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "tmix/IR/TMixDialect.h"
#include "llvm/ADT/StringSet.h"

namespace mlir {
class RewritePatternSet;
namespace tmix {

#define GEN_PASS_DECL
#include "tmix/Passes.h.inc"

/// Adds the patterns that rewrite tmix ops into their reference
/// linalg-on-tensors form. When `opNames` is non-empty, only ops whose
/// mnemonic (e.g. "attention") it contains are rewritten.
void populateTMixDecomposePatterns(RewritePatternSet &patterns,
                                   const llvm::StringSet<> &opNames = {});

/// Adds the pattern that raises decomposed softmax attention (anchored on
/// linalg.softmax) to tmix.attention.
void populateTMixFuseAttentionPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "tmix/Passes.h.inc"

} // namespace tmix
} // namespace mlir

#endif // TMIX_PASSES_H
