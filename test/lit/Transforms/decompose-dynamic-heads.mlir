// tmix-decompose needs a static query/key-value head ratio to build the
// key/value head map; ops where it is dynamic are reported, not rewritten.
// RUN: tmix-opt %s --tmix-decompose -split-input-file -verify-diagnostics

// Dynamic query heads with two key/value heads: the group size is unknown.
func.func @attention_dynamic_query_heads(%q: tensor<1x?x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x?x4x8xf32> {
  // expected-error @+1 {{could not be decomposed: the ratio of query to key/value heads must be static}}
  %o = tmix.attention %q, %k, %v : tensor<1x?x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x?x4x8xf32>
  return %o : tensor<1x?x4x8xf32>
}

// -----

// The same for sigmoid attention.
func.func @sigmoid_dynamic_query_heads(%q: tensor<1x?x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x?x4x8xf32> {
  // expected-error @+1 {{could not be decomposed: the ratio of query to key/value heads must be static}}
  %o = tmix.sigmoid_attention %q, %k, %v : tensor<1x?x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x?x4x8xf32>
  return %o : tensor<1x?x4x8xf32>
}

// -----

// Linear attention with dynamic key/value heads and static query heads.
func.func @linear_dynamic_kv_heads(%q: tensor<1x4x4x8xf32>, %k: tensor<1x?x4x8xf32>, %v: tensor<1x?x4x8xf32>) -> tensor<1x4x4x8xf32> {
  // expected-error @+1 {{could not be decomposed: the ratio of query to key/value heads must be static}}
  %o = tmix.linear_attention %q, %k, %v {causal} : tensor<1x4x4x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32> -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

// -----

// Both head counts dynamic: also rejected, even though they may be equal.
func.func @attention_both_heads_dynamic(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x4x8xf32>, %v: tensor<1x?x4x8xf32>) -> tensor<1x?x4x8xf32> {
  // expected-error @+1 {{could not be decomposed: the ratio of query to key/value heads must be static}}
  %o = tmix.attention %q, %k, %v : tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32> -> tensor<1x?x4x8xf32>
  return %o : tensor<1x?x4x8xf32>
}

// -----

// Only the failing op is reported: a decomposable pool_mixer next to it
// raises no diagnostic.
func.func @mixed(%q: tensor<1x?x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %x: tensor<1x2x4x8xf32>) -> (tensor<1x?x4x8xf32>, tensor<1x2x4x8xf32>) {
  %y = tmix.pool_mixer %x : tensor<1x2x4x8xf32>
  // expected-error @+1 {{could not be decomposed: the ratio of query to key/value heads must be static}}
  %o = tmix.attention %q, %k, %v : tensor<1x?x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x?x4x8xf32>
  return %o, %y : tensor<1x?x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// Dynamic query heads with a single key/value head (MQA) are fine: every
// query head reads head 0, so no diagnostic is expected.
func.func @mqa_dynamic_query_heads(%q: tensor<1x?x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x?x4x8xf32> {
  %o = tmix.attention %q, %k, %v : tensor<1x?x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x?x4x8xf32>
  return %o : tensor<1x?x4x8xf32>
}

// -----

// A mask dimension that is dynamic may or may not be a broadcast: rejected.
func.func @attention_dynamic_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<?x4xi1>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{could not be decomposed: a mask with dynamic dimensions is ambiguous to broadcast}}
  %o = tmix.attention %q, %k, %v mask(%m : tensor<?x4xi1>) : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
