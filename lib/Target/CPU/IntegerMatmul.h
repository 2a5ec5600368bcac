//===- IntegerMatmul.h - the int8 product the CPU calls a kernel for -*- C++
//-*-===//
//
// The conversion of MatMulInteger, QLinearMatMul and the quantized paths
// builds one contraction generic over (m, n, k) whose body is
//   acc + (ext(a) [- za]) * (ext(b) [- zb])
// with i8 a[m, k] and b[k, n] (sign- or zero-extended), zero points per
// tensor or per row (a) / column (b) given as operands or folded into the
// body as constants, and an i32 acc[m, n]. tmix-matmul-to-blas turns it
// into a library call; tmix-parallelize-generics leaves it whole for that.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_LIB_TARGET_CPU_INTEGERMATMUL_H
#define TMIX_LIB_TARGET_CPU_INTEGERMATMUL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir::tmix::cpu {

struct IntegerMatmul {
  Value a, b;
  /// Zero points: an operand (rank 0, or 1-D per row/column), or a constant
  /// folded into the body, or neither (zero).
  Value azp, bzp;
  std::optional<int64_t> azpConstant, bzpConstant;
  bool aUnsigned = false, bUnsigned = false;
};

/// The operands of `op` if it is that product, on tensors or on buffers.
std::optional<IntegerMatmul> matchIntegerMatmul(linalg::GenericOp op);

} // namespace mlir::tmix::cpu

#endif // TMIX_LIB_TARGET_CPU_INTEGERMATMUL_H
