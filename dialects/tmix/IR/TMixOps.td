//===- TMixOps.td - tmix token-mixer ops -------------------*- tablegen -*-===//
//
// The four token mixers. Their exact math is the contract that the reference
// decomposition (tmix-decompose) implements and every lowering must match.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_IR_TMIXOPS_TD
#define TMIX_IR_TMIXOPS_TD

include "tmix/IR/TMixBase.td"
include "tmix/IR/TMixInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

def TMix_AttentionOp : TMix_Op<"attention",
    [AllElementTypesMatch<["query", "key", "value", "output"]>,
     DeclareOpInterfaceMethods<TMix_MixerOpInterface, ["getQueries",
       "getKeys", "getMaskOperand", "getScoreSpec"]>]> {
  let summary = "scaled dot-product softmax attention";
  let description = [{
    Computes, for query `q[B,Hq,Lq,D]`, key `k[B,Hkv,Lk,D]` and value
    `v[B,Hkv,Lk,Dv]`:

    ```
    s[b,h,i,j] = scale * sum_d q[b,h,i,d] * k[b,h/G,j,d]     G = Hq / Hkv
    s = softcap * tanh(s / softcap)                         if softcap is set
    s = s + mask            (float mask, broadcast to [B,Hq,Lq,Lk])
    key j is hidden from query i where a boolean mask is false, or where the
    causal form hides it (top_left: j > i; bottom_right: j > i + Lk - Lq)
    o[b,h,i,:] = sum_j softmax_j(s[b,h,i,:]) * v[b,h/G,j,:]
    ```

    `scale` defaults to `1/sqrt(D)`. A query row with no visible key (every
    key hidden, or every score `-inf`) produces zeros, never NaN. f16 and
    bf16 operands accumulate in f32.

    Example:

    ```mlir
    %o = tmix.attention %q, %k, %v mask(%m : tensor<1x1x1x128xi1>)
           {causal = #tmix.causal<bottom_right>, softcap = 5.0e+01 : f32}
         : tensor<1x8x16x64xf32>, tensor<1x2x128x64xf32>,
           tensor<1x2x128x64xf32> -> tensor<1x8x16x64xf32>
    ```
  }];
  let arguments = (ins
    TMix_FloatTensor4D:$query,
    TMix_FloatTensor4D:$key,
    TMix_FloatTensor4D:$value,
    Optional<TMix_MaskTensor>:$mask,
    OptionalAttr<F32Attr>:$scale,
    OptionalAttr<F32Attr>:$softcap,
    DefaultValuedAttr<TMix_CausalModeAttr, "::mlir::tmix::CausalMode::none">:$causal
  );
  let results = (outs TMix_FloatTensor4D:$output);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask^ `:` type($mask) `)`)?
    attr-dict `:` type($query) `,` type($key) `,` type($value) `->`
    type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// SigmoidAttentionOp
//===----------------------------------------------------------------------===//

def TMix_SigmoidAttentionOp : TMix_Op<"sigmoid_attention",
    [AllElementTypesMatch<["query", "key", "value", "output"]>,
     DeclareOpInterfaceMethods<TMix_MixerOpInterface, ["getQueries",
       "getKeys", "getMaskOperand", "getScoreSpec"]>]> {
  let summary = "sigmoid attention (no normalisation over keys)";
  let description = [{
    Same operands, masks, causal forms and GQA rule as `tmix.attention`, with
    the softmax replaced by an element-wise sigmoid:

    ```
    s[b,h,i,j] = scale * sum_d q[b,h,i,d] * k[b,h/G,j,d] + bias (+ mask)
    o[b,h,i,:] = sum_{j visible} sigmoid(s[b,h,i,j]) * v[b,h/G,j,:]
    ```

    `scale` defaults to `1/sqrt(D)` and `bias` to `-log(Lk)` ("Theory,
    Analysis, and Best Practices for Sigmoid Self-Attention"). Hidden keys
    contribute nothing, so a row with no visible key is zero.

    Example:

    ```mlir
    %o = tmix.sigmoid_attention %q, %k, %v {causal = #tmix.causal<top_left>}
         : tensor<2x4x64x32xf32>, tensor<2x4x64x32xf32>,
           tensor<2x4x64x32xf32> -> tensor<2x4x64x32xf32>
    ```
  }];
  let arguments = (ins
    TMix_FloatTensor4D:$query,
    TMix_FloatTensor4D:$key,
    TMix_FloatTensor4D:$value,
    Optional<TMix_MaskTensor>:$mask,
    OptionalAttr<F32Attr>:$scale,
    OptionalAttr<F32Attr>:$bias,
    DefaultValuedAttr<TMix_CausalModeAttr, "::mlir::tmix::CausalMode::none">:$causal
  );
  let results = (outs TMix_FloatTensor4D:$output);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask^ `:` type($mask) `)`)?
    attr-dict `:` type($query) `,` type($key) `,` type($value) `->`
    type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// LinearAttentionOp
//===----------------------------------------------------------------------===//

def TMix_LinearAttentionOp : TMix_Op<"linear_attention",
    [AttrSizedOperandSegments,
     AllElementTypesMatch<["query", "key", "value", "output"]>,
     DeclareOpInterfaceMethods<TMix_MixerOpInterface, ["getQueries",
       "getKeys"]>]> {
  let summary = "kernelised, gated and delta-rule linear attention";
  let description = [{
    Linear attention over a state `S[B,Hkv,D,Dv]`, covering kernelised linear
    attention ("Transformers are RNNs") and ONNX LinearAttention-27. The
    feature map `phi` (`identity`, `elu_plus_one`, `relu`) is applied to
    queries and keys. With `causal`, for t = 0 .. L-1:

    ```
    S = exp(g_t) * S                      gated, gated_delta (g = decay)
    S = S + phi(k_t) v_t^T                linear, gated
    S = S + beta_t phi(k_t) (v_t - S^T phi(k_t))^T        delta, gated_delta
    o_t = scale * phi(q_t)^T S            (query head h reads state h/G)
    ```

    `decay` is a log-space gate of shape `[B,Hkv,L]` (one per head) or
    `[B,Hkv,L,D]` (one per key dimension, scaling the rows of S); `beta` has
    shape `[B,Hkv,L]`. `decay` is required by and only allowed for the gated
    rules, `beta` likewise for the delta rules. Without `causal` (only for
    the `linear` rule) one global state `S = S0 + sum_j phi(k_j) v_j^T` is
    read by every query, and the query and key lengths may differ.

    `normalize` (linear and gated rules, no carried state) divides every
    output row by `phi(q_t)^T z_t + eps`, where `z` follows the same
    recurrence as S with `v_t` replaced by one. `scale` defaults to
    `1/sqrt(D)`. The optional `initial_state` seeds S (zero otherwise) and
    the optional second result is the final state.

    Example:

    ```mlir
    %o, %s = tmix.linear_attention %q, %k, %v decay(%g : tensor<2x4x16xf32>)
               beta(%b : tensor<2x4x16xf32>)
               {causal, update_rule = #tmix.update_rule<gated_delta>}
             : tensor<2x8x16x32xf32>, tensor<2x4x16x32xf32>,
               tensor<2x4x16x32xf32> -> tensor<2x8x16x32xf32>,
               tensor<2x4x32x32xf32>
    ```
  }];
  let arguments = (ins
    TMix_FloatTensor4D:$query,
    TMix_FloatTensor4D:$key,
    TMix_FloatTensor4D:$value,
    Optional<TMix_FloatTensor>:$decay,
    Optional<TMix_FloatTensor>:$beta,
    Optional<TMix_FloatTensor4D>:$initial_state,
    DefaultValuedAttr<TMix_FeatureMapAttr,
                      "::mlir::tmix::FeatureMap::identity">:$feature_map,
    DefaultValuedAttr<TMix_UpdateRuleAttr,
                      "::mlir::tmix::UpdateRule::linear">:$update_rule,
    UnitAttr:$causal,
    UnitAttr:$normalize,
    OptionalAttr<F32Attr>:$scale,
    DefaultValuedAttr<F32Attr, "1.0e-6f">:$eps
  );
  let results = (outs
    TMix_FloatTensor4D:$output,
    Optional<TMix_FloatTensor4D>:$final_state
  );
  let assemblyFormat = [{
    $query `,` $key `,` $value
    (`decay` `(` $decay^ `:` type($decay) `)`)?
    (`beta` `(` $beta^ `:` type($beta) `)`)?
    (`state` `(` $initial_state^ `:` type($initial_state) `)`)?
    attr-dict `:` type($query) `,` type($key) `,` type($value) `->`
    type($output) (`,` type($final_state)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// True for the rules that multiply the state by exp(decay).
    bool isGated() {
      return getUpdateRule() == UpdateRule::gated ||
             getUpdateRule() == UpdateRule::gated_delta;
    }
    /// True for the rules that write beta * (v - S^T k).
    bool isDelta() {
      return getUpdateRule() == UpdateRule::delta ||
             getUpdateRule() == UpdateRule::gated_delta;
    }
  }];
}

//===----------------------------------------------------------------------===//
// PoolMixerOp
//===----------------------------------------------------------------------===//

def TMix_PoolMixerOp : TMix_Op<"pool_mixer",
    [AllTypesMatch<["input", "output"]>,
     DeclareOpInterfaceMethods<TMix_MixerOpInterface>]> {
  let summary = "token mixing by pooling along the sequence";
  let description = [{
    Pools `x[B,H,L,C]` along `L`. Token `i` reduces (`avg` or `max`) over
    the tokens `j` of its window, clipped to `[0, L)`; an average divides by
    the number of tokens actually in the window:

    ```
    window == 0, not causal:  every j
    window == 0, causal:      j <= i
    window == w, not causal:  i - (w-1)/2 <= j <= i + w/2   (integer division)
    window == w, causal:      i - w + 1 <= j <= i
    ```

    With `subtract_input` the result is `pool(x) - x` (PoolFormer). An
    average over a window is attention with uniform weights, which is how
    this op replaces softmax attention on the values.

    Example:

    ```mlir
    %y = tmix.pool_mixer %x {kind = #tmix.pool_kind<avg>, window = 3 : i64,
                             subtract_input} : tensor<1x4x56x32xf32>
    ```
  }];
  let arguments = (ins
    TMix_FloatTensor4D:$input,
    DefaultValuedAttr<TMix_PoolKindAttr, "::mlir::tmix::PoolKind::avg">:$kind,
    DefaultValuedAttr<I64Attr, "0">:$window,
    UnitAttr:$causal,
    UnitAttr:$subtract_input
  );
  let results = (outs TMix_FloatTensor4D:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

#endif // TMIX_IR_TMIXOPS_TD
