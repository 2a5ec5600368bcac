// Each mixer through tmix-cuda-pipeline: host code in the LLVM dialect
// launching kernels held as sm_90 PTX in gpu.binary ops; no libdevice
// calls, so no CUDA toolkit is needed to build or load the PTX.
// RUN: tmix-opt %s --tmix-cuda-pipeline="precision=bf16" -o %t.mlir
// RUN: FileCheck %s < %t.mlir --implicit-check-not="{{ (tmix|linalg|tensor|scf|memref)\.}}"
// RUN: FileCheck %s --check-prefix=PTX < %t.mlir
// With ptxas at hand, every kernel must also assemble for sm_90.
// RUN: %if ptxas %{ %python %S/Inputs/check_ptx.py %ptxas sm_90 %t.mlir | FileCheck %s --check-prefix=PTXAS %}

// CHECK-DAG: gpu.binary @softmax_kernel
// CHECK-DAG: gpu.binary @sigmoid_kernel
// CHECK-DAG: gpu.binary @linear_kernel
// CHECK-DAG: gpu.binary @pool_kernel
// CHECK-DAG: llvm.func @softmax(
// CHECK-DAG: llvm.call @mgpuStreamCreate()
// CHECK-DAG: gpu.launch_func <{{.*}}> @softmax_kernel::@softmax_kernel blocks in

// Tensor cores in the attention kernels and in linear attention's chunk
// products; no libdevice.
// PTX-NOT: __nv_
// PTX: gpu.binary @softmax_kernel {{.*}}.target sm_90{{.*}}mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX: gpu.binary @sigmoid_kernel {{.*}}.target sm_90{{.*}}mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX: gpu.binary @linear_kernel{{.*}}mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-NOT: __nv_

// PTXAS: {{^}}assembled [[N:[1-9][0-9]*]] of [[N]] kernels

func.func @softmax(%q: tensor<1x4x200x64xf32>, %k: tensor<1x2x300x64xf32>, %v: tensor<1x2x300x64xf32>) -> tensor<1x4x200x64xf32> {
  %0 = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>} : tensor<1x4x200x64xf32>, tensor<1x2x300x64xf32>, tensor<1x2x300x64xf32> -> tensor<1x4x200x64xf32>
  return %0 : tensor<1x4x200x64xf32>
}
func.func @sigmoid(%q: tensor<1x2x77x128xf16>, %k: tensor<1x2x77x128xf16>, %v: tensor<1x2x77x128xf16>) -> tensor<1x2x77x128xf16> {
  %0 = tmix.sigmoid_attention %q, %k, %v : tensor<1x2x77x128xf16>, tensor<1x2x77x128xf16>, tensor<1x2x77x128xf16> -> tensor<1x2x77x128xf16>
  return %0 : tensor<1x2x77x128xf16>
}
func.func @linear(%q: tensor<1x4x200x32xf32>, %k: tensor<1x2x200x32xf32>, %v: tensor<1x2x200x16xf32>) -> tensor<1x4x200x16xf32> {
  %0 = tmix.linear_attention %q, %k, %v {causal, normalize, feature_map = #tmix.feature_map<elu_plus_one>} : tensor<1x4x200x32xf32>, tensor<1x2x200x32xf32>, tensor<1x2x200x16xf32> -> tensor<1x4x200x16xf32>
  return %0 : tensor<1x4x200x16xf32>
}
func.func @pool(%x: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %0 = tmix.pool_mixer %x {causal, window = 3 : i64} : tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}
