// A bundled default model: one block with each tmix mixer on shared q/k/v
// projections (B=1, 8 query heads, 2 key/value heads, L=64, D=32).
func.func @softmax_gqa_causal(%q: tensor<1x8x64x32xf32>, %k: tensor<1x2x64x32xf32>,
                              %v: tensor<1x2x64x32xf32>) -> tensor<1x8x64x32xf32> {
  %o = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>}
     : tensor<1x8x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x8x64x32xf32>
  return %o : tensor<1x8x64x32xf32>
}

func.func @sigmoid_causal(%q: tensor<1x8x64x32xf32>, %k: tensor<1x2x64x32xf32>,
                          %v: tensor<1x2x64x32xf32>) -> tensor<1x8x64x32xf32> {
  %o = tmix.sigmoid_attention %q, %k, %v {causal = #tmix.causal<top_left>}
     : tensor<1x8x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x8x64x32xf32>
  return %o : tensor<1x8x64x32xf32>
}

func.func @linear_elu_normalized(%q: tensor<1x8x64x32xf32>, %k: tensor<1x2x64x32xf32>,
                                 %v: tensor<1x2x64x32xf32>) -> tensor<1x8x64x32xf32> {
  %o = tmix.linear_attention %q, %k, %v
       {causal, normalize, feature_map = #tmix.feature_map<elu_plus_one>}
     : tensor<1x8x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x8x64x32xf32>
  return %o : tensor<1x8x64x32xf32>
}

func.func @avg_pool_causal(%v: tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32> {
  %o = tmix.pool_mixer %v {window = 8 : i64, causal} : tensor<1x2x64x32xf32>
  return %o : tensor<1x2x64x32xf32>
}
