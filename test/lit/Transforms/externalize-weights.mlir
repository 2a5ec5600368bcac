// tmix-externalize-weights: constant buffers of at least min-bytes move to
// the side file and their uses become views into @tmix__weights at 64-byte
// aligned offsets; small, splat, sub-byte and non-constant globals stay.
// RUN: rm -rf %t && mkdir -p %t
// RUN: tmix-opt %s --tmix-externalize-weights="file=%t/w.bin min-bytes=32" | FileCheck %s
// The file: the magic, then (after the 4096-byte header) the payload, 96
// bytes for the two moved buffers (40 + 24 padding, then 32).
// RUN: head -c 7 %t/w.bin | FileCheck %s --check-prefix=MAGIC
// RUN: wc -c < %t/w.bin | FileCheck %s --check-prefix=SIZE
// MAGIC: TMIXWTS
// SIZE: 4192

// Below embed-limit nothing changes and no file is written.
// RUN: tmix-opt %s --tmix-externalize-weights="file=%t/none.bin min-bytes=32 embed-limit=1000" | FileCheck %s --check-prefix=KEEP
// RUN: test ! -e %t/none.bin
// KEEP-NOT: tmix__weights
// KEEP: memref.global "private" constant @big

// Errors name the problem.
// RUN: not tmix-opt %s --tmix-externalize-weights 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: tmix-externalize-weights: no weights file given (file=PATH)
// RUN: not tmix-opt %s --tmix-externalize-weights="file=%t/no/such/dir/w.bin min-bytes=32" 2>&1 | FileCheck %s --check-prefix=NODIR
// NODIR: error: tmix-externalize-weights: cannot write '{{.*}}w.bin': No such file or directory

// CHECK:     module attributes {tmix.external_weights = {bytes = 96 : i64, id = {{-?[0-9]+}} : i64}}
// CHECK:       memref.global @tmix__weights : memref<96xi8> {alignment = 64 : i64}
// CHECK-NOT:   @big
// CHECK-NOT:   @wide
// CHECK:       memref.global "private" constant @small : memref<2xf32> = dense<[1.000000e+00, 2.000000e+00]>
// CHECK:       memref.global "private" constant @splat : memref<64xf32> = dense<5.000000e-01>
// CHECK:       memref.global "private" constant @bits : memref<128xi1>
// CHECK:       memref.global "private" @mutable : memref<32xf32> = dense<1.000000e+00>
// CHECK-LABEL: func.func @use
// CHECK:         %[[B0:.+]] = memref.get_global @tmix__weights : memref<96xi8>
// CHECK:         %[[O0:.+]] = arith.constant 0 : index
// CHECK:         memref.view %[[B0]][%[[O0]]][] : memref<96xi8> to memref<10xf32>
// CHECK:         %[[B1:.+]] = memref.get_global @tmix__weights : memref<96xi8>
// CHECK:         %[[O1:.+]] = arith.constant 64 : index
// CHECK:         memref.view %[[B1]][%[[O1]]][] : memref<96xi8> to memref<4xf64>
// CHECK:         memref.get_global @small
// CHECK:         memref.get_global @splat
memref.global "private" constant @big : memref<10xf32> = dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]>
memref.global "private" constant @wide : memref<4xf64> = dense<[1.0, 2.0, 3.0, 4.0]>
memref.global "private" constant @small : memref<2xf32> = dense<[1.0, 2.0]>
memref.global "private" constant @splat : memref<64xf32> = dense<0.5>
memref.global "private" constant @bits : memref<128xi1> = dense<true>
memref.global "private" @mutable : memref<32xf32> = dense<1.0>
func.func @use() -> (memref<10xf32>, memref<4xf64>, memref<2xf32>, memref<64xf32>) {
  %0 = memref.get_global @big : memref<10xf32>
  %1 = memref.get_global @wide : memref<4xf64>
  %2 = memref.get_global @small : memref<2xf32>
  %3 = memref.get_global @splat : memref<64xf32>
  return %0, %1, %2, %3 : memref<10xf32>, memref<4xf64>, memref<2xf32>, memref<64xf32>
}
