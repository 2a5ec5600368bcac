// tmix-replace-attention: what each mixer puts in place of a site, and the
// sites each mixer must leave alone.
// RUN: tmix-opt %s --tmix-replace-attention=mixer=sigmoid --split-input-file 2>/dev/null | FileCheck %s --check-prefix=SIG
// RUN: tmix-opt %s --tmix-replace-attention="mixer=sigmoid sigmoid-bias=-2.5" --split-input-file 2>/dev/null | FileCheck %s --check-prefix=BIAS
// RUN: tmix-opt %s --tmix-replace-attention=mixer=linear --split-input-file 2>/dev/null | FileCheck %s --check-prefix=LIN
// RUN: tmix-opt %s --tmix-replace-attention="mixer=linear feature-map=relu" --split-input-file 2>/dev/null | FileCheck %s --check-prefix=RELU
// RUN: tmix-opt %s --tmix-replace-attention=mixer=pool --split-input-file 2>/dev/null | FileCheck %s --check-prefix=POOL
// RUN: tmix-opt %s --tmix-replace-attention="mixer=pool pool-window=3" --split-input-file 2>/dev/null | FileCheck %s --check-prefix=WIN
// RUN: tmix-opt %s --tmix-replace-attention=mixer=softmax --split-input-file 2>/dev/null | FileCheck %s --check-prefix=KEEP

// Causal self-attention: every mixer keeps q/k/v and the causal form.
// SIG-LABEL:  func.func @causal
// SIG:        tmix.sigmoid_attention %arg0, %arg1, %arg2 {bias = -2.07944{{[0-9]*}} : f32, causal = #tmix.causal<top_left>, scale = 2.500000e-01 : f32}
// BIAS-LABEL: func.func @causal
// BIAS:       tmix.sigmoid_attention %arg0, %arg1, %arg2 {bias = -2.500000e+00 : f32, causal = #tmix.causal<top_left>, scale = 2.500000e-01 : f32}
// LIN-LABEL:  func.func @causal
// LIN:        tmix.linear_attention %arg0, %arg1, %arg2 {causal, feature_map = #tmix.feature_map<elu_plus_one>, normalize, scale = 1.000000e+00 : f32}
// RELU-LABEL: func.func @causal
// RELU:       tmix.linear_attention %arg0, %arg1, %arg2 {causal, feature_map = #tmix.feature_map<relu>, normalize, scale = 1.000000e+00 : f32}
// POOL-LABEL: func.func @causal
// POOL:       %[[P:.*]] = tmix.pool_mixer %arg2 {causal} : tensor<1x2x8x16xf32>
// POOL-NEXT:  return %[[P]]
// WIN-LABEL:  func.func @causal
// WIN:        tmix.pool_mixer %arg2 {causal, window = 3 : i64}
// KEEP-LABEL: func.func @causal
// KEEP:       tmix.attention %arg0, %arg1, %arg2 {causal = #tmix.causal<top_left>, scale = 2.500000e-01 : f32}
func.func @causal(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %0 = tmix.attention %q, %k, %v {scale = 0.25 : f32, causal = #tmix.causal<top_left>} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// A key-padding mask: linear attention weighs phi(k_j) by exp(mask_j) and
// takes phi(q), phi(k) as they are; pooling cannot honour a mask.
// SIG-LABEL:  func.func @key_mask
// SIG:        tmix.sigmoid_attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<2x1x1x8xf32>)
// LIN-LABEL:  func.func @key_mask
// LIN:        %[[FQ:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], {{.*}} ins(%arg0 : tensor<2x2x8x16xf32>)
// LIN:          arith.select
// LIN:        %[[FK:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[KMAP:map[0-9]*]], #{{.*}}], {{.*}} ins(%arg1, %arg3 : tensor<2x2x8x16xf32>, tensor<2x1x1x8xf32>)
// LIN:          %[[PHI:.*]] = arith.select
// LIN:          %[[W:.*]] = math.exp %{{.*}} : f32
// LIN:          arith.mulf %[[PHI]], %[[W]]
// LIN:        tmix.linear_attention %[[FQ]], %[[FK]], %arg2 {normalize, scale = 1.000000e+00 : f32}
// POOL-LABEL: func.func @key_mask
// POOL:       tmix.attention %arg0, %arg1, %arg2 mask
// POOL-NOT:   tmix.pool_mixer
func.func @key_mask(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %m: tensor<2x1x1x8xf32>) -> tensor<2x2x8x16xf32> {
  %0 = tmix.attention %q, %k, %v mask(%m : tensor<2x1x1x8xf32>) : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32> -> tensor<2x2x8x16xf32>
  return %0 : tensor<2x2x8x16xf32>
}

// -----

// A boolean key mask weighs keys by 1 or 0.
// LIN-LABEL:  func.func @bool_key_mask
// LIN:        linalg.generic {{.*}} ins(%arg1, %arg3 : tensor<1x2x8x16xf32>, tensor<8xi1>)
// LIN:          %[[PHI:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// LIN:          %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// LIN:          %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// LIN:          %[[W:.*]] = arith.select %in_{{[0-9]+}}, %[[ONE]], %[[ZERO]] : f32
// LIN:          arith.mulf %[[PHI]], %[[W]]
// LIN:        tmix.linear_attention
func.func @bool_key_mask(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<8xi1>) -> tensor<1x2x8x16xf32> {
  %0 = tmix.attention %q, %k, %v mask(%m : tensor<8xi1>) : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// A mask that varies along the query axis (a position bias) has no linear
// form: the site is kept. Sigmoid attention takes any mask.
// SIG-LABEL:  func.func @query_mask
// SIG:        tmix.sigmoid_attention
// LIN-LABEL:  func.func @query_mask
// LIN:        tmix.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<1x2x8x8xf32>)
// LIN-NOT:    tmix.linear_attention
func.func @query_mask(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<1x2x8x8xf32>) -> tensor<1x2x8x16xf32> {
  %0 = tmix.attention %q, %k, %v mask(%m : tensor<1x2x8x8xf32>) : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// GQA with a mask per query head: the query heads of one kv group see
// different keys, which one phi(k) cannot express.
// LIN-LABEL:  func.func @gqa_head_mask
// LIN:        tmix.attention
// LIN-NOT:    tmix.linear_attention
func.func @gqa_head_mask(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>, %m: tensor<1x4x1x8xf32>) -> tensor<1x4x8x16xf32> {
  %0 = tmix.attention %q, %k, %v mask(%m : tensor<1x4x1x8xf32>) : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %0 : tensor<1x4x8x16xf32>
}

// -----

// GQA: linear attention reads the kv heads directly; pooling pools the kv
// heads once and hands each query head its group's result.
// LIN-LABEL:  func.func @gqa
// LIN:        tmix.linear_attention %arg0, %arg1, %arg2 {feature_map = #tmix.feature_map<elu_plus_one>, normalize, scale = 1.000000e+00 : f32} : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
// POOL-LABEL: func.func @gqa
// POOL:       %[[P:.*]] = tmix.pool_mixer %arg2 : tensor<1x2x8x16xf32>
// POOL:       %[[B:.*]] = linalg.broadcast ins(%[[P]] : tensor<1x2x8x16xf32>) outs(%{{.*}} : tensor<1x2x2x8x16xf32>) dimensions = [2]
// POOL:       %[[C:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x2x8x16xf32> into tensor<1x4x8x16xf32>
// POOL:       return %[[C]]
func.func @gqa(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %0 = tmix.attention %q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x4x8x16xf32>
  return %0 : tensor<1x4x8x16xf32>
}

// -----

// Decode against a cache (Lq != Lk, bottom_right): neither the causal
// linear form nor pooling covers it; sigmoid attention does.
// SIG-LABEL:  func.func @decode
// SIG:        tmix.sigmoid_attention %arg0, %arg1, %arg2 {bias = -2.77258{{[0-9]*}} : f32, causal = #tmix.causal<bottom_right>}
// LIN-LABEL:  func.func @decode
// LIN:        tmix.attention
// POOL-LABEL: func.func @decode
// POOL:       tmix.attention
func.func @decode(%q: tensor<1x2x1x16xf32>, %k: tensor<1x2x16x16xf32>, %v: tensor<1x2x16x16xf32>) -> tensor<1x2x1x16xf32> {
  %0 = tmix.attention %q, %k, %v {causal = #tmix.causal<bottom_right>} : tensor<1x2x1x16xf32>, tensor<1x2x16x16xf32>, tensor<1x2x16x16xf32> -> tensor<1x2x1x16xf32>
  return %0 : tensor<1x2x1x16xf32>
}

// -----

// A softcapped site stays softmax under the sigmoid mixer.
// SIG-LABEL:  func.func @softcap
// SIG:        tmix.attention {{.*}}softcap = 5.000000e+01 : f32
// SIG-NOT:    tmix.sigmoid_attention
// LIN-LABEL:  func.func @softcap
// LIN:        tmix.linear_attention
func.func @softcap(%q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>, %v: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %0 = tmix.attention %q, %k, %v {softcap = 50.0 : f32} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// Pooling reads only v: the q and k projections die and are erased; what
// v needs, and what the rest of the function uses, stays.
// POOL-LABEL: func.func @dead_qk
// POOL-SAME:  (%[[X:.*]]: tensor<1x8x32xf32>, %[[WQ:.*]]: tensor<32x32xf32>, %[[WK:.*]]: tensor<32x32xf32>, %[[WV:.*]]: tensor<32x32xf32>)
// POOL:       %[[XV:.*]] = linalg.matmul ins(%{{.*}}, %[[WV]] : tensor<8x32xf32>, tensor<32x32xf32>)
// POOL-NOT:   linalg.matmul
// POOL:       tmix.pool_mixer
// POOL-NOT:   tmix.attention
// SIG-LABEL:  func.func @dead_qk
// LIN-LABEL:  func.func @dead_qk
// LIN-COUNT-3: linalg.matmul
func.func @dead_qk(%x: tensor<1x8x32xf32>, %wq: tensor<32x32xf32>, %wk: tensor<32x32xf32>, %wv: tensor<32x32xf32>) -> tensor<1x2x8x16xf32> {
  %x2 = tensor.collapse_shape %x [[0, 1], [2]] : tensor<1x8x32xf32> into tensor<8x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %pq = linalg.matmul ins(%x2, %wq : tensor<8x32xf32>, tensor<32x32xf32>) outs(%init : tensor<8x32xf32>) -> tensor<8x32xf32>
  %pk = linalg.matmul ins(%x2, %wk : tensor<8x32xf32>, tensor<32x32xf32>) outs(%init : tensor<8x32xf32>) -> tensor<8x32xf32>
  %pv = linalg.matmul ins(%x2, %wv : tensor<8x32xf32>, tensor<32x32xf32>) outs(%init : tensor<8x32xf32>) -> tensor<8x32xf32>
  %q4 = tensor.expand_shape %pq [[0, 1], [2, 3]] output_shape [8, 1, 2, 16] : tensor<8x32xf32> into tensor<8x1x2x16xf32>
  %k4 = tensor.expand_shape %pk [[0, 1], [2, 3]] output_shape [8, 1, 2, 16] : tensor<8x32xf32> into tensor<8x1x2x16xf32>
  %v4 = tensor.expand_shape %pv [[0, 1], [2, 3]] output_shape [8, 1, 2, 16] : tensor<8x32xf32> into tensor<8x1x2x16xf32>
  %eq = tensor.empty() : tensor<1x2x8x16xf32>
  %q = linalg.transpose ins(%q4 : tensor<8x1x2x16xf32>) outs(%eq : tensor<1x2x8x16xf32>) permutation = [1, 2, 0, 3]
  %k = linalg.transpose ins(%k4 : tensor<8x1x2x16xf32>) outs(%eq : tensor<1x2x8x16xf32>) permutation = [1, 2, 0, 3]
  %v = linalg.transpose ins(%v4 : tensor<8x1x2x16xf32>) outs(%eq : tensor<1x2x8x16xf32>) permutation = [1, 2, 0, 3]
  %0 = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// A padding mask materialised over the query axis (dynamo's Expand / And
// with an all-true [Lq, 1] constant) is still a key mask: linear attention
// reads its first query row.
// POOL-LABEL: func.func @expanded_key_mask
// LIN-LABEL:  func.func @expanded_key_mask
// LIN:        %[[ROW:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [2, 1, 1, 8] [1, 1, 1, 1] : tensor<2x1x8x8xi1> to tensor<2x1x1x8xi1>
// LIN:        linalg.generic {{.*}} ins(%arg1, %[[ROW]] : tensor<2x2x8x16xf32>, tensor<2x1x1x8xi1>)
// LIN:        tmix.linear_attention
// LIN-NOT:    tmix.attention
func.func @expanded_key_mask(%q: tensor<2x2x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %pad: tensor<2x1x1x8xi1>) -> tensor<2x2x8x16xf32> {
  %rows = arith.constant dense<true> : tensor<1x1x8x1xi1>
  %e = tensor.empty() : tensor<2x1x8x8xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (0, 0, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%rows, %pad : tensor<1x1x8x1xi1>, tensor<2x1x1x8xi1>) outs(%e : tensor<2x1x8x8xi1>) {
  ^bb0(%a: i1, %b: i1, %o: i1):
    %and = arith.andi %a, %b : i1
    linalg.yield %and : i1
  } -> tensor<2x1x8x8xi1>
  %0 = tmix.attention %q, %k, %v mask(%m : tensor<2x1x8x8xi1>) : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32> -> tensor<2x2x8x16xf32>
  return %0 : tensor<2x2x8x16xf32>
}

// -----

// Near miss: the same shape, but the constant differs between query rows
// (a causal-like pattern), so the mask depends on the query.
// LIN-LABEL:  func.func @query_dependent_expanded_mask
// LIN:        tmix.attention
// LIN-NOT:    tmix.linear_attention
func.func @query_dependent_expanded_mask(%q: tensor<2x2x4x16xf32>, %k: tensor<2x2x4x16xf32>, %v: tensor<2x2x4x16xf32>, %pad: tensor<2x1x1x4xi1>) -> tensor<2x2x4x16xf32> {
  %rows = arith.constant dense<[[[[true], [false], [true], [true]]]]> : tensor<1x1x4x1xi1>
  %e = tensor.empty() : tensor<2x1x4x4xi1>
  %m = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (0, 0, d2, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%rows, %pad : tensor<1x1x4x1xi1>, tensor<2x1x1x4xi1>) outs(%e : tensor<2x1x4x4xi1>) {
  ^bb0(%a: i1, %b: i1, %o: i1):
    %and = arith.andi %a, %b : i1
    linalg.yield %and : i1
  } -> tensor<2x1x4x4xi1>
  %0 = tmix.attention %q, %k, %v mask(%m : tensor<2x1x4x4xi1>) : tensor<2x2x4x16xf32>, tensor<2x2x4x16xf32>, tensor<2x2x4x16xf32> -> tensor<2x2x4x16xf32>
  return %0 : tensor<2x2x4x16xf32>
}
