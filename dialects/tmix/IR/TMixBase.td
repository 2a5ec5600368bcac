//===- TMixBase.td - tmix dialect, enums and op base -------*- tablegen -*-===//
//
// The tmix dialect: token mixers for transformer models.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_IR_TMIXBASE_TD
#define TMIX_IR_TMIXBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def TMix_Dialect : Dialect {
  let name = "tmix";
  let cppNamespace = "::mlir::tmix";
  let summary = "Token mixers for transformer models";
  let description = [{
    The tmix dialect models the token-mixing layers of transformer models as
    single ops on tensors: softmax attention, sigmoid attention, kernelised
    and gated/delta linear attention, and pooling mixers. Every op has an
    exact reference decomposition to linalg on tensors (`tmix-decompose`),
    which is the numerical oracle for the optimised lowerings.

    Shapes follow one convention: `B` batch, `Hq` query heads, `Hkv`
    key/value heads (`Hq % Hkv == 0`; query head `h` reads key/value head
    `h / (Hq / Hkv)`), `Lq`, `Lk`, `L` sequence lengths, `D` head dim and
    `Dv` value head dim. f16 and bf16 operands are accumulated in f32.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = [];
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def TMix_CausalMode : I32EnumAttr<"CausalMode", "causal masking form", [
    I32EnumAttrCase<"none", 0>,
    // Key j is visible to query i iff j <= i (ONNX Attention, PyTorch SDPA).
    I32EnumAttrCase<"top_left", 1>,
    // Key j is visible to query i iff j <= i + Lk - Lq (KV-cache decoding).
    I32EnumAttrCase<"bottom_right", 2>]> {
  let cppNamespace = "::mlir::tmix";
  let genSpecializedAttr = 0;
}
def TMix_CausalModeAttr : EnumAttr<TMix_Dialect, TMix_CausalMode, "causal"> {
  let assemblyFormat = "`<` $value `>`";
}

def TMix_FeatureMap : I32EnumAttr<"FeatureMap",
    "feature map applied to queries and keys of linear attention", [
    I32EnumAttrCase<"identity", 0>,
    I32EnumAttrCase<"elu_plus_one", 1>,
    I32EnumAttrCase<"relu", 2>]> {
  let cppNamespace = "::mlir::tmix";
  let genSpecializedAttr = 0;
}
def TMix_FeatureMapAttr
    : EnumAttr<TMix_Dialect, TMix_FeatureMap, "feature_map"> {
  let assemblyFormat = "`<` $value `>`";
}

def TMix_UpdateRule : I32EnumAttr<"UpdateRule",
    "state update rule of linear attention (ONNX LinearAttention-27)", [
    I32EnumAttrCase<"linear", 0>,
    I32EnumAttrCase<"gated", 1>,
    I32EnumAttrCase<"delta", 2>,
    I32EnumAttrCase<"gated_delta", 3>]> {
  let cppNamespace = "::mlir::tmix";
  let genSpecializedAttr = 0;
}
def TMix_UpdateRuleAttr
    : EnumAttr<TMix_Dialect, TMix_UpdateRule, "update_rule"> {
  let assemblyFormat = "`<` $value `>`";
}

def TMix_PoolKind : I32EnumAttr<"PoolKind", "pooling reduction", [
    I32EnumAttrCase<"avg", 0>,
    I32EnumAttrCase<"max", 1>]> {
  let cppNamespace = "::mlir::tmix";
  let genSpecializedAttr = 0;
}
def TMix_PoolKindAttr : EnumAttr<TMix_Dialect, TMix_PoolKind, "pool_kind"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Op base and type constraints
//===----------------------------------------------------------------------===//

class TMix_Op<string mnemonic, list<Trait> traits = []>
    : Op<TMix_Dialect, mnemonic, !listconcat(traits, [Pure])>;

def TMix_FloatTensor4D : 4DTensorOf<[AnyFloat]>;
def TMix_MaskTensor : RankedTensorOf<[I1, AnyFloat]>;
def TMix_FloatTensor : RankedTensorOf<[AnyFloat]>;

#endif // TMIX_IR_TMIXBASE_TD
