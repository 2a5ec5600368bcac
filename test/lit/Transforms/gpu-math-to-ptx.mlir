// RUN: tmix-opt %s --tmix-gpu-math-to-ptx --split-input-file --verify-diagnostics | FileCheck %s

// One PTX instruction each; bf16 through f32.
// CHECK-LABEL: func.func @rounding
// CHECK:         llvm.inline_asm "cvt.rmi.f32.f32 $0, $1;", "=f,f" %arg0 : (f32) -> f32
// CHECK:         llvm.inline_asm "sqrt.rn.f32 $0, $1;", "=f,f"
// CHECK:         llvm.inline_asm "fma.rn.f32 $0, $1, $2, $3;", "=f,f,f,f"
// CHECK:         %[[E:.+]] = arith.extf %arg1 : bf16 to f32
// CHECK:         %[[X:.+]] = llvm.inline_asm "ex2.approx.ftz.f32 $0, $1;", "=f,f" %[[E]]
// CHECK:         arith.truncf %[[X]] : f32 to bf16
// CHECK-NOT:     math.
func.func @rounding(%x: f32, %h: bf16) -> (f32, f32, f32, bf16) {
  %0 = math.floor %x : f32
  %1 = math.sqrt %x : f32
  %2 = math.fma %x, %x, %x : f32
  %3 = math.exp2 %h : bf16
  return %0, %1, %2, %3 : f32, f32, f32, bf16
}

// -----

func.func @left(%x: f32) -> f32 {
  // expected-error @below {{'math.erf' op has no PTX lowering without libdevice on the GPU target}}
  %0 = math.erf %x : f32
  return %0 : f32
}
