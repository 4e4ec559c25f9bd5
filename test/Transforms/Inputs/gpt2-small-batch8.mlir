// GPT-2 small's attention as its step function decodes it for 8 sequences at once: 12
// streamed layers of 12 heads, d = 64, the 1,024-token window (the worked example of
// docs/HardwareModel.md section 6; schedule-worked-example.mlir).
func.func @gpt2_small_step(%x: tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32> {
  %0 = "gcim.attention_step"(%x, %x, %x) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %1 = "gcim.attention_step"(%0, %0, %0) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 1 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %2 = "gcim.attention_step"(%1, %1, %1) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 2 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %3 = "gcim.attention_step"(%2, %2, %2) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 3 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %4 = "gcim.attention_step"(%3, %3, %3) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 4 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %5 = "gcim.attention_step"(%4, %4, %4) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 5 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %6 = "gcim.attention_step"(%5, %5, %5) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 6 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %7 = "gcim.attention_step"(%6, %6, %6) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 7 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %8 = "gcim.attention_step"(%7, %7, %7) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 8 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %9 = "gcim.attention_step"(%8, %8, %8) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 9 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %10 = "gcim.attention_step"(%9, %9, %9) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 10 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  %11 = "gcim.attention_step"(%10, %10, %10) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 11 : i64} : (tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>, tensor<8x12x1x64xf32>) -> tensor<8x12x1x64xf32>
  return %11 : tensor<8x12x1x64xf32>
}
