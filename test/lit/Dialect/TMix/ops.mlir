// Round trip of every tmix op and its major forms, in the custom and in the
// generic form. Default-valued attributes (causal none, feature map
// identity, update rule linear, eps 1e-6, pool kind avg, window 0) are elided
// by the printer, so both RUN lines print the same custom text.
// RUN: tmix-opt %s | tmix-opt | FileCheck %s
// RUN: tmix-opt %s --mlir-print-op-generic | tmix-opt | FileCheck %s

//===----------------------------------------------------------------------===//
// tmix.attention
//===----------------------------------------------------------------------===//

// Plain multi-head attention: no mask, no attributes.
// CHECK-LABEL: func.func @attention_plain
// CHECK: tmix.attention %arg0, %arg1, %arg2 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
func.func @attention_plain(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// An explicit causal = none is the default and is elided.
// CHECK-LABEL: func.func @attention_causal_none
// CHECK: tmix.attention %arg0, %arg1, %arg2 : tensor
// CHECK-NOT: causal
func.func @attention_causal_none(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<none>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Causal top_left (j <= i).
// CHECK-LABEL: func.func @attention_causal_top_left
// CHECK: tmix.attention %arg0, %arg1, %arg2 {causal = #tmix.causal<top_left>} : tensor<1x2x4x8xf32>
func.func @attention_causal_top_left(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Causal bottom_right with a query shorter than the key (KV-cache decoding).
// CHECK-LABEL: func.func @attention_causal_bottom_right
// CHECK: tmix.attention %arg0, %arg1, %arg2 {causal = #tmix.causal<bottom_right>} : tensor<1x2x2x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x2x8xf32>
func.func @attention_causal_bottom_right(%q: tensor<1x2x2x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x2x8xf32> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<bottom_right>} : tensor<1x2x2x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x2x8xf32>
  return %o : tensor<1x2x2x8xf32>
}

// A boolean mask of full rank 4 [B,Hq,Lq,Lk].
// CHECK-LABEL: func.func @attention_mask_i1_rank4
// CHECK: tmix.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<1x2x4x6xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
func.func @attention_mask_i1_rank4(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<1x2x4x6xi1>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<1x2x4x6xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A boolean key-padding mask of rank 1 [Lk], broadcast over B, Hq and Lq.
// CHECK-LABEL: func.func @attention_mask_i1_rank1
// CHECK: tmix.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<6xi1>) : tensor<1x2x4x8xf32>
func.func @attention_mask_i1_rank1(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<6xi1>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<6xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A float additive mask of rank 2 [Lq,Lk].
// CHECK-LABEL: func.func @attention_mask_f32_rank2
// CHECK: tmix.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<4x6xf32>) : tensor<1x2x4x8xf32>
func.func @attention_mask_f32_rank2(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<4x6xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<4x6xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A float mask of rank 3 [Hq,Lq,Lk] with a broadcast (size 1) query dim.
// CHECK-LABEL: func.func @attention_mask_f32_rank3
// CHECK: tmix.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<2x1x6xf32>) : tensor<1x2x4x8xf32>
func.func @attention_mask_f32_rank3(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<2x1x6xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<2x1x6xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A float mask of rank 4 whose element type (f16) differs from the query's.
// CHECK-LABEL: func.func @attention_mask_f16_rank4
// CHECK: tmix.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<1x1x4x6xf16>) : tensor<1x2x4x8xf32>
func.func @attention_mask_f16_rank4(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<1x1x4x6xf16>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<1x1x4x6xf16>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// An explicit scale.
// CHECK-LABEL: func.func @attention_scale
// CHECK: tmix.attention %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32} : tensor<1x2x4x8xf32>
func.func @attention_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v {scale = 0.125 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A logit softcap.
// CHECK-LABEL: func.func @attention_softcap
// CHECK: tmix.attention %arg0, %arg1, %arg2 {softcap = 5.000000e+01 : f32} : tensor<1x2x4x8xf32>
func.func @attention_softcap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v {softcap = 50.0 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Everything at once: mask, causal, scale and softcap.
// CHECK-LABEL: func.func @attention_all_attrs
// CHECK: tmix.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<1x1x1x6xi1>) {causal = #tmix.causal<bottom_right>, scale = 5.000000e-01 : f32, softcap = 3.000000e+01 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
func.func @attention_all_attrs(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<1x1x1x6xi1>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<1x1x1x6xi1>) {softcap = 30.0 : f32, scale = 0.5 : f32, causal = #tmix.causal<bottom_right>} : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Grouped-query attention: 8 query heads read 2 key/value heads.
// CHECK-LABEL: func.func @attention_gqa
// CHECK: tmix.attention %arg0, %arg1, %arg2 : tensor<1x8x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x8x4x8xf32>
func.func @attention_gqa(%q: tensor<1x8x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x8x4x8xf32> {
  %o = tmix.attention %q, %k, %v : tensor<1x8x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x8x4x8xf32>
  return %o : tensor<1x8x4x8xf32>
}

// Multi-query attention (one key/value head) with a value head dim Dv != D.
// CHECK-LABEL: func.func @attention_mqa_value_dim
// CHECK: tmix.attention %arg0, %arg1, %arg2 : tensor<1x4x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x16xf32> -> tensor<1x4x4x16xf32>
func.func @attention_mqa_value_dim(%q: tensor<1x4x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x16xf32>) -> tensor<1x4x4x16xf32> {
  %o = tmix.attention %q, %k, %v : tensor<1x4x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x16xf32> -> tensor<1x4x4x16xf32>
  return %o : tensor<1x4x4x16xf32>
}

// Dynamic batch, sequence and head dims, with a dynamic mask.
// CHECK-LABEL: func.func @attention_dynamic
// CHECK: tmix.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<?x?xi1>) {causal = #tmix.causal<top_left>} : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
func.func @attention_dynamic(%q: tensor<?x2x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x?xf32>, %m: tensor<?x?xi1>) -> tensor<?x2x?x?xf32> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<?x?xi1>) {causal = #tmix.causal<top_left>} : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  return %o : tensor<?x2x?x?xf32>
}

// Dynamic head counts are accepted by the verifier.
// CHECK-LABEL: func.func @attention_dynamic_heads
// CHECK: tmix.attention %arg0, %arg1, %arg2 : tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32> -> tensor<1x?x4x8xf32>
func.func @attention_dynamic_heads(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x4x8xf32>, %v: tensor<1x?x4x8xf32>) -> tensor<1x?x4x8xf32> {
  %o = tmix.attention %q, %k, %v : tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32> -> tensor<1x?x4x8xf32>
  return %o : tensor<1x?x4x8xf32>
}

// f16 operands.
// CHECK-LABEL: func.func @attention_f16
// CHECK: tmix.attention %arg0, %arg1, %arg2 {causal = #tmix.causal<top_left>} : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf16>
func.func @attention_f16(%q: tensor<1x2x4x8xf16>, %k: tensor<1x2x4x8xf16>, %v: tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf16> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>} : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf16>
  return %o : tensor<1x2x4x8xf16>
}

// bf16 operands with a bf16 additive mask.
// CHECK-LABEL: func.func @attention_bf16
// CHECK: tmix.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<4x4xbf16>) : tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16> -> tensor<1x2x4x8xbf16>
func.func @attention_bf16(%q: tensor<1x2x4x8xbf16>, %k: tensor<1x2x4x8xbf16>, %v: tensor<1x2x4x8xbf16>, %m: tensor<4x4xbf16>) -> tensor<1x2x4x8xbf16> {
  %o = tmix.attention %q, %k, %v mask(%m : tensor<4x4xbf16>) : tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16> -> tensor<1x2x4x8xbf16>
  return %o : tensor<1x2x4x8xbf16>
}

//===----------------------------------------------------------------------===//
// tmix.sigmoid_attention
//===----------------------------------------------------------------------===//

// Plain sigmoid attention (default bias -log(Lk) and scale 1/sqrt(D)).
// CHECK-LABEL: func.func @sigmoid_plain
// CHECK: tmix.sigmoid_attention %arg0, %arg1, %arg2 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
func.func @sigmoid_plain(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Explicit bias and scale.
// CHECK-LABEL: func.func @sigmoid_bias_scale
// CHECK: tmix.sigmoid_attention %arg0, %arg1, %arg2 {bias = -2.000000e+00 : f32, scale = 2.500000e-01 : f32} : tensor<1x2x4x8xf32>
func.func @sigmoid_bias_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v {bias = -2.0 : f32, scale = 0.25 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Causal top_left sigmoid attention.
// CHECK-LABEL: func.func @sigmoid_causal_top_left
// CHECK: tmix.sigmoid_attention %arg0, %arg1, %arg2 {causal = #tmix.causal<top_left>} : tensor<1x2x4x8xf32>
func.func @sigmoid_causal_top_left(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v {causal = #tmix.causal<top_left>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Causal bottom_right sigmoid attention with GQA and Lq < Lk.
// CHECK-LABEL: func.func @sigmoid_causal_bottom_right_gqa
// CHECK: tmix.sigmoid_attention %arg0, %arg1, %arg2 {causal = #tmix.causal<bottom_right>} : tensor<1x4x2x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x4x2x8xf32>
func.func @sigmoid_causal_bottom_right_gqa(%q: tensor<1x4x2x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x4x2x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v {causal = #tmix.causal<bottom_right>} : tensor<1x4x2x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x4x2x8xf32>
  return %o : tensor<1x4x2x8xf32>
}

// Sigmoid attention with a boolean mask.
// CHECK-LABEL: func.func @sigmoid_mask_i1
// CHECK: tmix.sigmoid_attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<1x4x4xi1>) : tensor<1x2x4x8xf32>
func.func @sigmoid_mask_i1(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x4x4xi1>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v mask(%m : tensor<1x4x4xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Sigmoid attention with a float mask, bias, scale and causality together.
// CHECK-LABEL: func.func @sigmoid_all_attrs
// CHECK: tmix.sigmoid_attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<4xf32>) {bias = -1.000000e+00 : f32, causal = #tmix.causal<top_left>, scale = 5.000000e-01 : f32} : tensor<1x2x4x8xf32>
func.func @sigmoid_all_attrs(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<4xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v mask(%m : tensor<4xf32>) {causal = #tmix.causal<top_left>, bias = -1.0 : f32, scale = 0.5 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Sigmoid attention on dynamic bf16 operands.
// CHECK-LABEL: func.func @sigmoid_dynamic_bf16
// CHECK: tmix.sigmoid_attention %arg0, %arg1, %arg2 : tensor<?x2x?x8xbf16>, tensor<?x2x?x8xbf16>, tensor<?x2x?x8xbf16> -> tensor<?x2x?x8xbf16>
func.func @sigmoid_dynamic_bf16(%q: tensor<?x2x?x8xbf16>, %k: tensor<?x2x?x8xbf16>, %v: tensor<?x2x?x8xbf16>) -> tensor<?x2x?x8xbf16> {
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<?x2x?x8xbf16>, tensor<?x2x?x8xbf16>, tensor<?x2x?x8xbf16> -> tensor<?x2x?x8xbf16>
  return %o : tensor<?x2x?x8xbf16>
}

//===----------------------------------------------------------------------===//
// tmix.linear_attention
//===----------------------------------------------------------------------===//

// Non-causal linear attention with Lq != Lk and the default attributes
// (an explicit update rule 'linear' and feature map 'identity' are elided).
// CHECK-LABEL: func.func @linear_noncausal
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 : tensor<1x2x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x4xf32> -> tensor<1x2x3x4xf32>
func.func @linear_noncausal(%q: tensor<1x2x3x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x4xf32>) -> tensor<1x2x3x4xf32> {
  %o = tmix.linear_attention %q, %k, %v {update_rule = #tmix.update_rule<linear>, feature_map = #tmix.feature_map<identity>} : tensor<1x2x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x4xf32> -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

// Causal linear attention with the elu_plus_one feature map.
// CHECK-LABEL: func.func @linear_causal_elu
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 {causal, feature_map = #tmix.feature_map<elu_plus_one>} : tensor<1x2x4x8xf32>
func.func @linear_causal_elu(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v {causal, feature_map = #tmix.feature_map<elu_plus_one>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Non-causal linear attention with the relu feature map, normalize and eps.
// CHECK-LABEL: func.func @linear_relu_normalize_eps
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 {eps = 9.99999974E-6 : f32, feature_map = #tmix.feature_map<relu>, normalize} : tensor<1x2x4x8xf32>
func.func @linear_relu_normalize_eps(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v {feature_map = #tmix.feature_map<relu>, normalize, eps = 1.0e-5 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Causal, normalised linear attention with eps = 0 and an explicit scale.
// CHECK-LABEL: func.func @linear_causal_normalize_scale
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 {causal, eps = 0.000000e+00 : f32, normalize, scale = 1.000000e+00 : f32} : tensor<1x2x4x8xf32>
func.func @linear_causal_normalize_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v {causal, normalize, eps = 0.0 : f32, scale = 1.0 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Gated rule with a per-head decay [B,Hkv,L].
// CHECK-LABEL: func.func @linear_gated_per_head
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 decay(%arg3 : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>
func.func @linear_gated_per_head(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Gated rule with a per-dimension decay [B,Hkv,L,D] and normalize.
// CHECK-LABEL: func.func @linear_gated_per_dim_normalize
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 decay(%arg3 : tensor<1x2x4x8xf32>) {causal, normalize, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>
func.func @linear_gated_per_dim_normalize(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4x8xf32>) {causal, normalize, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Delta rule with beta [B,Hkv,L].
// CHECK-LABEL: func.func @linear_delta
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 beta(%arg3 : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<delta>} : tensor<1x2x4x8xf32>
func.func @linear_delta(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v beta(%b : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// Gated delta rule with GQA, decay, beta, initial state and final state.
// CHECK-LABEL: func.func @linear_gated_delta_full
// CHECK: %{{.*}}, %{{.*}} = tmix.linear_attention %arg0, %arg1, %arg2 decay(%arg3 : tensor<1x2x4xf32>) beta(%arg4 : tensor<1x2x4xf32>) state(%arg5 : tensor<1x2x8x6xf32>) {causal, update_rule = #tmix.update_rule<gated_delta>} : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x6xf32> -> tensor<1x4x4x6xf32>, tensor<1x2x8x6xf32>
func.func @linear_gated_delta_full(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x6xf32>, %g: tensor<1x2x4xf32>, %b: tensor<1x2x4xf32>, %s: tensor<1x2x8x6xf32>) -> (tensor<1x4x4x6xf32>, tensor<1x2x8x6xf32>) {
  %o, %f = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) beta(%b : tensor<1x2x4xf32>) state(%s : tensor<1x2x8x6xf32>) {causal, update_rule = #tmix.update_rule<gated_delta>} : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x6xf32> -> tensor<1x4x4x6xf32>, tensor<1x2x8x6xf32>
  return %o, %f : tensor<1x4x4x6xf32>, tensor<1x2x8x6xf32>
}

// Gated delta rule with a per-dimension decay.
// CHECK-LABEL: func.func @linear_gated_delta_per_dim
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 decay(%arg3 : tensor<1x2x4x8xf32>) beta(%arg4 : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<gated_delta>} : tensor<1x2x4x8xf32>
func.func @linear_gated_delta_per_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4x8xf32>, %b: tensor<1x2x4xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4x8xf32>) beta(%b : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<gated_delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// A final state result without an initial state (non-causal).
// CHECK-LABEL: func.func @linear_final_state_only
// CHECK: %{{.*}}, %{{.*}} = tmix.linear_attention %arg0, %arg1, %arg2 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x8x8xf32>
func.func @linear_final_state_only(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x8x8xf32>) {
  %o, %f = tmix.linear_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x8x8xf32>
  return %o, %f : tensor<1x2x4x8xf32>, tensor<1x2x8x8xf32>
}

// An initial state without a final state result.
// CHECK-LABEL: func.func @linear_initial_state_only
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 state(%arg3 : tensor<1x2x8x8xf32>) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>{{$}}
func.func @linear_initial_state_only(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %s: tensor<1x2x8x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.linear_attention %q, %k, %v state(%s : tensor<1x2x8x8xf32>) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// f16 operands with an f32 initial and final state.
// CHECK-LABEL: func.func @linear_f16_f32_state
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 state(%arg3 : tensor<1x2x8x8xf32>) {causal} : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>
func.func @linear_f16_f32_state(%q: tensor<1x2x4x8xf16>, %k: tensor<1x2x4x8xf16>, %v: tensor<1x2x4x8xf16>, %s: tensor<1x2x8x8xf32>) -> (tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>) {
  %o, %f = tmix.linear_attention %q, %k, %v state(%s : tensor<1x2x8x8xf32>) {causal} : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>
  return %o, %f : tensor<1x2x4x8xf16>, tensor<1x2x8x8xf32>
}

// bf16 gated linear attention with a bf16 decay.
// CHECK-LABEL: func.func @linear_bf16_gated
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 decay(%arg3 : tensor<1x2x4xbf16>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xbf16>
func.func @linear_bf16_gated(%q: tensor<1x2x4x8xbf16>, %k: tensor<1x2x4x8xbf16>, %v: tensor<1x2x4x8xbf16>, %g: tensor<1x2x4xbf16>) -> tensor<1x2x4x8xbf16> {
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xbf16>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16>, tensor<1x2x4x8xbf16> -> tensor<1x2x4x8xbf16>
  return %o : tensor<1x2x4x8xbf16>
}

// Dynamic batch and sequence length, causal delta rule with dynamic beta.
// CHECK-LABEL: func.func @linear_dynamic
// CHECK: tmix.linear_attention %arg0, %arg1, %arg2 beta(%arg3 : tensor<?x2x?xf32>) {causal, update_rule = #tmix.update_rule<delta>} : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32> -> tensor<?x2x?x8xf32>
func.func @linear_dynamic(%q: tensor<?x2x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>, %b: tensor<?x2x?xf32>) -> tensor<?x2x?x8xf32> {
  %o = tmix.linear_attention %q, %k, %v beta(%b : tensor<?x2x?xf32>) {causal, update_rule = #tmix.update_rule<delta>} : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32> -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

//===----------------------------------------------------------------------===//
// tmix.pool_mixer
//===----------------------------------------------------------------------===//

// Global average pooling: every default attribute is elided.
// CHECK-LABEL: func.func @pool_default
// CHECK: tmix.pool_mixer %arg0 : tensor<1x2x6x4xf32>
func.func @pool_default(%x: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %y = tmix.pool_mixer %x {kind = #tmix.pool_kind<avg>, window = 0 : i64} : tensor<1x2x6x4xf32>
  return %y : tensor<1x2x6x4xf32>
}

// Windowed average pooling minus the input (PoolFormer).
// CHECK-LABEL: func.func @pool_avg_window_subtract
// CHECK: tmix.pool_mixer %arg0 {subtract_input, window = 3 : i64} : tensor<1x2x6x4xf32>
func.func @pool_avg_window_subtract(%x: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %y = tmix.pool_mixer %x {window = 3 : i64, subtract_input} : tensor<1x2x6x4xf32>
  return %y : tensor<1x2x6x4xf32>
}

// Causal windowed max pooling.
// CHECK-LABEL: func.func @pool_max_causal_window
// CHECK: tmix.pool_mixer %arg0 {causal, kind = #tmix.pool_kind<max>, window = 2 : i64} : tensor<1x2x6x4xf32>
func.func @pool_max_causal_window(%x: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %y = tmix.pool_mixer %x {kind = #tmix.pool_kind<max>, causal, window = 2 : i64} : tensor<1x2x6x4xf32>
  return %y : tensor<1x2x6x4xf32>
}

// Causal global (cumulative) average on dynamic f16 input.
// CHECK-LABEL: func.func @pool_causal_dynamic_f16
// CHECK: tmix.pool_mixer %arg0 {causal} : tensor<?x2x?x4xf16>
func.func @pool_causal_dynamic_f16(%x: tensor<?x2x?x4xf16>) -> tensor<?x2x?x4xf16> {
  %y = tmix.pool_mixer %x {causal} : tensor<?x2x?x4xf16>
  return %y : tensor<?x2x?x4xf16>
}

// Max pooling on bf16 with every flag set.
// CHECK-LABEL: func.func @pool_max_bf16_all
// CHECK: tmix.pool_mixer %arg0 {causal, kind = #tmix.pool_kind<max>, subtract_input, window = 4 : i64} : tensor<1x1x5x2xbf16>
func.func @pool_max_bf16_all(%x: tensor<1x1x5x2xbf16>) -> tensor<1x1x5x2xbf16> {
  %y = tmix.pool_mixer %x {kind = #tmix.pool_kind<max>, window = 4 : i64, causal, subtract_input} : tensor<1x1x5x2xbf16>
  return %y : tensor<1x1x5x2xbf16>
}
