// convert-onnx-to-tmix: unsigned integer types and the quantization ops
// (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
// QLinearMatMul). Unsigned tensors keep their type; bodies compute on
// signless scalars between tensor.bitcasts.
// RUN: tmix-opt %s --convert-onnx-to-tmix --split-input-file | FileCheck %s

// round(x / scale) + zero point, saturated to [0, 255], to uint8.
// CHECK-LABEL: func.func @quantize_per_tensor(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3xf32>) -> tensor<2x3xui8>
// CHECK:       %[[Q:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<f32>, tensor<i8>) outs(%{{.*}} : tensor<2x3xi8>)
// CHECK:         arith.divf
// CHECK-NEXT:    math.roundeven
// CHECK-NEXT:    arith.uitofp
// CHECK-NEXT:    arith.addf
// CHECK:         arith.maximumf
// CHECK:         arith.minimumf
// CHECK-NEXT:    arith.fptoui %{{.*}} : f32 to i8
// CHECK:       %[[U:.*]] = tensor.bitcast %[[Q]] : tensor<2x3xi8> to tensor<2x3xui8>
// CHECK:       return %[[U]]
func.func @quantize_per_tensor(%x: tensor<2x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %s = arith.constant dense<0.5> : tensor<f32>
  %z = arith.constant dense<128> : tensor<ui8>
  %0 = onnx.node "QuantizeLinear"(%x, %s, %z) {name = "q"} : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Per-axis parameters are indexed by the axis: (x - zp[j]) * scale[j],
// the int8 zero point read signed.
// CHECK: #[[AXIS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @dequantize_per_axis(
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[AXIS]], #[[AXIS]], #{{.*}}]
// CHECK:         arith.sitofp
// CHECK:         arith.sitofp
// CHECK-NEXT:    arith.subf
// CHECK-NEXT:    arith.mulf
func.func @dequantize_per_axis(%x: tensor<2x3xi8>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %s = arith.constant dense<[0.5, 0.25, 2.0]> : tensor<3xf32>
  %z = arith.constant dense<[1, -2, 3]> : tensor<3xi8>
  %0 = onnx.node "DequantizeLinear"(%x, %s, %z) {name = "dq", attrs = {axis = 1 : i64}} : (tensor<2x3xi8>, tensor<3xf32>, tensor<3xi8>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Blocked (opset 21): the scale of element (i, j) is scale[i, j / 2].
// CHECK: #[[BLOCK:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 2)>
// CHECK-LABEL: func.func @dequantize_blocked(
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[BLOCK]], #{{.*}}]
func.func @dequantize_blocked(%x: tensor<2x4xui8>, %s: tensor<2x2xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 21 : i64}} {
  %0 = onnx.node "DequantizeLinear"(%x, %s) {name = "dq", attrs = {axis = 1 : i64, block_size = 2 : i64}} : (tensor<2x4xui8>, tensor<2x2xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// A 2-D product becomes one contraction over the 8-bit operands with the
// zero points subtracted in its body: uint8 zero-extended, int8
// sign-extended.
// CHECK-LABEL: func.func @matmul_integer(
// CHECK-SAME:    %[[A:.*]]: tensor<4x8xui8>, %[[B:.*]]: tensor<8x5xi8>, %[[ZA:.*]]: tensor<ui8>) -> tensor<4x5xi32>
// CHECK:       %[[A8:.*]] = tensor.bitcast %[[A]] : tensor<4x8xui8> to tensor<4x8xi8>
// CHECK:       %[[ZA8:.*]] = tensor.bitcast %[[ZA]] : tensor<ui8> to tensor<i8>
// CHECK:       %[[C:.*]] = linalg.fill
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A8]], %[[B]], %[[ZA8]] : tensor<4x8xi8>, tensor<8x5xi8>, tensor<i8>) outs(%[[C]] : tensor<4x5xi32>)
// CHECK-NEXT:  ^bb0(%[[X:.*]]: i8, %[[Y:.*]]: i8, %[[Z:.*]]: i8, %[[ACC:.*]]: i32):
// CHECK-NEXT:    %[[XE:.*]] = arith.extui %[[X]] : i8 to i32
// CHECK-NEXT:    %[[YE:.*]] = arith.extsi %[[Y]] : i8 to i32
// CHECK-NEXT:    %[[ZE:.*]] = arith.extui %[[Z]] : i8 to i32
// CHECK-NEXT:    %[[XS:.*]] = arith.subi %[[XE]], %[[ZE]] : i32
// CHECK-NEXT:    %[[P:.*]] = arith.muli %[[XS]], %[[YE]] : i32
// CHECK-NEXT:    %[[S:.*]] = arith.addi %[[ACC]], %[[P]] : i32
// CHECK-NEXT:    linalg.yield %[[S]] : i32
func.func @matmul_integer(%a: tensor<4x8xui8>, %b: tensor<8x5xi8>, %za: tensor<ui8>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %0 = onnx.node "MatMulInteger"(%a, %b, %za) {name = "mmi"} : (tensor<4x8xui8>, tensor<8x5xi8>, tensor<ui8>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Batched operands widen to i32 first and take the numpy matmul.
// CHECK-LABEL: func.func @matmul_integer_batched(
// CHECK:       linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x4x8xi32>, tensor<2x8x5xi32>)
func.func @matmul_integer_batched(%a: tensor<2x4x8xi8>, %b: tensor<2x8x5xi8>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %0 = onnx.node "MatMulInteger"(%a, %b) {name = "mmi"} : (tensor<2x4x8xi8>, tensor<2x8x5xi8>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// QLinearMatMul requantizes in f64, as the reference's numpy does.
// CHECK-LABEL: func.func @qlinear_matmul(
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:       linalg.generic
// CHECK:         arith.sitofp %{{.*}} : i32 to f64
// CHECK:         math.roundeven %{{.*}} : f64
// CHECK:         arith.fptoui %{{.*}} : f64 to i8
// CHECK:       tensor.bitcast %{{.*}} : tensor<2x3xi8> to tensor<2x3xui8>
func.func @qlinear_matmul(%a: tensor<2x4xui8>, %b: tensor<4x3xui8>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 10 : i64}} {
  %sa = arith.constant dense<0.1> : tensor<f32>
  %za = arith.constant dense<10> : tensor<ui8>
  %sb = arith.constant dense<0.2> : tensor<f32>
  %zb = arith.constant dense<20> : tensor<ui8>
  %sy = arith.constant dense<0.3> : tensor<f32>
  %zy = arith.constant dense<30> : tensor<ui8>
  %0 = onnx.node "QLinearMatMul"(%a, %sa, %za, %b, %sb, %zb, %sy, %zy) {name = "qmm"} : (tensor<2x4xui8>, tensor<f32>, tensor<ui8>, tensor<4x3xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// DynamicQuantizeLinear: min(0, x) and max(0, x) reductions, then scale,
// zero point and the quantized tensor.
// CHECK-LABEL: func.func @dynamic_quantize(
// CHECK-SAME:    -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>)
// CHECK:       arith.maximumf
// CHECK:       arith.minimumf
// CHECK:       arith.fptoui
func.func @dynamic_quantize(%x: tensor<2x3xf32>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 11 : i64}} {
  %0:3 = onnx.node "DynamicQuantizeLinear"(%x) {name = "dql"} : (tensor<2x3xf32>) -> (!onnx.value, !onnx.value, !onnx.value)
  return %0#0, %0#1, %0#2 : !onnx.value, !onnx.value, !onnx.value
}

// -----

// Unsigned element-wise ops take the unsigned forms.
// CHECK-LABEL: func.func @unsigned_ops(
// CHECK:         arith.cmpi ult
// CHECK:         arith.divui
// CHECK:         arith.maxui
// CHECK:         arith.uitofp
func.func @unsigned_ops(%x: tensor<4xui16>, %y: tensor<4xui16>) -> (!onnx.value, !onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %0 = onnx.node "Less"(%x, %y) {name = "lt"} : (tensor<4xui16>, tensor<4xui16>) -> !onnx.value
  %1 = onnx.node "Div"(%x, %y) {name = "div"} : (tensor<4xui16>, tensor<4xui16>) -> !onnx.value
  %2 = onnx.node "Max"(%x, %y) {name = "max"} : (tensor<4xui16>, tensor<4xui16>) -> !onnx.value
  %3 = onnx.node "Cast"(%x) {name = "cast", attrs = {to = 1 : i64}} : (tensor<4xui16>) -> !onnx.value
  return %0, %1, %2, %3 : !onnx.value, !onnx.value, !onnx.value, !onnx.value
}

// -----

// com.microsoft DynamicQuantizeMatMul: A quantized per tensor (min/max),
// the int8 contraction with B, then a_scale * b_scale per column.
// CHECK-LABEL: func.func @dynamic_quantize_matmul(
// CHECK:       linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<4x3xi32>)
// CHECK:         arith.muli
// CHECK:       linalg.generic
// CHECK:         arith.sitofp %{{.*}} : i32 to f32
// CHECK:         arith.mulf
// CHECK:       return {{.*}} : tensor<4x3xf32>
func.func @dynamic_quantize_matmul(%a: tensor<4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64, "com.microsoft" = 1 : i64}} {
  %b = arith.constant dense<3> : tensor<8x3xi8>
  %s = arith.constant dense<[0.5, 0.25, 0.125]> : tensor<3xf32>
  %0 = onnx.node "DynamicQuantizeMatMul"(%a, %b, %s) {domain = "com.microsoft", name = "dqmm"} : (tensor<4x8xf32>, tensor<8x3xi8>, tensor<3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// com.microsoft MatMulNBits: 4-bit weights in blocks of 16 along K,
// dequantized to [K, N] (the low nibble first; zero point 8 by default),
// then an f32 matmul.
// CHECK-LABEL: func.func @matmul_nbits(
// CHECK:       linalg.generic {{.*}} outs(%{{.*}} : tensor<32x2xf32>)
// CHECK:         arith.shrui
// CHECK:         arith.andi
// CHECK:         arith.subf
// CHECK:         arith.mulf
// CHECK:       linalg.matmul
func.func @matmul_nbits(%a: tensor<3x32xf32>, %b: tensor<2x2x8xui8>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64, "com.microsoft" = 1 : i64}} {
  %s = arith.constant dense<0.5> : tensor<4xf32>
  %0 = onnx.node "MatMulNBits"(%a, %b, %s) {domain = "com.microsoft", name = "mmnb", attrs = {K = 32 : i64, N = 2 : i64, bits = 4 : i64, block_size = 16 : i64}} : (tensor<3x32xf32>, tensor<2x2x8xui8>, tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}
