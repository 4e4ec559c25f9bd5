// Two gain-cell attention layers of 32 heads, d = 64, 1024 tokens, window 1024: 2 x 32 x 16 = 1024
// sub-tiles.
func.func @two_layers(%x: tensor<1x32x1024x64xf32>) -> tensor<1x32x1024x64xf32> {
  %0 = "gcim.attention"(%x, %x, %x) {kind = "gaincell", causal = 1 : i64, window = 1024 : i64, scale = 1.0 : f32, num_heads = 32 : i64, head_dim = 64 : i64} : (tensor<1x32x1024x64xf32>, tensor<1x32x1024x64xf32>, tensor<1x32x1024x64xf32>) -> tensor<1x32x1024x64xf32>
  %1 = "gcim.attention"(%0, %0, %0) {kind = "gaincell", causal = 1 : i64, window = 1024 : i64, scale = 1.0 : f32, num_heads = 32 : i64, head_dim = 64 : i64} : (tensor<1x32x1024x64xf32>, tensor<1x32x1024x64xf32>, tensor<1x32x1024x64xf32>) -> tensor<1x32x1024x64xf32>
  return %1 : tensor<1x32x1024x64xf32>
}
