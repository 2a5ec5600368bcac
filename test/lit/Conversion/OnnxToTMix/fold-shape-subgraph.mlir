// The exporters' dynamic-reshape idiom
//   Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0), [0]), [-1]))
// folds completely at conversion time: no onnx op and no shape arithmetic
// survives, and the real tensor sees one collapse_shape. The pass leaves
// the folded constants dead; canonicalize removes them, leaving the
// reshape alone.
// RUN: tmix-opt %s --convert-onnx-to-tmix | FileCheck %s
// RUN: tmix-opt %s --convert-onnx-to-tmix --canonicalize | FileCheck %s --check-prefix=CANON

// CHECK-LABEL: func.func @shape_subgraph(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3x4xf32>) -> tensor<2x12xf32>
// CHECK-NOT:   onnx.
// CHECK-NOT:   linalg.
// CHECK-NOT:   tensor.extract
// CHECK:       %[[R:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
// CHECK-NEXT:  return %[[R]] : tensor<2x12xf32>

// CANON-LABEL: func.func @shape_subgraph(
// CANON-SAME:    %[[X:.*]]: tensor<2x3x4xf32>) -> tensor<2x12xf32>
// CANON-NEXT:  %[[R:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
// CANON-NEXT:  return %[[R]] : tensor<2x12xf32>
func.func @shape_subgraph(%x: tensor<2x3x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %shape = onnx.node "Shape"(%x) {name = "shape"} : (tensor<2x3x4xf32>) -> !onnx.value
  %i0 = arith.constant dense<0> : tensor<i64>
  %b = onnx.node "Gather"(%shape, %i0) {attrs = {axis = 0 : i64}, name = "gather"} : (!onnx.value, tensor<i64>) -> !onnx.value
  %ax = arith.constant dense<[0]> : tensor<1xi64>
  %bu = onnx.node "Unsqueeze"(%b, %ax) {name = "unsqueeze"} : (!onnx.value, tensor<1xi64>) -> !onnx.value
  %m1 = arith.constant dense<[-1]> : tensor<1xi64>
  %target = onnx.node "Concat"(%bu, %m1) {attrs = {axis = 0 : i64}, name = "concat"} : (!onnx.value, tensor<1xi64>) -> !onnx.value
  %y = onnx.node "Reshape"(%x, %target) {name = "reshape"} : (tensor<2x3x4xf32>, !onnx.value) -> !onnx.value
  return %y : !onnx.value
}
