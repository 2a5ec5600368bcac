// tmix-decompose on tmix.attention: the reference softmax form, one function
// per major variant. --implicit-check-not proves no tmix op survives.
// RUN: tmix-opt %s --tmix-decompose | FileCheck %s --implicit-check-not=tmix.
// Selecting only pool_mixer leaves every tmix.attention alone.
// RUN: tmix-opt %s --tmix-decompose=ops=pool_mixer | FileCheck %s --check-prefix=NOSEL

// Indexing maps (printed as module-level aliases): q[b,h,i,d], the key map
// for MHA / GQA (group 2) / MQA, the GQA value map and a key-padding mask.
// CHECK-DAG: #[[$QMAP:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$KMAP_MHA:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[$KMAP_GQA:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-DAG: #[[$VMAP_GQA:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>
// CHECK-DAG: #[[$KMAP_MQA:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d3, d4)>
// CHECK-DAG: #[[$MASK_KEYS:.*]] = affine_map<(d0, d1, d2, d3) -> (0, 0, 0, d3)>
// CHECK-DAG: #[[$MASK_2D:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>

// Plain MHA: q.k^T contraction, default scale 1/sqrt(8), row max, exp, row
// sum, weighted values and the final division.
// CHECK-LABEL: func.func @plain(
// CHECK:       linalg.generic {indexing_maps = [#[[$QMAP]], #[[$KMAP_MHA]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK:       arith.constant 0.353553385 : f32
// CHECK:       arith.maximumf
// CHECK:       math.exp
// CHECK:       arith.divf
// CHECK:       return %{{.*}} : tensor<1x2x4x8xf32>
// NOSEL-LABEL: func.func @plain(
// NOSEL:       tmix.attention
// NOSEL-NOT:   linalg.generic
// NOSEL:       return
func.func @plain(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// GQA (4 query heads, 2 key/value heads): keys and values are read at head
// h floordiv 2.
// CHECK-LABEL: func.func @gqa(
// CHECK:       linalg.generic {indexing_maps = [#[[$QMAP]], #[[$KMAP_GQA]], #{{.*}}]
// CHECK-SAME:  ins(%arg0, %arg1 : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>)
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[$VMAP_GQA]], #{{.*}}]
// CHECK-SAME:  ins(%{{.*}}, %arg2 : tensor<1x4x4x4xf32>, tensor<1x2x4x8xf32>)
// NOSEL-LABEL: func.func @gqa(
// NOSEL:       tmix.attention
func.func @gqa(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %o = tmix.attention %q, %k, %v : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

// MQA (one key/value head): the key head index is the constant 0.
// CHECK-LABEL: func.func @mqa(
// CHECK:       linalg.generic {indexing_maps = [#[[$QMAP]], #[[$KMAP_MQA]], #{{.*}}]
// CHECK-SAME:  ins(%arg0, %arg1 : tensor<1x4x4x8xf32>, tensor<1x1x4x8xf32>)
func.func @mqa(%q: tensor<1x4x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %o = tmix.attention %q, %k, %v : tensor<1x4x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

// Causal top_left: key j is visible iff j <= i + 0; hidden keys get -inf.
// CHECK-LABEL: func.func @causal_top_left(
// CHECK-NOT:   arith.subi
// CHECK:       %[[OFF:.*]] = arith.constant 0 : index
// CHECK:       %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:       linalg.generic
// CHECK:       %[[S:.*]] = arith.mulf
// CHECK:       %[[I:.*]] = linalg.index 2 : index
// CHECK:       %[[J:.*]] = linalg.index 3 : index
// CHECK:       %[[LIM:.*]] = arith.addi %[[I]], %[[OFF]] : index
// CHECK:       %[[VIS:.*]] = arith.cmpi sle, %[[J]], %[[LIM]] : index
// CHECK:       arith.select %[[VIS]], %[[S]], %[[NEGINF]] : f32
func.func @causal_top_left(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Causal bottom_right: the diagonal is shifted by Lk - Lq = 5 - 2.
// CHECK-LABEL: func.func @causal_bottom_right(
// CHECK:       %[[OFF:.*]] = arith.constant 3 : index
// CHECK:       linalg.generic
// CHECK:       %[[I:.*]] = linalg.index 2 : index
// CHECK:       %[[J:.*]] = linalg.index 3 : index
// CHECK:       %[[LIM:.*]] = arith.addi %[[I]], %[[OFF]] : index
// CHECK:       arith.cmpi sle, %[[J]], %[[LIM]] : index
func.func @causal_bottom_right(%q: tensor<1x2x2x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x2x8xf32> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<bottom_right>} : tensor<1x2x2x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x2x8xf32>
  return %o : tensor<1x2x2x8xf32>
}

// A boolean key-padding mask selects -inf for hidden keys; a fully hidden
// row is guarded: a -inf logit gets weight 0 (no exp(-inf - -inf) = NaN),
// and a zero row sum gives a zero output.
// CHECK-LABEL: func.func @bool_mask_guard(
// CHECK:       %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:       %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[$MASK_KEYS]], #{{.*}}]
// CHECK-SAME:  ins(%{{.*}}, %arg3 : tensor<1x2x4x4xf32>, tensor<1x1x1x4xi1>)
// CHECK-NEXT:  ^bb0(%{{.*}}: f32, %[[M:.*]]: i1, %{{.*}}: f32):
// CHECK-NEXT:  %[[S:.*]] = arith.mulf
// CHECK-NEXT:  arith.select %[[M]], %[[S]], %[[NEGINF]] : f32
// CHECK:       arith.maximumf
// CHECK:       %[[HIDDEN:.*]] = arith.cmpf oeq, %[[L:.*]], %[[NEGINF]] : f32
// CHECK:       %[[P:.*]] = math.exp
// CHECK:       arith.select %[[HIDDEN]], %[[ZERO]], %[[P]] : f32
// CHECK:       %[[POS:.*]] = arith.cmpf ogt, %[[SUM:.*]], %[[ZERO]] : f32
// CHECK:       %[[DIV:.*]] = arith.divf %{{.*}}, %[[SUM]] : f32
// CHECK:       arith.select %[[POS]], %[[DIV]], %[[ZERO]] : f32
func.func @bool_mask_guard(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x1x1x4xi1>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<1x1x1x4xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A boolean mask combined with causality: the two predicates are and-ed.
// CHECK-LABEL: func.func @bool_mask_causal(
// CHECK:       ^bb0(%{{.*}}: f32, %[[M:.*]]: i1, %{{.*}}: f32):
// CHECK:       %[[VIS:.*]] = arith.cmpi sle
// CHECK:       %[[BOTH:.*]] = arith.andi %[[M]], %[[VIS]] : i1
// CHECK:       arith.select %[[BOTH]]
func.func @bool_mask_causal(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<4xi1>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<4xi1>) {causal = #tmix.causal<top_left>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A float mask [Lq, Lk] is added to the scaled scores (after extension from
// f16); no select.
// CHECK-LABEL: func.func @float_mask(
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[$MASK_2D]], #{{.*}}]
// CHECK-SAME:  ins(%{{.*}}, %arg3 : tensor<1x2x4x4xf32>, tensor<4x4xf16>)
// CHECK-NEXT:  ^bb0(%{{.*}}: f32, %[[M:.*]]: f16, %{{.*}}: f32):
// CHECK-NEXT:  %[[S:.*]] = arith.mulf
// CHECK-NEXT:  %[[MF:.*]] = arith.extf %[[M]] : f16 to f32
// CHECK-NEXT:  %[[SUM:.*]] = arith.addf %[[S]], %[[MF]] : f32
// CHECK-NEXT:  linalg.yield %[[SUM]] : f32
func.func @float_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<4x4xf16>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<4x4xf16>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// An explicit scale replaces the default 1/sqrt(D).
// CHECK-LABEL: func.func @explicit_scale(
// CHECK-NOT:   0.353553385
// CHECK:       %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
// CHECK:       arith.mulf %{{.*}}, %[[SCALE]] : f32
func.func @explicit_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v {scale = 0.125 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Softcap: s = cap * tanh(s / cap), before masking.
// CHECK-LABEL: func.func @softcap(
// CHECK:       %[[CAP:.*]] = arith.constant 2.000000e+01 : f32
// CHECK:       %[[S:.*]] = arith.mulf
// CHECK-NEXT:  %[[D:.*]] = arith.divf %[[S]], %[[CAP]] : f32
// CHECK-NEXT:  %[[T:.*]] = math.tanh %[[D]] : f32
// CHECK-NEXT:  arith.mulf %[[CAP]], %[[T]] : f32
func.func @softcap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v {softcap = 20.0 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// f16 operands accumulate in f32 (arith.extf on load) and the output is
// truncated back to f16 at the very end.
// CHECK-LABEL: func.func @f16(
// CHECK:       linalg.generic
// CHECK-SAME:  outs(%{{.*}} : tensor<1x2x4x4xf32>)
// CHECK-NEXT:  ^bb0(%[[A:.*]]: f16, %[[B:.*]]: f16, %{{.*}}: f32):
// CHECK-NEXT:  arith.extf %[[A]] : f16 to f32
// CHECK-NEXT:  arith.extf %[[B]] : f16 to f32
// CHECK:       %[[OUT:[^ ]+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x4x8xf16>)
// CHECK:       %[[T:.*]] = arith.truncf %{{.*}} : f32 to f16
// CHECK-NEXT:  linalg.yield %[[T]] : f16
// CHECK:       return %[[OUT]] : tensor<1x2x4x8xf16>
func.func @f16(%q: tensor<1x2x4x8xf16>, %k: tensor<1x2x4x8xf16>, %v: tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf16> {
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf16>
  return %o : tensor<1x2x4x8xf16>
}

// Dynamic shapes: sizes come from tensor.dim, the default scale from
// rsqrt(D) at run time, and the bottom_right offset from dim(k,2) - dim(q,2).
// CHECK-LABEL: func.func @dynamic(
// CHECK:       tensor.dim %arg0, %{{.*}} : tensor<?x2x?x?xf32>
// CHECK:       %[[D:.*]] = tensor.dim %arg0, %c3
// CHECK:       %[[DI:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK:       %[[DF:.*]] = arith.sitofp %[[DI]] : i64 to f32
// CHECK:       math.rsqrt %[[DF]] : f32
// CHECK:       %[[LK:.*]] = tensor.dim %arg1, %{{.*}} : tensor<?x2x?x?xf32>
// CHECK:       %[[LQ:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x2x?x?xf32>
// CHECK:       arith.subi %[[LK]], %[[LQ]] : index
// CHECK:       return %{{.*}} : tensor<?x2x?x?xf32>
func.func @dynamic(%q: tensor<?x2x?x?xf32>, %k: tensor<?x2x?x?xf32>, %v: tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<bottom_right>} : tensor<?x2x?x?xf32>, tensor<?x2x?x?xf32>, tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  return %o : tensor<?x2x?x?xf32>
}

// A pool_mixer next to the attentions: decomposed in both runs.
// CHECK-LABEL: func.func @pool(
// CHECK:       linalg.generic
// NOSEL-LABEL: func.func @pool(
// NOSEL-NOT:   tmix.pool_mixer
// NOSEL:       linalg.generic
// NOSEL-NOT:   tmix.pool_mixer
// NOSEL:       return
func.func @pool(%x: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %y = tmix.pool_mixer %x : tensor<1x2x4x8xf32>
  return %y : tensor<1x2x4x8xf32>
}
