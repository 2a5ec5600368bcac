// tmix-profile-ops brackets each top-level operation of a public function
// that does work (a call into the support library, a generic, a parallel
// loop, a copy) with timer calls numbered in order, and records each site's
// op and ONNX nodes. Constants, views, allocations, deallocations, calls to
// the module's private helpers, the return, and private functions are left
// alone.
// RUN: tmix-opt %s --tmix-profile-ops | FileCheck %s

// CHECK: module attributes {tmix.profile_sites = [{nodes = "layer/MatMul", op = "func.call"}, {nodes = "layer/Relu,layer/Add", op = "linalg.generic"}, {nodes = "", op = "memref.copy"}]}
// CHECK-DAG: func.func private @tmix_rt_profile_enter(i64)
// CHECK-DAG: func.func private @tmix_rt_profile_exit(i64)

// CHECK-LABEL: func.func @model(
// CHECK:       memref.alloc
// CHECK-NOT:   call @tmix_rt_profile
// CHECK:       %[[S0:.*]] = arith.constant 0 : i64
// CHECK-NEXT:  call @tmix_rt_profile_enter(%[[S0]])
// CHECK-NEXT:  call @tmix_rt_sgemm_f32(
// CHECK-NEXT:  call @tmix_rt_profile_exit(%[[S0]])
// CHECK:       %[[S1:.*]] = arith.constant 1 : i64
// CHECK-NEXT:  call @tmix_rt_profile_enter(%[[S1]])
// CHECK-NEXT:  linalg.generic
// CHECK:       linalg.yield
// CHECK-NEXT:  }
// CHECK-NEXT:  call @tmix_rt_profile_exit(%[[S1]])
// CHECK:       %[[S2:.*]] = arith.constant 2 : i64
// CHECK-NEXT:  call @tmix_rt_profile_enter(%[[S2]])
// CHECK-NEXT:  memref.copy
// CHECK-NEXT:  call @tmix_rt_profile_exit(%[[S2]])
// CHECK-NEXT:  call @helper(
// CHECK-NEXT:  memref.dealloc
// CHECK-NEXT:  return

// CHECK-LABEL: func.func private @helper(
// CHECK-NOT:   tmix_rt_profile
// CHECK:       return
func.func private @tmix_rt_sgemm_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>) attributes {llvm.emit_c_interface}

func.func @model(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %out: memref<4x4xf32>) {
  %t = memref.alloc() : memref<4x4xf32>
  %ca = memref.cast %a : memref<4x4xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
  %cb = memref.cast %b : memref<4x4xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
  %ct = memref.cast %t : memref<4x4xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
  call @tmix_rt_sgemm_f32(%ca, %cb, %ct) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>) -> () loc("layer/MatMul")
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%t : memref<4x4xf32>) outs(%t : memref<4x4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %x, %zero : f32
    linalg.yield %r : f32
  } loc(fused["layer/Relu", "layer/Add"])
  memref.copy %t, %out : memref<4x4xf32> to memref<4x4xf32>
  call @helper(%t) : (memref<4x4xf32>) -> ()
  memref.dealloc %t : memref<4x4xf32>
  return
}

func.func private @helper(%m: memref<4x4xf32>) {
  memref.copy %m, %m : memref<4x4xf32> to memref<4x4xf32>
  return
}
