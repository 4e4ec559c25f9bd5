// RUN: mlir-opt --irdl-file=%gcim_irdl %s | mlir-opt --irdl-file=%gcim_irdl | FileCheck %s

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>, %s: tensor<2x8xf32>) -> (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) {
  // CHECK: "gcim.attention"(%{{.*}}, %{{.*}}, %{{.*}}) {causal = 1 : i64, head_dim = 64 : i64, kind = "softmax", num_heads = 2 : i64, scale = 1.250000e-01 : f32, window = 0 : i64}
  %0 = "gcim.attention"(%q, %k, %v) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32>
  // CHECK: "gcim.attention"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {causal = 1 : i64, head_dim = 64 : i64, kind = "gaincell", num_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 1024 : i64}
  %1 = "gcim.attention"(%q, %k, %v, %s) {kind = "gaincell", causal = 1 : i64, window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<2x8xf32>) -> tensor<1x2x8x64xf32>
  return %0, %1 : tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>
}
