// tmix-matmul-to-blas: f32 linalg.matmul / linalg.batch_matmul on memrefs
// (any strides) become calls taking fully dynamic strided memrefs, with one
// private C-interface declaration per callee; other matmuls are left alone.
// RUN: tmix-opt %s --tmix-matmul-to-blas --split-input-file | FileCheck %s
// Each callee is declared exactly once in the first module, and nowhere in
// the modules whose matmuls are left alone.
// RUN: tmix-opt %s --tmix-matmul-to-blas --split-input-file | FileCheck %s --check-prefix=DECL --implicit-check-not="func.func private"

// Two matmuls: two calls, each operand cast to memref<?x?xf32, strided>.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME:  (%[[A:.+]]: memref<4x8xf32>, %[[B:.+]]: memref<8x16xf32>, %[[C:.+]]: memref<4x16xf32>)
// CHECK:       %[[CA:.+]] = memref.cast %[[A]] : memref<4x8xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK:       %[[CB:.+]] = memref.cast %[[B]] : memref<8x16xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK:       %[[CC:.+]] = memref.cast %[[C]] : memref<4x16xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK:       %[[ACC:.+]] = arith.constant 1 : i32
// CHECK:       call @tmix_rt_sgemm_f32(%[[CA]], %[[CB]], %[[CC]], %[[ACC]]) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i32) -> ()
// CHECK:       call @tmix_rt_sgemm_f32(
// CHECK-NOT:   linalg.matmul
// CHECK:       return
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// Batched: rank-3 descriptors and the batched entry point.
// CHECK-LABEL: func.func @batch_matmul
// CHECK:       %[[CA:.+]] = memref.cast %arg0 : memref<2x4x8xf32> to memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>
// CHECK:       %[[CB:.+]] = memref.cast %arg1 : memref<2x8x16xf32> to memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>
// CHECK:       %[[CC:.+]] = memref.cast %arg2 : memref<2x4x16xf32> to memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>
// CHECK:       call @tmix_rt_sgemm_batched_f32(%[[CA]], %[[CB]], %[[CC]], %{{.+}})
// CHECK-NOT:   linalg.batch_matmul
func.func @batch_matmul(%a: memref<2x4x8xf32>, %b: memref<2x8x16xf32>, %c: memref<2x4x16xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x4x8xf32>, memref<2x8x16xf32>) outs(%c : memref<2x4x16xf32>)
  return
}

// A strided subview and a transposed view are passed as views (the library
// reads them through their strides), without copies.
// CHECK-LABEL: func.func @views
// CHECK:       %[[S:.+]] = memref.subview
// CHECK:       %[[T:.+]] = memref.transpose
// CHECK:       %[[CS:.+]] = memref.cast %[[S]] : memref<4x8xf32, strided<[32, 1], offset: 68>> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK:       %[[CT:.+]] = memref.cast %[[T]] : memref<8x16xf32, strided<[1, 8]>> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK:       %[[CC:.+]] = memref.cast %arg2
// CHECK:       call @tmix_rt_sgemm_f32(%[[CS]], %[[CT]], %[[CC]], %{{.+}})
// CHECK-NOT:   memref.copy
// CHECK-NOT:   linalg.matmul
func.func @views(%a: memref<16x32xf32>, %bt: memref<16x8xf32>, %c: memref<4x16xf32>) {
  %s = memref.subview %a[2, 4] [4, 8] [1, 1] : memref<16x32xf32> to memref<4x8xf32, strided<[32, 1], offset: 68>>
  %t = memref.transpose %bt (i, j) -> (j, i) : memref<16x8xf32> to memref<8x16xf32, strided<[1, 8]>>
  linalg.matmul ins(%s, %t : memref<4x8xf32, strided<[32, 1], offset: 68>>, memref<8x16xf32, strided<[1, 8]>>) outs(%c : memref<4x16xf32>)
  return
}

// The declarations, after the functions.
// CHECK:       func.func private @tmix_rt_sgemm_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i32) attributes {llvm.emit_c_interface}
// CHECK:       func.func private @tmix_rt_sgemm_batched_f32(memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>, i32) attributes {llvm.emit_c_interface}
// DECL:        func.func private @tmix_rt_sgemm_f32(
// DECL:        func.func private @tmix_rt_sgemm_batched_f32(

// -----

// Left alone: f16 (no sgemm for it) and f16 x f16 -> f32 (mixed types).
// CHECK-LABEL: func.func @f16
// CHECK:       linalg.matmul ins(%arg0, %arg1 : memref<4x8xf16>, memref<8x16xf16>) outs(%arg2 : memref<4x16xf16>)
// CHECK-LABEL: func.func @mixed
// CHECK:       linalg.matmul ins(%arg0, %arg1 : memref<4x8xf16>, memref<8x16xf16>) outs(%arg2 : memref<4x16xf32>)
// CHECK-NOT:   call
func.func @f16(%a: memref<4x8xf16>, %b: memref<8x16xf16>, %c: memref<4x16xf16>) {
  linalg.matmul ins(%a, %b : memref<4x8xf16>, memref<8x16xf16>) outs(%c : memref<4x16xf16>)
  return
}
func.func @mixed(%a: memref<4x8xf16>, %b: memref<8x16xf16>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf16>, memref<8x16xf16>) outs(%c : memref<4x16xf32>)
  return
}

// -----

// Left alone: tensors (the pass runs after bufferization).
// CHECK-LABEL: func.func @tensors
// CHECK:       linalg.matmul ins(%arg0, %arg1 : tensor<4x8xf32>, tensor<8x16xf32>)
// CHECK-NOT:   call
func.func @tensors(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Left alone: user-defined indexing maps (A read transposed), on matmul and
// on batch_matmul.
// CHECK-LABEL: func.func @user_maps
// CHECK:       linalg.matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] ins(%arg0, %arg1 : memref<8x4xf32>, memref<8x16xf32>)
// CHECK:       linalg.batch_matmul indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}] ins(%arg3, %arg4 : memref<2x8x4xf32>, memref<2x8x16xf32>)
// CHECK-NOT:   call
func.func @user_maps(%a: memref<8x4xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>, %ba: memref<2x8x4xf32>, %bb: memref<2x8x16xf32>, %bc: memref<2x4x16xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] ins(%a, %b : memref<8x4xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, k, m)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>] ins(%ba, %bb : memref<2x8x4xf32>, memref<2x8x16xf32>) outs(%bc : memref<2x4x16xf32>)
  return
}

// -----

// Left alone: a contraction written as linalg.generic.
// CHECK-LABEL: func.func @generic_contraction
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         arith.mulf
// CHECK:         arith.addf
// CHECK-NOT:   call
func.func @generic_contraction(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %z, %p : f32
    linalg.yield %s : f32
  }
  return
}

