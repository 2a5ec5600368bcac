// convert-onnx-to-tmix rejections: one diagnostic per case, naming the node,
// its op type (with the domain when not the default one) and the opset.
// RUN: tmix-opt %s --convert-onnx-to-tmix --split-input-file -verify-diagnostics

func.func @unknown_op(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'foo' (FooBar, opset 17): unsupported op (no conversion rule for domain 'ai.onnx')}}
  %0 = onnx.node "FooBar"(%x) {name = "foo"} : (tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// A known op type in a domain without rules is still unknown.
func.func @unknown_domain(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64, "com.example" = 3 : i64}} {
  // expected-error @+1 {{node 'custom' (com.example::Relu, opset 3): unsupported op (no conversion rule for domain 'com.example')}}
  %0 = onnx.node "Relu"(%x) {domain = "com.example", name = "custom"} : (tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @below_first_opset(%x: tensor<2x8xf32>, %s: tensor<8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  // expected-error @+1 {{node 'ln' (LayerNormalization, opset 13): not supported before opset 17}}
  %0 = onnx.node "LayerNormalization"(%x, %s) {name = "ln"} : (tensor<2x8xf32>, tensor<8xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @gelu_approximate(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 20 : i64}} {
  // expected-error @+1 {{node 'gelu' (Gelu, opset 20): attribute 'approximate' must be 'none' or 'tanh', got 'fast'}}
  %0 = onnx.node "Gelu"(%x) {attrs = {approximate = "fast"}, name = "gelu"} : (tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// TensorProto type 8 is STRING.
func.func @cast_to_string(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'to_string' (Cast, opset 17): attribute 'to' = 8 names an unsupported element type}}
  %0 = onnx.node "Cast"(%x) {attrs = {to = 8 : i64}, name = "to_string"} : (tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @attention_qk_output(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  // expected-error @+1 {{node 'attn' (Attention, opset 23): output 3 (qk_matmul_output) is not supported: tmix never materialises the attention scores}}
  %0:4 = onnx.node "Attention"(%q, %k, %v) {name = "attn"} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> (!onnx.value, !onnx.value, !onnx.value, !onnx.value)
  return %0#0, %0#3 : !onnx.value, !onnx.value
}

// -----

func.func @attention_mask_too_long(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<4x6xi1>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  // expected-error @+1 {{node 'attn' (Attention, opset 23): attn_mask has 6 key positions, but there are only 4 keys}}
  %0 = onnx.node "Attention"(%q, %k, %v, %m) {name = "attn"} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<4x6xi1>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @linear_attention_rule(%q: tensor<1x4x8xf32>, %k: tensor<1x4x8xf32>, %v: tensor<1x4x8xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 27 : i64}} {
  // expected-error @+1 {{node 'la' (LinearAttention, opset 27): attribute 'update_rule' must be linear, gated, delta or gated_delta, got 'mamba'}}
  %0:2 = onnx.node "LinearAttention"(%q, %k, %v) {attrs = {q_num_heads = 2 : i64, kv_num_heads = 2 : i64, update_rule = "mamba"}, name = "la"} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> (!onnx.value, !onnx.value)
  return %0#0 : !onnx.value
}

// -----

func.func @reshape_size(%x: tensor<2x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %s = arith.constant dense<[4, 2]> : tensor<2xi64>
  // expected-error @+1 {{node 'reshape' (Reshape, opset 17): cannot reshape 'tensor<2x3xf32>' to [4,2]}}
  %0 = onnx.node "Reshape"(%x, %s) {name = "reshape"} : (tensor<2x3xf32>, tensor<2xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @reshape_shape_not_constant(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'reshape' (Reshape, opset 17): shape must be a constant integer tensor (computed from static shapes or initializers)}}
  %0 = onnx.node "Reshape"(%x, %s) {name = "reshape"} : (tensor<2x3xf32>, tensor<2xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @not_broadcastable(%x: tensor<2x3xf32>, %y: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'add' (Add, opset 17): shapes cannot be broadcast together: [2,3] [4]}}
  %0 = onnx.node "Add"(%x, %y) {name = "add"} : (tensor<2x3xf32>, tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// ONNX has no implicit type promotion.
func.func @mixed_element_types(%x: tensor<4xf32>, %y: tensor<4xf16>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'mul' (Mul, opset 17): inputs have different element types 'f32' and 'f16'}}
  %0 = onnx.node "Mul"(%x, %y) {name = "mul"} : (tensor<4xf32>, tensor<4xf16>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @matmul_contraction(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'mm' (MatMul, opset 17): contraction dimensions differ: 'tensor<2x3xf32>' x 'tensor<4x5xf32>'}}
  %0 = onnx.node "MatMul"(%a, %b) {name = "mm"} : (tensor<2x3xf32>, tensor<4x5xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @squeeze_non_unit(%x: tensor<2x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 11 : i64}} {
  // expected-error @+1 {{node 'sq' (Squeeze, opset 11): cannot squeeze axis 0 of size 2}}
  %0 = onnx.node "Squeeze"(%x) {attrs = {axes = array<i64: 0>}, name = "sq"} : (tensor<2x3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @split_sizes(%x: tensor<2x6xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %s = arith.constant dense<[2, 3]> : tensor<2xi64>
  // expected-error @+1 {{node 'split' (Split, opset 13): split sizes add up to 5, but axis 1 has size 6}}
  %0:2 = onnx.node "Split"(%x, %s) {attrs = {axis = 1 : i64}, name = "split"} : (tensor<2x6xf32>, tensor<2xi64>) -> (!onnx.value, !onnx.value)
  return %0#0, %0#1 : !onnx.value, !onnx.value
}

// -----

func.func @axis_out_of_range(%x: tensor<2x3xf32>, %i: tensor<2xi64>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'g' (Gather, opset 17): axis 2 is out of range for rank 2}}
  %0 = onnx.node "Gather"(%x, %i) {attrs = {axis = 2 : i64}, name = "g"} : (tensor<2x3xf32>, tensor<2xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Constant indices are checked at conversion time, negative ones included.
func.func @constant_index_out_of_range(%x: tensor<2x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %i = arith.constant dense<[1, -5]> : tensor<2xi64>
  // expected-error @+1 {{node 'g' (Gather, opset 17): index -5 is out of range [-4, 4)}}
  %0 = onnx.node "Gather"(%x, %i) {attrs = {axis = 1 : i64}, name = "g"} : (tensor<2x4xf32>, tensor<2xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @constant_tuple_out_of_range(%x: tensor<3x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %i = arith.constant dense<[[2, 3], [3, 0]]> : tensor<2x2xi64>
  // expected-error @+1 {{node 'gnd' (GatherND, opset 17): index 3 is out of range [-3, 3)}}
  %0 = onnx.node "GatherND"(%x, %i) {name = "gnd"} : (tensor<3x4xf32>, tensor<2x2xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Graph inputs must be fully static; the error names the ONNX input.
// expected-error @+1 {{graph input 'X' has type 'tensor<?x3xf32>', which is not fully static; give its shape with --input-shape=X:DIMS}}
func.func @dynamic_input(%x: tensor<?x3xf32> {onnx.name = "X"}) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Relu"(%x) {name = "relu"} : (tensor<?x3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// A result type the graph declares must match what the rule computes.
func.func @declared_output_type(%x: tensor<2x3xf32>) -> tensor<3x2xf32> attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'relu' (Relu, opset 17): output 0 is declared as 'tensor<3x2xf32>' but computes 'tensor<2x3xf32>'}}
  %0 = onnx.node "Relu"(%x) {name = "relu"} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A used result the rule does not produce.
func.func @unsupported_output(%a: tensor<2x2xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'mm' (MatMul, opset 17): output 1 is not supported}}
  %0:2 = onnx.node "MatMul"(%a, %a) {name = "mm"} : (tensor<2x2xf32>, tensor<2x2xf32>) -> (!onnx.value, !onnx.value)
  return %0#0, %0#1 : !onnx.value, !onnx.value
}

// -----

func.func @conv_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'c' (Conv, opset 17): channels do not fit group = 2: input has 3, weight 4x3}}
  %0 = onnx.node "Conv"(%x, %w) {attrs = {group = 2 : i64}, name = "c"} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @einsum_ellipsis(%a: tensor<2x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'e' (Einsum, opset 17): equation '...ii->...i' is not supported (no '...' broadcasting)}}
  %0 = onnx.node "Einsum"(%a) {attrs = {equation = "...ii->...i"}, name = "e"} : (tensor<2x3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @pad_reflect_too_wide(%x: tensor<3x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %p = arith.constant dense<[0, 4, 0, 0]> : tensor<4xi64>
  // expected-error @+1 {{node 'p' (Pad, opset 18): pads on axis 1 do not fit its size 4 in mode 'reflect'}}
  %0 = onnx.node "Pad"(%x, %p) {attrs = {mode = "reflect"}, name = "p"} : (tensor<3x4xf32>, tensor<4xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @split_zero_outputs(%x: tensor<6xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  // expected-error @+1 {{node 's' (Split, opset 18): num_outputs must be positive, got 0}}
  %0:2 = onnx.node "Split"(%x) {attrs = {num_outputs = 0 : i64}, name = "s"} : (tensor<6xf32>) -> (!onnx.value, !onnx.value)
  return %0#0, %0#1 : !onnx.value, !onnx.value
}

// -----

func.func @zero_scale(%x: tensor<2x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %s = arith.constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{node 'q' (QuantizeLinear, opset 13): y_scale holds 0; scales must be positive and finite}}
  %0 = onnx.node "QuantizeLinear"(%x, %s) {name = "q"} : (tensor<2x3xf32>, tensor<f32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @axis_length(%x: tensor<2x3xi8>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %s = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  // expected-error @+1 {{node 'dq' (DequantizeLinear, opset 13): x_scale has shape 'tensor<2xf32>': per-axis parameters need one value per element of axis 1 (3)}}
  %0 = onnx.node "DequantizeLinear"(%x, %s) {name = "dq"} : (tensor<2x3xi8>, tensor<2xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @zero_point_type(%a: tensor<2x4xui8>, %b: tensor<4x3xi8>, %za: tensor<i8>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  // expected-error @+1 {{node 'mmi' (MatMulInteger, opset 13): zero point of type 'i8' does not match its operand's 'ui8'}}
  %0 = onnx.node "MatMulInteger"(%a, %b, %za) {name = "mmi"} : (tensor<2x4xui8>, tensor<4x3xi8>, tensor<i8>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @signed_shift(%x: tensor<4xi32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 11 : i64}} {
  // expected-error @+1 {{node 'shl' (BitShift, opset 11): expects unsigned integer inputs, got 'i32'}}
  %0 = onnx.node "BitShift"(%x, %x) {name = "shl", attrs = {direction = "LEFT"}} : (tensor<4xi32>, tensor<4xi32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Every op type without a rule is named in the one error.
func.func @several_unknown_ops(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  // expected-error @+1 {{node 'a' (FooBar, opset 17): unsupported op (no conversion rule for domain 'ai.onnx'); also without a rule: Baz, opset 17 (2 nodes)}}
  %0 = onnx.node "FooBar"(%x) {name = "a"} : (tensor<4xf32>) -> !onnx.value
  %1 = onnx.node "Baz"(%0) {name = "b"} : (!onnx.value) -> !onnx.value
  %2 = onnx.node "Baz"(%1) {name = "c"} : (!onnx.value) -> !onnx.value
  return %2 : !onnx.value
}

// -----

func.func @pool_without_kernel(%x: tensor<1x1x4x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 22 : i64}} {
  // expected-error @+1 {{node 'mp' (MaxPool, opset 22): attribute 'kernel_shape' is required}}
  %0 = onnx.node "MaxPool"(%x) {name = "mp"} : (tensor<1x1x4x4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @resize_runtime_scales(%x: tensor<1x4xf32>, %s: tensor<2xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 19 : i64}} {
  %none = onnx.none
  // expected-error @+1 {{node 'rs' (Resize, opset 19): scales must be a constant float tensor (an initializer or computed from static shapes)}}
  %0 = onnx.node "Resize"(%x, %none, %s) {name = "rs"} : (tensor<1x4xf32>, none, tensor<2xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @resize_no_target(%x: tensor<1x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 19 : i64}} {
  %none = onnx.none
  // expected-error @+1 {{node 'rs' (Resize, opset 19): exactly one of scales and sizes must be given}}
  %0 = onnx.node "Resize"(%x, %none, %none) {name = "rs"} : (tensor<1x4xf32>, none, none) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @top_k_too_many(%x: tensor<3x4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 11 : i64}} {
  %k = arith.constant dense<9> : tensor<1xi64>
  // expected-error @+1 {{node 'tk' (TopK, opset 11): K = 9 is out of range [0, 4]}}
  %0:2 = onnx.node "TopK"(%x, %k) {name = "tk"} : (tensor<3x4xf32>, tensor<1xi64>) -> (!onnx.value, !onnx.value)
  return %0#0, %0#1 : !onnx.value, !onnx.value
}

// -----

func.func @training_dropout(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %r = arith.constant dense<0.5> : tensor<f32>
  %t = arith.constant dense<true> : tensor<i1>
  // expected-error @+1 {{node 'd' (Dropout, opset 13): training-mode dropout with ratio 5.000000e-01 is random; tmix compiles inference graphs}}
  %0 = onnx.node "Dropout"(%x, %r, %t) {name = "d"} : (tensor<4xf32>, tensor<f32>, tensor<i1>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @bitcast_width(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 26 : i64}} {
  // expected-error @+1 {{node 'bc' (BitCast, opset 26): cannot reinterpret 'f32' as 'i64': the element widths differ or the type is unknown}}
  %0 = onnx.node "BitCast"(%x) {name = "bc", attrs = {to = 7 : i64}} : (tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @nll_reduction(%p: tensor<3x4xf32>, %t: tensor<3xi64>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  // expected-error @+1 {{node 'nll' (NegativeLogLikelihoodLoss, opset 13): attribute 'reduction' must be 'none', 'sum' or 'mean', got 'max'}}
  %0 = onnx.node "NegativeLogLikelihoodLoss"(%p, %t) {name = "nll", attrs = {reduction = "max"}} : (tensor<3x4xf32>, tensor<3xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @scatter_out_of_range(%d: tensor<4xf32>, %u: tensor<1xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %i = arith.constant dense<[5]> : tensor<1xi64>
  // expected-error @+1 {{node 'se' (ScatterElements, opset 18): index 5 is out of range [-4, 4)}}
  %0 = onnx.node "ScatterElements"(%d, %i, %u) {name = "se"} : (tensor<4xf32>, tensor<1xi64>, tensor<1xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @cast_round_mode(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 25 : i64}} {
  // expected-error @+1 {{node 'c' (Cast, opset 25): attribute 'round_mode' must be up, down or nearest, got 'odd'}}
  %0 = onnx.node "Cast"(%x) {name = "c", attrs = {to = 24 : i64, round_mode = "odd"}} : (tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @sequence_output(%x: tensor<3x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %two = arith.constant dense<2> : tensor<i64>
  %seq = onnx.node "SplitToSequence"(%x, %two) {name = "split", attrs = {axis = 1 : i64}} : (tensor<3x4xf32>, tensor<i64>) -> !onnx.value
  // expected-error @+1 {{graph output 0 is a sequence, which the model ABI does not carry}}
  return %seq : !onnx.value
}

// -----

func.func @sequence_position(%x: tensor<3x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %two = arith.constant dense<2> : tensor<i64>
  %five = arith.constant dense<5> : tensor<i64>
  %seq = onnx.node "SplitToSequence"(%x, %two) {name = "split", attrs = {axis = 1 : i64}} : (tensor<3x4xf32>, tensor<i64>) -> !onnx.value
  // expected-error @+1 {{node 'at' (SequenceAt, opset 18): position 5 is out of range for a sequence of 2}}
  %0 = onnx.node "SequenceAt"(%seq, %five) {name = "at"} : (!onnx.value, tensor<i64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

func.func @matmul_nbits_block(%a: tensor<3x32xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64, "com.microsoft" = 1 : i64}} {
  %b = arith.constant dense<17> : tensor<2x2x8xui8>
  %s = arith.constant dense<0.5> : tensor<4xf32>
  // expected-error @+1 {{node 'mmnb' (com.microsoft::MatMulNBits, opset 1): expects bits 2, 4 or 8, a power-of-two block_size >= 16 and positive K and N; got bits 3, block_size 16, K 32, N 2}}
  %0 = onnx.node "MatMulNBits"(%a, %b, %s) {domain = "com.microsoft", name = "mmnb", attrs = {K = 32 : i64, N = 2 : i64, bits = 3 : i64, block_size = 16 : i64}} : (tensor<3x32xf32>, tensor<2x2x8xui8>, tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}
