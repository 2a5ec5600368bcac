// tmix-quantize on Q/DQ models: MatMul of DequantizeLinear(activation) by
// DequantizeLinear(weight), as convert-onnx-to-tmix builds them, becomes
// the integer product of the 8-bit tensors with their zero points and one
// dequantization (a_scale * b_scale[j]); the weights stay int8.
// Weights this small would fold to f32 constants: fold-limit keeps them.
// RUN: tmix-opt %s --convert-onnx-to-tmix="fold-limit=4" --tmix-quantize="quantize-weights=false" --canonicalize --split-input-file | FileCheck %s

// uint8 activations per tensor (flattened from [1, 4, 8]), int8 weights
// per column with zero points of zero.
// CHECK-LABEL: func.func @qdq_matmul(
// CHECK-SAME:    %[[X:.*]]: tensor<1x4x8xui8>)
// CHECK-DAG:   %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<8x3xi8>
// CHECK-DAG:   %[[WS:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01, 1.250000e-01]> : tensor<3xf32>
// CHECK:       %[[X8:.*]] = tensor.bitcast %[[X]] : tensor<1x4x8xui8> to tensor<1x4x8xi8>
// CHECK:       %[[A:.*]] = tensor.collapse_shape %[[X8]] {{\[}}[0, 1], [2]] : tensor<1x4x8xi8> into tensor<4x8xi8>
// CHECK:       %[[ACC:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A]], %[[W]], %{{.*}}, %{{.*}} : tensor<4x8xi8>, tensor<8x3xi8>, tensor<i8>, tensor<3xi8>) outs(%{{.*}} : tensor<4x3xi32>)
// CHECK:         arith.extui
// CHECK:         arith.extsi
// CHECK:         arith.extui
// CHECK:         arith.subi
// CHECK-NOT:   linalg.matmul
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[WS]] : tensor<1x4x3xi32>, tensor<f32>, tensor<3xf32>)
// CHECK:         arith.sitofp
func.func @qdq_matmul(%x: tensor<1x4x8xui8>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %sx = arith.constant dense<0.1> : tensor<f32>
  %zx = arith.constant dense<128> : tensor<ui8>
  %w = arith.constant dense<[[1, -2, 3], [4, 5, -6], [7, 8, 9], [-10, 11, 12], [13, -14, 15], [16, 17, 18], [-19, 20, 21], [22, 23, -24]]> : tensor<8x3xi8>
  %sw = arith.constant dense<[0.5, 0.25, 0.125]> : tensor<3xf32>
  %zw = arith.constant dense<0> : tensor<3xi8>
  %a = onnx.node "DequantizeLinear"(%x, %sx, %zx) {name = "dq_x"} : (tensor<1x4x8xui8>, tensor<f32>, tensor<ui8>) -> !onnx.value
  %b = onnx.node "DequantizeLinear"(%w, %sw, %zw) {name = "dq_w", attrs = {axis = 1 : i64}} : (tensor<8x3xi8>, tensor<3xf32>, tensor<3xi8>) -> !onnx.value
  %y = onnx.node "MatMul"(%a, %b) {name = "mm"} : (!onnx.value, !onnx.value) -> !onnx.value
  return %y : !onnx.value
}

// -----

// Weights dequantized per row of B (axis 0) are not per column: the f32
// product stays.
// CHECK-LABEL: func.func @per_row_weights(
// CHECK:       linalg.matmul
func.func @per_row_weights(%x: tensor<4x2xi8>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %sx = arith.constant dense<0.1> : tensor<f32>
  %w = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %sw = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %a = onnx.node "DequantizeLinear"(%x, %sx) {name = "dq_x"} : (tensor<4x2xi8>, tensor<f32>) -> !onnx.value
  %b = onnx.node "DequantizeLinear"(%w, %sw) {name = "dq_w", attrs = {axis = 0 : i64}} : (tensor<2x2xi8>, tensor<2xf32>) -> !onnx.value
  %y = onnx.node "MatMul"(%a, %b) {name = "mm"} : (!onnx.value, !onnx.value) -> !onnx.value
  return %y : !onnx.value
}
