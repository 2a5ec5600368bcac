// tmix-decompose on tmix.linear_attention: one scf.for step per token for
// the causal form, one global state otherwise. --implicit-check-not proves
// no tmix op survives.
// RUN: tmix-opt %s --tmix-decompose | FileCheck %s --implicit-check-not=tmix.

// CHECK-DAG: #[[$KEYS_T:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d2)>
// CHECK-DAG: #[[$GATE_HEAD:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0)>
// CHECK-DAG: #[[$GATE_DIM:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, d2)>
// CHECK-DAG: #[[$STATE_GQA:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>

// Causal linear rule: a zero state, an scf.for over L = 4 that slices token
// t of k, v and q, updates the state, and inserts output row t.
// CHECK-LABEL: func.func @causal_linear(
// CHECK:       %[[S0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x8x8xf32>)
// CHECK:       %[[O0:.*]] = tensor.empty() : tensor<1x2x4x8xf32>
// CHECK:       %[[C0:.*]] = arith.constant 0 : index
// CHECK:       %[[L:.*]] = arith.constant 4 : index
// CHECK:       %[[C1:.*]] = arith.constant 1 : index
// CHECK:       %[[R:.*]]:2 = scf.for %[[T:.*]] = %[[C0]] to %[[L]] step %[[C1]] iter_args(%[[S:.*]] = %[[S0]], %[[O:.*]] = %[[O0]]) -> (tensor<1x2x8x8xf32>, tensor<1x2x4x8xf32>)
// CHECK:       tensor.extract_slice %{{.*}}[0, 0, %[[T]], 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x1x8xf32>
// CHECK:       %[[NS:.*]] = linalg.generic {indexing_maps = [#[[$KEYS_T]], {{.*}} outs(%[[S]] : tensor<1x2x8x8xf32>)
// CHECK:       %[[NO:.*]] = tensor.insert_slice %{{.*}} into %[[O]][0, 0, %[[T]], 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x1x8xf32> into tensor<1x2x4x8xf32>
// CHECK:       scf.yield %[[NS]], %[[NO]] : tensor<1x2x8x8xf32>, tensor<1x2x4x8xf32>
// CHECK:       return %[[R]]#1 : tensor<1x2x4x8xf32>
func.func @causal_linear(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Non-causal: no loop; one state S = sum_j k_j v_j^T over all L = 5 keys,
// read by the Lq = 3 queries.
// CHECK-LABEL: func.func @noncausal(
// CHECK-NOT:   scf.for
// CHECK:       linalg.generic {indexing_maps = [#[[$KEYS_T]], {{.*}} ins(%{{.*}}, %arg2 : tensor<1x2x5x8xf32>, tensor<1x2x5x4xf32>) outs(%{{.*}} : tensor<1x2x8x4xf32>)
// CHECK-NOT:   scf.for
// CHECK:       return %{{.*}} : tensor<1x2x3x4xf32>
func.func @noncausal(%q: tensor<1x2x3x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x4xf32>) -> tensor<1x2x3x4xf32> {
  %o = tmix.linear_attention %q, %k, %v : tensor<1x2x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x4xf32> -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// Gated rule, per-head decay: the decay of token t ([B,Hkv,1]) scales the
// whole state by exp(g) before the update.
// CHECK-LABEL: func.func @gated_per_head(
// CHECK:       scf.for %[[T:.*]] = {{.*}} iter_args(%[[S:[^ ]+]] = {{.*}}
// CHECK:       %[[G:.*]] = tensor.extract_slice %arg3[0, 0, %[[T]]] [1, 2, 1] [1, 1, 1] : tensor<1x2x4xf32> to tensor<1x2x1xf32>
// CHECK:       linalg.generic {indexing_maps = [#[[$GATE_HEAD]], #{{.*}}], {{.*}} ins(%[[G]] : tensor<1x2x1xf32>) outs(%[[S]] : tensor<1x2x8x8xf32>)
// CHECK-NEXT:  ^bb0(%[[GI:.*]]: f32, %[[SO:.*]]: f32):
// CHECK-NEXT:  %[[E:.*]] = math.exp %[[GI]] : f32
// CHECK-NEXT:  arith.mulf %[[SO]], %[[E]] : f32
func.func @gated_per_head(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Gated rule, per-dimension decay: the decay of token t ([B,Hkv,1,D])
// scales row d of the state by exp(g[d]).
// CHECK-LABEL: func.func @gated_per_dim(
// CHECK:       scf.for %[[T:.*]] = {{.*}} iter_args(%[[S:[^ ]+]] = {{.*}}
// CHECK:       %[[G:.*]] = tensor.extract_slice %arg3[0, 0, %[[T]], 0] [1, 2, 1, 8] [1, 1, 1, 1] : tensor<1x2x4x8xf32> to tensor<1x2x1x8xf32>
// CHECK:       linalg.generic {indexing_maps = [#[[$GATE_DIM]], #{{.*}}], {{.*}} ins(%[[G]] : tensor<1x2x1x8xf32>) outs(%[[S]] : tensor<1x2x8x8xf32>)
// CHECK-NEXT:  ^bb0
// CHECK-NEXT:  math.exp
// CHECK-NEXT:  arith.mulf
func.func @gated_per_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4x8xf32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Delta rule: the written value is beta_t * (v_t - S^T k_t).
// CHECK-LABEL: func.func @delta(
// CHECK-NOT:   math.exp
// CHECK:       scf.for %[[T:.*]] = {{.*}} iter_args(%[[S:[^ ]+]] = {{.*}}
// CHECK:       %[[REC:.*]] = linalg.generic {{.*}} ins(%[[S]], %{{.*}} : tensor<1x2x8x8xf32>, tensor<1x2x1x8xf32>)
// CHECK:       %[[B:.*]] = tensor.extract_slice %arg3[0, 0, %[[T]]] [1, 2, 1] [1, 1, 1] : tensor<1x2x4xf32> to tensor<1x2x1xf32>
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %[[REC]], %[[B]] : tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>, tensor<1x2x1xf32>)
// CHECK-NEXT:  ^bb0(%[[VT:.*]]: f32, %[[RT:.*]]: f32, %[[BT:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:  %[[DIFF:.*]] = arith.subf %[[VT]], %[[RT]] : f32
// CHECK-NEXT:  arith.mulf %[[BT]], %[[DIFF]] : f32
func.func @delta(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v beta(%b : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Gated delta with GQA, an initial state and a final state: the loop starts
// from the given state, query heads read state h floordiv 2, and the loop's
// final state is the second result.
// CHECK-LABEL: func.func @gated_delta_state(
// CHECK:       %[[R:.*]]:2 = scf.for %{{.*}} iter_args(%{{.*}} = %arg5, %{{.*}} = %{{.*}}) -> (tensor<1x2x8x6xf32>, tensor<1x4x4x6xf32>)
// CHECK:       math.exp
// CHECK:       arith.subf
// CHECK:       linalg.generic {indexing_maps = [#{{.*}}, #[[$STATE_GQA]], #{{.*}}], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x1x8xf32>, tensor<1x2x8x6xf32>)
// CHECK:       return %[[R]]#1, %[[R]]#0 : tensor<1x4x4x6xf32>, tensor<1x2x8x6xf32>
func.func @gated_delta_state(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x6xf32>, %g: tensor<1x2x4xf32>, %b: tensor<1x2x4xf32>, %s: tensor<1x2x8x6xf32>) -> (tensor<1x4x4x6xf32>, tensor<1x2x8x6xf32>) {
  %o, %f = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) beta(%b : tensor<1x2x4xf32>) state(%s : tensor<1x2x8x6xf32>) {causal, update_rule = #tmix.update_rule<gated_delta>} : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x6xf32> -> tensor<1x4x4x6xf32>, tensor<1x2x8x6xf32>
  return %o, %f : tensor<1x4x4x6xf32>, tensor<1x2x8x6xf32>
}

// Non-causal final state without an initial state: the accumulated state
// (from a zero fill) is returned.
// CHECK-LABEL: func.func @final_state(
// CHECK:       %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x8x4xf32>)
// CHECK:       %[[S:.*]] = linalg.generic {{.*}} outs(%[[Z]] : tensor<1x2x8x4xf32>)
// CHECK:       return %{{.*}}, %[[S]] : tensor<1x2x4x4xf32>, tensor<1x2x8x4xf32>
func.func @final_state(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x8x4xf32>) {
  %o, %f = tmix.linear_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>, tensor<1x2x8x4xf32>
  return %o, %f : tensor<1x2x4x4xf32>, tensor<1x2x8x4xf32>
}

// elu_plus_one feature map: x > 0 ? x + 1 : exp(x). With normalize the
// output is (scale * q.S) / (q.z + eps).
// CHECK-LABEL: func.func @elu_normalize(
// CHECK:       ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:  %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:  %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:  %[[POS:.*]] = arith.cmpf ogt, %[[X]], %[[ZERO]] : f32
// CHECK-NEXT:  %[[X1:.*]] = arith.addf %[[X]], %[[ONE]] : f32
// CHECK-NEXT:  %[[EX:.*]] = math.exp %[[X]] : f32
// CHECK-NEXT:  arith.select %[[POS]], %[[X1]], %[[EX]] : f32
// CHECK:       %[[SCALE:.*]] = arith.constant 0.353553385 : f32
// CHECK-NEXT:  %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK:       linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x4x8xf32>, tensor<1x2x4xf32>) outs(%{{.*}} : tensor<1x2x4x8xf32>)
// CHECK-NEXT:  ^bb0(%[[NUM:.*]]: f32, %[[DEN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:  %[[N:.*]] = arith.mulf %[[NUM]], %[[SCALE]] : f32
// CHECK-NEXT:  %[[D:.*]] = arith.addf %[[DEN]], %[[EPS]] : f32
// CHECK-NEXT:  arith.divf %[[N]], %[[D]] : f32
func.func @elu_normalize(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v {feature_map = #tmix.feature_map<elu_plus_one>, normalize, eps = 1.0e-5 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Causal normalize carries the normaliser z through the loop as a third
// iter_arg; relu feature map is max(x, 0).
// CHECK-LABEL: func.func @causal_normalize_relu(
// CHECK:       ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:  %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:  arith.maximumf %[[X]], %[[ZERO]] : f32
// CHECK:       scf.for {{.*}} -> (tensor<1x2x8x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x8xf32>)
// CHECK:       arith.divf
// CHECK:       scf.yield %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x2x8x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x8xf32>
func.func @causal_normalize_relu(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v {causal, normalize, feature_map = #tmix.feature_map<relu>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// f16 operands with an f16 final state: inputs are extended to f32 and both
// results are truncated back to f16.
// CHECK-LABEL: func.func @f16_final_state(
// CHECK:       arith.extf %{{.*}} : f16 to f32
// CHECK:       %[[R:.*]]:2 = scf.for
// CHECK:       %[[O:.*]] = linalg.generic {{.*}} ins(%[[R]]#1 : tensor<1x2x4x8xf32>) outs(%{{.*}} : tensor<1x2x4x8xf16>)
// CHECK:       arith.truncf %{{.*}} : f32 to f16
// CHECK:       %[[F:.*]] = linalg.generic {{.*}} ins(%[[R]]#0 : tensor<1x2x8x8xf32>) outs(%{{.*}} : tensor<1x2x8x8xf16>)
// CHECK:       arith.truncf %{{.*}} : f32 to f16
// CHECK:       return %[[O]], %[[F]] : tensor<1x2x4x8xf16>, tensor<1x2x8x8xf16>
func.func @f16_final_state(%q: tensor<1x2x4x8xf16>, %k: tensor<1x2x4x8xf16>, %v: tensor<1x2x4x8xf16>) -> (tensor<1x2x4x8xf16>, tensor<1x2x8x8xf16>) {
  %o, %f = tmix.linear_attention %q, %k, %v {causal} : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf16>, tensor<1x2x8x8xf16>
  return %o, %f : tensor<1x2x4x8xf16>, tensor<1x2x8x8xf16>
}

// Dynamic L: the loop bound is tensor.dim of the key's sequence dimension.
// CHECK-LABEL: func.func @dynamic_length(
// CHECK:       %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:  %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT:  %[[L:.*]] = tensor.dim %arg1, %[[C2]] : tensor<1x2x?x8xf32>
// CHECK-NEXT:  %{{.*}} = arith.constant 1 : index
// CHECK-NEXT:  scf.for %{{.*}} = %[[C0]] to %[[L]] step
func.func @dynamic_length(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %o = tmix.linear_attention %q, %k, %v {causal} : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}
