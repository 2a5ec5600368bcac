// Site selection by index, range and ONNX node name, with one remark per
// selected site saying what happened to it.
// RUN: tmix-opt %s --tmix-replace-attention="mixer=pool layers=1-2" --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: tmix-opt %s --tmix-replace-attention="mixer=pool nodes=blk0/attn/pv,blk2/" --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=NODES
// RUN: tmix-opt %s --tmix-replace-attention="mixer=pool layers=0 nodes=blk1/attn/softmax" --mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=BOTH

// Remarks name the site by its ONNX nodes.
// RANGE:       remark: loc(fused["blk1/attn/qk", "blk1/attn/softmax", "blk1/attn/pv"]): replaced softmax attention with average pooling (global, causal)
// RANGE:       remark: loc("blk2/Attention"): kept softmax attention: pooling cannot honour its mask
// RANGE-LABEL: func.func @three_layers
// RANGE:       tmix.attention
// RANGE:       tmix.pool_mixer
// RANGE:       tmix.attention
// RANGE-NOT:   tmix.pool_mixer
// RANGE:       return

// NODES:       remark: loc(fused["blk0/attn/qk"{{.*}}replaced softmax attention with average pooling (global, causal)
// NODES:       remark: loc("blk2/Attention"): kept softmax attention: pooling cannot honour its mask
// NODES-LABEL: func.func @three_layers
// NODES:       tmix.pool_mixer
// NODES:       tmix.attention
// NODES:       tmix.attention
// NODES:       return

// BOTH-COUNT-2: replaced softmax attention with average pooling
// BOTH-LABEL:  func.func @three_layers
// BOTH:        tmix.pool_mixer
// BOTH:        tmix.pool_mixer
// BOTH:        tmix.attention
func.func @three_layers(%x: tensor<1x2x8x16xf32>, %m: tensor<1x1x8x8xf32>) -> tensor<1x2x8x16xf32> {
  %0 = tmix.attention %x, %x, %x {causal = #tmix.causal<top_left>} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32> loc(fused["blk0/attn/qk", "blk0/attn/softmax", "blk0/attn/pv"])
  %1 = tmix.attention %0, %0, %0 {causal = #tmix.causal<top_left>} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32> loc(fused["blk1/attn/qk", "blk1/attn/softmax", "blk1/attn/pv"])
  %2 = tmix.attention %1, %1, %1 mask(%m : tensor<1x1x8x8xf32>) : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32> loc("blk2/Attention")
  return %2 : tensor<1x2x8x16xf32>
}
