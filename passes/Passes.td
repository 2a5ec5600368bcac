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

def TMixReplaceAttentionPass
    : Pass<"tmix-replace-attention", "::mlir::ModuleOp"> {
  let summary = "Swap softmax attention sites for cheaper token mixers";
  let description = [{
    Rewrites the selected `tmix.attention` sites (graph order over the
    module, numbered from 0) into another mixer:

    * `sigmoid`: `tmix.sigmoid_attention` with the same q/k/v, mask, causal
      form and scale; bias -log(Lk) unless `sigmoid-bias` is given. A site
      with a softcap is skipped.
    * `linear`: normalised `tmix.linear_attention` with the chosen feature
      map, causal when the site is (Lq = Lk). A key-padding mask (constant
      along the query axis, and shared by the query heads of a kv group) is
      honoured by weighting phi(k_j) with exp(mask_j) (1/0 for boolean
      masks), so that masked keys add nothing; any other mask, or causal
      attention with Lq != Lk, is skipped.
    * `pool`: average of v over the window (`pool-window`, 0 = global),
      causal when the site is; Lq = Lk and no mask required. GQA sites pool
      the kv heads once and share the result; the q and k computations that
      become dead are erased.
    * `softmax`: nothing is replaced (report only).

    `layers` takes indices and inclusive ranges (`0,2-4`); `nodes` takes
    ONNX node names of any node of a site (its MatMuls or Softmax, or the
    Attention node), or a name scope ending in '/'. With neither, every
    site is selected. Each site gets a remark saying what was done and, if
    it was skipped, why. `report` writes one row per site (ONNX node names,
    shapes, mixer before and after, closed-form FLOP and byte estimates)
    and totals, as text or JSON, to a file or '-' for stdout.
  }];
  let dependentDialects = ["::mlir::tmix::TMixDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
  let options = [
    Option<"mixer", "mixer", "std::string", "\"linear\"",
           "Mixer to put in place of softmax attention: linear, sigmoid, "
           "pool, or softmax (keep; report only)">,
    ListOption<"layers", "layers", "std::string",
               "Site indices or inclusive ranges in graph order (0,2-4)">,
    ListOption<"nodes", "nodes", "std::string",
               "ONNX node names (or scopes ending in '/') selecting sites">,
    Option<"featureMap", "feature-map", "std::string", "\"elu_plus_one\"",
           "Linear mixer feature map: elu_plus_one, relu or identity">,
    Option<"sigmoidBias", "sigmoid-bias", "std::string", "\"\"",
           "Sigmoid mixer bias (a number); -log(Lk) when empty">,
    Option<"poolWindow", "pool-window", "int64_t", "0",
           "Pool mixer window (0 = global)">,
    Option<"report", "report", "std::string", "\"\"",
           "Write the mixer report to this file ('-' = stdout)">,
    Option<"reportFormat", "report-format", "std::string", "\"text\"",
           "Mixer report format: text or json">
  ];
  let statistics = [
    Statistic<"numReplaced", "num-replaced", "Number of sites replaced">,
    Statistic<"numSkipped", "num-skipped",
              "Number of selected sites that could not be replaced">,
    Statistic<"numErased", "num-erased",
              "Number of ops erased because a replacement left them dead">
  ];
}

def TMixTileMixersPass : Pass<"tmix-tile-mixers"> {
  let summary = "Tile softmax and sigmoid attention into online loop nests";
  let description = [{
    Rewrites `tmix.attention` into FlashAttention's online softmax: an
    `scf.forall` over (batch, query head, query tile) and, inside it, an
    `scf.for` over key/value tiles carrying the running row maximum, row
    sum and f32 output accumulator. The Lq x Lk score matrix never exists:
    each step holds one tile_q x tile_k block. Causal attention stops the
    key loop at the last tile the query tile can see, so fully masked tiles
    are never visited. With GQA each query head reads its kv head's slices
    of K and V in place. `tmix.sigmoid_attention` gets the same nest
    without row statistics. `tmix.linear_attention` becomes its
    chunkwise-parallel form for every update rule: per chunk, matmuls for
    the intra-chunk causal part (decay-weighted for the gated rules) and
    against the carried state S (and normaliser z); the delta rules solve
    for the written values by forward substitution inside the chunk. Initial
    and final states are carried in and out. `tmix.pool_mixer` becomes O(L)
    scans for any window: f64 prefix sums for average pooling, blockwise
    forward and backward running maxima (van Herk / Gil-Werman) for max
    pooling. Ops with dynamic shapes are left for tmix-decompose.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
  let options = [
    Option<"tileQ", "tile-q", "int64_t", "64", "Query rows per tile">,
    Option<"tileK", "tile-k", "int64_t", "64", "Keys per tile">,
    Option<"chunk", "chunk", "int64_t", "64",
           "Tokens per chunk of causal linear attention">
  ];
  let statistics = [
    Statistic<"numTiled", "num-tiled", "Number of mixers tiled">
  ];
}

def TMixFuseElementwisePass : Pass<"tmix-fuse-elementwise"> {
  let summary = "Fuse element-wise linalg chains without recomputation";
  let description = [{
    Fuses element-wise producers with a single use into element-wise
    consumers (all-parallel `linalg.generic` ops), so that chains such as
    bias + GELU + residual become one loop nest. Unlike upstream's linalg-fuse-elementwise-ops it
    never fuses into a consumer with reduction loops, where the producer
    would be recomputed once per reduction step (a GELU inside a matmul's
    k loop, say). Math in the fused bodies is simplified algebraically
    (powers with small constant exponents become products).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def TMixExternalizeWeightsPass
    : Pass<"tmix-externalize-weights", "::mlir::ModuleOp"> {
  let summary = "Move large constant buffers into a side file";
  let description = [{
    After bufferization, every constant `memref.global` of at least
    `min-bytes` (not a splat, byte-sized elements) is written to `file` and
    its `memref.get_global` uses become `memref.view`s into one external
    byte buffer, `@tmix__weights`, that the model library fills from the
    file when it is loaded. Large models then fit the small code model and
    keep their weights out of the shared library.

    The file is a 4096-byte header (magic `TMIXWTS\0`, format version 1,
    payload bytes, a 64-bit id hashed from the payload, all little-endian
    u64) followed by the payload, each buffer at a 64-byte aligned offset.
    The module gets `tmix.external_weights = {bytes, id}` so the library
    can check that a file belongs to it. When the buffers together hold
    fewer than `embed-limit` bytes nothing changes and no file is written.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"file", "file", "std::string", "", "Path of the weights file">,
    Option<"minBytes", "min-bytes", "int64_t", "4096",
           "Smallest buffer moved to the file">,
    Option<"embedLimit", "embed-limit", "int64_t", "0",
           "Keep everything embedded below this many bytes in total">
  ];
  let statistics = [
    Statistic<"numMoved", "num-moved", "Number of buffers moved to the file">,
    Statistic<"bytesMoved", "bytes-moved", "Bytes moved to the file">
  ];
}

def TMixApproximateMathPass : Pass<"tmix-approximate-math"> {
  let summary = "Polynomial forms of math ops the vector math library lacks";
  let description = [{
    Rewrites the `math` ops named in `ops` (by mnemonic; `erf` by default)
    on f32, f16 and bf16 scalars and vectors into MLIR's polynomial
    approximations, computed in f32. glibc's libmvec has no vector `erf`,
    so a loop calling `erff` (BERT's exact GELU) stays scalar; the
    polynomial vectorises. f64 ops and ops not named are left alone.
  }];
  let dependentDialects = ["::mlir::math::MathDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "Mnemonics of the math ops to approximate (default: erf)">
  ];
  let statistics = [
    Statistic<"numApproximated", "num-approximated",
              "Number of math ops approximated">
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

def TMixUntieInitsPass : Pass<"tmix-untie-inits"> {
  let summary = "Give each destination-style op its own zero-filled or empty init";
  let description = [{
    Where one `tensor.empty`, or one `linalg.fill` of a `tensor.empty`, is
    the init of several destination-style ops on tensors (CSE merges the
    zero fills of every matmul), each of those ops but the last gets a
    copy of it built right before it. Bufferization then writes each op's
    result in place instead of copying the shared buffer before every
    writer. Fills of other tensors, and inits with one use, are left alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numUntied", "num-untied", "Number of inits given their own copy">
  ];
}

def TMixQuantizePass : Pass<"tmix-quantize", "::mlir::ModuleOp"> {
  let summary = "Run dequantized and (optionally) f32 matmuls as int8 products";
  let description = [{
    A `linalg.matmul` of two DequantizeLinear generics (what a Q/DQ model
    converts to: (tofp(x) [- tofp(zp)]) * scale with x of 8 bits; A's
    parameters per tensor, possibly flattened through a collapse_shape, B's
    per tensor or per column) becomes the integer product of the 8-bit
    tensors with their zero points, dequantized after by a_scale *
    b_scale[j]; the weights are no longer dequantized to f32 on every run.
    This always happens.

    With `quantize-weights`, it also rewrites every `linalg.matmul` on f32
    tensors whose B is a constant
    (a weight) into an int8 product: B is quantized once, here, per output
    column and symmetrically (scale max|B[:, j]| / 127, values in
    [-127, 127], stored as an i8 constant: 4x smaller than f32); A is
    quantized when the model runs, per row and symmetrically (scale
    max|A[i, :]| / 127). The product is the integer contraction generic
    backends recognise (s8 x s8 -> i32, no zero points) and its result is
    dequantized by an element-wise generic (acc * a_scale[i] *
    b_scale[j], plus C when the matmul accumulates into something other
    than zeros), into which later fusion pulls bias adds and activations.
    `nodes` restricts the rewrite to matmuls of the named ONNX nodes (a
    name, or a scope ending in '/'). Batched matmuls (attention) and
    matmuls of two activations are left alone.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"quantizeWeights", "quantize-weights", "bool", /*default=*/"true",
           "Also quantize f32 matmuls with a constant B (--quantize=int8)">,
    ListOption<"nodes", "nodes", "std::string",
               "With quantize-weights: only the matmuls of these ONNX nodes "
               "or scopes ('/' at the end)">
  ];
  let statistics = [
    Statistic<"numDequantizedProducts", "num-dequantized-products",
              "Number of matmuls of dequantized tensors made int8 products">,
    Statistic<"numQuantized", "num-quantized",
              "Number of matmuls rewritten as int8 products">,
    Statistic<"numWeightBytesSaved", "num-weight-bytes-saved",
              "Bytes of f32 weights replaced by int8 ones">
  ];
}

def TMixSignlessPass : Pass<"tmix-signless", "::mlir::ModuleOp"> {
  let summary = "Make unsigned integer and narrow float types signless "
                "integers for lowering";
  let description = [{
    ONNX uint8..uint64 tensors keep their signedness in the tensor type
    through the conversion, where casts, comparisons, division and
    quantization read it, and float8/float4 tensors keep their format; the
    ops built there already compute on signless scalars (the formats'
    bits). Bufferization and the LLVM lowering want signless types
    throughout, so this pass rewrites every unsigned integer and narrow
    float element type in the module (values, block arguments, function
    types, dense and resource constants, type attributes) to the signless
    integer type of the same width, and erases the `tensor.bitcast`s that
    become no-ops. The model's
    ABI (its dtypes) is described before it runs.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numRetyped", "num-retyped", "Number of values retyped">
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
