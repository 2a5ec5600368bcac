// Stock mlir-opt (22) loads the tmix dialect and passes as plugins.
// RUN: mlir-opt %s --load-dialect-plugin=%tmix_libs/TMixPlugin.so | FileCheck %s --check-prefix=DIALECT
// RUN: mlir-opt %s --load-dialect-plugin=%tmix_libs/TMixPlugin.so --load-pass-plugin=%tmix_libs/TMixPlugin.so --pass-pipeline="builtin.module(tmix-decompose)" | FileCheck %s --check-prefix=PASS
// RUN: not mlir-opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN

// DIALECT-LABEL: func.func @pool
// DIALECT: tmix.pool_mixer %{{.*}} {kind = #tmix.pool_kind<max>, window = 3 : i64}
// PASS-LABEL: func.func @pool
// PASS-NOT: tmix.
// PASS: linalg.generic
// PASS: arith.maximumf
// NOPLUGIN: Dialect `tmix' not found for custom op 'tmix.pool_mixer'
func.func @pool(%x: tensor<1x2x9x4xf32>) -> tensor<1x2x9x4xf32> {
  %y = tmix.pool_mixer %x {kind = #tmix.pool_kind<max>, window = 3 : i64} : tensor<1x2x9x4xf32>
  return %y : tensor<1x2x9x4xf32>
}
