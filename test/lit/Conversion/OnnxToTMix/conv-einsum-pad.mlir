// convert-onnx-to-tmix: Conv as one generic over a tensor.pad'ed input,
// Einsum as a batched matmul where it is one, otherwise one generic with the
// missing letters reduced; Pad as a gather.
// RUN: tmix-opt %s --convert-onnx-to-tmix --split-input-file --mlir-print-local-scope | FileCheck %s

// 2-D conv, stride 2, pads 1, bias: padded input, strided window map, and
// the bias broadcast over channels.
// CHECK-LABEL: func.func @conv2d(
// CHECK:       tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 * 2 + d5, d3 * 2 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK:       return %{{.*}} : tensor<1x4x4x4xf32>
func.func @conv2d(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Conv"(%x, %w, %b) {attrs = {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}, name = "conv"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Grouped 1-D conv with SAME_UPPER padding and dilation: the input channel
// is g(m) * C/G + c, with g(m) = m floordiv (M/G).
// CHECK-LABEL: func.func @conv1d_grouped(
// CHECK:       tensor.pad %{{.*}} low[0, 0, 2] high[0, 0, 2]
// CHECK:       affine_map<(d0, d1, d2, d3, d4) -> (d0, (d1 floordiv 2) * 2 + d3, d2 + d4 * 2)>
// CHECK:       return %{{.*}} : tensor<2x4x10xf32>
func.func @conv1d_grouped(%x: tensor<2x4x10xf32>, %w: tensor<4x2x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Conv"(%x, %w) {attrs = {auto_pad = "SAME_UPPER", dilations = array<i64: 2>, group = 2 : i64}, name = "dw"} : (tensor<2x4x10xf32>, tensor<4x2x3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Attention-style einsum: a batched matmul against K read through its
// transpose, as MatMul(Q, Transpose(K)) would give.
// CHECK-LABEL: func.func @einsum_qk(
// CHECK-SAME:  -> tensor<1x2x5x7xf32>
// CHECK:       %[[KT:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x2x7x8xf32>) outs(%{{.*}} : tensor<1x2x8x7xf32>) permutation = [0, 1, 3, 2]
// CHECK:       %[[KC:.*]] = tensor.collapse_shape %[[KT]] {{\[}}[0, 1], [2], [3]]
// CHECK:       linalg.batch_matmul ins(%{{.*}}, %[[KC]] : tensor<2x5x8xf32>, tensor<2x8x7xf32>)
// CHECK-NOT:   linalg.generic
func.func @einsum_qk(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x7x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Einsum"(%q, %k) {attrs = {equation = "bhid,bhjd->bhij"}, name = "qk"} : (tensor<1x2x5x8xf32>, tensor<1x2x7x8xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// A matmul whose output letters are permuted: the product is transposed
// into the output order.
// CHECK-LABEL: func.func @einsum_permuted_out(
// CHECK:       linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x3x4xf32>, tensor<2x4x5xf32>)
// CHECK:       linalg.transpose ins(%{{.*}} : tensor<2x3x5xf32>) outs(%{{.*}} : tensor<5x2x3xf32>) permutation = [2, 0, 1]
func.func @einsum_permuted_out(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Einsum"(%a, %b) {attrs = {equation = "bik,bkj->jbi"}, name = "mm"} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Implicit output: the letters used once, alphabetically ("ij,jk" -> "ik").
// CHECK-LABEL: func.func @einsum_implicit(
// CHECK-SAME:  -> tensor<2x4xf32>
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3x4xf32>)
func.func @einsum_implicit(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Einsum"(%a, %b) {attrs = {equation = "ij,jk"}, name = "mm"} : (tensor<2x3xf32>, tensor<3x4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Not a matrix product (no row or column letter): one generic reducing j.
// CHECK-LABEL: func.func @einsum_rowdot(
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
func.func @einsum_rowdot(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Einsum"(%a, %b) {attrs = {equation = "ij,ij->i"}, name = "dot"} : (tensor<2x3xf32>, tensor<2x3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Wrap padding reads indices modulo the size; the output grows by the pads.
// CHECK-LABEL: func.func @pad_wrap(
// CHECK-SAME:  -> tensor<3x7xf32>
// CHECK:       linalg.generic
// CHECK:       arith.remsi %{{.*}}, %c3
// CHECK:       arith.remsi %{{.*}}, %c4
// CHECK:       tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<3x4xf32>
func.func @pad_wrap(%x: tensor<3x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %p = arith.constant dense<[0, 1, 0, 2]> : tensor<4xi64>
  %0 = onnx.node "Pad"(%x, %p) {attrs = {mode = "wrap"}, name = "pad"} : (tensor<3x4xf32>, tensor<4xi64>) -> !onnx.value
  return %0 : !onnx.value
}
