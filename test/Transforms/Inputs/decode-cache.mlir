// A one-token KV-cache graph (7 cached tokens, 2 heads, d = 8) for map-attention-cache.mlir.
func.func @decode(%q: tensor<1x2x1x8xf32> {onnx.name = "q"}, %k: tensor<1x2x1x8xf32> {onnx.name = "k"}, %v: tensor<1x2x1x8xf32> {onnx.name = "v"}, %pk: tensor<1x2x7x8xf32> {onnx.name = "past_key"}, %pv: tensor<1x2x7x8xf32> {onnx.name = "past_value"}) -> (tensor<1x2x1x8xf32> {onnx.name = "y"}, tensor<1x2x8x8xf32> {onnx.name = "present_key"}, tensor<1x2x8x8xf32> {onnx.name = "present_value"}) {
  %kk = "gcim.cache_append"(%pk, %k) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %vv = "gcim.cache_append"(%pv, %v) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %y = "gcim.attention"(%q, %kk, %vv) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.353553385 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32>
  return %y, %kk, %vv : tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}
