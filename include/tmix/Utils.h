//===- Utils.h - small helpers shared by tmix passes ------------*- C++ -*-===//

#ifndef TMIX_UTILS_H
#define TMIX_UTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>

namespace mlir::tmix {

/// The elements of `v` if it is a constant, reading dense_resource blobs
/// (large initializers) when they hold at most `maxElements`; null
/// otherwise.
DenseElementsAttr getConstantElements(Value v, int64_t maxElements);

/// The bytes of a constant's elements as a buffer holds them (dense data or
/// a resource blob), or nothing for splats, sub-byte elements and blobs
/// that are gone or of the wrong size.
std::optional<ArrayRef<char>> getRawConstantBytes(Attribute value);

/// Every ONNX node name in `loc` (fused operations carry several), in
/// order, without repeats.
SmallVector<std::string> getNodeNames(Location loc);

} // namespace mlir::tmix

#endif // TMIX_UTILS_H
