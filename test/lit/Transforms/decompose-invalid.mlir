// An unknown name in tmix-decompose's `ops` option is a pass-initialisation
// error, reported before any op is touched.
// RUN: not tmix-opt %s --tmix-decompose=ops=bogus 2>&1 | FileCheck %s
// A bad name next to a valid one is still rejected.
// RUN: not tmix-opt %s --tmix-decompose=ops=pool_mixer,bogus 2>&1 | FileCheck %s

// CHECK: error: tmix-decompose: unknown op 'bogus' in 'ops' (expected attention, linear_attention, pool_mixer or sigmoid_attention)
// CHECK-NOT: func.func
func.func @pool(%x: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %y = tmix.pool_mixer %x : tensor<1x2x4x8xf32>
  return %y : tensor<1x2x4x8xf32>
}
