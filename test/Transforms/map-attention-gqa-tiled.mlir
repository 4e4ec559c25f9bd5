// RUN: gcim-opt --gcim-map-attention="attention=analog gqa=share" %s | FileCheck %s

// A Tile of the K/V heads interleaves them (query head h reads K/V head h mod 2), which
// no array pair can serve in turn with its neighbours: the layer stays replicated, with no
// gqa attributes, even under share.
// CHECK-LABEL: func.func @gqa_tiled
// CHECK: "gcim.kv_write"
// CHECK-NOT: gcim.gqa
// CHECK: return
func.func @gqa_tiled(%q: tensor<1x4x128x64xf32>, %k: tensor<1x2x128x64xf32>, %v: tensor<1x2x128x64xf32>) -> tensor<1x4x128x64xf32> {
  %reps = "onnx.constant"() {value = dense<[1, 2, 1, 1]> : tensor<4xi64>} : () -> tensor<4xi64>
  %kr = "onnx.tile"(%k, %reps) : (tensor<1x2x128x64xf32>, tensor<4xi64>) -> tensor<1x4x128x64xf32>
  %vr = "onnx.tile"(%v, %reps) : (tensor<1x2x128x64xf32>, tensor<4xi64>) -> tensor<1x4x128x64xf32>
  %a = "gcim.attention"(%q, %kr, %vr) {kind = "gaincell", causal = 1 : i64, window = 128 : i64, scale = 1.0 : f32, num_heads = 4 : i64, head_dim = 64 : i64} : (tensor<1x4x128x64xf32>, tensor<1x4x128x64xf32>, tensor<1x4x128x64xf32>) -> tensor<1x4x128x64xf32>
  return %a : tensor<1x4x128x64xf32>
}
