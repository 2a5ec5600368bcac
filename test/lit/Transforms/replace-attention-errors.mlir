// Bad options name the option and what it takes.
// RUN: not tmix-opt %s --tmix-replace-attention=mixer=flash 2>&1 | FileCheck %s --check-prefix=MIXER
// RUN: not tmix-opt %s --tmix-replace-attention="mixer=linear feature-map=cos" 2>&1 | FileCheck %s --check-prefix=FMAP
// RUN: not tmix-opt %s --tmix-replace-attention="mixer=sigmoid sigmoid-bias=abc" 2>&1 | FileCheck %s --check-prefix=BIAS
// RUN: not tmix-opt %s --tmix-replace-attention="mixer=pool pool-window=-2" 2>&1 | FileCheck %s --check-prefix=WINDOW
// RUN: not tmix-opt %s --tmix-replace-attention="mixer=pool layers=3" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not tmix-opt %s --tmix-replace-attention="mixer=pool layers=1-x" 2>&1 | FileCheck %s --check-prefix=SYNTAX
// RUN: not tmix-opt %s --tmix-replace-attention="mixer=pool nodes=nowhere" 2>&1 | FileCheck %s --check-prefix=NODE
// RUN: not tmix-opt %s --tmix-replace-attention="mixer=pool report-format=xml" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not tmix-opt %s --tmix-replace-attention="mixer=pool report=%t.missing/dir/r.txt" 2>&1 | FileCheck %s --check-prefix=FILE

// MIXER:  error: tmix-replace-attention: unknown mixer 'flash' (expected linear, pool, sigmoid or softmax)
// FMAP:   error: tmix-replace-attention: unknown feature-map 'cos' (expected elu_plus_one, relu or identity)
// BIAS:   error: tmix-replace-attention: sigmoid-bias 'abc' is not a finite number
// WINDOW: error: tmix-replace-attention: pool-window must be >= 0 (0 = global), got -2
// RANGE:  error: tmix-replace-attention: layers entry '3' names no site: the module has 2 attention site(s)
// SYNTAX: error: tmix-replace-attention: layers entry '1-x' is not an index or a range like 2-5
// NODE:   error: tmix-replace-attention: nodes entry 'nowhere' matches no attention site's ONNX node
// FORMAT: error: tmix-replace-attention: unknown report-format 'xml' (expected text or json)
// FILE:   error: tmix-replace-attention: cannot write report '{{.*}}r.txt'
func.func @two(%x: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %0 = tmix.attention %x, %x, %x : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  %1 = tmix.attention %0, %0, %0 : tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32> -> tensor<1x2x8x16xf32>
  return %1 : tensor<1x2x8x16xf32>
}
