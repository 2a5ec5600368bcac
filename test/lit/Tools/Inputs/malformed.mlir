// A truncated op: the parser must report it with its location.
func.func @f(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %o = tmix.attention %q, %q : tensor<1x2x4x8xf32>
