// tmix-parallelize-generics: large generics become scf.forall chunks along
// their outermost parallel loop of size >= 2; small ones, dynamic ones and
// ones already inside an scf.forall stay as they are.
// RUN: tmix-opt %s --tmix-parallelize-generics="chunks=4 min-elements=1024" --split-input-file | FileCheck %s

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#row = affine_map<(d0, d1, d2) -> (d0, d1)>

// The batch dim is 1, so the sequence dim (64) is split into 4 chunks of
// 16 rows; the reduction over the hidden dim stays inside each chunk.
// CHECK-LABEL: func.func @row_sum
// CHECK:       scf.forall (%[[I:.+]]) in (4) shared_outs(%{{.+}} = %{{.+}}) -> (tensor<1x64xf32>)
// CHECK:         tensor.extract_slice %arg0[0, %{{.+}}, 0] [1, 16, 32] [1, 1, 1]
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:       scf.forall.in_parallel
func.func @row_sum(%x: tensor<1x64x32xf32>, %init: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %0 = linalg.generic {indexing_maps = [#id3, #row], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<1x64x32xf32>) outs(%init : tensor<1x64xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>

// Below min-elements: left alone.
// CHECK-LABEL: func.func @small
// CHECK-NOT:   scf.forall
// CHECK:       linalg.generic
func.func @small(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %e = tensor.empty() : tensor<8x8xf32>
  %0 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x8xf32>) outs(%e : tensor<8x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>

// Dynamic sizes: left alone.
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT:   scf.forall
func.func @dynamic(%x: tensor<?x64xf32>, %e: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>

// Already inside an scf.forall (a tiled mixer): left alone.
// CHECK-LABEL: func.func @nested
// CHECK:       scf.forall (%{{.+}}) in (4)
// CHECK-NOT:   scf.forall (
func.func @nested(%x: tensor<4x64x64xf32>) -> tensor<4x64x64xf32> {
  %e = tensor.empty() : tensor<4x64x64xf32>
  %r = scf.forall (%i) in (4) shared_outs(%o = %e) -> (tensor<4x64x64xf32>) {
    %s = tensor.extract_slice %x[%i, 0, 0] [1, 64, 64] [1, 1, 1] : tensor<4x64x64xf32> to tensor<64x64xf32>
    %t = tensor.empty() : tensor<64x64xf32>
    %n = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<64x64xf32>) outs(%t : tensor<64x64xf32>) {
    ^bb0(%a: f32, %b: f32):
      %v = arith.negf %a : f32
      linalg.yield %v : f32
    } -> tensor<64x64xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %n into %o[%i, 0, 0] [1, 64, 64] [1, 1, 1] : tensor<64x64xf32> into tensor<4x64x64xf32>
    }
  }
  return %r : tensor<4x64x64xf32>
}

// -----

// An int8 product (which tmix-matmul-to-blas turns into a library call that
// uses every core) stays whole.
// CHECK-LABEL: func.func @integer_product(
// CHECK-NOT:   scf.forall
// CHECK:       linalg.generic
func.func @integer_product(%a: tensor<64x64xi8>, %b: tensor<64x64xi8>, %c: tensor<64x64xi32>) -> tensor<64x64xi32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<64x64xi8>, tensor<64x64xi8>) outs(%c : tensor<64x64xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extsi %x : i8 to i32
    %ye = arith.extsi %y : i8 to i32
    %p = arith.muli %xe, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  } -> tensor<64x64xi32>
  return %0 : tensor<64x64xi32>
}
