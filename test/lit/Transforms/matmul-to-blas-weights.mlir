// tmix-matmul-to-blas on weights: a 2-D matmul whose B holds the same bytes
// on every call calls tmix_rt_sgemm_f32_constb with a slot of its own, in
// which the model support library keeps B packed after the first call.
// RUN: tmix-opt %s --tmix-matmul-to-blas --split-input-file | FileCheck %s
// RUN: tmix-opt %s --tmix-matmul-to-blas="pack-weights=false" --split-input-file | FileCheck %s --check-prefix=NOPACK
// With bf16-weights, the constb calls' flags ask for bf16 (bit 1) and the
// others' do not.
// RUN: tmix-opt %s --tmix-matmul-to-blas="bf16-weights=true" --split-input-file | FileCheck %s --check-prefix=BF16

// Constant B: a constant global, seen through views with constant operands,
// and the externalized weights. Each such call gets its own zeroed slot
// (where the library keeps B packed) and calls the constb entry point.
// CHECK-DAG:   memref.global "private" @tmix__packed_b : memref<1xi64> = dense<0>
// CHECK-DAG:   memref.global "private" @tmix__packed_b_0 : memref<1xi64> = dense<0>
// CHECK-DAG:   memref.global "private" @tmix__packed_b_1 : memref<1xi64> = dense<0>
// CHECK-LABEL: func.func @weights
// CHECK:       %[[S0:.+]] = memref.get_global @tmix__packed_b{{(_[0-9])?}} : memref<1xi64>
// CHECK:       call @tmix_rt_sgemm_f32_constb(%{{.+}}, %{{.+}}, %{{.+}}, %[[S0]], %{{.+}})
// CHECK:       %[[S1:.+]] = memref.get_global @tmix__packed_b{{(_[0-9])?}} : memref<1xi64>
// CHECK:       call @tmix_rt_sgemm_f32_constb(%{{.+}}, %{{.+}}, %{{.+}}, %[[S1]], %{{.+}})
// CHECK:       %[[S2:.+]] = memref.get_global @tmix__packed_b{{(_[0-9])?}} : memref<1xi64>
// CHECK:       call @tmix_rt_sgemm_f32_constb(%{{.+}}, %{{.+}}, %{{.+}}, %[[S2]], %{{.+}})
// CHECK:       func.func private @tmix_rt_sgemm_f32_constb(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<1xi64>, i32) attributes {llvm.emit_c_interface}
// NOPACK-LABEL: func.func @weights
// NOPACK-NOT:   constb
// NOPACK-NOT:   tmix__packed_b
// BF16-LABEL:  func.func @weights
// BF16-COUNT-3: arith.constant 3 : i32
// BF16-LABEL:  func.func @not_weights
// BF16-NOT:    arith.constant 3 : i32
// BF16:        %[[F:.+]] = arith.constant 1 : i32
// BF16-NEXT:   call @tmix_rt_sgemm_f32(%{{.+}}, %{{.+}}, %{{.+}}, %[[F]])
memref.global "private" constant @w : memref<8x32xf32> = dense<1.0>
memref.global @tmix__weights : memref<4096xi8> {alignment = 64 : i64}
func.func @weights(%a: memref<4x8xf32>, %c: memref<4x16xf32>, %d: memref<4x16xf32>, %e: memref<4x16xf32>) {
  %w = memref.get_global @w : memref<8x32xf32>
  %s = memref.subview %w[0, 16] [8, 16] [1, 1] : memref<8x32xf32> to memref<8x16xf32, strided<[32, 1], offset: 16>>
  linalg.matmul ins(%a, %s : memref<4x8xf32>, memref<8x16xf32, strided<[32, 1], offset: 16>>) outs(%c : memref<4x16xf32>)
  %t0 = memref.get_global @w : memref<8x32xf32>
  %t = memref.subview %t0[0, 0] [8, 16] [1, 1] : memref<8x32xf32> to memref<8x16xf32, strided<[32, 1]>>
  linalg.matmul ins(%a, %t : memref<4x8xf32>, memref<8x16xf32, strided<[32, 1]>>) outs(%d : memref<4x16xf32>)
  %buf = memref.get_global @tmix__weights : memref<4096xi8>
  %off = arith.constant 512 : index
  %v = memref.view %buf[%off][] : memref<4096xi8> to memref<8x16xf32>
  linalg.matmul ins(%a, %v : memref<4x8xf32>, memref<8x16xf32>) outs(%e : memref<4x16xf32>)
  return
}

// -----

// Not constant: B an argument, a view at a run-time offset of a constant,
// or a writable global; batched products never get a slot.
// CHECK-LABEL: func.func @not_weights
// CHECK-COUNT-3: call @tmix_rt_sgemm_f32(
// CHECK:       call @tmix_rt_sgemm_batched_f32(
// CHECK-NOT:   constb
// CHECK-NOT:   memref.global "private" @tmix__packed_b
memref.global "private" constant @w : memref<64x16xf32> = dense<1.0>
memref.global "private" @state : memref<8x16xf32> = dense<0.0>
memref.global "private" constant @w3 : memref<2x8x16xf32> = dense<1.0>
func.func @not_weights(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>, %i: index, %ba: memref<2x4x8xf32>, %bc: memref<2x4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  %w = memref.get_global @w : memref<64x16xf32>
  %s = memref.subview %w[%i, 0] [8, 16] [1, 1] : memref<64x16xf32> to memref<8x16xf32, strided<[16, 1], offset: ?>>
  linalg.matmul ins(%a, %s : memref<4x8xf32>, memref<8x16xf32, strided<[16, 1], offset: ?>>) outs(%c : memref<4x16xf32>)
  %g = memref.get_global @state : memref<8x16xf32>
  linalg.matmul ins(%a, %g : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  %w3 = memref.get_global @w3 : memref<2x8x16xf32>
  linalg.batch_matmul ins(%ba, %w3 : memref<2x4x8xf32>, memref<2x8x16xf32>) outs(%bc : memref<2x4x16xf32>)
  return
}
