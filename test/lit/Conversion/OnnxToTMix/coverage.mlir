// convert-onnx-to-tmix: the ops added for ONNX coverage (pooling, arg
// reductions, losses, cumulative sums, TopK, scatters, Resize, the narrow
// float types, ConvTranspose, RotaryEmbedding). The numerics of each are
// the ONNX node tests (test/python/onnx_conformance.py); these check the
// form of what each rule builds.
// RUN: tmix-opt %s --convert-onnx-to-tmix --split-input-file | FileCheck %s

// MaxPool: one reduction generic over (n, c, oh, ow, kh, kw) on the input
// padded with -inf; the kernel extent comes from an operand never read.
// CHECK-LABEL: func.func @max_pool(
// CHECK:       %[[P:.*]] = tensor.pad
// CHECK:         tensor.yield %{{.*}} : f32
// CHECK:       %[[K:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK:       linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]{{.*}} ins(%[[P]], %[[K]] : tensor<1x1x7x7xf32>, tensor<3x3xf32>)
// CHECK:         arith.cmpf ogt
// CHECK:         arith.select
// CHECK:       return {{.*}} : tensor<1x1x3x3xf32>
func.func @max_pool(%x: tensor<1x1x5x5xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 22 : i64}} {
  %0 = onnx.node "MaxPool"(%x) {name = "mp", attrs = {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}} : (tensor<1x1x5x5xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// AveragePool divides by the number of window elements inside the input:
// a constant per output position (4 at the corner, 6 on an edge, 9 inside).
// CHECK-LABEL: func.func @average_pool(
// CHECK:       arith.constant dense<{{\[\[\[\[}}4.000000e+00, 6.000000e+00, 4.000000e+00], [6.000000e+00, 9.000000e+00, 6.000000e+00], [4.000000e+00, 6.000000e+00, 4.000000e+00]]]]> : tensor<1x1x3x3xf32>
// CHECK:       arith.divf
func.func @average_pool(%x: tensor<1x1x3x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 22 : i64}} {
  %0 = onnx.node "AveragePool"(%x) {name = "ap", attrs = {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>}} : (tensor<1x1x3x3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// ArgMax carries (best value, its index) in one generic; the index starts
// at -1 so that the first element always wins.
// CHECK-LABEL: func.func @arg_max(
// CHECK:       %[[I:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<2x1xi64>)
// CHECK:       %[[R:.*]]:2 = linalg.generic {{.*}} outs(%{{.*}}, %[[I]] : tensor<2x1xf32>, tensor<2x1xi64>)
// CHECK:         linalg.index 1
// CHECK:       tensor.collapse_shape %[[R]]#1 {{.*}} into tensor<2xi64>
func.func @arg_max(%x: tensor<2x5xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %0 = onnx.node "ArgMax"(%x) {name = "am", attrs = {axis = 1 : i64, keepdims = 0 : i64}} : (tensor<2x5xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// ReduceLogSumExp shifts by the maximum before exp.
// CHECK-LABEL: func.func @log_sum_exp(
// CHECK:       arith.maximumf
// CHECK:       math.exp
// CHECK:       arith.addf
// CHECK:       math.log
func.func @log_sum_exp(%x: tensor<2x5xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %0 = onnx.node "ReduceLogSumExp"(%x) {name = "lse"} : (tensor<2x5xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// NegativeLogLikelihoodLoss reads the target's class with tensor.extract;
// ignored targets weigh 0; the mean divides by the summed weights.
// CHECK-LABEL: func.func @nll_mean(
// CHECK:       linalg.generic
// CHECK:         tensor.extract %{{.*}} : tensor<3x4xf32>
// CHECK:         arith.negf
// CHECK:       arith.divf
// CHECK:       return {{.*}} : tensor<f32>
func.func @nll_mean(%p: tensor<3x4xf32>, %t: tensor<3xi64>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %0 = onnx.node "NegativeLogLikelihoodLoss"(%p, %t) {name = "nll", attrs = {ignore_index = 1 : i64}} : (tensor<3x4xf32>, tensor<3xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// CumSum: the axis repeated as a reduction dim j, x[j] taken where j <= i
// (j < i when exclusive).
// CHECK-LABEL: func.func @cumsum_exclusive(
// CHECK:       linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:         %[[I:.*]] = linalg.index 0
// CHECK:         %[[J:.*]] = linalg.index 1
// CHECK:         arith.cmpi ult, %[[J]], %[[I]]
func.func @cumsum_exclusive(%x: tensor<5xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 14 : i64}} {
  %a = arith.constant dense<0> : tensor<i64>
  %0 = onnx.node "CumSum"(%x, %a) {name = "cs", attrs = {exclusive = 1 : i64}} : (tensor<5xf32>, tensor<i64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// TopK: K rounds, each one reduction over the row picking the best element
// after the previous round's.
// CHECK-LABEL: func.func @top_k(
// CHECK:       scf.for {{.*}} iter_args(
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:         tensor.insert_slice
// CHECK:         scf.yield
func.func @top_k(%x: tensor<3x4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 11 : i64}} {
  %k = arith.constant dense<2> : tensor<1xi64>
  %0:2 = onnx.node "TopK"(%x, %k) {name = "tk"} : (tensor<3x4xf32>, tensor<1xi64>) -> (!onnx.value, !onnx.value)
  return %0#0, %0#1 : !onnx.value, !onnx.value
}

// -----

// ScatterND: a loop over index tuples and one over the slice each writes,
// combining with the reduction.
// CHECK-LABEL: func.func @scatter_nd_add(
// CHECK:       scf.for
// CHECK:         scf.for
// CHECK:           arith.addf
// CHECK:           tensor.insert
func.func @scatter_nd_add(%d: tensor<4x3xf32>, %u: tensor<2x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %i = arith.constant dense<[[1], [3]]> : tensor<2x1xi64>
  %0 = onnx.node "ScatterND"(%d, %i, %u) {name = "snd", attrs = {reduction = "add"}} : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Resize (linear, half_pixel) 2 -> 4 along the last axis: neighbour
// indices and weights are constant tables.
// CHECK-LABEL: func.func @resize_linear(
// CHECK-DAG:   arith.constant dense<{{\[\[}}0, 0], [0, 1], [0, 1], [1, 1]]> : tensor<4x2xi64>
// CHECK-DAG:   arith.constant dense<{{\[\[}}2.500000e-01, 7.500000e-01], [7.500000e-01, 2.500000e-01], [2.500000e-01, 7.500000e-01], [7.500000e-01, 2.500000e-01]]> : tensor<4x2xf32>
// CHECK:       linalg.generic
// CHECK:         arith.mulf
// CHECK:         arith.addf
// CHECK:       return {{.*}} : tensor<1x4xf32>
func.func @resize_linear(%x: tensor<1x2xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 19 : i64}} {
  %none = onnx.none
  %s = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = onnx.node "Resize"(%x, %none, %s) {name = "rs", attrs = {mode = "linear"}} : (tensor<1x2xf32>, none, tensor<2xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Cast to float8 e4m3fn: rounding on the f32 bits, the result's bits as i8
// bitcast to the float8 tensor type.
// CHECK-LABEL: func.func @cast_to_f8(
// CHECK:       linalg.generic
// CHECK:         arith.bitcast %{{.*}} : f32 to i32
// CHECK:         arith.shrui
// CHECK:         arith.trunci %{{.*}} : i32 to i8
// CHECK:       tensor.bitcast %{{.*}} : tensor<4xi8> to tensor<4xf8E4M3FN>
func.func @cast_to_f8(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 21 : i64}} {
  %0 = onnx.node "Cast"(%x) {name = "c", attrs = {to = 17 : i64}} : (tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// DequantizeLinear of int4 widens the signed 4-bit value.
// CHECK-LABEL: func.func @dequantize_int4(
// CHECK:         arith.sitofp %{{.*}} : i4 to f32
func.func @dequantize_int4(%x: tensor<4xi4>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 21 : i64}} {
  %s = arith.constant dense<0.5> : tensor<f32>
  %0 = onnx.node "DequantizeLinear"(%x, %s) {name = "dq"} : (tensor<4xi4>, tensor<f32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Float8 values decode through a table of the format's 256 values.
// CHECK-LABEL: func.func @cast_from_f8(
// CHECK:       tensor.bitcast %{{.*}} : tensor<4xf8E5M2> to tensor<4xi8>
// CHECK:         arith.index_castui %{{.*}} : i8 to index
// CHECK:         arith.constant dense<{{.*}}> : tensor<256xf32>
// CHECK:         tensor.extract
func.func @cast_from_f8(%x: tensor<4xf8E5M2>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 21 : i64}} {
  %0 = onnx.node "Cast"(%x) {name = "c", attrs = {to = 1 : i64}} : (tensor<4xf8E5M2>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// ConvTranspose reads x where (o + pad - k*d) is a multiple of the stride.
// CHECK-LABEL: func.func @conv_transpose(
// CHECK:       linalg.generic
// CHECK:         arith.divsi
// CHECK:         arith.cmpi eq
// CHECK:         tensor.extract
// CHECK:       return {{.*}} : tensor<1x2x7x7xf32>
func.func @conv_transpose(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 22 : i64}} {
  %0 = onnx.node "ConvTranspose"(%x, %w) {name = "ct", attrs = {strides = array<i64: 2, 2>}} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// RotaryEmbedding reads each element's partner and the cache at its
// position id.
// CHECK-LABEL: func.func @rotary(
// CHECK:       linalg.generic
// CHECK:         tensor.extract %{{.*}} : tensor<1x2x3x4xf32>
// CHECK:         tensor.extract %{{.*}} : tensor<1x3xi64>
// CHECK:         tensor.extract %{{.*}} : tensor<8x2xf32>
func.func @rotary(%x: tensor<1x2x3x4xf32>, %c: tensor<8x2xf32>, %s: tensor<8x2xf32>, %p: tensor<1x3xi64>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 23 : i64}} {
  %0 = onnx.node "RotaryEmbedding"(%x, %c, %s, %p) {name = "rope"} : (tensor<1x2x3x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<1x3xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Sequences of known length are lists of tensors: SplitToSequence into
// chunks of 2, the second one taken back out.
// CHECK-LABEL: func.func @split_to_sequence(
// CHECK:       %[[S:.*]] = tensor.extract_slice %{{.*}}[0, 2] [3, 2] [1, 1] : tensor<3x4xf32> to tensor<3x2xf32>
// CHECK:       return %[[S]] : tensor<3x2xf32>
func.func @split_to_sequence(%x: tensor<3x4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %two = arith.constant dense<2> : tensor<i64>
  %one = arith.constant dense<1> : tensor<i64>
  %seq = onnx.node "SplitToSequence"(%x, %two) {name = "split", attrs = {axis = 1 : i64}} : (tensor<3x4xf32>, tensor<i64>) -> !onnx.value
  %0 = onnx.node "SequenceAt"(%seq, %one) {name = "at"} : (!onnx.value, tensor<i64>) -> !onnx.value
  return %0 : !onnx.value
}
