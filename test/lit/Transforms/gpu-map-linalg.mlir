// RUN: tmix-opt %s --tmix-gpu-map-linalg --split-input-file --verify-diagnostics | FileCheck %s
// RUN: not tmix-opt %s --tmix-gpu-map-linalg=block-size=2048 2>&1 | FileCheck %s --check-prefix=BLOCK

// BLOCK: error: tmix-gpu-map-linalg: block-size must be in [1, 1024], got 2048

// A row reduction: one thread per row (ceil(300 / 256) = 2 blocks), the
// reduction a loop inside the thread.
// CHECK-LABEL: func.func @row_sum
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[BLOCKS:.+]], {{.*}}) threads({{.*}}) in ({{.*}} = %c256
// CHECK:           %[[ID:.+]] = arith.addi
// CHECK:           scf.if
// CHECK:             arith.remui %[[ID]], %c300
// CHECK:             scf.for {{.*}} to %c64
// CHECK:               memref.load %arg0
// CHECK:               arith.addf
// CHECK:               memref.store {{.*}}, %arg1
// CHECK-NOT:     linalg.generic
func.func @row_sum(%x: memref<300x64xf32>, %y: memref<300xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x : memref<300x64xf32>) outs(%y : memref<300xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Named ops and copies become kernels; linalg ops already inside a kernel
// are left alone.
// CHECK-LABEL: func.func @named
// CHECK:         gpu.launch
// CHECK:           memref.store %cst, %arg1
// CHECK:         gpu.launch
// CHECK:           memref.load %arg0
// CHECK:           memref.store {{.*}}, %arg1
// CHECK:         gpu.launch
// CHECK:           linalg.fill
// CHECK-NOT:     memref.copy
func.func @named(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  %c1 = arith.constant 1 : index
  %cst = arith.constant 0.0 : f32
  linalg.fill ins(%cst : f32) outs(%y : memref<4x8xf32>)
  memref.copy %x, %y : memref<4x8xf32> to memref<4x8xf32>
  gpu.launch blocks(%a, %b, %c) in (%d = %c1, %e = %c1, %f = %c1) threads(%g, %h, %i) in (%j = %c1, %k = %c1, %l = %c1) {
    linalg.fill ins(%cst : f32) outs(%y : memref<4x8xf32>)
    gpu.terminator
  }
  return
}

// -----

func.func @tensors(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{'linalg.generic' op tmix-gpu-map-linalg: expected an op on buffers (run after bufferization)}}
  %0 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%x : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
