// tmix-protect-inputs marks every tensor argument of every public function
// `bufferization.writable = false`, and nothing else.
// RUN: tmix-opt %s --tmix-protect-inputs | FileCheck %s

// Public function: tensor arguments (static, dynamic, unranked) are marked;
// index, memref and vector arguments are not.
// CHECK-LABEL: func.func @public_mixed(
// CHECK-SAME:  %arg0: tensor<4xf32> {bufferization.writable = false},
// CHECK-SAME:  %arg1: index,
// CHECK-SAME:  %arg2: memref<4xf32>,
// CHECK-SAME:  %arg3: tensor<?x2xf16> {bufferization.writable = false},
// CHECK-SAME:  %arg4: tensor<*xf32> {bufferization.writable = false},
// CHECK-SAME:  %arg5: vector<4xf32>)
// CHECK-SAME:  -> tensor<4xf32> {
func.func @public_mixed(%a: tensor<4xf32>, %i: index, %m: memref<4xf32>, %d: tensor<?x2xf16>, %u: tensor<*xf32>, %w: vector<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

// Arguments that already carry the attribute keep their value, including an
// explicit `true`; other argument attributes are preserved.
// CHECK-LABEL: func.func @already_marked(
// CHECK-SAME:  %arg0: tensor<4xf32> {bufferization.writable = true},
// CHECK-SAME:  %arg1: tensor<4xf32> {bufferization.writable = false},
// CHECK-SAME:  %arg2: tensor<4xi1> {bufferization.writable = false, test.other})
func.func @already_marked(%a: tensor<4xf32> {bufferization.writable = true}, %b: tensor<4xf32> {bufferization.writable = false}, %c: tensor<4xi1> {test.other}) {
  return
}

// Private functions are left alone.
// CHECK-LABEL: func.func private @private_fn(
// CHECK-SAME:  %arg0: tensor<4xf32>) -> tensor<4xf32> {
func.func private @private_fn(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

// External declarations are left alone.
// CHECK-LABEL: func.func private @external_fn(
// CHECK-SAME:  tensor<4xf32>) -> tensor<4xf32>{{$}}
func.func private @external_fn(tensor<4xf32>) -> tensor<4xf32>

// A public function without tensor arguments is unchanged.
// CHECK-LABEL: func.func @no_tensors(
// CHECK-SAME:  %arg0: index, %arg1: f32) {
func.func @no_tensors(%i: index, %f: f32) {
  return
}

// Every tensor argument of a model entry point is marked, results are not.
// CHECK-LABEL: func.func @attention_entry(
// CHECK-SAME:  %arg0: tensor<1x2x4x8xf32> {bufferization.writable = false},
// CHECK-SAME:  %arg1: tensor<1x2x4x8xf32> {bufferization.writable = false},
// CHECK-SAME:  %arg2: tensor<1x2x4x8xf32> {bufferization.writable = false})
// CHECK-SAME:  -> tensor<1x2x4x8xf32> {
// CHECK-NEXT:  tmix.attention %arg0, %arg1, %arg2
func.func @attention_entry(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
