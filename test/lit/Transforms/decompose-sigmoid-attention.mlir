// tmix-decompose on tmix.sigmoid_attention: element-wise sigmoid weights, no
// softmax normalisation. --implicit-check-not proves no tmix op survives.
// RUN: tmix-opt %s --tmix-decompose | FileCheck %s --implicit-check-not=tmix.

// CHECK-DAG: #[[$KMAP_GQA:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-DAG: #[[$VMAP_GQA:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>

// The default bias is -log(Lk) = -log(6), folded to a constant; the weight
// is 1 / (1 + exp(-s)); there is no row max or row sum.
// CHECK-LABEL: func.func @default_bias(
// CHECK-NOT:   arith.maximumf
// CHECK:       %[[SCALE:.*]] = arith.constant 0.353553385 : f32
// CHECK:       %[[BIAS:.*]] = arith.constant -1.79175949 : f32
// CHECK:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:       linalg.generic
// CHECK:       %[[S:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK-NEXT:  %[[SB:.*]] = arith.addf %[[S]], %[[BIAS]] : f32
// CHECK-NEXT:  %[[NEG:.*]] = arith.negf %[[SB]] : f32
// CHECK-NEXT:  %[[E:.*]] = math.exp %[[NEG]] : f32
// CHECK-NEXT:  %[[DEN:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK-NEXT:  %[[W:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK-NEXT:  linalg.yield %[[W]] : f32
// CHECK-NOT:   arith.maximumf
// CHECK:       return %{{.*}} : tensor<1x2x4x8xf32>
func.func @default_bias(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Explicit bias and scale replace the defaults.
// CHECK-LABEL: func.func @explicit_bias_scale(
// CHECK-NOT:   -1.79175949
// CHECK:       %[[SCALE:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:       %[[BIAS:.*]] = arith.constant -3.000000e+00 : f32
// CHECK:       %[[S:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK-NEXT:  arith.addf %[[S]], %[[BIAS]] : f32
func.func @explicit_bias_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v {bias = -3.0 : f32, scale = 0.5 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A boolean mask and causality are and-ed; hidden keys get weight 0 (not
// -inf, since there is no softmax afterwards).
// CHECK-LABEL: func.func @causal_bool_mask(
// CHECK:       arith.constant 0xFF800000 : f32
// CHECK-NEXT:  %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:       ^bb0(%{{.*}}: f32, %[[M:.*]]: i1, %{{.*}}: f32):
// CHECK:       %[[I:.*]] = linalg.index 2 : index
// CHECK:       %[[J:.*]] = linalg.index 3 : index
// CHECK:       %[[LIM:.*]] = arith.addi %[[I]], %{{.*}} : index
// CHECK:       %[[C:.*]] = arith.cmpi sle, %[[J]], %[[LIM]] : index
// CHECK:       %[[VIS:.*]] = arith.andi %[[M]], %[[C]] : i1
// CHECK:       %[[W:.*]] = arith.divf
// CHECK-NEXT:  arith.select %[[VIS]], %[[W]], %[[ZERO]] : f32
func.func @causal_bool_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<4x6xi1>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v mask(%m : tensor<4x6xi1>) {causal = #tmix.causal<top_left>} : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Causal bottom_right shifts the diagonal by Lk - Lq.
// CHECK-LABEL: func.func @causal_bottom_right(
// CHECK:       %[[OFF:.*]] = arith.constant 2 : index
// CHECK:       arith.addi %{{.*}}, %[[OFF]] : index
// CHECK:       arith.cmpi sle
func.func @causal_bottom_right(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v {causal = #tmix.causal<bottom_right>} : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A float mask is added after the bias, before the sigmoid.
// CHECK-LABEL: func.func @float_mask(
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %arg3 : tensor<1x2x4x6xf32>, tensor<6xf32>)
// CHECK-NEXT:  ^bb0(%{{.*}}: f32, %[[M:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:  arith.mulf
// CHECK-NEXT:  %[[SB:.*]] = arith.addf
// CHECK-NEXT:  %[[SM:.*]] = arith.addf %[[SB]], %[[M]] : f32
// CHECK-NEXT:  arith.negf %[[SM]] : f32
// CHECK-NOT:   arith.select
// CHECK:       return
func.func @float_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<6xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v mask(%m : tensor<6xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// GQA reads key/value head h floordiv 2.
// CHECK-LABEL: func.func @gqa(
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[$KMAP_GQA]], #{{.*}}]
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[$VMAP_GQA]], #{{.*}}]
func.func @gqa(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x4x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x4x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

// Dynamic Lk: the default bias is computed at run time as -log(dim(k, 2));
// bf16 operands are extended and the result truncated back to bf16.
// CHECK-LABEL: func.func @dynamic_bf16(
// CHECK:       arith.extf %{{.*}} : bf16 to f32
// CHECK:       %[[LK:.*]] = tensor.dim %arg1, %{{.*}} : tensor<1x2x?x8xbf16>
// CHECK-NEXT:  %[[LKI:.*]] = arith.index_cast %[[LK]] : index to i64
// CHECK-NEXT:  %[[LKF:.*]] = arith.sitofp %[[LKI]] : i64 to f32
// CHECK-NEXT:  %[[LOG:.*]] = math.log %[[LKF]] : f32
// CHECK-NEXT:  %[[BIAS:.*]] = arith.negf %[[LOG]] : f32
// CHECK:       arith.addf %{{.*}}, %[[BIAS]] : f32
// CHECK:       %[[T:.*]] = arith.truncf %{{.*}} : f32 to bf16
// CHECK-NEXT:  linalg.yield %[[T]] : bf16
// CHECK:       return %{{.*}} : tensor<1x2x?x8xbf16>
func.func @dynamic_bf16(%q: tensor<1x2x?x8xbf16>, %k: tensor<1x2x?x8xbf16>, %v: tensor<1x2x?x8xbf16>) -> tensor<1x2x?x8xbf16> {
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x2x?x8xbf16>, tensor<1x2x?x8xbf16>, tensor<1x2x?x8xbf16> -> tensor<1x2x?x8xbf16>
  return %o : tensor<1x2x?x8xbf16>
}
