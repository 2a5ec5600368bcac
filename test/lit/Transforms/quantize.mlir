// tmix-quantize: matmuls with a constant B become int8 products. B is
// quantized here per column (scale max|B[:, j]| / 127); A per row when the
// model runs; the s8 x s8 contraction accumulates in i32 and one generic
// dequantizes, in the shape the product is reshaped to.
// RUN: tmix-opt %s --tmix-quantize --split-input-file | FileCheck %s
// RUN: tmix-opt %s --tmix-quantize="nodes=other" --split-input-file | FileCheck %s --check-prefix=NONE
// RUN: tmix-opt %s --tmix-quantize="nodes=layer0/" --split-input-file | FileCheck %s --check-prefix=SCOPE
// Without quantize-weights only dequantized products change (none here).
// RUN: tmix-opt %s --tmix-quantize="quantize-weights=false" --split-input-file | FileCheck %s --check-prefix=NONE

// The weights' column maxima are 2, 4 and 3: scales 2/127, 4/127, 3/127;
// 1.0 / (2/127) = 63.5 rounds to even (64), -2 / (4/127) to -64, 0.5 /
// (3/127) = 21.2 to 21.
// CHECK-LABEL: func.func @weight(
// CHECK-SAME:    %[[A:.*]]: tensor<4x8xf32>) -> tensor<1x4x3xf32>
// CHECK-DAG:   %[[WQ:.*]] = arith.constant dense_resource<tmix_int8_weight> : tensor<8x3xi8>
// CHECK-DAG:   %[[WS:.*]] = arith.constant dense<[0.0157480314, 0.0314960629, 0.0236220472]> : tensor<3xf32>
// CHECK:       %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[A]] : tensor<4x8xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK:         math.absf
// CHECK:         arith.maximumf
// CHECK:       %[[AQ:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[MAX]] : tensor<4x8xf32>, tensor<4xf32>) outs(%{{.*}} : tensor<4x8xi8>)
// CHECK:         math.roundeven
// CHECK:         arith.fptosi %{{.*}} : f32 to i8
// CHECK:       %[[AS:.*]] = linalg.generic {{.*}} ins(%[[MAX]] : tensor<4xf32>)
// CHECK:         arith.divf
// CHECK:       %[[ACC:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[AQ]], %[[WQ]] : tensor<4x8xi8>, tensor<8x3xi8>) outs(%{{.*}} : tensor<4x3xi32>)
// CHECK:         arith.extsi
// CHECK:         arith.extsi
// CHECK:         arith.muli
// CHECK:         arith.addi
// CHECK:       %[[ACC3:.*]] = tensor.expand_shape %[[ACC]] {{\[}}[0, 1], [2]] output_shape [1, 4, 3] : tensor<4x3xi32> into tensor<1x4x3xi32>
// CHECK:       %[[AS2:.*]] = tensor.expand_shape %[[AS]] {{\[}}[0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
// CHECK:       %[[Y:.*]] = linalg.generic {{.*}} ins(%[[ACC3]], %[[AS2]], %[[WS]] : tensor<1x4x3xi32>, tensor<1x4xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<1x4x3xf32>)
// CHECK:         arith.sitofp
// CHECK:       return %[[Y]]
// CHECK:       tmix_int8_weight: "0x08000000{{(40C015107FEB40202A0000007FE01540407FC0C081201015)}}"
// NONE-LABEL:  func.func @weight(
// NONE:        linalg.matmul
// SCOPE-LABEL: func.func @weight(
// SCOPE-NOT:   linalg.matmul
// SCOPE-LABEL: func.func @accumulate(
// SCOPE:       linalg.matmul
func.func @weight(%a: tensor<4x8xf32>) -> tensor<1x4x3xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [0.25, 4.0, -0.5], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [2.0, -1.0, 0.5], [1.0, 2.0, 3.0], [-1.0, -2.0, -3.0], [0.5, 0.5, 0.5]]> : tensor<8x3xf32>
  %e = tensor.empty() : tensor<4x3xf32>
  %z = arith.constant 0.0 : f32
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %m = linalg.matmul ins(%a, %w : tensor<4x8xf32>, tensor<8x3xf32>) outs(%c : tensor<4x3xf32>) -> tensor<4x3xf32> loc("layer0/fc")
  %r = tensor.expand_shape %m [[0, 1], [2]] output_shape [1, 4, 3] : tensor<4x3xf32> into tensor<1x4x3xf32>
  return %r : tensor<1x4x3xf32>
}

// -----

// A matmul that accumulates into something else than zeros adds it after
// dequantizing.
// CHECK-LABEL: func.func @accumulate(
// CHECK-SAME:    %[[A:.*]]: tensor<2x2xf32>, %[[C:.*]]: tensor<2x2xf32>)
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}}, %[[C]] : tensor<2x2xi32>, tensor<2xf32>, tensor<2xf32>, tensor<2x2xf32>)
// CHECK:         arith.sitofp
// CHECK:         arith.mulf
// CHECK:         arith.mulf
// CHECK:         arith.addf
func.func @accumulate(%a: tensor<2x2xf32>, %c: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %m = linalg.matmul ins(%a, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %m : tensor<2x2xf32>
}

// -----

// Left alone: two activations, a splat weight (no data to quantize), a
// batched product and an f16 one.
// CHECK-LABEL: func.func @untouched(
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x2xf32>, tensor<2x2xf32>)
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x2xf32>, tensor<2x2xf32>)
// CHECK:       linalg.batch_matmul
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x2xf16>, tensor<2x2xf16>)
func.func @untouched(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>, %c: tensor<2x2xf32>, %x: tensor<3x2x2xf32>, %y: tensor<3x2x2xf32>, %z: tensor<3x2x2xf32>, %h: tensor<2x2xf16>, %hc: tensor<2x2xf16>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<3x2x2xf32>, tensor<2x2xf16>) {
  %splat = arith.constant dense<1.0> : tensor<2x2xf32>
  %hw = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf16>
  %0 = linalg.matmul ins(%a, %b : tensor<2x2xf32>, tensor<2x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  %1 = linalg.matmul ins(%a, %splat : tensor<2x2xf32>, tensor<2x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  %2 = linalg.batch_matmul ins(%x, %y : tensor<3x2x2xf32>, tensor<3x2x2xf32>) outs(%z : tensor<3x2x2xf32>) -> tensor<3x2x2xf32>
  %3 = linalg.matmul ins(%h, %hw : tensor<2x2xf16>, tensor<2x2xf16>) outs(%hc : tensor<2x2xf16>) -> tensor<2x2xf16>
  return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<3x2x2xf32>, tensor<2x2xf16>
}
