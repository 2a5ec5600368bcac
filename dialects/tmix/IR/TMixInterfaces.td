//===- TMixInterfaces.td - the token-mixer op interface ----*- tablegen -*-===//
//
// Every tmix mixer implements MixerOpInterface. Passes and targets reach a
// mixer only through it: which operand plays which role, the sizes, the
// causal form and score transform, the cost model, and the three lowerings
// a mixer owns (replacing a softmax site, its reference decomposition and
// its tiled form). A new mixer is a new op implementing this interface; no
// pass changes.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_IR_TMIXINTERFACES_TD
#define TMIX_IR_TMIXINTERFACES_TD

include "mlir/IR/OpBase.td"

def TMix_MixerOpInterface : OpInterface<"MixerOpInterface"> {
  let cppNamespace = "::mlir::tmix";
  let description = [{
    A token mixer mixes the rows of `values` `[B, Hkv, Lk, Dv]` along the
    sequence into an output `[B, Hq, Lq, Dv]`, with weights that may depend
    on `queries` `[B, Hq, Lq, D]` and `keys` `[B, Hkv, Lk, D]` (query head
    `h` reads key/value head `h / (Hq / Hkv)`). Mixers without queries and
    keys (pooling) return null for them; their query length and heads are
    those of the values.
  }];

  let methods = [
    StaticInterfaceMethod<
      "The name this mixer has in `--mixer`, reports and remarks.",
      "::llvm::StringRef", "getMixerName">,
    InterfaceMethod<"The queries `[B, Hq, Lq, D]`, or null.",
      "::mlir::Value", "getQueries", (ins), "", "return {};">,
    InterfaceMethod<"The keys `[B, Hkv, Lk, D]`, or null.",
      "::mlir::Value", "getKeys", (ins), "", "return {};">,
    InterfaceMethod<"The values `[B, Hkv, Lk, Dv]` whose rows are mixed.",
      "::mlir::Value", "getValues">,
    InterfaceMethod<"The mask operand, or null.",
      "::mlir::Value", "getMaskOperand", (ins), "", "return {};">,
    InterfaceMethod<"The mixed output `[B, Hq, Lq, Dv]`.",
      "::mlir::Value", "getMixed", (ins), "",
      "return $_op->getResult(0);">,
    InterfaceMethod<[{
        Which keys each query sees: `top_left` (j <= i), `bottom_right`
        (j <= i + Lk - Lq) or all of them.
      }], "::mlir::tmix::CausalMode", "getCausalForm">,
    InterfaceMethod<[{
        The transform from a raw score q.k to a weight, for mixers that
        weigh every query-key pair; nothing for the others.
      }], "std::optional<::mlir::tmix::ScoreSpec>", "getScoreSpec", (ins), "",
      "return std::nullopt;">,
    StaticInterfaceMethod<[{
        Closed-form FLOPs and bytes of this mixer at `site` (the sizes and
        causal form of the site it computes or would replace).
      }], "::mlir::tmix::MixerCost", "estimateCostAt",
      (ins "const ::mlir::tmix::MixerSite &":$site)>,
    StaticInterfaceMethod<[{
        Builds this mixer in place of the softmax attention `site` at `b`'s
        insertion point and returns its output, with `note` describing what
        was built; or fails with the reason in `note` when this mixer cannot
        express the site faithfully.
      }], "::mlir::FailureOr<::mlir::Value>", "buildReplacement",
      (ins "::mlir::OpBuilder &":$b, "::mlir::tmix::MixerOpInterface":$site,
           "const ::mlir::tmix::ReplacementOptions &":$options,
           "std::string &":$note)>,
    InterfaceMethod<[{
        The reference decomposition (linalg on tensors) of this op's
        results, built at `b`'s insertion point; the numerical oracle. Fails
        with the reason in `why`.
      }], "::mlir::FailureOr<::llvm::SmallVector<::mlir::Value>>", "decompose",
      (ins "::mlir::OpBuilder &":$b, "std::string &":$why)>,
    InterfaceMethod<[{
        The tiled form of this op's results (online-softmax nest, chunkwise
        scan, ...), built at `b`'s insertion point; fails for forms left to
        the decomposition (dynamic shapes).
      }], "::mlir::FailureOr<::llvm::SmallVector<::mlir::Value>>",
      "buildTiledForm",
      (ins "::mlir::OpBuilder &":$b,
           "const ::mlir::tmix::MixerTiling &":$tiling)>,
  ];

  let extraClassDeclaration = [{
    /// The sizes, read once from the operands by role.
    MixerDims getDims();
    /// Sizes, causal form and byte widths, as the cost model takes them.
    MixerSite getSite();
    /// This mixer's own cost.
    MixerCost estimateCost();
  }];
}

#endif // TMIX_IR_TMIXINTERFACES_TD
