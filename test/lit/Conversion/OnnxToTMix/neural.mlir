// convert-onnx-to-tmix, neural rules: matmuls become linalg.matmul /
// linalg.batch_matmul on collapsed operands (f16 accumulates in f32),
// softmax becomes linalg.softmax, norms and reductions are generics.
// RUN: tmix-opt %s --convert-onnx-to-tmix --split-input-file --mlir-print-local-scope | FileCheck %s

// CHECK-LABEL: func.func @matmul_2d(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK:       %[[E:.*]] = tensor.empty() : tensor<2x4xf32>
// CHECK:       %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:       %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<2x4xf32>)
// CHECK:       %[[M:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3x4xf32>) outs(%[[F]] : tensor<2x4xf32>)
// CHECK:       return %[[M]] : tensor<2x4xf32>
func.func @matmul_2d(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "MatMul"(%a, %b) {name = "mm"} : (tensor<2x3xf32>, tensor<3x4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// 4-D x 4-D: the batch dims collapse into one, batch_matmul, expand back.
// CHECK-LABEL: func.func @matmul_4d(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3x4x5xf32>, %[[B:.*]]: tensor<2x3x5x6xf32>) -> tensor<2x3x4x6xf32>
// CHECK:       %[[A3:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2], [3]] : tensor<2x3x4x5xf32> into tensor<6x4x5xf32>
// CHECK:       %[[B3:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1], [2], [3]] : tensor<2x3x5x6xf32> into tensor<6x5x6xf32>
// CHECK:       %[[M:.*]] = linalg.batch_matmul ins(%[[A3]], %[[B3]] : tensor<6x4x5xf32>, tensor<6x5x6xf32>) outs(%{{.*}} : tensor<6x4x6xf32>)
// CHECK:       %[[R:.*]] = tensor.expand_shape %[[M]] {{\[}}[0, 1], [2], [3]] output_shape [2, 3, 4, 6] : tensor<6x4x6xf32> into tensor<2x3x4x6xf32>
// CHECK:       return %[[R]]
func.func @matmul_4d(%a: tensor<2x3x4x5xf32>, %b: tensor<2x3x5x6xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "MatMul"(%a, %b) {name = "bmm"} : (tensor<2x3x4x5xf32>, tensor<2x3x5x6xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// [B, L, K] x [K, N] (a projection weight): one 2-D matmul over B*L rows.
// CHECK-LABEL: func.func @matmul_3d_weight(
// CHECK-SAME:    %[[A:.*]]: tensor<2x4x5xf32>) -> tensor<2x4x6xf32>
// CHECK:       %[[W:.*]] = arith.constant dense<1.000000e+00> : tensor<5x6xf32>
// CHECK:       %[[A2:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2]] : tensor<2x4x5xf32> into tensor<8x5xf32>
// CHECK:       %[[M:.*]] = linalg.matmul ins(%[[A2]], %[[W]] : tensor<8x5xf32>, tensor<5x6xf32>) outs(%{{.*}} : tensor<8x6xf32>)
// CHECK:       %[[R:.*]] = tensor.expand_shape %[[M]] {{\[}}[0, 1], [2]] output_shape [2, 4, 6] : tensor<8x6xf32> into tensor<2x4x6xf32>
// CHECK:       return %[[R]]
// CHECK-NOT:   linalg.batch_matmul
func.func @matmul_3d_weight(%a: tensor<2x4x5xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %w = arith.constant dense<1.0> : tensor<5x6xf32>
  %0 = onnx.node "MatMul"(%a, %w) {name = "proj"} : (tensor<2x4x5xf32>, tensor<5x6xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// f16 products accumulate in f32 and are truncated afterwards.
// CHECK-LABEL: func.func @matmul_f16(
// CHECK-SAME:    -> tensor<2x4xf16>
// CHECK:       %[[M:.*]] = linalg.matmul ins(%arg0, %arg1 : tensor<2x3xf16>, tensor<3x4xf16>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK:       linalg.generic
// CHECK-SAME:    ins(%[[M]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xf16>)
// CHECK:       arith.truncf %{{.*}} : f32 to f16
func.func @matmul_f16(%a: tensor<2x3xf16>, %b: tensor<3x4xf16>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "MatMul"(%a, %b) {name = "mm"} : (tensor<2x3xf16>, tensor<3x4xf16>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Gemm: transB transposes B; alpha * AB + beta * C (C broadcast) is one
// generic after the matmul. Without C and with alpha = 1 the matmul is
// the result.
// CHECK-LABEL: func.func @gemm(
// CHECK-SAME:    %[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<4x3xf32>, %[[C:.*]]: tensor<4xf32>)
// CHECK:       %[[BT:.*]] = linalg.transpose ins(%[[B]] : tensor<4x3xf32>) outs(%{{.*}} : tensor<3x4xf32>) permutation = [1, 0]
// CHECK:       %[[AB:.*]] = linalg.matmul ins(%[[A]], %[[BT]] : tensor<2x3xf32>, tensor<3x4xf32>)
// CHECK:       %[[Y:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK-SAME:    ins(%[[AB]], %[[C]] : tensor<2x4xf32>, tensor<4xf32>)
// CHECK:       ^bb0(%[[P:.*]]: f32, %[[Q:.*]]: f32, %{{.*}}: f32):
// CHECK:       %[[ALPHA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK:       %[[PA:.*]] = arith.mulf %[[P]], %[[ALPHA]]
// CHECK:       %[[BETA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:       %[[QB:.*]] = arith.mulf %[[Q]], %[[BETA]]
// CHECK:       arith.addf %[[PA]], %[[QB]]
// CHECK:       linalg.transpose
// CHECK:       %[[PLAIN:.*]] = linalg.matmul
// CHECK-NEXT:  return %[[Y]], %[[PLAIN]]
func.func @gemm(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>, %c: tensor<4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Gemm"(%a, %b, %c) {attrs = {transB = 1 : i64, alpha = 2.0 : f32, beta = 5.000000e-01 : f32}, name = "gemm"} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> !onnx.value
  %1 = onnx.node "Gemm"(%a, %b) {attrs = {transB = 1 : i64}, name = "gemm_plain"} : (tensor<2x3xf32>, tensor<4x3xf32>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// Softmax (opset 13): one axis, default -1.
// CHECK-LABEL: func.func @softmax(
// CHECK:       linalg.softmax dimension(2) ins(%arg0 : tensor<2x3x4xf32>)
// CHECK:       linalg.softmax dimension(1) ins(%arg0 : tensor<2x3x4xf32>)
func.func @softmax(%x: tensor<2x3x4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %0 = onnx.node "Softmax"(%x) {name = "sm"} : (tensor<2x3x4xf32>) -> !onnx.value
  %1 = onnx.node "Softmax"(%x) {attrs = {axis = 1 : i64}, name = "sm1"} : (tensor<2x3x4xf32>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// Softmax before opset 13 (default axis 1) normalises over the coerced 2-D
// [d0, d1*d2] form.
// CHECK-LABEL: func.func @softmax_opset11(
// CHECK:       %[[C:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
// CHECK:       %[[S:.*]] = linalg.softmax dimension(1) ins(%[[C]] : tensor<2x12xf32>)
// CHECK:       %[[R:.*]] = tensor.expand_shape %[[S]] {{\[}}[0], [1, 2]] output_shape [2, 3, 4] : tensor<2x12xf32> into tensor<2x3x4xf32>
// CHECK:       return %[[R]]
func.func @softmax_opset11(%x: tensor<2x3x4xf32>) -> (!onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 11 : i64}} {
  %0 = onnx.node "Softmax"(%x) {name = "sm"} : (tensor<2x3x4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// CHECK-LABEL: func.func @log_softmax(
// CHECK:       %[[S:.*]] = linalg.softmax dimension(1) ins(%arg0 : tensor<2x4xf32>)
// CHECK:       linalg.generic
// CHECK-SAME:    ins(%[[S]] : tensor<2x4xf32>)
// CHECK:       math.log
func.func @log_softmax(%x: tensor<2x4xf32>) -> (!onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "LogSoftmax"(%x) {name = "lsm"} : (tensor<2x4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// LayerNormalization: row sum -> mean, sum of squared deviations, then
// (x - mean) * rsqrt(var + eps) * scale + bias.
// CHECK-LABEL: func.func @layer_norm(
// CHECK-SAME:    %[[X:.*]]: tensor<2x8xf32>, %[[S:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>) -> tensor<2x8xf32>
// CHECK:       %[[SUM:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME:    ins(%[[X]] : tensor<2x8xf32>)
// CHECK:       %[[MEAN:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[SUM]] : tensor<2x1xf32>)
// CHECK:       arith.constant 8.000000e+00 : f32
// CHECK:       %[[SQ:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[X]], %[[MEAN]] : tensor<2x8xf32>, tensor<2x1xf32>)
// CHECK:       arith.subf
// CHECK:       arith.mulf
// CHECK:       %[[SSQ:.*]] = linalg.generic
// CHECK-SAME:    iterator_types = ["parallel", "reduction"]
// CHECK-SAME:    ins(%[[SQ]] : tensor<2x8xf32>)
// CHECK:       %[[Y:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[X]], %[[SSQ]], %[[MEAN]], %[[S]], %[[B]] : tensor<2x8xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<8xf32>, tensor<8xf32>)
// CHECK:       arith.constant 1.000000e-03 : f32
// CHECK:       math.rsqrt
// CHECK:       return %[[Y]] : tensor<2x8xf32>
func.func @layer_norm(%x: tensor<2x8xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>) -> (!onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "LayerNormalization"(%x, %s, %b) {attrs = {epsilon = 1.0e-3 : f32}, name = "ln"} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// The optional Mean and InvStdDev outputs (f32, reduced dims kept as 1):
// the mean generic itself and rsqrt(sum_sq / n + eps) from the same sums.
// CHECK-LABEL: func.func @layer_norm_stats(
// CHECK-SAME:    -> (tensor<2x8xf16>, tensor<2x1xf32>, tensor<2x1xf32>)
// CHECK:       %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:       %[[MEAN:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[SUM]] : tensor<2x1xf32>) outs(%{{.*}} : tensor<2x1xf32>)
// CHECK:       arith.divf
// CHECK:       %[[SSQ:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:       %[[Y:.*]] = linalg.generic
// CHECK-SAME:    outs(%{{.*}} : tensor<2x8xf16>)
// CHECK:       %[[INV:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[SSQ]] : tensor<2x1xf32>)
// CHECK:       math.rsqrt
// CHECK:       return %[[Y]], %[[MEAN]], %[[INV]] : tensor<2x8xf16>, tensor<2x1xf32>, tensor<2x1xf32>
func.func @layer_norm_stats(%x: tensor<2x8xf16>, %s: tensor<8xf16>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0:3 = onnx.node "LayerNormalization"(%x, %s) {name = "ln"} : (tensor<2x8xf16>, tensor<8xf16>) -> (!onnx.value, !onnx.value, !onnx.value)
  return %0#0, %0#1, %0#2 : !onnx.value, !onnx.value, !onnx.value
}

// -----

// RMSNormalization (opset 23) on f16: squares accumulate in f32, no mean,
// default epsilon 1e-5, the result truncated back to f16.
// CHECK-LABEL: func.func @rms_norm(
// CHECK-SAME:    %[[X:.*]]: tensor<2x8xf16>, %[[S:.*]]: tensor<8xf16>) -> tensor<2x8xf16>
// CHECK:       %[[SQ:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[X]] : tensor<2x8xf16>) outs(%{{.*}} : tensor<2x8xf32>)
// CHECK:       arith.extf
// CHECK:       %[[SSQ:.*]] = linalg.generic
// CHECK-SAME:    iterator_types = ["parallel", "reduction"]
// CHECK-SAME:    ins(%[[SQ]] : tensor<2x8xf32>)
// CHECK:       %[[Y:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[X]], %[[SSQ]], %[[S]] : tensor<2x8xf16>, tensor<2x1xf32>, tensor<8xf16>)
// CHECK-NOT:   arith.subf
// CHECK:       arith.constant 9.99999974E-6 : f32
// CHECK:       math.rsqrt
// CHECK:       arith.truncf %{{.*}} : f32 to f16
// CHECK:       return %[[Y]] : tensor<2x8xf16>
func.func @rms_norm(%x: tensor<2x8xf16>, %s: tensor<8xf16>) -> (!onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %0 = onnx.node "RMSNormalization"(%x, %s) {name = "rms"} : (tensor<2x8xf16>, tensor<8xf16>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Opset 17: ReduceSum takes axes as an input (since 13), ReduceMean and
// ReduceMax as an attribute (until 18). keepdims = 0 drops the reduced
// dims; no axes reduces everything.
// CHECK-LABEL: func.func @reduce_opset17(
// CHECK-SAME:    -> (tensor<2x4xf32>, tensor<2x3x1xf32>, tensor<f32>)
// CHECK:       %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:       %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.*}} : tensor<2x1x4xf32>)
// CHECK:       %[[SUM:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, 0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME:    outs(%[[F]] : tensor<2x1x4xf32>)
// CHECK:       arith.addf
// CHECK:       %[[SUM2:.*]] = tensor.collapse_shape %[[SUM]] {{\[}}[0], [1, 2]] : tensor<2x1x4xf32> into tensor<2x4xf32>
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:       %[[MEAN:.*]] = linalg.generic
// CHECK:       arith.constant 4.000000e+00 : f32
// CHECK:       arith.divf
// CHECK:       %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:       linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<1x1x1xf32>)
// CHECK:       %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction", "reduction"]
// CHECK:       arith.maximumf
// CHECK:       %[[MAX0:.*]] = tensor.collapse_shape %[[MAX]] [] : tensor<1x1x1xf32> into tensor<f32>
// CHECK:       return %[[SUM2]], %[[MEAN]], %[[MAX0]]
func.func @reduce_opset17(%x: tensor<2x3x4xf32>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %axes = arith.constant dense<[1]> : tensor<1xi64>
  %0 = onnx.node "ReduceSum"(%x, %axes) {attrs = {keepdims = 0 : i64}, name = "sum"} : (tensor<2x3x4xf32>, tensor<1xi64>) -> !onnx.value
  %1 = onnx.node "ReduceMean"(%x) {attrs = {axes = array<i64: -1>}, name = "mean"} : (tensor<2x3x4xf32>) -> !onnx.value
  %2 = onnx.node "ReduceMax"(%x) {attrs = {keepdims = 0 : i64}, name = "max_all"} : (tensor<2x3x4xf32>) -> !onnx.value
  return %0, %1, %2 : !onnx.value, !onnx.value, !onnx.value
}

// -----

// Opset 18: ReduceMean and ReduceMax take axes as an input.
// CHECK-LABEL: func.func @reduce_opset18(
// CHECK-SAME:    -> (tensor<1x3x1xf32>, tensor<3xf32>)
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (0, d1, 0)>], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK:       %[[MEAN:.*]] = linalg.generic
// CHECK:       arith.constant 8.000000e+00 : f32
// CHECK:       %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]
// CHECK:       arith.maximumf
// CHECK:       %[[MAX1:.*]] = tensor.collapse_shape %[[MAX]] {{\[}}[0, 1, 2]] : tensor<1x3x1xf32> into tensor<3xf32>
// CHECK:       return %[[MEAN]], %[[MAX1]]
func.func @reduce_opset18(%x: tensor<2x3x4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %axes = arith.constant dense<[0, 2]> : tensor<2xi64>
  %0 = onnx.node "ReduceMean"(%x, %axes) {name = "mean"} : (tensor<2x3x4xf32>, tensor<2xi64>) -> !onnx.value
  %1 = onnx.node "ReduceMax"(%x, %axes) {attrs = {keepdims = 0 : i64}, name = "max"} : (tensor<2x3x4xf32>, tensor<2xi64>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}
