// RUN: mlir-opt --irdl-file=%gcim_irdl %s | mlir-opt --irdl-file=%gcim_irdl | FileCheck %s

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %s: tensor<2x8xf32>) -> (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) {
  // CHECK: "gcim.attention"(%{{.*}}, %{{.*}}, %{{.*}}) {causal = 1 : i64, head_dim = 64 : i64, kind = "softmax", num_heads = 2 : i64, scale = 1.250000e-01 : f32, window = 0 : i64}
  %0 = "gcim.attention"(%q, %k, %v) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32>
  // CHECK: "gcim.attention"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {causal = 1 : i64, head_dim = 64 : i64, kind = "gaincell", num_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 1024 : i64}
  %1 = "gcim.attention"(%q, %k, %v, %s) {kind = "gaincell", causal = 1 : i64, window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<2x8xf32>) -> tensor<1x2x8x64xf32>
  return %0, %1 : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>
}

// The step and tile levels.
// CHECK-LABEL: func.func @step_and_tiles
// CHECK: "gcim.cache_append"
// CHECK: "gcim.step_index"() : () -> tensor<1xi64>
// CHECK: "gcim.attention_step"(%{{.*}}, %{{.*}}, %{{.*}}) {head_dim = 64 : i64, kind = "gaincell", layer = 0 : i64, num_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 1024 : i64}
// CHECK: "gcim.scaler"(%{{.*}}, %{{.*}}) {a_index = 2 : i64, b_index = 3 : i64}
// CHECK: "gcim.quantize"(%{{.*}}) {hi = 0.899999976 : f32, kind = "dac", levels = 8 : i64, lo = 0.000000e+00 : f32}
// CHECK: "gcim.kv_write"(%{{.*}}, %{{.*}}) {dim_tiles = 1 : i64, layer = 0 : i64, streamed = 1 : i64, token_tiles = 16 : i64, window = 1024 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> ()
// CHECK: "gcim.qk_product"(%{{.*}}) {causal = 1 : i64, dim_tiles = 1 : i64, layer = 0 : i64, token_tiles = 16 : i64}
// CHECK: "gcim.charge_to_pulse"(%{{.*}}) {saturation = 8.000000e+01 : f32}
// CHECK: "gcim.pv_product"(%{{.*}}) {dim_tiles = 1 : i64, layer = 0 : i64, token_tiles = 16 : i64}
// CHECK: "gcim.readout"(%{{.*}}) {saturation = 4.000000e+01 : f32}
// CHECK: "gcim.adder_tree"(%{{.*}}) : (tensor<1x2x1x16x64xf32>) -> tensor<1x2x1x64xf32>
func.func @step_and_tiles(%x: tensor<1x2x1x64xf32>, %past: tensor<1x2x3x64xf32>, %s: tensor<2x8xf32>) -> (tensor<1x2x4x64xf32>, tensor<1xi64>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) {
  %c = "gcim.cache_append"(%past, %x) : (tensor<1x2x3x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x4x64xf32>
  %t = "gcim.step_index"() : () -> tensor<1xi64>
  %a = "gcim.attention_step"(%x, %x, %x) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32>
  %k = "gcim.scaler"(%x, %s) {a_index = 2 : i64, b_index = 3 : i64} : (tensor<1x2x1x64xf32>, tensor<2x8xf32>) -> tensor<1x2x1x64xf32>
  %kq = "gcim.quantize"(%k) {kind = "dac", levels = 8 : i64, lo = 0.0 : f32, hi = 0.9 : f32} : (tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32>
  "gcim.kv_write"(%kq, %kq) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 1 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> ()
  %q = "gcim.qk_product"(%x) {layer = 0 : i64, causal = 1 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64} : (tensor<1x2x1x64xf32>) -> tensor<1x2x1x16x64xf32>
  %p = "gcim.charge_to_pulse"(%q) {saturation = 80.0 : f32} : (tensor<1x2x1x16x64xf32>) -> tensor<1x2x1x16x64xf32>
  %y = "gcim.pv_product"(%p) {layer = 0 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64} : (tensor<1x2x1x16x64xf32>) -> tensor<1x2x1x16x64xf32>
  %z = "gcim.readout"(%y) {saturation = 40.0 : f32} : (tensor<1x2x1x16x64xf32>) -> tensor<1x2x1x16x64xf32>
  %o = "gcim.adder_tree"(%z) : (tensor<1x2x1x16x64xf32>) -> tensor<1x2x1x64xf32>
  return %c, %t, %a, %o : tensor<1x2x4x64xf32>, tensor<1xi64>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>
}
