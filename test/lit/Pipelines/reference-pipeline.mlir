// tmix-reference-pipeline lowers a tmix function all the way to the LLVM
// dialect: no tmix, linalg, tensor, memref, scf, cf, arith, math or func op
// is left, the result becomes an out-parameter, and (by default) a
// _mlir_ciface_ wrapper is emitted for the caller's function only, never for
// the libm or allocation declarations.
// RUN: tmix-opt %s --tmix-reference-pipeline | FileCheck %s --implicit-check-not="{{ (tmix|linalg|tensor|memref|bufferization|scf|cf|arith|math|func)\.}}" --implicit-check-not=unrealized_conversion_cast --implicit-check-not="@_mlir_ciface_{{(expf|tanhf|malloc|free)}}"
// With c-interface=false there is no wrapper at all.
// RUN: tmix-opt %s --tmix-reference-pipeline=c-interface=false | FileCheck %s --check-prefix=NOCI --implicit-check-not=_mlir_ciface_ --implicit-check-not=llvm.emit_c_interface --implicit-check-not="{{ (tmix|linalg|tensor|memref|scf|arith|math|func)\.}}"

// libm keeps the exact transcendental functions under their C names.
// CHECK-DAG:   llvm.func @expf(f32) -> f32
// CHECK-DAG:   llvm.func @tanhf(f32) -> f32
// Four memref descriptors (q, k, v and the output) of 11 fields each, and
// no return value.
// CHECK-LABEL: llvm.func @attention(%arg0: !llvm.ptr, %arg1: !llvm.ptr,
// CHECK-SAME:  %arg43: i64) attributes {llvm.emit_c_interface} {
// CHECK:       llvm.call @tanhf
// CHECK:       llvm.call @expf
// CHECK:       llvm.return{{$}}
// The wrapper takes one descriptor pointer per memref and calls @attention.
// CHECK-LABEL: llvm.func @_mlir_ciface_attention(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr, %arg3: !llvm.ptr) attributes {llvm.emit_c_interface} {
// CHECK:       llvm.call @attention(
// CHECK:       llvm.return{{$}}

// NOCI-LABEL:  llvm.func @attention(%arg0: !llvm.ptr, %arg1: !llvm.ptr,
// NOCI-SAME:   %arg43: i64) {
// NOCI:        llvm.return{{$}}
func.func @attention(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>, softcap = 20.0 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
