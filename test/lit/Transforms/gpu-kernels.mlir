// RUN: tmix-opt %s --tmix-gpu-kernels --split-input-file | FileCheck %s
// RUN: tmix-opt %s --tmix-gpu-kernels=precision=bf16 --split-input-file | FileCheck %s --check-prefix=BF16
// RUN: not tmix-opt %s --tmix-gpu-kernels=precision=fp8 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: tmix-gpu-kernels: precision 'fp8' is not one of f32, f16, bf16

// Causal GQA attention with a broadcast boolean mask, Lq != Lk, neither a
// multiple of the 64-row tile: one kernel of 4 warps per 64 query rows.
// K and V tiles live in shared memory (V transposed), products run on
// tensor cores, row statistics are reduced across the lane quad, and no
// buffer holds Lq x Lk scores.
// CHECK-LABEL: func.func @causal_gqa_mask
// CHECK-DAG:     %[[Q:.+]] = bufferization.to_buffer %arg0 read_only : tensor<2x8x100x64xbf16> to memref<2x8x100x64xbf16, strided<[?, ?, ?, ?], offset: ?>>
// CHECK-DAG:     %[[OUT:.+]] = memref.alloc() : memref<2x8x100x64xbf16>
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c8{{.*}}, {{.*}} = %c2{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) dynamic_shared_memory_size
// CHECK:           gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:           memref.view {{.*}} to memref<64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:           memref.view {{.*}} to memref<64x72xbf16, #gpu.address_space<workgroup>>
// CHECK:           scf.for
// CHECK:             memref.load {{.*}} : memref<2x2x130x64xbf16, strided
// CHECK:             gpu.barrier
// CHECK:             nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>
// CHECK:             memref.load {{.*}} : memref<100x130xi1, strided
// CHECK:             gpu.shuffle  xor
// CHECK:             math.exp2
// CHECK:             nvvm.mma.sync
// CHECK:             gpu.barrier
// CHECK:             scf.yield
// CHECK:           scf.if
// CHECK:             memref.store {{.*}}, %[[OUT]]
// CHECK:         bufferization.to_tensor %[[OUT]] restrict writable
// CHECK-NOT:     x100x130x
// CHECK-NOT:     tmix.attention
func.func @causal_gqa_mask(%q: tensor<2x8x100x64xbf16>, %k: tensor<2x2x130x64xbf16>, %v: tensor<2x2x130x64xbf16>, %m: tensor<100x130xi1>) -> tensor<2x8x100x64xbf16> {
  %0 = tmix.attention %q, %k, %v mask(%m : tensor<100x130xi1>) {causal = #tmix.causal<bottom_right>} : tensor<2x8x100x64xbf16>, tensor<2x2x130x64xbf16>, tensor<2x2x130x64xbf16> -> tensor<2x8x100x64xbf16>
  return %0 : tensor<2x8x100x64xbf16>
}

// -----

// f16 uses nvgpu's mma.sync; sigmoid attention keeps no row statistics
// (no shuffles); head dims 128 and 96 take 64-key tiles.
// CHECK-LABEL: func.func @sigmoid_f16
// CHECK:         gpu.launch
// CHECK:           memref.view {{.*}} to memref<64x136xf16, #gpu.address_space<workgroup>>
// CHECK:           memref.view {{.*}} to memref<96x72xf16, #gpu.address_space<workgroup>>
// CHECK:           nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-NOT:       gpu.shuffle
// CHECK:           scf.yield
// CHECK-NOT:   tmix.sigmoid_attention
func.func @sigmoid_f16(%q: tensor<1x2x77x128xf16>, %k: tensor<1x2x77x128xf16>, %v: tensor<1x2x77x96xf16>) -> tensor<1x2x77x96xf16> {
  %0 = tmix.sigmoid_attention %q, %k, %v : tensor<1x2x77x128xf16>, tensor<1x2x77x128xf16>, tensor<1x2x77x96xf16> -> tensor<1x2x77x96xf16>
  return %0 : tensor<1x2x77x96xf16>
}

// -----

// f32 attention and matmuls keep their f32 products unless a precision is
// asked for; with bf16 they are converted when staged.
// CHECK-LABEL: func.func @f32_models
// CHECK-NOT:     gpu.launch
// CHECK:         tmix.attention
// CHECK:         linalg.matmul
// BF16-LABEL: func.func @f32_models
// BF16:         gpu.launch
// BF16:           arith.truncf {{.*}} : f32 to bf16
// BF16:           nvvm.mma.sync
// BF16:         gpu.launch
// BF16:           memref.view {{.*}} to memref<64x40xbf16, #gpu.address_space<workgroup>>
// BF16:           memref.view {{.*}} to memref<64x40xbf16, #gpu.address_space<workgroup>>
// BF16:           scf.for
// BF16:             nvvm.mma.sync
// BF16:           memref.store {{.*}} : memref<96x48xf32>
// BF16-NOT:     tmix.attention
// BF16-NOT:     linalg.matmul
func.func @f32_models(%q: tensor<1x1x16x32xf32>, %a: tensor<96x40xf32>, %b: tensor<40x48xf32>, %c: tensor<96x48xf32>) -> (tensor<1x1x16x32xf32>, tensor<96x48xf32>) {
  %0 = tmix.attention %q, %q, %q : tensor<1x1x16x32xf32>, tensor<1x1x16x32xf32>, tensor<1x1x16x32xf32> -> tensor<1x1x16x32xf32>
  %1 = linalg.matmul ins(%a, %b : tensor<96x40xf32>, tensor<40x48xf32>) outs(%c : tensor<96x48xf32>) -> tensor<96x48xf32>
  return %0, %1 : tensor<1x1x16x32xf32>, tensor<96x48xf32>
}

// -----

// Left alone: dynamic shapes and head dimensions past 256.
// CHECK-LABEL: func.func @unsupported
// BF16-LABEL: func.func @unsupported
// CHECK-NOT:     gpu.launch
// CHECK:         tmix.attention
// CHECK:         tmix.attention
func.func @unsupported(%q: tensor<1x?x8x32xbf16>, %w: tensor<1x1x8x320xbf16>) -> (tensor<1x?x8x32xbf16>, tensor<1x1x8x320xbf16>) {
  %0 = tmix.attention %q, %q, %q : tensor<1x?x8x32xbf16>, tensor<1x?x8x32xbf16>, tensor<1x?x8x32xbf16> -> tensor<1x?x8x32xbf16>
  %1 = tmix.attention %w, %w, %w : tensor<1x1x8x320xbf16>, tensor<1x1x8x320xbf16>, tensor<1x1x8x320xbf16> -> tensor<1x1x8x320xbf16>
  return %0, %1 : tensor<1x?x8x32xbf16>, tensor<1x1x8x320xbf16>
}
