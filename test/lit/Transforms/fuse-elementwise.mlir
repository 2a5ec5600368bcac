// tmix-fuse-elementwise: chains of element-wise linalg.generic ops fuse into
// one generic; an element-wise producer of a consumer with reduction loops
// stays a separate op (fusing would recompute it once per reduction step).
// RUN: tmix-opt %s --tmix-fuse-elementwise --split-input-file | FileCheck %s

// bias add -> sigmoid-GELU -> residual add: one generic reading x, the
// broadcast bias and the residual, with all three bodies inlined in order.
// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @bias_gelu_residual
// CHECK-SAME:  (%[[X:.+]]: tensor<4x16xf32>, %[[BIAS:.+]]: tensor<16xf32>, %[[RES:.+]]: tensor<4x16xf32>)
// CHECK:       %[[R:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[BIAS]], %[[RES]] : tensor<4x16xf32>, tensor<16xf32>, tensor<4x16xf32>)
// CHECK:         %[[H:.+]] = arith.addf %{{.+}}, %{{.+}} : f32
// CHECK:         arith.mulf %[[H]]
// CHECK:         math.exp
// CHECK:         %[[G:.+]] = arith.divf %[[H]], %{{.+}} : f32
// CHECK:         %[[O:.+]] = arith.addf %[[G]], %{{.+}} : f32
// CHECK:         linalg.yield %[[O]] : f32
// CHECK-NOT:   linalg.generic
// CHECK:       return %[[R]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @bias_gelu_residual(%x: tensor<4x16xf32>, %bias: tensor<16xf32>, %res: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x16xf32>
  %0 = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %bias : tensor<4x16xf32>, tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  // x * sigmoid(1.702 x)
  %1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%0 : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %c = arith.constant 1.702 : f32
    %one = arith.constant 1.0 : f32
    %t = arith.mulf %a, %c : f32
    %n = arith.negf %t : f32
    %ex = math.exp %n : f32
    %d = arith.addf %one, %ex : f32
    %g = arith.divf %a, %d : f32
    linalg.yield %g : f32
  } -> tensor<4x16xf32>
  %2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%1, %res : tensor<4x16xf32>, tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}

// -----

// Left alone: tanh feeding a matmul written as a generic with a reduction
// loop. The tanh stays its own op and the contraction reads its result
// (upstream linalg-fuse-elementwise-ops would compute tanh 16 times per
// element, inside the k loop). The bias add after the contraction is not
// fused either: its producer has a reduction loop.
// CHECK-LABEL: func.func @into_reduction
// CHECK-SAME:  (%[[X:.+]]: tensor<4x8xf32>, %[[W:.+]]: tensor<8x16xf32>, %[[BIAS:.+]]: tensor<4x16xf32>)
// CHECK:       %[[T:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[X]] : tensor<4x8xf32>)
// CHECK:         math.tanh
// CHECK:       %[[MM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[T]], %[[W]] : tensor<4x8xf32>, tensor<8x16xf32>)
// CHECK-NOT:     math.tanh
// CHECK:         arith.mulf
// CHECK:         arith.addf
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[MM]], %[[BIAS]] : tensor<4x16xf32>, tensor<4x16xf32>)
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @into_reduction(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %bias: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<4x8xf32>
  %z = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<4x16xf32>
  %acc = linalg.fill ins(%z : f32) outs(%oe : tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%0, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%acc : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%1, %bias : tensor<4x16xf32>, tensor<4x16xf32>) outs(%oe : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}

// -----

// GELU's x^3 (ONNX Pow with a constant exponent): a product, not a powf
// call, once the splat exponent is folded into the body.
// CHECK-LABEL: func.func @cube
// CHECK:       linalg.generic
// CHECK:         %[[X2:.+]] = arith.mulf %[[X:.+]], %[[X]] : f32
// CHECK:         arith.mulf %[[X]], %[[X2]] : f32
// CHECK-NOT:     math.powf
func.func @cube(%x: tensor<64xf32>) -> tensor<64xf32> {
  %c = arith.constant dense<3.0> : tensor<64xf32>
  %e = tensor.empty() : tensor<64xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x, %c : tensor<64xf32>, tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %p: f32, %o: f32):
    %r = math.powf %a, %p : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  return %0 : tensor<64xf32>
}
