//===- Passes.td - tmix conversion passes ------------------*- tablegen -*-===//

#ifndef TMIX_CONVERSION_PASSES_TD
#define TMIX_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertOnnxToTMixPass : Pass<"convert-onnx-to-tmix", "::mlir::ModuleOp"> {
  let summary = "Give imported ONNX nodes their meaning in linalg/tensor/arith/math and tmix";
  let description = [{
    Rewrites every `onnx.node` of every function carrying
    `onnx.opset_import`, in order, with the rule registered for its
    (domain, op type) at the highest minimum opset not above the model's.
    Shapes must be static; subgraphs that compute on constants (shape
    arithmetic, masks built from constants) fold to constants. Gather-family
    indices are checked: constant ones here, the others at run time, where
    an index out of range calls `tmix_rt_index_error(value, bound, check)`
    (the check named in the function's `tmix.index_checks`) and the read is
    clamped into the data. With `index-checks=false` (targets whose host
    cannot read the indices) reads are only clamped. ONNX
    `Attention` (23+) becomes `tmix.attention` and `LinearAttention` (27)
    `tmix.linear_attention`. Any node without a rule, with an unsupported
    attribute value or with inconsistent shapes is an error that names the
    node, its op type and opset.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::tmix::TMixDialect"
  ];
  let options = [
    Option<"foldLimit", "fold-limit", "int64_t", /*default=*/"16384",
           "Largest all-constant result (in elements) folded at conversion time">,
    Option<"indexChecks", "index-checks", "bool", /*default=*/"true",
           "Report out-of-range run-time indices through "
           "tmix_rt_index_error; without it they are only clamped">
  ];
  let statistics = [
    Statistic<"numConverted", "num-converted", "Number of ONNX nodes converted">,
    Statistic<"numFolded", "num-folded", "Number of node results folded to constants">
  ];
}

#endif // TMIX_CONVERSION_PASSES_TD
