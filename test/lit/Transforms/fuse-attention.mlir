// tmix-fuse-attention on converted ONNX graphs (generic form in, so the
// input reads like the exported graph).
// RUN: tmix-opt %s --convert-onnx-to-tmix --tmix-fuse-attention --split-input-file | FileCheck %s
// RUN: tmix-opt %s --convert-onnx-to-tmix --tmix-fuse-attention --split-input-file --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// TorchScript eager: MatMul -> Div(sqrt d) -> Add(mask) -> Softmax -> MatMul.
// CHECK-LABEL: func.func @eager
// CHECK-SAME:  (%[[Q:[a-z0-9_]+]]: tensor<1x2x4x8xf32>, %[[KT:[a-z0-9_]+]]: tensor<1x2x8x4xf32>, %[[V:[a-z0-9_]+]]: tensor<1x2x4x8xf32>, %[[M:[a-z0-9_]+]]: tensor<1x1x1x4xf32>)
// CHECK:       %[[K:[a-z0-9_]+]] = linalg.transpose ins(%[[KT]] : tensor<1x2x8x4xf32>) outs(%{{.+}} : tensor<1x2x4x8xf32>) permutation = [0, 1, 3, 2]
// CHECK:       %[[O:[a-z0-9_]+]] = tmix.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]] : tensor<1x1x1x4xf32>) {scale = 0.353553{{[0-9]*}} : f32}
// CHECK-NOT:   linalg.softmax
// CHECK-NOT:   linalg.batch_matmul
// CHECK:       return %[[O]]
func.func @eager(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x1x1x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %c = arith.constant dense<2.828427> : tensor<f32>
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %1 = onnx.node "Div"(%0, %c) : (!onnx.value, tensor<f32>) -> !onnx.value
  %2 = onnx.node "Add"(%1, %m) : (!onnx.value, tensor<1x1x1x4xf32>) -> !onnx.value
  %3 = onnx.node "Softmax"(%2) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %4 = onnx.node "MatMul"(%3, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %4 : !onnx.value
}

// -----

// Dynamo SDPA: the scale split as d^-1/4 on q and on k^T, and the
// select(isnan(p), 0, p) guard after the softmax; both are absorbed.
// CHECK-LABEL: func.func @sdpa
// CHECK:       tmix.attention %arg0, %{{.+}}, %arg2 {scale = 0.35355{{[0-9]*}} : f32}
// CHECK-NOT:   arith.cmpf uno
// CHECK-NOT:   linalg.softmax
func.func @sdpa(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %c = arith.constant dense<0.594603> : tensor<f32>
  %z = arith.constant dense<0.0> : tensor<f32>
  %qs = onnx.node "Mul"(%q, %c) : (tensor<1x2x4x8xf32>, tensor<f32>) -> !onnx.value
  %ks = onnx.node "Mul"(%kt, %c) : (tensor<1x2x8x4xf32>, tensor<f32>) -> !onnx.value
  %0 = onnx.node "MatMul"(%qs, %ks) : (!onnx.value, !onnx.value) -> !onnx.value
  %1 = onnx.node "Softmax"(%0) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %2 = onnx.node "IsNaN"(%1) : (!onnx.value) -> !onnx.value
  %3 = onnx.node "Where"(%2, %z, %1) : (!onnx.value, tensor<f32>, !onnx.value) -> !onnx.value
  %4 = onnx.node "MatMul"(%3, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %4 : !onnx.value
}

// -----

// A constant lower-triangular boolean mask (Trilu) becomes causal top_left
// instead of a mask operand.
// CHECK-LABEL: func.func @causal_trilu
// CHECK:       tmix.attention %arg0, %{{.+}}, %arg2 {causal = #tmix.causal<top_left>, scale = 1.000000e+00 : f32}
// CHECK-NOT:   mask(
func.func @causal_trilu(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %ones = arith.constant dense<true> : tensor<4x4xi1>
  %ninf = arith.constant dense<0xFF800000> : tensor<f32>
  %keep = onnx.node "Trilu"(%ones) {attrs = {upper = 0 : i64}} : (tensor<4x4xi1>) -> !onnx.value
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %1 = onnx.node "Where"(%keep, %0, %ninf) : (!onnx.value, !onnx.value, tensor<f32>) -> !onnx.value
  %2 = onnx.node "Softmax"(%1) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %3 = onnx.node "MatMul"(%2, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %3 : !onnx.value
}

// -----

// An ONNX Attention whose attn_mask is a constant causal (0 / -inf) mask:
// the mask becomes the attribute.
// CHECK-LABEL: func.func @lift_causal
// CHECK:       tmix.attention %arg0, %arg1, %arg2 {causal = #tmix.causal<top_left>}
func.func @lift_causal(%q: tensor<1x2x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %m = arith.constant dense<[[0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0]]> : tensor<3x3xf32>
  %0:3 = onnx.node "Attention"(%q, %k, %v, %m) : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<3x3xf32>) -> (!onnx.value, !onnx.value, !onnx.value)
  return %0#0 : !onnx.value
}

// -----

// Near miss: softmax over the query axis is not attention.
// CHECK-LABEL: func.func @softmax_over_queries
// CHECK-NOT:   tmix.attention
// CHECK:       linalg.softmax dimension(2)
func.func @softmax_over_queries(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %1 = onnx.node "Softmax"(%0) {attrs = {axis = 2 : i64}} : (!onnx.value) -> !onnx.value
  %2 = onnx.node "MatMul"(%1, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %2 : !onnx.value
}

// -----

// Near miss: the probabilities are also a graph output.
// CHECK-LABEL: func.func @probabilities_returned
// CHECK-NOT:   tmix.attention
// CHECK:       linalg.softmax dimension(3)
func.func @probabilities_returned(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %1 = onnx.node "Softmax"(%0) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %2 = onnx.node "MatMul"(%1, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %2, %1 : !onnx.value, !onnx.value
}

// -----

// Near miss: a scale applied after the additive mask would scale the mask.
// CHECK-LABEL: func.func @scale_after_mask
// CHECK-NOT:   tmix.attention
// CHECK:       linalg.softmax
func.func @scale_after_mask(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x1x4x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %c = arith.constant dense<0.5> : tensor<f32>
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %1 = onnx.node "Add"(%0, %m) : (!onnx.value, tensor<1x1x4x4xf32>) -> !onnx.value
  %2 = onnx.node "Mul"(%1, %c) : (!onnx.value, tensor<f32>) -> !onnx.value
  %3 = onnx.node "Softmax"(%2) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %4 = onnx.node "MatMul"(%3, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %4 : !onnx.value
}

// -----

// Two masks (a position bias and a padding mask) on one site: summed into
// one [1,2,4,4] float mask.
// CHECK-LABEL: func.func @two_masks
// CHECK:       %[[SUM:.+]] = linalg.generic
// CHECK-SAME:  ins(%arg3, %arg4 : tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>)
// CHECK:       arith.addf
// CHECK:       arith.addf
// CHECK:       tmix.attention %arg0, %{{.+}}, %arg2 mask(%[[SUM]] : tensor<1x2x4x4xf32>)
// CHECK-NOT:   linalg.softmax
func.func @two_masks(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4x4xf32>, %m: tensor<1x1x1x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %1 = onnx.node "Add"(%0, %b) : (!onnx.value, tensor<1x2x4x4xf32>) -> !onnx.value
  %2 = onnx.node "Add"(%1, %m) : (!onnx.value, tensor<1x1x1x4xf32>) -> !onnx.value
  %3 = onnx.node "Softmax"(%2) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %4 = onnx.node "MatMul"(%3, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %4 : !onnx.value
}

// -----

// Softcap written as Div(c) -> Tanh -> Mul(c) after a 0.25 scale:
// 2 * tanh(0.25 qk / 2) is tmix's c * tanh(s / c) with s = 0.25 qk.
// CHECK-LABEL: func.func @softcap
// CHECK:       tmix.attention %arg0, %{{.+}}, %arg2 {scale = 2.500000e-01 : f32, softcap = 2.000000e+00 : f32}
// CHECK-NOT:   math.tanh
func.func @softcap(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %s = arith.constant dense<0.25> : tensor<f32>
  %c = arith.constant dense<2.0> : tensor<f32>
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %1 = onnx.node "Mul"(%0, %s) : (!onnx.value, tensor<f32>) -> !onnx.value
  %2 = onnx.node "Div"(%1, %c) : (!onnx.value, tensor<f32>) -> !onnx.value
  %3 = onnx.node "Tanh"(%2) : (!onnx.value) -> !onnx.value
  %4 = onnx.node "Mul"(%3, %c) : (!onnx.value, tensor<f32>) -> !onnx.value
  %5 = onnx.node "Softmax"(%4) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %6 = onnx.node "MatMul"(%5, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %6 : !onnx.value
}

// -----

// Near miss: the mask added before the softcap (tmix caps first).
// CHECK-LABEL: func.func @mask_before_softcap
// CHECK-NOT:   tmix.attention
// CHECK:       math.tanh
func.func @mask_before_softcap(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x1x1x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %c = arith.constant dense<2.0> : tensor<f32>
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %1 = onnx.node "Add"(%0, %m) : (!onnx.value, tensor<1x1x1x4xf32>) -> !onnx.value
  %2 = onnx.node "Div"(%1, %c) : (!onnx.value, tensor<f32>) -> !onnx.value
  %3 = onnx.node "Tanh"(%2) : (!onnx.value) -> !onnx.value
  %4 = onnx.node "Mul"(%3, %c) : (!onnx.value, tensor<f32>) -> !onnx.value
  %5 = onnx.node "Softmax"(%4) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %6 = onnx.node "MatMul"(%5, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %6 : !onnx.value
}

// -----

// GQA written as Unsqueeze -> Expand -> Reshape of K and V (2 kv heads to
// 4 query heads): the fused op reads the 2 kv heads, no copy; K^T from a
// Transpose is read through.
// CHECK-LABEL: func.func @gqa_expand
// CHECK-SAME:  (%[[Q:[a-z0-9_]+]]: tensor<1x4x3x8xf32>, %[[K:[a-z0-9_]+]]: tensor<1x2x3x8xf32>, %[[V:[a-z0-9_]+]]: tensor<1x2x3x8xf32>)
// CHECK:       tmix.attention %[[Q]], %[[K]], %[[V]] {scale = 1.000000e+00 : f32} : tensor<1x4x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32> -> tensor<1x4x3x8xf32>
// CHECK-NOT:   linalg.generic
func.func @gqa_expand(%q: tensor<1x4x3x8xf32>, %k: tensor<1x2x3x8xf32>, %v: tensor<1x2x3x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %ax = arith.constant dense<[2]> : tensor<1xi64>
  %es = arith.constant dense<[1, 2, 2, 3, 8]> : tensor<5xi64>
  %rs = arith.constant dense<[1, 4, 3, 8]> : tensor<4xi64>
  %ku = onnx.node "Unsqueeze"(%k, %ax) : (tensor<1x2x3x8xf32>, tensor<1xi64>) -> !onnx.value
  %ke = onnx.node "Expand"(%ku, %es) : (!onnx.value, tensor<5xi64>) -> !onnx.value
  %kr = onnx.node "Reshape"(%ke, %rs) : (!onnx.value, tensor<4xi64>) -> !onnx.value
  %vu = onnx.node "Unsqueeze"(%v, %ax) : (tensor<1x2x3x8xf32>, tensor<1xi64>) -> !onnx.value
  %ve = onnx.node "Expand"(%vu, %es) : (!onnx.value, tensor<5xi64>) -> !onnx.value
  %vr = onnx.node "Reshape"(%ve, %rs) : (!onnx.value, tensor<4xi64>) -> !onnx.value
  %kt = onnx.node "Transpose"(%kr) {attrs = {perm = array<i64: 0, 1, 3, 2>}} : (!onnx.value) -> !onnx.value
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x4x3x8xf32>, !onnx.value) -> !onnx.value
  %1 = onnx.node "Softmax"(%0) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %2 = onnx.node "MatMul"(%1, %vr) : (!onnx.value, !onnx.value) -> !onnx.value
  return %2 : !onnx.value
}

// -----

// Attention written with Einsum (ViT/timm exports): K is read straight, not
// through a transpose of a transpose, and the site carries the names of its
// three nodes.
// CHECK-LABEL: func.func @einsum
// CHECK:       tmix.attention %arg0, %arg1, %arg2 {scale = 2.500000e-01 : f32} : tensor<1x2x5x16xf32>, tensor<1x2x7x16xf32>, tensor<1x2x7x16xf32> -> tensor<1x2x5x16xf32>
// CHECK-NOT:   linalg.transpose
// CHECK-NOT:   linalg.batch_matmul
// LOC-LABEL:   func.func @einsum
// LOC:         tmix.attention {{.*}} loc(#[[SITE:loc[0-9]+]])
// LOC-DAG:     #[[QK:loc[0-9]+]] = loc("attn/qk")
// LOC-DAG:     #[[SM:loc[0-9]+]] = loc("attn/softmax")
// LOC-DAG:     #[[PV:loc[0-9]+]] = loc("attn/pv")
// LOC:         #[[SITE]] = loc(fused[#[[QK]], #[[SM]], #[[PV]]])
func.func @einsum(%q: tensor<1x2x5x16xf32>, %k: tensor<1x2x7x16xf32>, %v: tensor<1x2x7x16xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %c = arith.constant dense<0.25> : tensor<f32>
  %0 = onnx.node "Einsum"(%q, %k) {attrs = {equation = "bhid,bhjd->bhij"}, name = "attn/qk"} : (tensor<1x2x5x16xf32>, tensor<1x2x7x16xf32>) -> !onnx.value loc("attn/qk")
  %1 = onnx.node "Mul"(%0, %c) {name = "attn/scale"} : (!onnx.value, tensor<f32>) -> !onnx.value loc("attn/scale")
  %2 = onnx.node "Softmax"(%1) {attrs = {axis = -1 : i64}, name = "attn/softmax"} : (!onnx.value) -> !onnx.value loc("attn/softmax")
  %3 = onnx.node "Einsum"(%2, %v) {attrs = {equation = "bhij,bhjd->bhid"}, name = "attn/pv"} : (!onnx.value, tensor<1x2x7x16xf32>) -> !onnx.value loc("attn/pv")
  return %3 : !onnx.value
}

// -----

// f16: each matmul accumulates in f32 and narrows after; the narrowing steps
// are part of the site.
// CHECK-LABEL: func.func @fp16
// CHECK:       %[[O:.*]] = tmix.attention %arg0, %{{.+}}, %arg2 {scale = 0.3535{{[0-9]*}} : f32} : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf16>
// CHECK-NOT:   arith.truncf
// CHECK-NOT:   linalg.batch_matmul
// CHECK:       return %[[O]]
func.func @fp16(%q: tensor<1x2x4x8xf16>, %kt: tensor<1x2x8x4xf16>, %v: tensor<1x2x4x8xf16>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %c = arith.constant dense<0.353553> : tensor<f16>
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf16>, tensor<1x2x8x4xf16>) -> !onnx.value
  %1 = onnx.node "Mul"(%0, %c) : (!onnx.value, tensor<f16>) -> !onnx.value
  %2 = onnx.node "Softmax"(%1) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %3 = onnx.node "MatMul"(%2, %v) : (!onnx.value, tensor<1x2x4x8xf16>) -> !onnx.value
  return %3 : !onnx.value
}

// -----

// Hugging Face eager GPT-2: Where(causal, s, finfo(f32).min). The finite
// fill equals tmix's "hidden" because no row is fully hidden: the constant
// mask becomes causal = top_left.
// CHECK-LABEL: func.func @hf_finite_min_causal
// CHECK:       tmix.attention %arg0, %{{.+}}, %arg2 {causal = #tmix.causal<top_left>, scale = 1.250000e-01 : f32}
// CHECK-NOT:   linalg.softmax
func.func @hf_finite_min_causal(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %c = arith.constant dense<8.0> : tensor<f32>
  %min = arith.constant dense<-3.40282347E+38> : tensor<f32>
  %tril = arith.constant dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %1 = onnx.node "Div"(%0, %c) : (!onnx.value, tensor<f32>) -> !onnx.value
  %2 = onnx.node "Where"(%tril, %1, %min) : (tensor<1x1x4x4xi1>, !onnx.value, tensor<f32>) -> !onnx.value
  %3 = onnx.node "Softmax"(%2) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %4 = onnx.node "MatMul"(%3, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %4 : !onnx.value
}

// -----

// Near miss: a finite fill on a runtime mask, which may hide whole rows
// (softmax then averages them where tmix would give 0).
// CHECK-LABEL: func.func @finite_min_runtime_mask
// CHECK-NOT:   tmix.attention
// CHECK:       linalg.softmax
func.func @finite_min_runtime_mask(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x1x4x4xi1>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %min = arith.constant dense<-3.40282347E+38> : tensor<f32>
  %0 = onnx.node "MatMul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> !onnx.value
  %2 = onnx.node "Where"(%m, %0, %min) : (tensor<1x1x4x4xi1>, !onnx.value, tensor<f32>) -> !onnx.value
  %3 = onnx.node "Softmax"(%2) {attrs = {axis = -1 : i64}} : (!onnx.value) -> !onnx.value
  %4 = onnx.node "MatMul"(%3, %v) : (!onnx.value, tensor<1x2x4x8xf32>) -> !onnx.value
  return %4 : !onnx.value
}
