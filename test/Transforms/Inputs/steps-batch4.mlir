// Two streamed layers of 4 heads (d = 64) for a batch of 4 sequences: gcim-schedule's
// batch and spill cases (schedule-floorplan.mlir).
func.func @steps_batch4(%x: tensor<4x4x1x64xf32>) -> tensor<4x4x1x64xf32> {
  %0 = "gcim.attention_step"(%x, %x, %x) {kind = "gaincell", window = 0 : i64, scale = 1.0 : f32, num_heads = 4 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<4x4x1x64xf32>, tensor<4x4x1x64xf32>, tensor<4x4x1x64xf32>) -> tensor<4x4x1x64xf32>
  %1 = "gcim.attention_step"(%0, %0, %0) {kind = "gaincell", window = 0 : i64, scale = 1.0 : f32, num_heads = 4 : i64, head_dim = 64 : i64, layer = 1 : i64} : (tensor<4x4x1x64xf32>, tensor<4x4x1x64xf32>, tensor<4x4x1x64xf32>) -> tensor<4x4x1x64xf32>
  return %1 : tensor<4x4x1x64xf32>
}
