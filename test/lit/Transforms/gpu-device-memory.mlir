// RUN: tmix-opt %s --tmix-gpu-device-memory --split-input-file --verify-diagnostics | FileCheck %s

// Host allocations move to the device; constants are copied there where
// they are read; the external weights become the entry's last argument.
// Shape buffers of memref.reshape stay on the host.
// CHECK-LABEL: func.func @main(
// CHECK-SAME:      %{{.+}}: memref<4xf32>, %[[W:.+]]: memref<64xi8>)
// CHECK:         %[[T:.+]] = gpu.alloc  () : memref<4xf32>
// CHECK:         %[[D:.+]] = gpu.alloc  () : memref<4xf32>
// CHECK:         %[[G:.+]] = memref.get_global @cst : memref<4xf32>
// CHECK:         gpu.memcpy  %[[D]], %[[G]]
// CHECK:         memref.copy %[[D]], %[[T]]
// CHECK:         memref.view %[[W]]
// CHECK:         %[[S:.+]] = memref.alloc() : memref<1xindex>
// CHECK:         memref.store %{{.+}}, %[[S]]
// CHECK:         memref.reshape
// CHECK:         gpu.dealloc  %[[T]]
// CHECK:         gpu.dealloc  %[[D]]
// CHECK-NEXT:    return
memref.global "private" constant @cst : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
memref.global "private" @tmix__weights : memref<64xi8>
func.func @main(%out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %t = memref.alloc() : memref<4xf32>
  %g = memref.get_global @cst : memref<4xf32>
  memref.copy %g, %t : memref<4xf32> to memref<4xf32>
  %w = memref.get_global @tmix__weights : memref<64xi8>
  %v = memref.view %w[%c0][] : memref<64xi8> to memref<4xf32>
  memref.copy %v, %out : memref<4xf32> to memref<4xf32>
  %shape = memref.alloc() : memref<1xindex>
  memref.store %c4, %shape[%c0] : memref<1xindex>
  %r = memref.reshape %t(%shape) : (memref<4xf32>, memref<1xindex>) -> memref<4xf32>
  memref.copy %r, %out : memref<4xf32> to memref<4xf32>
  memref.dealloc %shape : memref<1xindex>
  memref.dealloc %t : memref<4xf32>
  return
}

// -----

func.func @host_read(%x: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{'memref.load' op reads or writes a buffer on the host, but buffers live in device memory on the GPU target}}
  %0 = memref.load %x[%c0] : memref<4xf32>
  return %0 : f32
}

// -----

memref.global "private" @tmix__weights : memref<64xi8>
func.func private @helper() -> memref<64xi8> {
  // expected-error @below {{'memref.get_global' op reads external global @tmix__weights outside a public function; the GPU runtime passes it only to the model's entry point}}
  %w = memref.get_global @tmix__weights : memref<64xi8>
  return %w : memref<64xi8>
}
