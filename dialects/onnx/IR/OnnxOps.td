//===- OnnxOps.td - the raw ONNX graph dialect -------------*- tablegen -*-===//
//
// What the ONNX importer emits: one generic op per graph node, carrying the
// node's op type, domain, name and attributes verbatim. Meaning is given
// later by convert-onnx-to-tmix, keyed by (domain, op type, opset), so the
// conversion is testable as text without protobuf.
//
//===----------------------------------------------------------------------===//

#ifndef TMIX_ONNX_OPS_TD
#define TMIX_ONNX_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::mlir::tmix::onnxir";
  let summary = "ONNX graphs as imported, one generic op per node";
  let description = [{
    The opsets a model imports are recorded on its function as
    `onnx.opset_import = {"ai.onnx" = 17 : i64, ...}`; the default domain is
    spelled `ai.onnx`.
  }];
  let useDefaultTypePrinterParser = 1;
}

def Onnx_ValueType : TypeDef<Onnx_Dialect, "Value"> {
  let mnemonic = "value";
  let summary = "an ONNX value whose type the graph does not declare";
}

def Onnx_NodeOp : Op<Onnx_Dialect, "node"> {
  let summary = "one ONNX graph node";
  let description = [{
    Example:

    ```mlir
    %y = onnx.node "Softmax"(%x) {attrs = {axis = -1 : i64}, name = "sm0"}
         : (tensor<2x4xf32>) -> !onnx.value
    ```

    Missing optional inputs are `onnx.none` values. Results whose type the
    graph declares carry it; the others are `!onnx.value`.
  }];
  let arguments = (ins
    StrAttr:$op_type,
    DefaultValuedStrAttr<StrAttr, "">:$domain,
    OptionalAttr<StrAttr>:$name,
    OptionalAttr<DictionaryAttr>:$attrs,
    Variadic<AnyType>:$inputs
  );
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    $op_type `(` $inputs `)` attr-dict `:` functional-type($inputs, $results)
  }];
}

def Onnx_NoneOp : Op<Onnx_Dialect, "none", [Pure]> {
  let summary = "a missing optional input";
  let results = (outs NoneType:$result);
  let assemblyFormat = "attr-dict";
}

#endif // TMIX_ONNX_OPS_TD
