//===- Passes.td - tmix transformation passes --------------*- tablegen -*-===//

#ifndef TMIX_PASSES_TD
#define TMIX_PASSES_TD

include "mlir/Pass/PassBase.td"

def TMixDecomposePass : Pass<"tmix-decompose"> {
  let summary = "Rewrite tmix mixers into their reference linalg-on-tensors form";
  let description = [{
    Replaces each tmix op with the naive computation its definition states,
    as linalg.generic ops on tensors (plus tensor, arith, math and, for the
    recurrent linear-attention rules, an scf.for over time). Scores and
    probabilities are materialised in full and every reduction accumulates
    in f32 (f64 for f64 operands): this form is the numerical oracle that
    tiled lowerings are checked against, not a fast path.

    `ops` restricts the rewrite to the named ops (e.g. `ops=attention,pool_mixer`);
    the others are left alone.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "tmix op names to decompose (attention, sigmoid_attention, "
               "linear_attention, pool_mixer); all when empty">
  ];
  let statistics = [
    Statistic<"numDecomposed", "num-decomposed", "Number of tmix ops decomposed">
  ];
}

def TMixFuseAttentionPass : Pass<"tmix-fuse-attention"> {
  let summary = "Raise decomposed softmax attention to tmix.attention";
  let description = [{
    Recognises MatMul -> scale -> mask -> Softmax -> MatMul in converted
    graphs (linalg.batch_matmul / linalg.softmax with element-wise steps)
    and replaces it with one `tmix.attention`, carrying the scale (from the
    scores, from Q, from K, or split between them), a float or boolean
    mask, and the causal form when a constant mask spells one (also on
    existing `tmix.attention` ops, as imported from ONNX Attention). SDPA's
    `select(isnan(p), 0, p)` guard and the ONNX Attention function's
    fully-masked-row guard are absorbed (tmix rows with no visible key are
    0); several masks on one site are summed into one. GQA written as
    Unsqueeze/Expand/Reshape of K and V reads the kv heads without a copy.
    Near misses are left alone: a softmax over another axis, probabilities
    or scores with another use, a scale after an additive mask, a mask
    before a softcap.
  }];
  let dependentDialects = ["::mlir::tmix::TMixDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
  let statistics = [
    Statistic<"numFused", "num-fused", "Number of attention sites fused">,
    Statistic<"numCausalLifted", "num-causal-lifted",
              "Number of constant masks turned into the causal attribute">
  ];
}

def TMixProtectInputsPass : Pass<"tmix-protect-inputs", "::mlir::ModuleOp"> {
  let summary = "Mark tensor arguments of public functions read-only";
  let description = [{
    Sets `bufferization.writable = false` on every tensor argument of every
    public function. Compiled models and the reference path hand caller
    buffers to these functions; without the mark, one-shot bufferization may
    update an input in place (a linear-attention state, say) and clobber
    the caller's data. Private functions and arguments that already carry
    the attribute are left alone.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
  let statistics = [
    Statistic<"numProtected", "num-protected", "Number of arguments marked read-only">
  ];
}

def TMixDistinctResultsPass : Pass<"tmix-distinct-results", "::mlir::ModuleOp"> {
  let summary = "Give every tensor result of a public function its own value";
  let description = [{
    A public function that returns the same tensor value more than once (an
    ONNX graph whose outputs alias, say) gets a `linalg.copy` for each
    repeat, so that each result can become its own caller-provided output
    buffer. Functions whose results are already distinct are left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numCopies", "num-copies", "Number of repeated results copied">
  ];
}

def TMixDecomposeAggregatesPass : Pass<"tmix-decompose-aggregates"> {
  let summary = "Decompose aggregated linalg ops (linalg.softmax) into generics";
  let description = [{
    Rewrites every op implementing `linalg::AggregatedOpInterface` with the
    ops its `decomposeOperation` returns (for `linalg.softmax`: max, exp,
    sum and divide generics), so loop-level lowerings can handle them.
    Other ops are left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numDecomposed", "num-decomposed", "Number of aggregated ops decomposed">
  ];
}

#endif // TMIX_PASSES_TD
