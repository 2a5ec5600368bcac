// tmix-cpu-pipeline lowers a function with a tmix.attention and a
// linalg.matmul to the LLVM dialect: no tmix, linalg, tensor, memref, scf,
// arith or func op is left. By default the tiled attention nest runs on
// OpenMP threads and every f32 matmul (the linalg.matmul and the two tile
// products of the attention) calls the support library's sgemm; with
// blas=false parallel=false neither appears. mixer=pool replaces the
// causal self-attention with average pooling, so the attention's sgemm
// calls and exps go away.
// RUN: tmix-opt %s --tmix-cpu-pipeline | FileCheck %s --implicit-check-not="{{ (tmix|linalg|tensor|memref|bufferization|scf|cf|arith|math|func)\.}}"
// RUN: tmix-opt %s --tmix-cpu-pipeline="blas=false parallel=false" | FileCheck %s --check-prefix=PLAIN --implicit-check-not=sgemm --implicit-check-not=omp. --implicit-check-not=__kmpc --implicit-check-not="{{ (tmix|linalg|tensor|memref|scf|arith|math|func)\.}}"
// RUN: tmix-opt %s --tmix-cpu-pipeline="mixer=pool" 2>/dev/null | FileCheck %s --check-prefix=POOL --implicit-check-not=expf --implicit-check-not=omp.
// RUN: tmix-opt %s --tmix-cpu-pipeline="mixer=pool" 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

// CHECK-LABEL: llvm.func @block(
// The (batch, head, query tile) forall as an OpenMP worksharing loop, with
// Q K^T, the softmax exponentials and P V inside it.
// CHECK:         omp.parallel {
// CHECK-NEXT:      omp.wsloop {
// CHECK-NEXT:        omp.loop_nest
// CHECK:               llvm.call @tmix_rt_sgemm_f32(
// CHECK:               llvm.call @expf(
// CHECK:               llvm.call @tmix_rt_sgemm_f32(
// CHECK:               omp.yield
// CHECK:           omp.terminator
// The linalg.matmul, after the parallel region.
// CHECK:         llvm.call @tmix_rt_sgemm_f32(
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func @_mlir_ciface_block(
// The sgemm wrapper passes descriptors by pointer to the library.
// CHECK-LABEL: llvm.func private @tmix_rt_sgemm_f32(
// CHECK:         llvm.call @_mlir_ciface_tmix_rt_sgemm_f32(
// CHECK:       llvm.func @_mlir_ciface_tmix_rt_sgemm_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i32)

// Sequential loops, matmuls as loops.
// PLAIN-LABEL: llvm.func @block(
// PLAIN:         llvm.call @expf(
// PLAIN:         llvm.return
// PLAIN-LABEL: llvm.func @_mlir_ciface_block(

// One sgemm call left: the linalg.matmul's.
// POOL-LABEL:  llvm.func @block(
// POOL:          llvm.call @tmix_rt_sgemm_f32(
// POOL-NOT:      llvm.call @tmix_rt_sgemm_f32(
// POOL:          llvm.return

// REMARK: cpu-pipeline.mlir:[[@LINE+2]]:8: remark: replaced softmax attention with average pooling (global, causal)
func.func @block(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>, %x: tensor<64x64xf32>, %w: tensor<64x32xf32>) -> (tensor<1x2x64x32xf32>, tensor<64x32xf32>) {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>} : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x2x64x32xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x32xf32>
  %acc = linalg.fill ins(%z : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<64x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<64x32xf32>) -> tensor<64x32xf32>
  return %o, %y : tensor<1x2x64x32xf32>, tensor<64x32xf32>
}
