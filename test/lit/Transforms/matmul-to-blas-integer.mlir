// tmix-matmul-to-blas on integer products: the contraction the conversion
// builds for MatMulInteger (and tmix-quantize for int8 matmuls) becomes a
// call to tmix_rt_igemm_i8, or its constb form with a packed-weights slot
// when B is a constant. Zero points travel as 1-D i8 views: empty when
// absent, one element per tensor (an operand or a constant folded into the
// body), one per row or column. Flags: bit 0 accumulate, bits 2 and 3
// unsigned A and B.
// RUN: tmix-opt %s --tmix-matmul-to-blas --split-input-file | FileCheck %s

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#s = affine_map<(d0, d1, d2) -> ()>
#n = affine_map<(d0, d1, d2) -> (d1)>

// uint8 A with a per-tensor zero point operand, int8 B with one per column,
// C zero-filled first: the fill folds into the call (flags 4: A unsigned,
// no accumulation).
// CHECK-LABEL: func.func @zero_points(
// CHECK-SAME:    %[[A:.*]]: memref<4x8xi8>, %[[B:.*]]: memref<8x5xi8>, %[[ZA:.*]]: memref<i8>, %[[ZB:.*]]: memref<5xi8>, %[[C:.*]]: memref<4x5xi32>)
// CHECK:       %[[ONE:.*]] = memref.alloca() : memref<1xi8>
// CHECK-NOT:   linalg.fill
// CHECK:       %[[V:.*]] = memref.load %[[ZA]][] : memref<i8>
// CHECK:       memref.store %[[V]], %[[ONE]][%{{.*}}] : memref<1xi8>
// CHECK:       %[[ZAV:.*]] = memref.cast %[[ONE]] : memref<1xi8> to memref<?xi8, strided<[?], offset: ?>>
// CHECK:       %[[ZBV:.*]] = memref.cast %[[ZB]] : memref<5xi8> to memref<?xi8, strided<[?], offset: ?>>
// CHECK:       %[[F:.*]] = arith.constant 4 : i32
// CHECK:       call @tmix_rt_igemm_i8(%{{.*}}, %{{.*}}, %{{.*}}, %[[ZAV]], %[[ZBV]], %[[F]])
// CHECK-NOT:   linalg.generic
// CHECK:       func.func private @tmix_rt_igemm_i8(memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xi8, strided<[?, ?], offset: ?>>, memref<?x?xi32, strided<[?, ?], offset: ?>>, memref<?xi8, strided<[?], offset: ?>>, memref<?xi8, strided<[?], offset: ?>>, i32) attributes {llvm.emit_c_interface}
func.func @zero_points(%a: memref<4x8xi8>, %b: memref<8x5xi8>, %za: memref<i8>, %zb: memref<5xi8>, %c: memref<4x5xi32>) {
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%c : memref<4x5xi32>)
  linalg.generic {indexing_maps = [#a, #b, #s, #n, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b, %za, %zb : memref<4x8xi8>, memref<8x5xi8>, memref<i8>, memref<5xi8>) outs(%c : memref<4x5xi32>) {
  ^bb0(%x: i8, %y: i8, %zx: i8, %zy: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %ye = arith.extsi %y : i8 to i32
    %zxe = arith.extui %zx : i8 to i32
    %zye = arith.extsi %zy : i8 to i32
    %xs = arith.subi %xe, %zxe : i32
    %ys = arith.subi %ye, %zye : i32
    %p = arith.muli %xs, %ys : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// A constant B (a weight) gets a slot; a zero point folded into the body
// as a constant is stored into a one-element buffer; C accumulates (no
// zero fill before): flags 1 | 4 | 8.
// CHECK-LABEL: func.func @weights(
// CHECK-DAG:   %[[ONE:.*]] = memref.alloca() : memref<1xi8>
// CHECK-DAG:   %[[NONE:.*]] = memref.alloca() : memref<0xi8>
// CHECK:       %[[Z:.*]] = arith.constant -125 : i8
// CHECK:       memref.store %[[Z]], %[[ONE]]
// CHECK:       %[[ZA:.*]] = memref.cast %[[ONE]]
// CHECK:       %[[ZB:.*]] = memref.cast %[[NONE]]
// CHECK:       %[[SLOT:.*]] = memref.get_global @tmix__packed_b : memref<1xi64>
// CHECK:       %[[F:.*]] = arith.constant 13 : i32
// CHECK:       call @tmix_rt_igemm_i8_constb(%{{.*}}, %{{.*}}, %{{.*}}, %[[ZA]], %[[ZB]], %[[SLOT]], %[[F]])
memref.global "private" constant @w : memref<8x5xi8> = dense<3>
func.func @weights(%a: memref<4x8xi8>, %c: memref<4x5xi32>) {
  %b = memref.get_global @w : memref<8x5xi8>
  %z = arith.constant 131 : i32
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x8xi8>, memref<8x5xi8>) outs(%c : memref<4x5xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extui %x : i8 to i32
    %ye = arith.extui %y : i8 to i32
    %xs = arith.subi %xe, %z : i32
    %p = arith.muli %xs, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#bt = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>

// Left alone: B indexed transposed, and a product of i16 values.
// CHECK-LABEL: func.func @not_products(
// CHECK-NOT:   call
// CHECK:       linalg.generic
// CHECK:       linalg.generic
func.func @not_products(%a: memref<4x8xi8>, %b: memref<5x8xi8>, %a16: memref<4x8xi16>, %b16: memref<5x8xi16>, %c: memref<4x5xi32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x8xi8>, memref<5x8xi8>) outs(%c : memref<4x5xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extsi %x : i8 to i32
    %ye = arith.extsi %y : i8 to i32
    %p = arith.muli %xe, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a16, %b16 : memref<4x8xi16>, memref<5x8xi16>) outs(%c : memref<4x5xi32>) {
  ^bb0(%x: i16, %y: i16, %acc: i32):
    %xe = arith.extsi %x : i16 to i32
    %ye = arith.extsi %y : i16 to i32
    %p = arith.muli %xe, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}
