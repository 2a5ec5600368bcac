// Every verifier branch of TMixOps.cpp, for every op that reaches it, plus
// a few ODS-level type-constraint failures.
// RUN: tmix-opt %s -split-input-file -verify-diagnostics

// attention: query and key batch sizes differ.
func.func @attn_batch_query_key(%q: tensor<2x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected query and key to have the same batch size, got 2 and 1}}
  %o = tmix.attention %q, %k, %v : tensor<2x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<2x2x4x8xf32>
  return
}

// -----

// attention: key and value batch sizes differ.
func.func @attn_batch_key_value(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<2x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected key and value to have the same batch size, got 1 and 2}}
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: key and value head counts differ.
func.func @attn_heads_key_value(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected key and value to have the same number of heads, got 2 and 4}}
  %o = tmix.attention %q, %k, %v : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x4x8xf32> -> tensor<1x4x4x8xf32>
  return
}

// -----

// attention: key and value sequence lengths differ.
func.func @attn_seq_key_value(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x6x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected key and value to have the same sequence length, got 4 and 6}}
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: query and key head dims differ.
func.func @attn_head_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected query and key to have the same head dimension, got 8 and 16}}
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: query heads are not a multiple of key/value heads.
func.func @attn_head_multiple(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected the number of query heads (3) to be a multiple of the number of key/value heads (2)}}
  %o = tmix.attention %q, %k, %v : tensor<1x3x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x3x4x8xf32>
  return
}

// -----

// attention: the output shape must be [B, Hq, Lq, Dv].
func.func @attn_output_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected output of shape 1x2x4x16, got 1x2x4x8}}
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: a mask has rank at most 4.
func.func @attn_mask_rank(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x1x2x4x4xi1>) {
  // expected-error @+1 {{'tmix.attention' op expected mask of rank at most 4, got rank 5}}
  %o = tmix.attention %q, %k, %v mask(%m : tensor<1x1x2x4x4xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: a mask must broadcast to [B, Hq, Lq, Lk].
func.func @attn_mask_broadcast(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<1x3x4x6xi1>) {
  // expected-error @+1 {{'tmix.attention' op expected mask of shape 1x3x4x6 to broadcast to [batch, query heads, query length, key length] = 1x2x4x6}}
  %o = tmix.attention %q, %k, %v mask(%m : tensor<1x3x4x6xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: the scale must be finite (+inf).
func.func @attn_scale_inf(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected scale to be finite}}
  %o = tmix.attention %q, %k, %v {scale = 0x7F800000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: query and key batch sizes differ.
func.func @sigmoid_batch_query_key(%q: tensor<2x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected query and key to have the same batch size, got 2 and 1}}
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<2x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<2x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: key and value batch sizes differ.
func.func @sigmoid_batch_key_value(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<2x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected key and value to have the same batch size, got 1 and 2}}
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: key and value head counts differ.
func.func @sigmoid_heads_key_value(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected key and value to have the same number of heads, got 2 and 4}}
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x4x8xf32> -> tensor<1x4x4x8xf32>
  return
}

// -----

// sigmoid_attention: key and value sequence lengths differ.
func.func @sigmoid_seq_key_value(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x6x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected key and value to have the same sequence length, got 4 and 6}}
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: query and key head dims differ.
func.func @sigmoid_head_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected query and key to have the same head dimension, got 8 and 16}}
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: query heads are not a multiple of key/value heads.
func.func @sigmoid_head_multiple(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected the number of query heads (3) to be a multiple of the number of key/value heads (2)}}
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x3x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x3x4x8xf32>
  return
}

// -----

// sigmoid_attention: the output shape must be [B, Hq, Lq, Dv].
func.func @sigmoid_output_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected output of shape 1x2x4x16, got 1x2x4x8}}
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: a mask has rank at most 4.
func.func @sigmoid_mask_rank(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x1x2x4x4xi1>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected mask of rank at most 4, got rank 5}}
  %o = tmix.sigmoid_attention %q, %k, %v mask(%m : tensor<1x1x2x4x4xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: a mask must broadcast to [B, Hq, Lq, Lk].
func.func @sigmoid_mask_broadcast(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<1x3x4x6xi1>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected mask of shape 1x3x4x6 to broadcast to [batch, query heads, query length, key length] = 1x2x4x6}}
  %o = tmix.sigmoid_attention %q, %k, %v mask(%m : tensor<1x3x4x6xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: the scale must be finite (+inf).
func.func @sigmoid_scale_inf(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected scale to be finite}}
  %o = tmix.sigmoid_attention %q, %k, %v {scale = 0x7F800000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: zero key/value heads are not a divisor of the query heads.
func.func @attn_zero_kv_heads(%q: tensor<1x2x4x8xf32>, %k: tensor<1x0x4x8xf32>, %v: tensor<1x0x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected the number of query heads (2) to be a multiple of the number of key/value heads (0)}}
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x0x4x8xf32>, tensor<1x0x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: the output head count must be the query head count (GQA).
func.func @attn_gqa_output_heads(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected output of shape 1x4x4x8, got 1x2x4x8}}
  %o = tmix.attention %q, %k, %v : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: a rank-1 mask is aligned on the key length.
func.func @attn_mask_rank1_broadcast(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<4xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected mask of shape 4 to broadcast to [batch, query heads, query length, key length] = 1x2x4x6}}
  %o = tmix.attention %q, %k, %v mask(%m : tensor<4xf32>) : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: the scale must be finite (NaN).
func.func @attn_scale_nan(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected scale to be finite}}
  %o = tmix.attention %q, %k, %v {scale = 0x7FC00000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: a zero softcap is rejected.
func.func @attn_softcap_zero(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected softcap to be positive and finite, got 0.000000e+00}}
  %o = tmix.attention %q, %k, %v {softcap = 0.0 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: a negative softcap is rejected.
func.func @attn_softcap_negative(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected softcap to be positive and finite, got -2.500000e+00}}
  %o = tmix.attention %q, %k, %v {softcap = -2.5 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: a NaN softcap is rejected.
func.func @attn_softcap_nan(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected softcap to be positive and finite, got nan}}
  %o = tmix.attention %q, %k, %v {softcap = 0x7FC00000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// attention: an infinite softcap is rejected.
func.func @attn_softcap_inf(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected softcap to be positive and finite, got INF}}
  %o = tmix.attention %q, %k, %v {softcap = 0x7F800000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: the bias must be finite (+inf).
func.func @sigmoid_bias_inf(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected bias to be finite}}
  %o = tmix.sigmoid_attention %q, %k, %v {bias = 0x7F800000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: the bias must be finite (-inf).
func.func @sigmoid_bias_neg_inf(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected bias to be finite}}
  %o = tmix.sigmoid_attention %q, %k, %v {bias = 0xFF800000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// sigmoid_attention: the bias must be finite (NaN).
func.func @sigmoid_bias_nan(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op expected bias to be finite}}
  %o = tmix.sigmoid_attention %q, %k, %v {bias = 0x7FC00000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: query and key batch sizes differ.
func.func @linear_batch_query_key(%q: tensor<2x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected query and key to have the same batch size, got 2 and 1}}
  %o = tmix.linear_attention %q, %k, %v : tensor<2x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<2x2x4x8xf32>
  return
}

// -----

// linear_attention: key and value batch sizes differ.
func.func @linear_batch_key_value(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<2x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected key and value to have the same batch size, got 1 and 2}}
  %o = tmix.linear_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: key and value head counts differ.
func.func @linear_heads_key_value(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x4x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected key and value to have the same number of heads, got 2 and 4}}
  %o = tmix.linear_attention %q, %k, %v : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x4x8xf32> -> tensor<1x4x4x8xf32>
  return
}

// -----

// linear_attention: key and value sequence lengths differ.
func.func @linear_seq_key_value(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x6x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected key and value to have the same sequence length, got 4 and 6}}
  %o = tmix.linear_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: query and key head dims differ.
func.func @linear_head_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected query and key to have the same head dimension, got 8 and 16}}
  %o = tmix.linear_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: query heads are not a multiple of key/value heads.
func.func @linear_head_multiple(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected the number of query heads (3) to be a multiple of the number of key/value heads (2)}}
  %o = tmix.linear_attention %q, %k, %v : tensor<1x3x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x3x4x8xf32>
  return
}

// -----

// linear_attention: causal form needs Lq == L.
func.func @linear_causal_length(%q: tensor<1x2x3x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected query and key to have the same sequence length (causal), got 3 and 4}}
  %o = tmix.linear_attention %q, %k, %v {causal} : tensor<1x2x3x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x3x8xf32>
  return
}

// -----

// linear_attention: the output shape must be [B, Hq, Lq, Dv].
func.func @linear_output_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x16xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected output of shape 1x2x4x16, got 1x2x4x8}}
  %o = tmix.linear_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: non-causal form only takes the linear rule (gated).
func.func @linear_noncausal_gated(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected update rule 'linear' for non-causal linear attention, got 'gated'}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) {update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: non-causal form only takes the linear rule (delta).
func.func @linear_noncausal_delta(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected update rule 'linear' for non-causal linear attention, got 'delta'}}
  %o = tmix.linear_attention %q, %k, %v beta(%b : tensor<1x2x4xf32>) {update_rule = #tmix.update_rule<delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: gated requires decay.
func.func @linear_gated_no_decay(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op update rule 'gated' requires a decay operand}}
  %o = tmix.linear_attention %q, %k, %v {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: gated_delta requires decay.
func.func @linear_gated_delta_no_decay(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op update rule 'gated_delta' requires a decay operand}}
  %o = tmix.linear_attention %q, %k, %v beta(%b : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<gated_delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: linear does not take decay.
func.func @linear_linear_with_decay(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op update rule 'linear' does not take a decay operand}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: delta does not take decay.
func.func @linear_delta_with_decay(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4xf32>, %b: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op update rule 'delta' does not take a decay operand}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) beta(%b : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: delta requires beta.
func.func @linear_delta_no_beta(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op update rule 'delta' requires a beta operand}}
  %o = tmix.linear_attention %q, %k, %v {causal, update_rule = #tmix.update_rule<delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: gated_delta requires beta.
func.func @linear_gated_delta_no_beta(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op update rule 'gated_delta' requires a beta operand}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<gated_delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: linear does not take beta.
func.func @linear_linear_with_beta(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op update rule 'linear' does not take a beta operand}}
  %o = tmix.linear_attention %q, %k, %v beta(%b : tensor<1x2x4xf32>) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: gated does not take beta.
func.func @linear_gated_with_beta(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4xf32>, %b: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op update rule 'gated' does not take a beta operand}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) beta(%b : tensor<1x2x4xf32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: a per-head decay is [B, Hkv, L].
func.func @linear_decay_shape_3d(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x5xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected decay of shape 1x2x4, got 1x2x5}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x5xf32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: a per-dimension decay is [B, Hkv, L, D].
func.func @linear_decay_shape_4d(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected per-dimension decay of shape 1x2x4x8, got 1x2x4x4}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4x4xf32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: a decay of another rank is checked as per-head.
func.func @linear_decay_rank_2(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected decay of shape 1x2x4, got 2x4}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<2x4xf32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: beta is [B, Hkv, L].
func.func @linear_beta_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4x1xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected beta of shape 1x2x4, got 1x2x4x1}}
  %o = tmix.linear_attention %q, %k, %v beta(%b : tensor<1x2x4x1xf32>) {causal, update_rule = #tmix.update_rule<delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: the initial state is [B, Hkv, D, Dv].
func.func @linear_initial_state_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x6xf32>, %s: tensor<1x2x6x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected initial state of shape 1x2x8x6, got 1x2x6x8}}
  %o = tmix.linear_attention %q, %k, %v state(%s : tensor<1x2x6x8xf32>) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x6xf32> -> tensor<1x2x4x6xf32>
  return
}

// -----

// linear_attention: the final state is [B, Hkv, D, Dv].
func.func @linear_final_state_shape(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected final state of shape 1x2x8x8, got 1x4x8x8}}
  %o, %f = tmix.linear_attention %q, %k, %v : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x4x4x8xf32>, tensor<1x4x8x8xf32>
  return
}

// -----

// linear_attention: without an initial state the final state has the query element type.
func.func @linear_final_state_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected final state element type 'f32', got 'f16'}}
  %o, %f = tmix.linear_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x8x8xf16>
  return
}

// -----

// linear_attention: with an initial state the final state has its element type.
func.func @linear_final_state_type_initial(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %s: tensor<1x2x8x8xf16>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected final state element type 'f16', got 'f32'}}
  %o, %f = tmix.linear_attention %q, %k, %v state(%s : tensor<1x2x8x8xf16>) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x8x8xf32>
  return
}

// -----

// linear_attention: normalize is not defined for the delta rule.
func.func @linear_normalize_delta(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op normalize is only defined for the 'linear' and 'gated' update rules, got 'delta'}}
  %o = tmix.linear_attention %q, %k, %v beta(%b : tensor<1x2x4xf32>) {causal, normalize, update_rule = #tmix.update_rule<delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: normalize is not defined for the gated_delta rule.
func.func @linear_normalize_gated_delta(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4xf32>, %b: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op normalize is only defined for the 'linear' and 'gated' update rules, got 'gated_delta'}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xf32>) beta(%b : tensor<1x2x4xf32>) {causal, normalize, update_rule = #tmix.update_rule<gated_delta>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: normalize cannot take an initial state.
func.func @linear_normalize_initial_state(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %s: tensor<1x2x8x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op normalize cannot be combined with a carried state (initial state or final state)}}
  %o = tmix.linear_attention %q, %k, %v state(%s : tensor<1x2x8x8xf32>) {causal, normalize} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: normalize cannot produce a final state.
func.func @linear_normalize_final_state(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op normalize cannot be combined with a carried state (initial state or final state)}}
  %o, %f = tmix.linear_attention %q, %k, %v {normalize} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>, tensor<1x2x8x8xf32>
  return
}

// -----

// linear_attention: the scale must be finite.
func.func @linear_scale_inf(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected scale to be finite}}
  %o = tmix.linear_attention %q, %k, %v {scale = 0xFF800000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: eps must be non-negative.
func.func @linear_eps_negative(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected eps to be finite and non-negative, got -1.000000e-03}}
  %o = tmix.linear_attention %q, %k, %v {eps = -1.0e-03 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// linear_attention: eps must be finite.
func.func @linear_eps_inf(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op expected eps to be finite and non-negative, got INF}}
  %o = tmix.linear_attention %q, %k, %v {eps = 0x7F800000 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// ODS: the query must be a 4-D tensor.
func.func @ods_query_rank(%q: tensor<2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op operand #0 must be 4D tensor of floating-point values, but got 'tensor<2x4x8xf32>'}}
  %o = tmix.attention %q, %k, %v : tensor<2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// ODS: integer operands are rejected.
func.func @ods_integer_element(%q: tensor<1x2x4x8xi32>, %k: tensor<1x2x4x8xi32>, %v: tensor<1x2x4x8xi32>) {
  // expected-error @+1 {{'tmix.attention' op operand #0 must be 4D tensor of floating-point values, but got 'tensor<1x2x4x8xi32>'}}
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32> -> tensor<1x2x4x8xi32>
  return
}

// -----

// ODS: query and key element types must match.
func.func @ods_element_mismatch(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf16>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op failed to verify that all of {query, key, value, output} have same element type}}
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// ODS: a mask is i1 or float, not i8.
func.func @ods_mask_i8(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<4x4xi8>) {
  // expected-error @+1 {{'tmix.sigmoid_attention' op operand #3 must be ranked tensor of 1-bit signless integer or floating-point values, but got 'tensor<4x4xi8>'}}
  %o = tmix.sigmoid_attention %q, %k, %v mask(%m : tensor<4x4xi8>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// ODS: the linear-attention decay must be a float tensor.
func.func @ods_decay_integer(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %g: tensor<1x2x4xi32>) {
  // expected-error @+1 {{'tmix.linear_attention' op operand #3 must be ranked tensor of floating-point values, but got 'tensor<1x2x4xi32>'}}
  %o = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x4xi32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return
}

// -----

// ODS: the linear-attention output element type must match the query.
func.func @ods_linear_output_element(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.linear_attention' op failed to verify that all of {query, key, value, output} have same element type}}
  %o = tmix.linear_attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf16>
  return
}

// -----

// ODS: pool_mixer input and output types must match (generic form).
func.func @ods_pool_type_mismatch(%x: tensor<1x2x6x4xf32>) {
  // expected-error @+1 {{'tmix.pool_mixer' op failed to verify that all of {input, output} have same type}}
  %y = "tmix.pool_mixer"(%x) : (tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf16>
  return
}

// -----

// pool_mixer window must be non-negative (0 = global).
func.func @pool_negative_window(%x: tensor<1x2x6x4xf32>) {
  // expected-error @+1 {{'tmix.pool_mixer' op expected window to be non-negative (0 = global), got -1}}
  %y = tmix.pool_mixer %x {window = -1 : i64} : tensor<1x2x6x4xf32>
  return
}

// -----

// A clash between query and value is caught even when the key is dynamic.
func.func @query_value_batch_behind_dynamic_key(%q: tensor<2x4x4x8xf32>, %k: tensor<?x?x4x8xf32>, %v: tensor<3x2x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected query and value to have the same batch size, got 2 and 3}}
  %o = tmix.attention %q, %k, %v : tensor<2x4x4x8xf32>, tensor<?x?x4x8xf32>, tensor<3x2x4x8xf32> -> tensor<2x4x4x8xf32>
  return
}

// -----

// The head multiple uses the value's head count when the key's is dynamic.
func.func @heads_multiple_from_value(%q: tensor<2x4x4x8xf32>, %k: tensor<2x?x4x8xf32>, %v: tensor<2x3x4x8xf32>) {
  // expected-error @+1 {{'tmix.attention' op expected the number of query heads (4) to be a multiple of the number of key/value heads (3)}}
  %o = tmix.attention %q, %k, %v : tensor<2x4x4x8xf32>, tensor<2x?x4x8xf32>, tensor<2x3x4x8xf32> -> tensor<2x4x4x8xf32>
  return
}
