// The mixer report: one row per site with its nodes, shapes, mixers and
// closed-form costs, then totals. Site 0 (causal, B=1 H=2 L=8 D=16):
// 36 visible pairs x (2*16 + 2*16 + 5) x 2 heads = 4968 FLOPs before,
// 2 * 2*8*16 = 512 after pooling; 4 KiB moved before, 2 KiB after.
// RUN: tmix-opt %s --tmix-replace-attention="mixer=pool report=- report-format=json" -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=JSON
// RUN: tmix-opt %s --tmix-replace-attention="mixer=pool report=%t.txt" -o /dev/null 2>/dev/null && FileCheck %s --check-prefix=TEXT < %t.txt
// RUN: tmix-opt %s --tmix-replace-attention="mixer=softmax report=-" -o /dev/null | FileCheck %s --check-prefix=KEEP

// JSON:      "mixer": "pool",
// JSON:      "index": 0,
// JSON-NEXT: "nodes": [
// JSON-NEXT:   "l0/qk",
// JSON-NEXT:   "l0/softmax",
// JSON-NEXT:   "l0/pv"
// JSON-NEXT: ],
// JSON-NEXT: "query": [
// JSON-NEXT:   1,
// JSON-NEXT:   2,
// JSON-NEXT:   8,
// JSON-NEXT:   16
// JSON:      "mask": null,
// JSON-NEXT: "causal": "top_left",
// JSON-NEXT: "before": "softmax",
// JSON-NEXT: "after": "pool",
// JSON-NEXT: "status": "replaced",
// JSON-NEXT: "flops_before": 4968,
// JSON-NEXT: "flops_after": 512,
// JSON-NEXT: "bytes_before": 4096,
// JSON-NEXT: "bytes_after": 2048
// JSON:      "index": 1,
// JSON:      "mask": [
// JSON:      "after": "softmax",
// JSON-NEXT: "status": "skipped",
// JSON-NEXT: "reason": "pooling cannot honour its mask",
// JSON:      "totals": {
// JSON-NEXT:   "sites": 2,
// JSON-NEXT:   "replaced": 1,

// TEXT:      tmix mixer report (mixer=pool)
// TEXT-NEXT: site q              k              causal      mixer              GFLOP                MB moved           status    onnx nodes / reason
// TEXT-NEXT: 0    1x2x8x16       1x2x8x16       top_left    softmax -> pool    4.968e-06 -> 5.12e-07 0.004096 -> 0.002048 replaced  l0/qk,l0/softmax,l0/pv
// TEXT-NEXT: 1    1x2x8x16       1x2x8x16       none        softmax -> softmax {{.*}} skipped   l1/Attention (pooling cannot honour its mask)
// TEXT-NEXT: all {{.*}} 1/2       sites replaced

// KEEP:      0 {{.*}} softmax -> softmax {{.*}} kept
// KEEP:      all {{.*}} 0/2
func.func @two(%x: tensor<1x2x8x16xf32>, %m: tensor<1x1x1x8xf32>) -> tensor<1x2x8x16xf32> {
  %0 = tmix.attention %x, %x, %x {causal = #tmix.causal<top_left>} : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32> loc(fused["l0/qk", "l0/softmax", "l0/pv"])
  %1 = tmix.attention %0, %0, %0 mask(%m : tensor<1x1x1x8xf32>) : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32> loc("l1/Attention")
  return %1 : tensor<1x2x8x16xf32>
}
