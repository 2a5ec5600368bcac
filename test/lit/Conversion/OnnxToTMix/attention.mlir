// convert-onnx-to-tmix, ONNX Attention (opsets 23, 24) -> tmix.attention
// and LinearAttention (opset 27) -> tmix.linear_attention.
// RUN: tmix-opt %s --convert-onnx-to-tmix --split-input-file | FileCheck %s

// 4-D [B, H, L, D] operands pass straight through.
// CHECK-LABEL: func.func @attention_4d(
// CHECK-SAME:    %[[Q:.*]]: tensor<1x2x4x8xf32>, %[[K:.*]]: tensor<1x2x6x8xf32>, %[[V:.*]]: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK-NEXT:  %[[O:.*]] = tmix.attention %[[Q]], %[[K]], %[[V]] : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
// CHECK-NEXT:  return %[[O]] : tensor<1x2x4x8xf32>
func.func @attention_4d(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %0 = onnx.node "Attention"(%q, %k, %v) {name = "attn"} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Packed 3-D [B, L, H*D] with 4 query heads and 2 key/value heads (GQA):
// each operand is split into heads and moved to [B, H, L, D]; the output
// goes back to [B, L, Hq*D].
// CHECK-LABEL: func.func @attention_packed_gqa(
// CHECK-SAME:    %[[Q:.*]]: tensor<2x5x16xf32>, %[[K:.*]]: tensor<2x5x8xf32>, %[[V:.*]]: tensor<2x5x8xf32>) -> tensor<2x5x16xf32>
// CHECK:       %[[Q1:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0], [1], [2, 3]] output_shape [2, 5, 4, 4] : tensor<2x5x16xf32> into tensor<2x5x4x4xf32>
// CHECK:       %[[Q2:.*]] = linalg.transpose ins(%[[Q1]] : tensor<2x5x4x4xf32>) outs(%{{.*}} : tensor<2x4x5x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:       %[[K1:.*]] = tensor.expand_shape %[[K]] {{\[}}[0], [1], [2, 3]] output_shape [2, 5, 2, 4] : tensor<2x5x8xf32> into tensor<2x5x2x4xf32>
// CHECK:       %[[K2:.*]] = linalg.transpose ins(%[[K1]] : tensor<2x5x2x4xf32>) outs(%{{.*}} : tensor<2x2x5x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:       %[[V1:.*]] = tensor.expand_shape %[[V]]
// CHECK:       %[[V2:.*]] = linalg.transpose ins(%[[V1]]
// CHECK:       %[[O:.*]] = tmix.attention %[[Q2]], %[[K2]], %[[V2]] : tensor<2x4x5x4xf32>, tensor<2x2x5x4xf32>, tensor<2x2x5x4xf32> -> tensor<2x4x5x4xf32>
// CHECK:       %[[O1:.*]] = linalg.transpose ins(%[[O]] : tensor<2x4x5x4xf32>) outs(%{{.*}} : tensor<2x5x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:       %[[O2:.*]] = tensor.collapse_shape %[[O1]] {{\[}}[0], [1], [2, 3]] : tensor<2x5x4x4xf32> into tensor<2x5x16xf32>
// CHECK:       return %[[O2]]
func.func @attention_packed_gqa(%q: tensor<2x5x16xf32>, %k: tensor<2x5x8xf32>, %v: tensor<2x5x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %0 = onnx.node "Attention"(%q, %k, %v) {attrs = {q_num_heads = 4 : i64, kv_num_heads = 2 : i64}, name = "attn"} : (tensor<2x5x16xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// attn_mask, boolean or additive float, becomes the mask operand as is.
// CHECK-LABEL: func.func @attention_masks(
// CHECK-SAME:    %[[BM:[^:]*]]: tensor<4x6xi1>, %[[FM:[^:]*]]: tensor<1x1x4x6xf32>)
// CHECK:       tmix.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[BM]] : tensor<4x6xi1>) :
// CHECK:       tmix.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[FM]] : tensor<1x1x4x6xf32>) :
func.func @attention_masks(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %bm: tensor<4x6xi1>, %fm: tensor<1x1x4x6xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %0 = onnx.node "Attention"(%q, %k, %v, %bm) {name = "bool_mask"} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<4x6xi1>) -> !onnx.value
  %1 = onnx.node "Attention"(%q, %k, %v, %fm) {name = "float_mask"} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<1x1x4x6xf32>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// A boolean mask shorter than the key length is padded with false
// (the keys past its end are hidden).
// CHECK-LABEL: func.func @attention_short_mask(
// CHECK-SAME:    %[[M:[^:]*]]: tensor<4x4xi1>)
// CHECK:       %[[PAD:.*]] = arith.constant dense<false> : tensor<4x2xi1>
// CHECK:       %[[E:.*]] = tensor.empty() : tensor<4x6xi1>
// CHECK:       %[[M1:.*]] = tensor.insert_slice %[[M]] into %[[E]][0, 0] [4, 4] [1, 1]
// CHECK:       %[[M2:.*]] = tensor.insert_slice %[[PAD]] into %[[M1]][0, 4] [4, 2] [1, 1]
// CHECK:       tmix.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M2]] : tensor<4x6xi1>)
func.func @attention_short_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %bm: tensor<4x4xi1>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %0 = onnx.node "Attention"(%q, %k, %v, %bm) {name = "attn"} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<4x4xi1>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// is_causal without a cache: the top_left causal form, no mask.
// CHECK-LABEL: func.func @attention_causal(
// CHECK-NOT:   mask(
// CHECK:       tmix.attention %arg0, %arg1, %arg2 {causal = #tmix.causal<top_left>} :
func.func @attention_causal(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %0 = onnx.node "Attention"(%q, %k, %v) {attrs = {is_causal = 1 : i64}, name = "attn"} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// KV cache: past and current keys/values concatenate on the sequence axis
// (present_key / present_value are those concatenations). With
// Lk - Lq = 5 - 2 = past length 3, is_causal is the bottom_right form.
// CHECK-LABEL: func.func @attention_past(
// CHECK-SAME:    %[[Q:[^:]*]]: tensor<1x2x2x8xf32>, %[[K:[^:]*]]: tensor<1x2x2x8xf32>, %[[V:[^:]*]]: tensor<1x2x2x8xf32>, %[[PK:[^:]*]]: tensor<1x2x3x8xf32>, %[[PV:[^:]*]]: tensor<1x2x3x8xf32>)
// CHECK-SAME:    -> (tensor<1x2x2x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>)
// CHECK:       %[[EK:.*]] = tensor.empty() : tensor<1x2x5x8xf32>
// CHECK:       %[[K1:.*]] = tensor.insert_slice %[[PK]] into %[[EK]][0, 0, 0, 0] [1, 2, 3, 8] [1, 1, 1, 1]
// CHECK:       %[[KALL:.*]] = tensor.insert_slice %[[K]] into %[[K1]][0, 0, 3, 0] [1, 2, 2, 8] [1, 1, 1, 1]
// CHECK:       %[[EV:.*]] = tensor.empty() : tensor<1x2x5x8xf32>
// CHECK:       %[[V1:.*]] = tensor.insert_slice %[[PV]] into %[[EV]][0, 0, 0, 0] [1, 2, 3, 8] [1, 1, 1, 1]
// CHECK:       %[[VALL:.*]] = tensor.insert_slice %[[V]] into %[[V1]][0, 0, 3, 0] [1, 2, 2, 8] [1, 1, 1, 1]
// CHECK:       %[[O:.*]] = tmix.attention %[[Q]], %[[KALL]], %[[VALL]] {causal = #tmix.causal<bottom_right>} : tensor<1x2x2x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x2x8xf32>
// CHECK:       return %[[O]], %[[KALL]], %[[VALL]]
func.func @attention_past(%q: tensor<1x2x2x8xf32>, %k: tensor<1x2x2x8xf32>, %v: tensor<1x2x2x8xf32>, %pk: tensor<1x2x3x8xf32>, %pv: tensor<1x2x3x8xf32>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %none = onnx.none
  %0:3 = onnx.node "Attention"(%q, %k, %v, %none, %pk, %pv) {attrs = {is_causal = 1 : i64}, name = "attn"} : (tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, none, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> (!onnx.value, !onnx.value, !onnx.value)
  return %0#0, %0#1, %0#2 : !onnx.value, !onnx.value, !onnx.value
}

// -----

// A cache offset tmix has no name for (past 2, Lk - Lq = 4 - 3 = 1): the
// causal rule j <= i + past becomes a constant boolean mask.
// CHECK-LABEL: func.func @attention_past_offset(
// CHECK:       %[[M:.*]] = arith.constant dense<{{\[}}[true, true, true, false], [true, true, true, true], [true, true, true, true]]> : tensor<3x4xi1>
// CHECK:       tmix.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M]] : tensor<3x4xi1>) : tensor<1x1x3x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x3x8xf32>
// CHECK-NOT:   causal
func.func @attention_past_offset(%q: tensor<1x1x3x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %pk: tensor<1x1x2x8xf32>, %pv: tensor<1x1x2x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %none = onnx.none
  %0:3 = onnx.node "Attention"(%q, %k, %v, %none, %pk, %pv) {attrs = {is_causal = 1 : i64}, name = "attn"} : (tensor<1x1x3x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, none, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> (!onnx.value, !onnx.value, !onnx.value)
  return %0#0 : !onnx.value
}

// -----

// scale and softcap carry over as attributes.
// CHECK-LABEL: func.func @attention_scale_softcap(
// CHECK:       tmix.attention %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32} :
func.func @attention_scale_softcap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %0 = onnx.node "Attention"(%q, %k, %v) {attrs = {scale = 1.250000e-01 : f32, softcap = 3.000000e+01 : f32}, name = "attn"} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Opset 24 nonpad_kv_seqlen: key j of batch b is visible iff
// j < nonpad[b], a [B,1,1,Lk] boolean mask. With is_causal the cache offset
// is per batch (j + Lq <= i + nonpad[b]), so the mask is [B,1,Lq,Lk] and
// no causal attribute is set.
// CHECK-LABEL: func.func @attention_nonpad(
// CHECK-SAME:    %[[LENS:[^:]*]]: tensor<2xi64>)
// CHECK:       %[[L4:.*]] = tensor.expand_shape %[[LENS]] {{\[}}[0, 1, 2, 3]] output_shape [2, 1, 1, 1] : tensor<2xi64> into tensor<2x1x1x1xi64>
// CHECK:       %[[PAD:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[L4]] : tensor<2x1x1x1xi64>) outs(%{{.*}} : tensor<2x1x1x6xi1>)
// CHECK:       ^bb0(%[[N:.*]]: i64, %{{.*}}: i1):
// CHECK:       %[[J:.*]] = linalg.index 3 : index
// CHECK:       %[[JI:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK:       arith.cmpi slt, %[[JI]], %[[N]] : i64
// CHECK:       tmix.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[PAD]] : tensor<2x1x1x6xi1>) : tensor<2x2x4x8xf32>
// CHECK:       %[[CAUSAL:.*]] = linalg.generic
// CHECK-SAME:    outs(%{{.*}} : tensor<2x1x4x6xi1>)
// CHECK:       ^bb0(%[[N2:.*]]: i64, %{{.*}}: i1):
// CHECK:       %[[I2:.*]] = linalg.index 2 : index
// CHECK:       %[[J2:.*]] = linalg.index 3 : index
// CHECK:       %[[JI2:.*]] = arith.index_cast %[[J2]] : index to i64
// CHECK:       %[[VIS:.*]] = arith.cmpi slt, %[[JI2]], %[[N2]] : i64
// CHECK:       %[[II2:.*]] = arith.index_cast %[[I2]] : index to i64
// CHECK:       %[[LQ:.*]] = arith.constant 4 : i64
// CHECK:       %[[LHS:.*]] = arith.addi %[[JI2]], %[[LQ]] : i64
// CHECK:       %[[RHS:.*]] = arith.addi %[[II2]], %[[N2]] : i64
// CHECK:       %[[C:.*]] = arith.cmpi sle, %[[LHS]], %[[RHS]] : i64
// CHECK:       arith.andi %[[VIS]], %[[C]] : i1
// CHECK:       tmix.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[CAUSAL]] : tensor<2x1x4x6xi1>) : tensor<2x2x4x8xf32>
// CHECK-NOT:   causal =
func.func @attention_nonpad(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x6x8xf32>, %v: tensor<2x2x6x8xf32>, %lens: tensor<2xi64>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 24 : i64}} {
  %none = onnx.none
  %0 = onnx.node "Attention"(%q, %k, %v, %none, %none, %none, %lens) {name = "pad"} : (tensor<2x2x4x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>, none, none, none, tensor<2xi64>) -> !onnx.value
  %1 = onnx.node "Attention"(%q, %k, %v, %none, %none, %none, %lens) {attrs = {is_causal = 1 : i64}, name = "pad_causal"} : (tensor<2x2x4x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>, none, none, none, tensor<2xi64>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// LinearAttention, update_rule = linear: packed heads unpacked as for
// Attention, a causal recurrence, and the final state as second result.
// CHECK-LABEL: func.func @linear_attention_linear(
// CHECK-SAME:    -> (tensor<1x4x8xf32>, tensor<1x2x4x4xf32>)
// CHECK:       %[[Q:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x4x2x4xf32>) outs(%{{.*}} : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:       %[[K:.*]] = linalg.transpose
// CHECK:       %[[V:.*]] = linalg.transpose
// CHECK:       %[[O:.*]], %[[S:.*]] = tmix.linear_attention %[[Q]], %[[K]], %[[V]] {causal} : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
// CHECK:       %[[OT:.*]] = linalg.transpose ins(%[[O]] : tensor<1x2x4x4xf32>)
// CHECK:       %[[OP:.*]] = tensor.collapse_shape %[[OT]] {{\[}}[0], [1], [2, 3]] : tensor<1x4x2x4xf32> into tensor<1x4x8xf32>
// CHECK:       return %[[OP]], %[[S]]
func.func @linear_attention_linear(%q: tensor<1x4x8xf32>, %k: tensor<1x4x8xf32>, %v: tensor<1x4x8xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 27 : i64}} {
  %0:2 = onnx.node "LinearAttention"(%q, %k, %v) {attrs = {q_num_heads = 2 : i64, kv_num_heads = 2 : i64, update_rule = "linear"}, name = "la"} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> (!onnx.value, !onnx.value)
  return %0#0, %0#1 : !onnx.value, !onnx.value
}

// -----

// gated, per-head decay [B, T, H]: transposed to [B, H, T].
// CHECK-LABEL: func.func @linear_attention_gated_per_head(
// CHECK-SAME:    %[[G:[^:]*]]: tensor<1x4x2xf32>)
// CHECK:       %[[GT:.*]] = linalg.transpose ins(%[[G]] : tensor<1x4x2xf32>) outs(%{{.*}} : tensor<1x2x4xf32>) permutation = [0, 2, 1]
// CHECK:       tmix.linear_attention %{{.*}}, %{{.*}}, %{{.*}} decay(%[[GT]] : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<gated>}
func.func @linear_attention_gated_per_head(%q: tensor<1x4x8xf32>, %k: tensor<1x4x8xf32>, %v: tensor<1x4x8xf32>, %g: tensor<1x4x2xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 27 : i64}} {
  %none = onnx.none
  %0:2 = onnx.node "LinearAttention"(%q, %k, %v, %none, %g) {attrs = {q_num_heads = 2 : i64, kv_num_heads = 2 : i64, update_rule = "gated"}, name = "la"} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>, none, tensor<1x4x2xf32>) -> (!onnx.value, !onnx.value)
  return %0#0 : !onnx.value
}

// -----

// gated, per-key-dimension decay [B, T, H*dk]: unpacked like the keys to
// [B, H, T, dk].
// CHECK-LABEL: func.func @linear_attention_gated_per_dim(
// CHECK-SAME:    %[[G:[^:]*]]: tensor<1x4x8xf32>)
// CHECK:       %[[G1:.*]] = tensor.expand_shape %[[G]] {{\[}}[0], [1], [2, 3]] output_shape [1, 4, 2, 4] : tensor<1x4x8xf32> into tensor<1x4x2x4xf32>
// CHECK:       %[[G2:.*]] = linalg.transpose ins(%[[G1]] : tensor<1x4x2x4xf32>) outs(%{{.*}} : tensor<1x2x4x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:       tmix.linear_attention %{{.*}}, %{{.*}}, %{{.*}} decay(%[[G2]] : tensor<1x2x4x4xf32>) {causal, update_rule = #tmix.update_rule<gated>}
func.func @linear_attention_gated_per_dim(%q: tensor<1x4x8xf32>, %k: tensor<1x4x8xf32>, %v: tensor<1x4x8xf32>, %g: tensor<1x4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 27 : i64}} {
  %none = onnx.none
  %0:2 = onnx.node "LinearAttention"(%q, %k, %v, %none, %g) {attrs = {q_num_heads = 2 : i64, kv_num_heads = 2 : i64, update_rule = "gated"}, name = "la"} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>, none, tensor<1x4x8xf32>) -> (!onnx.value, !onnx.value)
  return %0#0 : !onnx.value
}

// -----

// delta with a beta [B, T, 1] shared by every head: broadcast to
// [B, T, H], then [B, H, T]; scale carries over.
// CHECK-LABEL: func.func @linear_attention_delta(
// CHECK-SAME:    %[[B:[^:]*]]: tensor<1x4x1xf32>)
// CHECK:       %[[B1:.*]] = linalg.generic
// CHECK-SAME:    ins(%[[B]] : tensor<1x4x1xf32>) outs(%{{.*}} : tensor<1x4x2xf32>)
// CHECK:       %[[B2:.*]] = linalg.transpose ins(%[[B1]] : tensor<1x4x2xf32>) outs(%{{.*}} : tensor<1x2x4xf32>) permutation = [0, 2, 1]
// CHECK:       tmix.linear_attention %{{.*}}, %{{.*}}, %{{.*}} beta(%[[B2]] : tensor<1x2x4xf32>) {causal, scale = 5.000000e-01 : f32, update_rule = #tmix.update_rule<delta>}
func.func @linear_attention_delta(%q: tensor<1x4x8xf32>, %k: tensor<1x4x8xf32>, %v: tensor<1x4x8xf32>, %b: tensor<1x4x1xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 27 : i64}} {
  %none = onnx.none
  %0:2 = onnx.node "LinearAttention"(%q, %k, %v, %none, %none, %b) {attrs = {q_num_heads = 2 : i64, kv_num_heads = 2 : i64, update_rule = "delta", scale = 5.000000e-01 : f32}, name = "la"} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>, none, none, tensor<1x4x1xf32>) -> (!onnx.value, !onnx.value)
  return %0#0 : !onnx.value
}

// -----

// gated_delta (the default rule) with GQA (4 query heads, 2 state heads),
// per-head decay and beta, and past_state seeding the recurrence; the
// final state is the second result.
// CHECK-LABEL: func.func @linear_attention_gated_delta_state(
// CHECK-SAME:    %[[S0:[^:]*]]: tensor<1x2x4x4xf32>, %[[G:[^:]*]]: tensor<1x4x2xf32>, %[[B:[^:]*]]: tensor<1x4x2xf32>)
// CHECK-SAME:    -> (tensor<1x4x16xf32>, tensor<1x2x4x4xf32>)
// CHECK:       %[[GT:.*]] = linalg.transpose ins(%[[G]] : tensor<1x4x2xf32>)
// CHECK:       %[[BT:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x4x2xf32>) outs(%{{.*}} : tensor<1x2x4xf32>)
// CHECK:       %[[O:.*]], %[[S:.*]] = tmix.linear_attention %{{.*}}, %{{.*}}, %{{.*}} decay(%[[GT]] : tensor<1x2x4xf32>) beta(%[[BT]] : tensor<1x2x4xf32>) state(%[[S0]] : tensor<1x2x4x4xf32>) {causal, update_rule = #tmix.update_rule<gated_delta>} : tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32> -> tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>
// CHECK:       return %{{.*}}, %[[S]] : tensor<1x4x16xf32>, tensor<1x2x4x4xf32>
func.func @linear_attention_gated_delta_state(%q: tensor<1x4x16xf32>, %k: tensor<1x4x8xf32>, %v: tensor<1x4x8xf32>, %s: tensor<1x2x4x4xf32>, %g: tensor<1x4x2xf32>, %b: tensor<1x4x2xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 27 : i64}} {
  %0:2 = onnx.node "LinearAttention"(%q, %k, %v, %s, %g, %b) {attrs = {q_num_heads = 4 : i64, kv_num_heads = 2 : i64}, name = "la"} : (tensor<1x4x16xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x2x4x4xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> (!onnx.value, !onnx.value)
  return %0#0, %0#1 : !onnx.value, !onnx.value
}
