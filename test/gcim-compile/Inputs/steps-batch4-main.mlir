// test/Transforms/Inputs/steps-batch4.mlir as a program's graph (@main, named input and
// output): two streamed layers of 4 heads (d = 64) for a batch of 4 sequences, one decode
// step per run (tiles-schedule.test, test/Integration/floorplans.py).
func.func @main(%x: tensor<4x4x1x64xf32> {onnx.name = "x"}) -> (tensor<4x4x1x64xf32> {onnx.name = "y"}) {
  %0 = "gcim.attention_step"(%x, %x, %x) {kind = "gaincell", window = 0 : i64, scale = 1.0 : f32, num_heads = 4 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<4x4x1x64xf32>, tensor<4x4x1x64xf32>, tensor<4x4x1x64xf32>) -> tensor<4x4x1x64xf32>
  %1 = "gcim.attention_step"(%0, %0, %0) {kind = "gaincell", window = 0 : i64, scale = 1.0 : f32, num_heads = 4 : i64, head_dim = 64 : i64, layer = 1 : i64} : (tensor<4x4x1x64xf32>, tensor<4x4x1x64xf32>, tensor<4x4x1x64xf32>) -> tensor<4x4x1x64xf32>
  return %1 : tensor<4x4x1x64xf32>
}
