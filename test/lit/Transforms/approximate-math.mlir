// tmix-approximate-math: f32 (and narrower) erf becomes polynomial
// arithmetic, scalars and vectors alike; f16 is computed in f32; f64 erf
// and ops not named stay. ops= picks other ops.
// RUN: tmix-opt %s --tmix-approximate-math | FileCheck %s
// RUN: tmix-opt %s --tmix-approximate-math="ops=tanh" | FileCheck %s --check-prefix=TANH

// CHECK-LABEL: func.func @erf
// CHECK-SAME:    (%[[A:.+]]: f32, %[[B:.+]]: f64, %[[C:.+]]: f16, %[[D:.+]]: vector<4xf32>)
// CHECK-NOT:     math.erf %[[A]]
// CHECK:         math.fma {{.*}} : f32
// CHECK:         math.erf %[[B]] : f64
// CHECK:         arith.extf %[[C]] : f16 to f32
// CHECK-NOT:     math.erf %[[C]]
// CHECK:         math.fma {{.*}} : vector<4xf32>
// CHECK-NOT:     math.erf
// CHECK:         math.tanh
// TANH-LABEL:  func.func @erf
// TANH:          math.erf %{{.+}} : f32
// TANH:          math.erf %{{.+}} : f64
// TANH:          math.erf %{{.+}} : f16
// TANH:          math.erf %{{.+}} : vector<4xf32>
// TANH-NOT:      math.tanh
func.func @erf(%a: f32, %b: f64, %c: f16, %d: vector<4xf32>) -> (f32, f64, f16, vector<4xf32>, f32) {
  %0 = math.erf %a : f32
  %1 = math.erf %b : f64
  %2 = math.erf %c : f16
  %3 = math.erf %d : vector<4xf32>
  %4 = math.tanh %a : f32
  return %0, %1, %2, %3, %4 : f32, f64, f16, vector<4xf32>, f32
}
