// tmix-signless: unsigned element types become signless throughout the
// module (arguments, results, constants, function types) and the bitcasts
// between the two disappear.
// RUN: tmix-opt %s --tmix-signless | FileCheck %s

// CHECK-LABEL: func.func @relabel(
// CHECK-SAME:    %[[X:.*]]: tensor<4xi8>) -> (tensor<4xi8>, tensor<2xi16>)
// CHECK-NOT:   tensor.bitcast
// Same bits, read signless: 65535 prints as -1.
// CHECK:       %[[C:.*]] = arith.constant dense<[1, -1]> : tensor<2xi16>
// CHECK:       %[[Y:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4xi8>) outs(%{{.*}} : tensor<4xi8>)
// CHECK:       return %[[Y]], %[[C]] : tensor<4xi8>, tensor<2xi16>
func.func @relabel(%x: tensor<4xui8>) -> (tensor<4xui8>, tensor<2xui16>) {
  %c = arith.constant dense<[1, 65535]> : tensor<2xui16>
  %s = tensor.bitcast %x : tensor<4xui8> to tensor<4xi8>
  %e = tensor.empty() : tensor<4xi8>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%s : tensor<4xi8>) outs(%e : tensor<4xi8>) {
  ^bb0(%in: i8, %out: i8):
    %one = arith.constant 1 : i8
    %r = arith.addi %in, %one : i8
    linalg.yield %r : i8
  } -> tensor<4xi8>
  %u = tensor.bitcast %y : tensor<4xi8> to tensor<4xui8>
  return %u, %c : tensor<4xui8>, tensor<2xui16>
}

// Signless and signed types are left as they are.
// CHECK-LABEL: func.func @others(
// CHECK-SAME:    %{{.*}}: tensor<2xsi8>, %{{.*}}: tensor<2xf32>) -> tensor<2xsi8>
func.func @others(%x: tensor<2xsi8>, %y: tensor<2xf32>) -> tensor<2xsi8> {
  return %x : tensor<2xsi8>
}

// Float8 and float4 tensors become their bits.
// CHECK-LABEL: func.func @narrow_floats(
// CHECK-SAME:    %{{.*}}: tensor<2xi8>, %{{.*}}: tensor<2xi4>) -> tensor<2xi8>
// CHECK:       arith.constant dense<[56, -72]> : tensor<2xi8>
func.func @narrow_floats(%x: tensor<2xf8E4M3FN>, %y: tensor<2xf4E2M1FN>) -> tensor<2xf8E4M3FN> {
  %c = arith.constant dense<[1.0, -1.0]> : tensor<2xf8E4M3FN>
  return %c : tensor<2xf8E4M3FN>
}
