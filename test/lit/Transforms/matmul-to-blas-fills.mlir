// tmix-matmul-to-blas folds the zero fill of C that a matmul accumulates
// onto into the call: the fill is erased and the call's last argument is 0
// (C = A B). Anything else keeps the fill and passes 1 (C += A B).
// RUN: tmix-opt %s --tmix-matmul-to-blas --split-input-file | FileCheck %s
// RUN: tmix-opt %s --tmix-matmul-to-blas="fold-zero-fills=false" --split-input-file | FileCheck %s --check-prefix=KEEP

// Folded: the fill right before, or separated by an allocation, a view and a
// constant; also on a batched product.
// CHECK-LABEL: func.func @folded
// CHECK-NOT:     linalg.fill
// CHECK:         %[[Z0:.+]] = arith.constant 0 : i32
// CHECK:         call @tmix_rt_sgemm_f32(%{{.+}}, %{{.+}}, %{{.+}}, %[[Z0]])
// CHECK-NOT:     linalg.fill
// CHECK:         %[[Z1:.+]] = arith.constant 0 : i32
// CHECK:         call @tmix_rt_sgemm_f32(%{{.+}}, %{{.+}}, %{{.+}}, %[[Z1]])
// CHECK:         %[[Z2:.+]] = arith.constant 0 : i32
// CHECK:         call @tmix_rt_sgemm_batched_f32(%{{.+}}, %{{.+}}, %{{.+}}, %[[Z2]])
// CHECK-NOT:     linalg.fill
// CHECK:         return
// KEEP-LABEL:  func.func @folded
// KEEP-COUNT-3: linalg.fill
// KEEP-NOT:    arith.constant 0 : i32
func.func @folded(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>, %ba: memref<2x4x8xf32>, %bb: memref<2x8x16xf32>, %bc: memref<2x4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  %alloc = memref.alloc() : memref<4x16xf32>
  linalg.fill ins(%zero : f32) outs(%alloc : memref<4x16xf32>)
  %other = memref.alloc() : memref<64xf32>
  %view = memref.expand_shape %other [[0, 1]] output_shape [4, 16] : memref<64xf32> into memref<4x16xf32>
  %one = arith.constant 1.0 : f32
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%alloc : memref<4x16xf32>)
  linalg.fill ins(%zero : f32) outs(%bc : memref<2x4x16xf32>)
  linalg.batch_matmul ins(%ba, %bb : memref<2x4x8xf32>, memref<2x8x16xf32>) outs(%bc : memref<2x4x16xf32>)
  memref.dealloc %other : memref<64xf32>
  memref.dealloc %alloc : memref<4x16xf32>
  return
}

// -----

// Kept: a fill of another value (-0.0 and 1.0), a fill of another buffer, a
// write to C in between, and a matmul with no fill before it.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-4: linalg.fill
// CHECK-NOT:     arith.constant 0 : i32
// CHECK:         return
func.func @kept(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>, %d: memref<4x16xf32>, %x: f32) {
  %negzero = arith.constant -0.0 : f32
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  linalg.fill ins(%negzero : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.fill ins(%one : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.fill ins(%zero : f32) outs(%d : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  memref.store %x, %c[%i, %i] : memref<4x16xf32>
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}
