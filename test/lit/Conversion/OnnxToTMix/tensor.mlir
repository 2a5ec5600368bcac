// convert-onnx-to-tmix, shape and data-movement rules. Shapes are static,
// so shape queries are constants; real tensors move through tensor/linalg
// ops (reshapes, linalg.transpose, slices) and gathers read their source
// with tensor.extract inside a generic.
// RUN: tmix-opt %s --convert-onnx-to-tmix --split-input-file --mlir-print-local-scope | FileCheck %s
// Without run-time index checks, gathers only clamp their indices.
// RUN: tmix-opt %s --convert-onnx-to-tmix="index-checks=false" --split-input-file | FileCheck %s --check-prefix=NOCHECK --implicit-check-not=tmix_rt_index_error --implicit-check-not=tmix.index_checks

// Every Constant attribute form becomes an arith.constant.
// CHECK-LABEL: func.func @constants(
// CHECK-SAME:    -> (tensor<2x2xi32>, tensor<f32>, tensor<i64>, tensor<2xf32>, tensor<3xi64>)
// CHECK:       %[[T:.*]] = arith.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK:       %[[F:.*]] = arith.constant dense<2.500000e+00> : tensor<f32>
// CHECK:       %[[I:.*]] = arith.constant dense<7> : tensor<i64>
// CHECK:       %[[FS:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK:       %[[IS:.*]] = arith.constant dense<[3, 4, 5]> : tensor<3xi64>
// CHECK:       return %[[T]], %[[F]], %[[I]], %[[FS]], %[[IS]]
func.func @constants() -> (!onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Constant"() {attrs = {value = dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>}, name = "c_tensor"} : () -> !onnx.value
  %1 = onnx.node "Constant"() {attrs = {value_float = 2.500000e+00 : f32}, name = "c_float"} : () -> !onnx.value
  %2 = onnx.node "Constant"() {attrs = {value_int = 7 : i64}, name = "c_int"} : () -> !onnx.value
  %3 = onnx.node "Constant"() {attrs = {value_floats = array<f32: 1.0, 2.0>}, name = "c_floats"} : () -> !onnx.value
  %4 = onnx.node "Constant"() {attrs = {value_ints = array<i64: 3, 4, 5>}, name = "c_ints"} : () -> !onnx.value
  return %0, %1, %2, %3, %4 : !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value
}

// -----

// Shape (whole and start/end), Size, ConstantOfShape and Range (int and
// float, negative delta) are all constants.
// CHECK-LABEL: func.func @shape_queries(
// CHECK-SAME:    -> (tensor<3xi64>, tensor<1xi64>, tensor<i64>, tensor<2x3x4xi64>, tensor<4xi64>, tensor<4xf32>)
// CHECK-NOT:   linalg
// CHECK-DAG:   %[[SHAPE:.*]] = arith.constant dense<[2, 3, 4]> : tensor<3xi64>
// CHECK-DAG:   %[[MID:.*]] = arith.constant dense<3> : tensor<1xi64>
// CHECK-DAG:   %[[SIZE:.*]] = arith.constant dense<24> : tensor<i64>
// CHECK-DAG:   %[[FILL:.*]] = arith.constant dense<7> : tensor<2x3x4xi64>
// CHECK-DAG:   %[[RANGE:.*]] = arith.constant dense<[0, 3, 6, 9]> : tensor<4xi64>
// CHECK-DAG:   %[[RANGEF:.*]] = arith.constant dense<[1.000000e+00, 7.500000e-01, 5.000000e-01, 2.500000e-01]> : tensor<4xf32>
// CHECK:       return %[[SHAPE]], %[[MID]], %[[SIZE]], %[[FILL]], %[[RANGE]], %[[RANGEF]]
func.func @shape_queries(%x: tensor<2x3x4xf32>) -> (!onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Shape"(%x) {name = "shape"} : (tensor<2x3x4xf32>) -> !onnx.value
  %1 = onnx.node "Shape"(%x) {attrs = {start = 1 : i64, end = -1 : i64}, name = "shape_slice"} : (tensor<2x3x4xf32>) -> !onnx.value
  %2 = onnx.node "Size"(%x) {name = "size"} : (tensor<2x3x4xf32>) -> !onnx.value
  %3 = onnx.node "ConstantOfShape"(%0) {attrs = {value = dense<7> : tensor<1xi64>}, name = "fill"} : (!onnx.value) -> !onnx.value
  %s = arith.constant dense<0> : tensor<i64>
  %l = arith.constant dense<10> : tensor<i64>
  %d = arith.constant dense<3> : tensor<i64>
  %4 = onnx.node "Range"(%s, %l, %d) {name = "range"} : (tensor<i64>, tensor<i64>, tensor<i64>) -> !onnx.value
  %fs = arith.constant dense<1.0> : tensor<f32>
  %fl = arith.constant dense<0.0> : tensor<f32>
  %fd = arith.constant dense<-0.25> : tensor<f32>
  %5 = onnx.node "Range"(%fs, %fl, %fd) {name = "range_f"} : (tensor<f32>, tensor<f32>, tensor<f32>) -> !onnx.value
  return %0, %1, %2, %3, %4, %5 : !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value, !onnx.value
}

// -----

// Reshape: 0 copies the input dim, -1 is inferred. Merging or splitting
// adjacent dims is one collapse_shape / expand_shape; anything else goes
// through the flat form.
// CHECK-LABEL: func.func @reshape(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3x4xf32>) -> (tensor<2x12xf32>, tensor<2x3x2x2xf32>, tensor<4x6xf32>)
// CHECK:       %[[C:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
// CHECK:       %[[E:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1], [2, 3]] output_shape [2, 3, 2, 2] : tensor<2x3x4xf32> into tensor<2x3x2x2xf32>
// CHECK:       %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
// CHECK:       %[[R:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [4, 6] : tensor<24xf32> into tensor<4x6xf32>
// CHECK:       return %[[C]], %[[E]], %[[R]]
func.func @reshape(%x: tensor<2x3x4xf32>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %s0 = arith.constant dense<[0, -1]> : tensor<2xi64>
  %0 = onnx.node "Reshape"(%x, %s0) {name = "collapse"} : (tensor<2x3x4xf32>, tensor<2xi64>) -> !onnx.value
  %s1 = arith.constant dense<[0, 3, 2, -1]> : tensor<4xi64>
  %1 = onnx.node "Reshape"(%x, %s1) {name = "expand"} : (tensor<2x3x4xf32>, tensor<4xi64>) -> !onnx.value
  %s2 = arith.constant dense<[4, 6]> : tensor<2xi64>
  %2 = onnx.node "Reshape"(%x, %s2) {name = "regroup"} : (tensor<2x3x4xf32>, tensor<2xi64>) -> !onnx.value
  return %0, %1, %2 : !onnx.value, !onnx.value, !onnx.value
}

// -----

// Flatten: dims before `axis` (default 1) form the rows; axis 0 gives 1 row.
// CHECK-LABEL: func.func @flatten(
// CHECK-SAME:    -> (tensor<2x12xf32>, tensor<1x24xf32>)
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
// CHECK:       tensor.expand_shape %{{.*}} into tensor<1x24xf32>
func.func @flatten(%x: tensor<2x3x4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Flatten"(%x) {name = "flatten"} : (tensor<2x3x4xf32>) -> !onnx.value
  %1 = onnx.node "Flatten"(%x) {attrs = {axis = 0 : i64}, name = "flatten0"} : (tensor<2x3x4xf32>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// Opset 11: axes is an attribute (negative counts from the end; absent
// squeezes every size-1 dim). Unsqueeze axes index the output rank.
// CHECK-LABEL: func.func @squeeze_attr(
// CHECK-SAME:    -> (tensor<1x3xf32>, tensor<3xf32>, tensor<1x1x3x1x1xf32>)
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<1x3x1xf32> into tensor<1x3xf32>
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2]] : tensor<1x3x1xf32> into tensor<3xf32>
// CHECK:       tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2], [3, 4]] output_shape [1, 1, 3, 1, 1] : tensor<1x3x1xf32> into tensor<1x1x3x1x1xf32>
func.func @squeeze_attr(%x: tensor<1x3x1xf32>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 11 : i64}} {
  %0 = onnx.node "Squeeze"(%x) {attrs = {axes = array<i64: -1>}, name = "sq"} : (tensor<1x3x1xf32>) -> !onnx.value
  %1 = onnx.node "Squeeze"(%x) {name = "sq_all"} : (tensor<1x3x1xf32>) -> !onnx.value
  %2 = onnx.node "Unsqueeze"(%x) {attrs = {axes = array<i64: 0, 4>}, name = "unsq"} : (tensor<1x3x1xf32>) -> !onnx.value
  return %0, %1, %2 : !onnx.value, !onnx.value, !onnx.value
}

// -----

// Opset 13: axes is a constant input.
// CHECK-LABEL: func.func @squeeze_input(
// CHECK-SAME:    -> (tensor<3x1xf32>, tensor<1x3x1x1xf32>)
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<1x3x1xf32> into tensor<3x1xf32>
// CHECK:       tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [1, 3, 1, 1] : tensor<1x3x1xf32> into tensor<1x3x1x1xf32>
func.func @squeeze_input(%x: tensor<1x3x1xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %a = arith.constant dense<[0]> : tensor<1xi64>
  %0 = onnx.node "Squeeze"(%x, %a) {name = "sq"} : (tensor<1x3x1xf32>, tensor<1xi64>) -> !onnx.value
  %b = arith.constant dense<[-1]> : tensor<1xi64>
  %1 = onnx.node "Unsqueeze"(%x, %b) {name = "unsq"} : (tensor<1x3x1xf32>, tensor<1xi64>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// Transpose with perm, and without (reverses the dims).
// CHECK-LABEL: func.func @transpose(
// CHECK:       linalg.transpose ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<2x4x3xf32>) permutation = [0, 2, 1]
// CHECK:       linalg.transpose ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x3x2xf32>) permutation = [2, 1, 0]
func.func @transpose(%x: tensor<2x3x4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Transpose"(%x) {attrs = {perm = array<i64: 0, 2, 1>}, name = "t"} : (tensor<2x3x4xf32>) -> !onnx.value
  %1 = onnx.node "Transpose"(%x) {name = "t_default"} : (tensor<2x3x4xf32>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// Concat of tensors: insert_slice at running offsets (negative axis);
// Concat of constants folds.
// CHECK-LABEL: func.func @concat(
// CHECK-SAME:    %[[X:.*]]: tensor<2x3xf32>, %[[Y:.*]]: tensor<2x5xf32>) -> (tensor<2x8xf32>, tensor<3xi64>)
// CHECK:       %[[E:.*]] = tensor.empty() : tensor<2x8xf32>
// CHECK:       %[[S0:.*]] = tensor.insert_slice %[[X]] into %[[E]][0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x8xf32>
// CHECK:       %[[S1:.*]] = tensor.insert_slice %[[Y]] into %[[S0]][0, 3] [2, 5] [1, 1] : tensor<2x5xf32> into tensor<2x8xf32>
// CHECK:       %[[C:.*]] = arith.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK:       return %[[S1]], %[[C]]
func.func @concat(%x: tensor<2x3xf32>, %y: tensor<2x5xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Concat"(%x, %y) {attrs = {axis = -1 : i64}, name = "cat"} : (tensor<2x3xf32>, tensor<2x5xf32>) -> !onnx.value
  %a = arith.constant dense<[1, 2]> : tensor<2xi64>
  %b = arith.constant dense<[3]> : tensor<1xi64>
  %1 = onnx.node "Concat"(%a, %b) {attrs = {axis = 0 : i64}, name = "cat_const"} : (tensor<2xi64>, tensor<1xi64>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// Positive steps (ends clamped, negative ends from the back) are one
// extract_slice; a negative step reads x[i, 5 - j] in a generic.
// CHECK-LABEL: func.func @slice(
// CHECK-SAME:    -> (tensor<2x3xf32>, tensor<4x6xf32>)
// CHECK:       %[[S:.*]] = tensor.extract_slice %arg0[1, 0] [2, 3] [1, 2] : tensor<4x6xf32> to tensor<2x3xf32>
// CHECK:       %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, -d1 + 5)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK-SAME:    ins(%arg0 : tensor<4x6xf32>)
// CHECK:       return %[[S]], %[[R]]
func.func @slice(%x: tensor<4x6xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %starts = arith.constant dense<[1, 0]> : tensor<2xi64>
  %ends = arith.constant dense<[-1, 100]> : tensor<2xi64>
  %axes = arith.constant dense<[0, 1]> : tensor<2xi64>
  %steps = arith.constant dense<[1, 2]> : tensor<2xi64>
  %0 = onnx.node "Slice"(%x, %starts, %ends, %axes, %steps) {name = "slice"} : (tensor<4x6xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> !onnx.value
  %s1 = arith.constant dense<[-1]> : tensor<1xi64>
  %e1 = arith.constant dense<[-100]> : tensor<1xi64>
  %a1 = arith.constant dense<[1]> : tensor<1xi64>
  %st1 = arith.constant dense<[-1]> : tensor<1xi64>
  %1 = onnx.node "Slice"(%x, %s1, %e1, %a1, %st1) {name = "reverse"} : (tensor<4x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// Split sizes from the `split` input (opset 13).
// CHECK-LABEL: func.func @split_input(
// CHECK:       %[[A:.*]] = tensor.extract_slice %arg0[0, 0] [2, 2] [1, 1] : tensor<2x6xf32> to tensor<2x2xf32>
// CHECK:       %[[B:.*]] = tensor.extract_slice %arg0[0, 2] [2, 4] [1, 1] : tensor<2x6xf32> to tensor<2x4xf32>
// CHECK:       return %[[A]], %[[B]]
func.func @split_input(%x: tensor<2x6xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  %s = arith.constant dense<[2, 4]> : tensor<2xi64>
  %0:2 = onnx.node "Split"(%x, %s) {attrs = {axis = 1 : i64}, name = "split"} : (tensor<2x6xf32>, tensor<2xi64>) -> (!onnx.value, !onnx.value)
  return %0#0, %0#1 : !onnx.value, !onnx.value
}

// -----

// num_outputs (opset 18): ceil(7 / 3) = 3 per chunk, the last one smaller.
// CHECK-LABEL: func.func @split_num_outputs(
// CHECK-SAME:    -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<1x2xf32>)
// CHECK:       tensor.extract_slice %arg0[0, 0] [3, 2] [1, 1]
// CHECK:       tensor.extract_slice %arg0[3, 0] [3, 2] [1, 1]
// CHECK:       tensor.extract_slice %arg0[6, 0] [1, 2] [1, 1]
func.func @split_num_outputs(%x: tensor<7x2xf32>) -> (!onnx.value, !onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 18 : i64}} {
  %0:3 = onnx.node "Split"(%x) {attrs = {num_outputs = 3 : i64}, name = "split"} : (tensor<7x2xf32>) -> (!onnx.value, !onnx.value, !onnx.value)
  return %0#0, %0#1, %0#2 : !onnx.value, !onnx.value, !onnx.value
}

// -----

// Gather on axis 1: out[i, j, k] = x[i, wrap(idx[j, k])], negative indices
// counting from the end of the gathered dim (4), clamped into it. The
// largest and smallest index are checked against [-4, 4): out of range
// calls tmix_rt_index_error(index, 4, check 0), check 0 being this node.
// CHECK-LABEL: func.func private @tmix_rt_index_error(i64, i64, i64)
// CHECK-LABEL: func.func @gather(
// CHECK-SAME:    %[[X:.*]]: tensor<5x4xf32>, %[[I:.*]]: tensor<2x3xi64>) -> tensor<5x2x3xf32>
// CHECK-SAME:    attributes {tmix.index_checks = ["node 'gather' (Gather, opset 17)"]}
// CHECK:       %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[I]] : tensor<2x3xi64>)
// CHECK:       arith.maxsi
// CHECK:       %[[MIN:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[I]] : tensor<2x3xi64>)
// CHECK:       arith.minsi
// CHECK:       %[[HI:.*]] = tensor.extract %[[MAX]][] : tensor<i64>
// CHECK:       %[[LO:.*]] = tensor.extract %[[MIN]][] : tensor<i64>
// CHECK:       %[[UP:.*]] = arith.constant 4 : i64
// CHECK:       %[[DOWN:.*]] = arith.constant -4 : i64
// CHECK:       %[[ABOVE:.*]] = arith.cmpi sge, %[[HI]], %[[UP]] : i64
// CHECK:       %[[BELOW:.*]] = arith.cmpi slt, %[[LO]], %[[DOWN]] : i64
// CHECK:       %[[BAD:.*]] = arith.ori %[[ABOVE]], %[[BELOW]] : i1
// CHECK:       scf.if %[[BAD]] {
// CHECK:         %[[VAL:.*]] = arith.select %[[ABOVE]], %[[HI]], %[[LO]] : i64
// CHECK:         %[[CHECK:.*]] = arith.constant 0 : i64
// CHECK:         func.call @tmix_rt_index_error(%[[VAL]], %[[UP]], %[[CHECK]])
// CHECK:       }
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>]
// CHECK-SAME:    ins(%[[I]] : tensor<2x3xi64>)
// CHECK:       ^bb0(%[[IDX:.*]]: i64, %{{.*}}: f32):
// CHECK:       %[[ROW:.*]] = linalg.index 0 : index
// CHECK:       %[[CAST:.*]] = arith.index_cast %[[IDX]] : i64 to index
// CHECK:       %[[NEG:.*]] = arith.cmpi slt, %[[CAST]], %{{.*}} : index
// CHECK:       %[[SIZE:.*]] = arith.constant 4 : index
// CHECK:       %[[WRAP:.*]] = arith.addi %[[CAST]], %[[SIZE]] : index
// CHECK:       %[[WRAPPED:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[CAST]] : index
// CHECK:       %[[LAST:.*]] = arith.constant 3 : index
// CHECK:       %[[BELOWLAST:.*]] = arith.minsi %[[WRAPPED]], %[[LAST]] : index
// CHECK:       %[[COL:.*]] = arith.maxsi %[[BELOWLAST]], %{{.*}} : index
// CHECK:       %[[V:.*]] = tensor.extract %[[X]][%[[ROW]], %[[COL]]] : tensor<5x4xf32>
// CHECK:       linalg.yield %[[V]] : f32
func.func @gather(%x: tensor<5x4xf32>, %i: tensor<2x3xi64>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Gather"(%x, %i) {attrs = {axis = 1 : i64}, name = "gather"} : (tensor<5x4xf32>, tensor<2x3xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// GatherElements on axis 0: out[i, j] = x[idx[i, j], j].
// CHECK-LABEL: func.func @gather_elements(
// CHECK-SAME:    %[[X:.*]]: tensor<3x4xf32>, %[[I:.*]]: tensor<2x4xi64>) -> tensor<2x4xf32>
// CHECK:       ins(%[[I]] : tensor<2x4xi64>)
// CHECK:       %[[J:.*]] = linalg.index 1 : index
// CHECK:       arith.select
// CHECK:       arith.minsi
// CHECK:       %[[ROW:.*]] = arith.maxsi
// CHECK:       tensor.extract %[[X]][%[[ROW]], %[[J]]] : tensor<3x4xf32>
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<2x4xi64>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "GatherElements"(%x, %i) {attrs = {axis = 0 : i64}, name = "ge"} : (tensor<3x4xf32>, tensor<2x4xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// GatherND with index tuples of length 2: out[i, k] = x[idx[i, 0], idx[i, 1], k].
// Each entry of a tuple is checked against its own axis (3, then 4).
// CHECK-LABEL: func.func @gather_nd(
// CHECK-SAME:    %[[X:.*]]: tensor<3x4x5xf32>, %[[I:.*]]: tensor<2x2xi64>) -> tensor<2x5xf32>
// CHECK:       %[[TMAX:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
// CHECK:       tensor.extract %[[TMAX]][%{{.*}}] : tensor<2xi64>
// CHECK:       arith.constant 3 : i64
// CHECK:       scf.if
// CHECK:       tensor.extract %[[TMAX]][%{{.*}}] : tensor<2xi64>
// CHECK:       arith.constant 4 : i64
// CHECK:       scf.if
// NOCHECK-LABEL: func.func @gather_nd(
// CHECK:       outs(%{{.*}} : tensor<2x5xf32>)
// CHECK:       %[[ROW:.*]] = linalg.index 0 : index
// CHECK:       %[[K:.*]] = linalg.index 1 : index
// CHECK:       tensor.extract %[[I]][%[[ROW]], %{{.*}}] : tensor<2x2xi64>
// CHECK:       arith.select
// CHECK:       %[[A:.*]] = arith.maxsi
// CHECK:       tensor.extract %[[I]][%[[ROW]], %{{.*}}] : tensor<2x2xi64>
// CHECK:       arith.select
// CHECK:       %[[B:.*]] = arith.maxsi
// CHECK:       tensor.extract %[[X]][%[[A]], %[[B]], %[[K]]] : tensor<3x4x5xf32>
func.func @gather_nd(%x: tensor<3x4x5xf32>, %i: tensor<2x2xi64>) -> !onnx.value attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "GatherND"(%x, %i) {name = "gnd"} : (tensor<3x4x5xf32>, tensor<2x2xi64>) -> !onnx.value
  return %0 : !onnx.value
}

// -----

// Expand broadcasts [3,1] with [2,1,4]; Tile reads x[i mod 3, 0].
// CHECK-LABEL: func.func @expand_tile(
// CHECK-SAME:    -> (tensor<2x3x4xf32>, tensor<6x3xf32>)
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>]
// CHECK:       linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0 mod 3, 0)>, affine_map<(d0, d1) -> (d0, d1)>]
func.func @expand_tile(%x: tensor<3x1xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %s = arith.constant dense<[2, 1, 4]> : tensor<3xi64>
  %0 = onnx.node "Expand"(%x, %s) {name = "expand"} : (tensor<3x1xf32>, tensor<3xi64>) -> !onnx.value
  %r = arith.constant dense<[2, 3]> : tensor<2xi64>
  %1 = onnx.node "Tile"(%x, %r) {name = "tile"} : (tensor<3x1xf32>, tensor<2xi64>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}

// -----

// Trilu keeps x[i, j] where j - i >= k (upper, default k = 0) or
// j - i <= k (lower, here k = -1), zero elsewhere.
// CHECK-LABEL: func.func @trilu(
// CHECK:       %[[I:.*]] = linalg.index 0 : index
// CHECK:       %[[J:.*]] = linalg.index 1 : index
// CHECK:       %[[D:.*]] = arith.subi %[[J]], %[[I]] : index
// CHECK:       %[[K:.*]] = arith.constant 0 : index
// CHECK:       arith.cmpi sge, %[[D]], %[[K]] : index
// CHECK:       arith.select
// CHECK:       %[[I2:.*]] = linalg.index 0 : index
// CHECK:       %[[J2:.*]] = linalg.index 1 : index
// CHECK:       %[[D2:.*]] = arith.subi %[[J2]], %[[I2]] : index
// CHECK:       %[[K2:.*]] = arith.constant -1 : index
// CHECK:       arith.cmpi sle, %[[D2]], %[[K2]] : index
func.func @trilu(%x: tensor<4x4xf32>) -> (!onnx.value, !onnx.value) attributes {onnx.opset_import = {"ai.onnx" = 17 : i64}} {
  %0 = onnx.node "Trilu"(%x) {name = "triu"} : (tensor<4x4xf32>) -> !onnx.value
  %k = arith.constant dense<-1> : tensor<i64>
  %1 = onnx.node "Trilu"(%x, %k) {attrs = {upper = 0 : i64}, name = "tril"} : (tensor<4x4xf32>, tensor<i64>) -> !onnx.value
  return %0, %1 : !onnx.value, !onnx.value
}
