// convert-onnx-to-tmix, element-wise rules: every op is one linalg.generic
// over numpy broadcasting (size-1 and missing dims read index 0 / are
// dropped from the input map) with a scalar body; all-constant inputs fold.
// Local-scope printing keeps the indexing maps inline, next to their op.
// RUN: tmix-opt %s --convert-onnx-to-tmix --split-input-file --mlir-print-local-scope | FileCheck %s

// Trailing-dim broadcast: the rank-1 operand drops the leading dim.
// CHECK-LABEL: func.func @add_broadcast(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3xf32>) -> tensor<2x3xf32>
// CHECK:       %[[E:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK:       %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME:    ins(%[[X]], %[[B]] : tensor<2x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK:       arith.addf
// CHECK:       return %[[R]] : tensor<2x3xf32>
func.func @add_broadcast(%x: tensor<2x3xf32>, %b: tensor<3xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %y = onnx.node "Add"(%x, %b) {name = "add"} : (tensor<2x3xf32>, tensor<3xf32>) -> !onnx.value
  return %y : !onnx.value
}

// -----

// Both operands broadcast ([2,1] + [1,3] -> [2,3]): size-1 dims read index 0.
// CHECK-LABEL: func.func @add_broadcast_both(
// CHECK-SAME:    -> tensor<2x3xi64>
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (0, d1)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK:       arith.addi %{{.*}}, %{{.*}} : i64
func.func @add_broadcast_both(%x: tensor<2x1xi64>, %y: tensor<1x3xi64>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %z = onnx.node "Add"(%x, %y) {name = "add"} : (tensor<2x1xi64>, tensor<1x3xi64>) -> !onnx.value
  return %z : !onnx.value
}

// -----

// CHECK-LABEL: func.func @arith_float(
// CHECK:       arith.subf
// CHECK:       arith.mulf
// CHECK:       arith.divf
// CHECK:       return {{.*}} : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
func.func @arith_float(%x: tensor<4xf32>, %y: tensor<4xf32>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %s = onnx.node "Sub"(%x, %y) {name = "sub"} : (tensor<4xf32>, tensor<4xf32>) -> !onnx.value
  %m = onnx.node "Mul"(%x, %y) {name = "mul"} : (tensor<4xf32>, tensor<4xf32>) -> !onnx.value
  %d = onnx.node "Div"(%x, %y) {name = "div"} : (tensor<4xf32>, tensor<4xf32>) -> !onnx.value
  return %s, %m, %d : !onnx.value, !onnx.value, !onnx.value
}

// -----

// Integer division is signed.
// CHECK-LABEL: func.func @arith_int(
// CHECK:       arith.subi %{{.*}}, %{{.*}} : i32
// CHECK:       arith.muli %{{.*}}, %{{.*}} : i32
// CHECK:       arith.divsi %{{.*}}, %{{.*}} : i32
// CHECK:       return {{.*}} : tensor<4xi32>, tensor<4xi32>, tensor<4xi32>
func.func @arith_int(%x: tensor<4xi32>, %y: tensor<4xi32>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %s = onnx.node "Sub"(%x, %y) {name = "sub"} : (tensor<4xi32>, tensor<4xi32>) -> !onnx.value
  %m = onnx.node "Mul"(%x, %y) {name = "mul"} : (tensor<4xi32>, tensor<4xi32>) -> !onnx.value
  %d = onnx.node "Div"(%x, %y) {name = "div"} : (tensor<4xi32>, tensor<4xi32>) -> !onnx.value
  return %s, %m, %d : !onnx.value, !onnx.value, !onnx.value
}

// -----

// A rank-0 exponent broadcasts with the empty map.
// CHECK-LABEL: func.func @pow(
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>]
// CHECK:       math.powf
func.func @pow(%x: tensor<4xf32>, %y: tensor<f32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %p = onnx.node "Pow"(%x, %y) {name = "pow"} : (tensor<4xf32>, tensor<f32>) -> !onnx.value
  return %p : !onnx.value
}

// -----

// Mod fmod=0 on integers takes the divisor's sign (Python %): remsi, then
// add the divisor when the remainder is non-zero and the signs differ.
// fmod=1 is C fmod: remf.
// CHECK-LABEL: func.func @mod(
// CHECK:       ^bb0(%[[A:.*]]: i64, %[[B:.*]]: i64, %{{.*}}: i64):
// CHECK:       %[[REM:.*]] = arith.remsi %[[A]], %[[B]] : i64
// CHECK:       %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK:       %[[RNEG:.*]] = arith.cmpi slt, %[[REM]], %[[ZERO]]
// CHECK:       %[[BNEG:.*]] = arith.cmpi slt, %[[B]], %[[ZERO]]
// CHECK:       %[[NZ:.*]] = arith.cmpi ne, %[[REM]], %[[ZERO]]
// CHECK:       %[[DIFF:.*]] = arith.xori %[[RNEG]], %[[BNEG]] : i1
// CHECK:       %[[FIX:.*]] = arith.andi %[[NZ]], %[[DIFF]] : i1
// CHECK:       %[[ADJ:.*]] = arith.addi %[[REM]], %[[B]] : i64
// CHECK:       %[[SEL:.*]] = arith.select %[[FIX]], %[[ADJ]], %[[REM]] : i64
// CHECK:       linalg.yield %[[SEL]]
// CHECK:       arith.remf %{{.*}}, %{{.*}} : f32
func.func @mod(%x: tensor<4xi64>, %y: tensor<4xi64>, %f: tensor<4xf32>, %g: tensor<4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %a = onnx.node "Mod"(%x, %y) {name = "mod_int"} : (tensor<4xi64>, tensor<4xi64>) -> !onnx.value
  %b = onnx.node "Mod"(%f, %g) {attrs = {fmod = 1 : i64}, name = "mod_float"} : (tensor<4xf32>, tensor<4xf32>) -> !onnx.value
  return %a, %b : !onnx.value, !onnx.value
}

// -----

// Variadic ops fold their inputs left to right in one generic; Mean
// divides by the input count.
// CHECK-LABEL: func.func @variadic(
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK-SAME:    ins(%arg0, %arg1, %arg2 : tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>)
// CHECK:       ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32, %{{.*}}: f32):
// CHECK:       %[[M:.*]] = arith.minimumf %[[A]], %[[B]]
// CHECK:       arith.minimumf %[[M]], %[[C]]
// CHECK:       linalg.generic
// CHECK-SAME:    ins(%arg0, %arg1 : tensor<2x3xf32>, tensor<3xf32>)
// CHECK:       arith.maximumf
// CHECK:       linalg.generic
// CHECK:       arith.addf
// CHECK:       arith.addf
// CHECK:       linalg.generic
// CHECK:       arith.addf
// CHECK:       %[[S:.*]] = arith.addf
// CHECK:       %[[N:.*]] = arith.constant 3.000000e+00 : f32
// CHECK:       arith.divf %[[S]], %[[N]]
func.func @variadic(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>) -> (!onnx.value, !onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %min = onnx.node "Min"(%a, %b, %c) {name = "min"} : (tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>) -> !onnx.value
  %max = onnx.node "Max"(%a, %b) {name = "max"} : (tensor<2x3xf32>, tensor<3xf32>) -> !onnx.value
  %sum = onnx.node "Sum"(%a, %b, %c) {name = "sum"} : (tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>) -> !onnx.value
  %mean = onnx.node "Mean"(%a, %b, %c) {name = "mean"} : (tensor<2x3xf32>, tensor<3xf32>, tensor<2x1xf32>) -> !onnx.value
  return %min, %max, %sum, %mean : !onnx.value, !onnx.value, !onnx.value, !onnx.value
}

// -----

// Comparisons produce i1 tensors: ordered float predicates, signed integer ones.
// CHECK-LABEL: func.func @compare(
// CHECK-SAME:    -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>)
// CHECK:       outs(%{{.*}} : tensor<4xi1>)
// CHECK:       arith.cmpf oeq
// CHECK:       arith.cmpf olt
// CHECK:       arith.cmpf ole
// CHECK:       arith.cmpi sgt
// CHECK:       arith.cmpi sge
// CHECK:       arith.cmpi eq
func.func @compare(%x: tensor<4xf32>, %y: tensor<4xf32>, %i: tensor<4xi64>, %j: tensor<4xi64>) -> (!onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %eq = onnx.node "Equal"(%x, %y) {name = "eq"} : (tensor<4xf32>, tensor<4xf32>) -> !onnx.value
  %lt = onnx.node "Less"(%x, %y) {name = "lt"} : (tensor<4xf32>, tensor<4xf32>) -> !onnx.value
  %le = onnx.node "LessOrEqual"(%x, %y) {name = "le"} : (tensor<4xf32>, tensor<4xf32>) -> !onnx.value
  %gt = onnx.node "Greater"(%i, %j) {name = "gt"} : (tensor<4xi64>, tensor<4xi64>) -> !onnx.value
  %ge = onnx.node "GreaterOrEqual"(%i, %j) {name = "ge"} : (tensor<4xi64>, tensor<4xi64>) -> !onnx.value
  %ieq = onnx.node "Equal"(%i, %j) {name = "ieq"} : (tensor<4xi64>, tensor<4xi64>) -> !onnx.value
  return %eq, %lt, %le, %gt, %ge, %ieq : !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value
}

// -----

// CHECK-LABEL: func.func @logical(
// CHECK:       arith.andi %{{.*}}, %{{.*}} : i1
// CHECK:       arith.ori %{{.*}}, %{{.*}} : i1
// CHECK:       arith.xori %{{.*}}, %{{.*}} : i1
// CHECK:       ^bb0(%[[IN:.*]]: i1, %{{.*}}: i1):
// CHECK:       %[[T:.*]] = arith.constant true
// CHECK:       arith.xori %[[IN]], %[[T]] : i1
func.func @logical(%x: tensor<4xi1>, %y: tensor<4xi1>) -> (!onnx.value, !onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %a = onnx.node "And"(%x, %y) {name = "and"} : (tensor<4xi1>, tensor<4xi1>) -> !onnx.value
  %o = onnx.node "Or"(%x, %y) {name = "or"} : (tensor<4xi1>, tensor<4xi1>) -> !onnx.value
  %x2 = onnx.node "Xor"(%x, %y) {name = "xor"} : (tensor<4xi1>, tensor<4xi1>) -> !onnx.value
  %n = onnx.node "Not"(%x) {name = "not"} : (tensor<4xi1>) -> !onnx.value
  return %a, %o, %x2, %n : !onnx.value, !onnx.value, !onnx.value, !onnx.value
}

// -----

// One generic per unary node, in node order.
// CHECK-LABEL: func.func @unary(
// CHECK:       arith.negf
// CHECK:       %[[Z:.*]] = arith.constant 0 : i32
// CHECK-NEXT:  arith.subi %[[Z]], %{{.*}} : i32
// CHECK:       math.absf
// CHECK:       math.absi
// CHECK:       math.sqrt
// CHECK:       math.exp
// CHECK:       math.log
// CHECK:       math.erf
// CHECK:       math.tanh
// Reciprocal: 1 / x.
// CHECK:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:  arith.divf %[[ONE]], %{{.*}} : f32
// Sigmoid: 1 / (1 + exp(-x)).
// CHECK:       ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK:       %[[ONE2:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:       %[[NEG:.*]] = arith.negf %[[S]]
// CHECK:       %[[EXP:.*]] = math.exp %[[NEG]]
// CHECK:       %[[DEN:.*]] = arith.addf %[[EXP]], %[[ONE2]]
// CHECK:       arith.divf %[[ONE2]], %[[DEN]]
// Relu: max(x, 0).
// CHECK:       %[[Z2:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:       arith.maximumf %{{.*}}, %[[Z2]]
// LeakyRelu: x > 0 ? x : alpha * x.
// CHECK:       ^bb0(%[[L:.*]]: f32, %{{.*}}: f32):
// CHECK:       %[[POS:.*]] = arith.cmpf ogt, %[[L]]
// CHECK:       %[[ALPHA:.*]] = arith.constant 2.000000e-01 : f32
// CHECK:       %[[SC:.*]] = arith.mulf %[[L]], %[[ALPHA]]
// CHECK:       arith.select %[[POS]], %[[L]], %[[SC]] : f32
// CHECK:       return {{.*}} : tensor<4xf32>, tensor<4xi32>, tensor<4xf32>, tensor<4xi32>,
func.func @unary(%x: tensor<4xf32>, %i: tensor<4xi32>) -> (!onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Neg"(%x) {name = "neg"} : (tensor<4xf32>) -> !onnx.value
  %1 = onnx.node "Neg"(%i) {name = "neg_int"} : (tensor<4xi32>) -> !onnx.value
  %2 = onnx.node "Abs"(%x) {name = "abs"} : (tensor<4xf32>) -> !onnx.value
  %3 = onnx.node "Abs"(%i) {name = "abs_int"} : (tensor<4xi32>) -> !onnx.value
  %4 = onnx.node "Sqrt"(%x) {name = "sqrt"} : (tensor<4xf32>) -> !onnx.value
  %5 = onnx.node "Exp"(%x) {name = "exp"} : (tensor<4xf32>) -> !onnx.value
  %6 = onnx.node "Log"(%x) {name = "log"} : (tensor<4xf32>) -> !onnx.value
  %7 = onnx.node "Erf"(%x) {name = "erf"} : (tensor<4xf32>) -> !onnx.value
  %8 = onnx.node "Tanh"(%x) {name = "tanh"} : (tensor<4xf32>) -> !onnx.value
  %9 = onnx.node "Reciprocal"(%x) {name = "recip"} : (tensor<4xf32>) -> !onnx.value
  %10 = onnx.node "Sigmoid"(%x) {name = "sigmoid"} : (tensor<4xf32>) -> !onnx.value
  %11 = onnx.node "Relu"(%x) {name = "relu"} : (tensor<4xf32>) -> !onnx.value
  %12 = onnx.node "LeakyRelu"(%x) {attrs = {alpha = 2.000000e-01 : f32}, name = "leaky"} : (tensor<4xf32>) -> !onnx.value
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12 : !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value
}

// -----

// Gelu (opset 20): 0.5 x (1 + erf(x / sqrt 2)) by default,
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) with approximate = "tanh".
// CHECK-LABEL: func.func @gelu(
// CHECK:       arith.constant 0.707106769 : f32
// CHECK:       math.erf
// CHECK-NOT:   math.tanh
// CHECK:       linalg.generic
// CHECK:       arith.constant 4.471500e-02 : f32
// CHECK:       arith.constant 0.797884583 : f32
// CHECK:       math.tanh
// CHECK-NOT:   math.erf
// CHECK:       return
func.func @gelu(%x: tensor<4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 20 : i64}} {
  %0 = onnx.node "Gelu"(%x) {name = "gelu_erf"} : (tensor<4xf32>) -> !onnx.value
  %1 = onnx.node "Gelu"(%x) {attrs = {approximate = "tanh"}, name = "gelu_tanh"} : (tensor<4xf32>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// IsNaN is an unordered self-comparison; IsInf compares with +inf and/or
// -inf as detect_positive / detect_negative ask.
// CHECK-LABEL: func.func @isnan_isinf(
// CHECK:       ^bb0(%[[X:.*]]: f32, %{{.*}}: i1):
// CHECK-NEXT:  arith.cmpf uno, %[[X]], %[[X]] : f32
// CHECK:       arith.constant 0x7F800000 : f32
// CHECK:       arith.constant 0xFF800000 : f32
// CHECK:       arith.ori
// CHECK:       linalg.generic
// CHECK:       arith.constant 0x7F800000 : f32
// CHECK-NOT:   0xFF800000
// CHECK:       return {{.*}} : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
func.func @isnan_isinf(%x: tensor<4xf32>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "IsNaN"(%x) {name = "isnan"} : (tensor<4xf32>) -> !onnx.value
  %1 = onnx.node "IsInf"(%x) {name = "isinf"} : (tensor<4xf32>) -> !onnx.value
  %2 = onnx.node "IsInf"(%x) {attrs = {detect_negative = 0 : i64}, name = "isposinf"} : (tensor<4xf32>) -> !onnx.value
  return %0, %1, %2 : !onnx.value, !onnx.value, !onnx.value
}

// -----

// Clip with min and max inputs; an omitted min (onnx.none) is skipped.
// CHECK-LABEL: func.func @clip(
// CHECK:       ins(%arg0, %arg1, %arg2 : tensor<4xf32>, tensor<f32>, tensor<f32>)
// CHECK:       ^bb0(%[[X:.*]]: f32, %[[LO:.*]]: f32, %[[HI:.*]]: f32, %{{.*}}: f32):
// CHECK:       %[[M:.*]] = arith.maximumf %[[X]], %[[LO]]
// CHECK:       arith.minimumf %[[M]], %[[HI]]
// CHECK:       ins(%arg0, %arg2 : tensor<4xf32>, tensor<f32>)
// CHECK-NOT:   arith.maximumf
// CHECK:       arith.minimumf
// CHECK-NOT:   onnx.none
func.func @clip(%x: tensor<4xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Clip"(%x, %lo, %hi) {name = "clip"} : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> !onnx.value
  %none = onnx.none
  %1 = onnx.node "Clip"(%x, %none, %hi) {name = "clip_max"} : (tensor<4xf32>, none, tensor<f32>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// Where broadcasts all three operands.
// CHECK-LABEL: func.func @where(
// CHECK-SAME:    -> tensor<2x3xf32>
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK:       ^bb0(%[[C:.*]]: i1, %[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:  arith.select %[[C]], %[[A]], %[[B]] : f32
func.func @where(%c: tensor<2x1xi1>, %x: tensor<3xf32>, %y: tensor<f32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Where"(%c, %x, %y) {name = "where"} : (tensor<2x1xi1>, tensor<3xf32>, tensor<f32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Cast `to` is a TensorProto data type code (7 = int64, 1 = float,
// 9 = bool); float to bool is x != 0. CastLike takes the second input's
// element type.
// CHECK-LABEL: func.func @cast(
// CHECK-SAME:    -> (tensor<4xi64>, tensor<4xf32>, tensor<4xi1>, tensor<4xf16>)
// CHECK:       arith.fptosi %{{.*}} : f32 to i64
// CHECK:       arith.sitofp %{{.*}} : i64 to f32
// CHECK:       %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:  arith.cmpf une, %{{.*}}, %[[Z]] : f32
// CHECK:       arith.truncf %{{.*}} : f32 to f16
func.func @cast(%x: tensor<4xf32>, %i: tensor<4xi64>, %like: tensor<1xf16>) -> (!onnx.value, !onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Cast"(%x) {attrs = {to = 7 : i64}, name = "to_i64"} : (tensor<4xf32>) -> !onnx.value
  %1 = onnx.node "Cast"(%i) {attrs = {to = 1 : i64}, name = "to_f32"} : (tensor<4xi64>) -> !onnx.value
  %2 = onnx.node "Cast"(%x) {attrs = {to = 9 : i64}, name = "to_bool"} : (tensor<4xf32>) -> !onnx.value
  %3 = onnx.node "CastLike"(%x, %like) {name = "like_f16"} : (tensor<4xf32>, tensor<1xf16>) -> !onnx.value
  return %0, %1, %2, %3 : !onnx.value, !onnx.value, !onnx.value, !onnx.value
}

// -----

// Identity forwards its input; the signature takes its type.
// CHECK-LABEL: func.func @identity(
// CHECK-SAME:    %[[X:.*]]: tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:  return %[[X]] : tensor<4xf32>
func.func @identity(%x: tensor<4xf32>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Identity"(%x) {name = "id"} : (tensor<4xf32>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// All-constant inputs fold through the same scalar bodies: sqrt(x + 10).
// CHECK-LABEL: func.func @fold_constants(
// CHECK-NOT:   linalg.generic
// CHECK:       %[[C:.*]] = arith.constant dense<[3.31662488, 3.46410155, 3.60555124]> : tensor<3xf32>
// CHECK-NEXT:  return %[[C]] : tensor<3xf32>
func.func @fold_constants() -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %a = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %b = arith.constant dense<10.0> : tensor<f32>
  %0 = onnx.node "Add"(%a, %b) {name = "add"} : (tensor<3xf32>, tensor<f32>) -> !onnx.value
  %1 = onnx.node "Sqrt"(%0) {name = "sqrt"} : (!onnx.value) -> !onnx.value
  return %1 : !onnx.value
}
