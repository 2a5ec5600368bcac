// tmix-inline-alloca-scopes: a memref.alloca_scope that holds no
// memref.alloca (at any depth) is replaced by its body, its results by the
// values it returned; a scope that allocates is kept.
// RUN: tmix-opt %s --tmix-inline-alloca-scopes --split-input-file | FileCheck %s

// A scope with a result, as convert-scf-to-openmp leaves in a loop body.
// CHECK-LABEL: func.func @with_result
// CHECK-SAME:  (%[[M:.+]]: memref<8xf32>, %[[I:.+]]: index)
// CHECK-NEXT:  %[[V:.+]] = memref.load %[[M]][%[[I]]] : memref<8xf32>
// CHECK-NEXT:  %[[W:.+]] = arith.addf %[[V]], %[[V]] : f32
// CHECK-NEXT:  return %[[W]] : f32
// CHECK-NOT:   memref.alloca_scope
func.func @with_result(%m: memref<8xf32>, %i: index) -> f32 {
  %r = memref.alloca_scope -> f32 {
    %v = memref.load %m[%i] : memref<8xf32>
    %w = arith.addf %v, %v : f32
    memref.alloca_scope.return %w : f32
  }
  return %r : f32
}

// -----

// Inside a loop, and nested scopes: all inlined, the loop body is left with
// plain ops.
// CHECK-LABEL: func.func @in_loop
// CHECK:       scf.for %[[I:.+]] = {{.*}} {
// CHECK-NEXT:    %[[V:.+]] = memref.load %{{.+}}[%[[I]]]
// CHECK-NEXT:    %[[W:.+]] = arith.mulf %[[V]], %[[V]] : f32
// CHECK-NEXT:    memref.store %[[W]], %{{.+}}[%[[I]]]
// CHECK-NEXT:  }
// CHECK-NOT:   memref.alloca_scope
func.func @in_loop(%m: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    memref.alloca_scope {
      %v = memref.load %m[%i] : memref<8xf32>
      %w = memref.alloca_scope -> f32 {
        %s = arith.mulf %v, %v : f32
        memref.alloca_scope.return %s : f32
      }
      memref.store %w, %m[%i] : memref<8xf32>
    }
  }
  return
}

// -----

// Left alone: the scope bounds the lifetime of a stack buffer.
// CHECK-LABEL: func.func @allocates
// CHECK:       memref.alloca_scope {
// CHECK-NEXT:    %[[A:.+]] = memref.alloca() : memref<4xf32>
// CHECK:         memref.store %{{.+}}, %[[A]]
// CHECK-NEXT:  }
func.func @allocates(%m: memref<8xf32>, %i: index) {
  memref.alloca_scope {
    %a = memref.alloca() : memref<4xf32>
    %v = memref.load %m[%i] : memref<8xf32>
    memref.store %v, %a[%i] : memref<4xf32>
  }
  return
}

// -----

// Left alone: the alloca is nested in another region of the scope.
// CHECK-LABEL: func.func @nested_alloca
// CHECK:       memref.alloca_scope {
// CHECK-NEXT:    scf.execute_region {
// CHECK-NEXT:      memref.alloca() : memref<4xf32>
func.func @nested_alloca(%m: memref<8xf32>, %i: index) {
  memref.alloca_scope {
    scf.execute_region {
      %a = memref.alloca() : memref<4xf32>
      %v = memref.load %m[%i] : memref<8xf32>
      memref.store %v, %a[%i] : memref<4xf32>
      scf.yield
    }
  }
  return
}
