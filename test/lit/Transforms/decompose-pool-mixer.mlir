// tmix-decompose on tmix.pool_mixer: a masked reduction over (i, j) token
// pairs, then the closed-form window count for averages.
// --implicit-check-not proves no tmix op survives.
// RUN: tmix-opt %s --tmix-decompose | FileCheck %s --implicit-check-not=tmix.

// CHECK-DAG: #[[$XJ:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>

// Global average: every j is in the window (no predicate, no select); the
// count is (L - 1) - 0 + 1 and the sum is divided by it.
// CHECK-LABEL: func.func @avg_global(
// CHECK:       linalg.generic {indexing_maps = [#[[$XJ]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-NEXT:  ^bb0(%[[XIN:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:  %[[SUM:.*]] = arith.addf %[[ACC]], %[[XIN]] : f32
// CHECK-NOT:   arith.cmpi
// CHECK-NOT:   arith.select
// CHECK:       linalg.yield %[[SUM]] : f32
// CHECK:       %[[L:.*]] = arith.constant 6 : index
// CHECK:       %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:  %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:  %[[LAST:.*]] = arith.subi %[[L]], %[[C1]] : index
// CHECK-NEXT:  %[[SPAN:.*]] = arith.subi %[[LAST]], %[[C0]] : index
// CHECK-NEXT:  %[[CNT:.*]] = arith.addi %[[SPAN]], %[[C1]] : index
// CHECK-NEXT:  %[[CNTI:.*]] = arith.index_cast %[[CNT]] : index to i64
// CHECK-NEXT:  %[[CNTF:.*]] = arith.sitofp %[[CNTI]] : i64 to f32
// CHECK-NEXT:  arith.divf %{{.*}}, %[[CNTF]] : f32
// CHECK-NOT:   arith.subf
// CHECK:       return
func.func @avg_global(%x: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %y = tmix.pool_mixer %x : tensor<1x2x6x4xf32>
  return %y : tensor<1x2x6x4xf32>
}

// Centred window of 3 (i - 1 <= j <= i + 1) with subtract_input: both
// window predicates, a clipped count (maxsi / minsi), then pool(x) - x.
// CHECK-LABEL: func.func @avg_window_subtract(
// CHECK:       ^bb0(%{{.*}}: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:  %[[SUM:.*]] = arith.addf
// CHECK-NEXT:  %[[I:.*]] = linalg.index 2 : index
// CHECK-NEXT:  %[[J:.*]] = linalg.index 4 : index
// CHECK-NEXT:  %[[B:.*]] = arith.constant 1 : index
// CHECK-NEXT:  %[[LO:.*]] = arith.subi %[[I]], %[[B]] : index
// CHECK-NEXT:  %[[GE:.*]] = arith.cmpi sge, %[[J]], %[[LO]] : index
// CHECK-NEXT:  %[[A:.*]] = arith.constant 1 : index
// CHECK-NEXT:  %[[HI:.*]] = arith.addi %[[I]], %[[A]] : index
// CHECK-NEXT:  %[[LE:.*]] = arith.cmpi sle, %[[J]], %[[HI]] : index
// CHECK-NEXT:  %[[IN:.*]] = arith.andi %[[GE]], %[[LE]] : i1
// CHECK-NEXT:  arith.select %[[IN]], %[[SUM]], %[[ACC]] : f32
// CHECK:       ^bb0(%[[Y:.*]]: f32, %[[X:.*]]: f32, %{{.*}}: f32):
// CHECK:       arith.maxsi
// CHECK:       arith.minsi
// CHECK:       %[[AVG:.*]] = arith.divf %[[Y]], %{{.*}} : f32
// CHECK-NEXT:  %[[D:.*]] = arith.subf %[[AVG]], %[[X]] : f32
// CHECK-NEXT:  linalg.yield %[[D]] : f32
func.func @avg_window_subtract(%x: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %y = tmix.pool_mixer %x {window = 3 : i64, subtract_input} : tensor<1x2x6x4xf32>
  return %y : tensor<1x2x6x4xf32>
}

// Even non-causal window 4: i - 1 <= j <= i + 2.
// CHECK-LABEL: func.func @avg_window_even(
// CHECK:       %[[I:.*]] = linalg.index 2 : index
// CHECK-NEXT:  %[[J:.*]] = linalg.index 4 : index
// CHECK-NEXT:  %[[B:.*]] = arith.constant 1 : index
// CHECK-NEXT:  arith.subi %[[I]], %[[B]] : index
// CHECK-NEXT:  arith.cmpi sge
// CHECK-NEXT:  %[[A:.*]] = arith.constant 2 : index
// CHECK-NEXT:  arith.addi %[[I]], %[[A]] : index
// CHECK-NEXT:  arith.cmpi sle
func.func @avg_window_even(%x: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %y = tmix.pool_mixer %x {window = 4 : i64} : tensor<1x2x6x4xf32>
  return %y : tensor<1x2x6x4xf32>
}

// Causal window 2: i - 1 <= j <= i + 0.
// CHECK-LABEL: func.func @avg_causal_window(
// CHECK:       %[[I:.*]] = linalg.index 2 : index
// CHECK-NEXT:  %[[J:.*]] = linalg.index 4 : index
// CHECK-NEXT:  %[[B:.*]] = arith.constant 1 : index
// CHECK-NEXT:  arith.subi %[[I]], %[[B]] : index
// CHECK-NEXT:  arith.cmpi sge, %[[J]]
// CHECK-NEXT:  %[[A:.*]] = arith.constant 0 : index
// CHECK-NEXT:  arith.addi %[[I]], %[[A]] : index
// CHECK-NEXT:  arith.cmpi sle, %[[J]]
// CHECK-NEXT:  arith.andi
func.func @avg_causal_window(%x: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %y = tmix.pool_mixer %x {window = 2 : i64, causal} : tensor<1x2x6x4xf32>
  return %y : tensor<1x2x6x4xf32>
}

// Causal global max on f16: -inf init, extf, maximumf, only the j <= i
// predicate (no lower bound), no count division, truncf back to f16.
// CHECK-LABEL: func.func @max_causal_f16(
// CHECK:       %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT:  tensor.empty() : tensor<1x2x6x4xf32>
// CHECK-NEXT:  linalg.fill ins(%[[NEGINF]] : f32)
// CHECK:       ^bb0(%[[XIN:.*]]: f16, %[[ACC:.*]]: f32):
// CHECK-NEXT:  %[[XF:.*]] = arith.extf %[[XIN]] : f16 to f32
// CHECK-NEXT:  %[[MAX:.*]] = arith.maximumf %[[ACC]], %[[XF]] : f32
// CHECK-NEXT:  %[[I:.*]] = linalg.index 2 : index
// CHECK-NEXT:  %[[J:.*]] = linalg.index 4 : index
// CHECK-NEXT:  %[[A:.*]] = arith.constant 0 : index
// CHECK-NEXT:  %[[HI:.*]] = arith.addi %[[I]], %[[A]] : index
// CHECK-NEXT:  %[[LE:.*]] = arith.cmpi sle, %[[J]], %[[HI]] : index
// CHECK-NEXT:  arith.select %[[LE]], %[[MAX]], %[[ACC]] : f32
// CHECK-NOT:   arith.divf
// CHECK:       ^bb0(%[[Y:.*]]: f32, %{{.*}}: f16, %{{.*}}: f16):
// CHECK-NEXT:  %[[T:.*]] = arith.truncf %[[Y]] : f32 to f16
// CHECK-NEXT:  linalg.yield %[[T]] : f16
func.func @max_causal_f16(%x: tensor<1x2x6x4xf16>) -> tensor<1x2x6x4xf16> {
  %y = tmix.pool_mixer %x {kind = #tmix.pool_kind<max>, causal} : tensor<1x2x6x4xf16>
  return %y : tensor<1x2x6x4xf16>
}

// Windowed max with subtract_input: maximumf under the window predicate,
// then max(x) - x without any division.
// CHECK-LABEL: func.func @max_window_subtract(
// CHECK:       arith.maximumf
// CHECK:       arith.andi
// CHECK-NOT:   arith.divf
// CHECK:       arith.subf
// CHECK-NOT:   arith.divf
// CHECK:       return
func.func @max_window_subtract(%x: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %y = tmix.pool_mixer %x {kind = #tmix.pool_kind<max>, window = 3 : i64, subtract_input} : tensor<1x2x6x4xf32>
  return %y : tensor<1x2x6x4xf32>
}

// Dynamic L: the count uses tensor.dim of the input's sequence dimension.
// CHECK-LABEL: func.func @avg_dynamic(
// CHECK:       linalg.generic
// CHECK:       %[[L:.*]] = tensor.dim %arg0, %{{.*}} : tensor<1x2x?x4xf32>
// CHECK:       linalg.generic
// CHECK:       linalg.index 2
// CHECK:       arith.subi %[[L]], %{{.*}} : index
// CHECK:       arith.divf
func.func @avg_dynamic(%x: tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32> {
  %y = tmix.pool_mixer %x {causal} : tensor<1x2x?x4xf32>
  return %y : tensor<1x2x?x4xf32>
}
