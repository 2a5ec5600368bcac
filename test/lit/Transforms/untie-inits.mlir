// tmix-untie-inits: a zero fill (or an empty tensor) shared as the init of
// several destination-style ops is built again for each op but the last, so
// bufferization writes every result in place instead of copying the fill.
// RUN: tmix-opt %s --tmix-untie-inits --split-input-file | FileCheck %s
// After bufferization, no copies are left between the fill and the matmuls.
// RUN: tmix-opt %s --tmix-untie-inits --one-shot-bufferize="bufferize-function-boundaries" --split-input-file | FileCheck %s --check-prefix=BUF
// RUN: tmix-opt %s --one-shot-bufferize="bufferize-function-boundaries" --split-input-file | FileCheck %s --check-prefix=TIED

// CHECK-LABEL: func.func @shared_fill
// CHECK:         %[[Z:.+]] = arith.constant 0.0
// CHECK:         %[[E0:.+]] = tensor.empty() : tensor<4x16xf32>
// CHECK:         %[[F0:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E0]] : tensor<4x16xf32>)
// CHECK:         %[[E1:.+]] = tensor.empty() : tensor<4x16xf32>
// CHECK:         %[[F1:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E1]] : tensor<4x16xf32>)
// CHECK:         linalg.matmul ins(%arg0, %arg1 : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[F1]] : tensor<4x16xf32>)
// CHECK:         %[[E2:.+]] = tensor.empty() : tensor<4x16xf32>
// CHECK:         %[[F2:.+]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E2]] : tensor<4x16xf32>)
// CHECK:         linalg.matmul ins(%arg0, %arg2 : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[F2]] : tensor<4x16xf32>)
// CHECK:         linalg.matmul ins(%arg0, %arg3 : tensor<4x8xf32>, tensor<8x16xf32>) outs(%[[F0]] : tensor<4x16xf32>)
// BUF-LABEL:   func.func @shared_fill
// BUF-NOT:     memref.copy
// BUF:         return
// TIED-LABEL:  func.func @shared_fill
// TIED:        memref.copy
func.func @shared_fill(%a: tensor<4x8xf32>, %b0: tensor<8x16xf32>, %b1: tensor<8x16xf32>, %b2: tensor<8x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %0 = linalg.matmul ins(%a, %b0 : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = linalg.matmul ins(%a, %b1 : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %2 = linalg.matmul ins(%a, %b2 : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0, %1, %2 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// A shared tensor.empty is duplicated too.
// CHECK-LABEL: func.func @shared_empty
// CHECK:         %[[E0:.+]] = tensor.empty() : tensor<4xf32>
// CHECK:         %[[E1:.+]] = tensor.empty() : tensor<4xf32>
// CHECK:         linalg.generic {{.*}} outs(%[[E1]] : tensor<4xf32>)
// CHECK:         linalg.generic {{.*}} outs(%[[E0]] : tensor<4xf32>)
#id = affine_map<(i) -> (i)>
func.func @shared_empty(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Left alone: a fill with one user, a fill of a tensor that is not empty
// (its contents matter), and a fill whose result is read, not written.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-2: linalg.fill
// CHECK-NOT:     linalg.fill
// CHECK-NOT:     tensor.empty
func.func @left_alone(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %1 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %g = linalg.fill ins(%zero : f32) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %2 = linalg.add ins(%g, %g : tensor<4x16xf32>, tensor<4x16xf32>) outs(%1 : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0, %1, %2 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}
