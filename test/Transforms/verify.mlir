// RUN: gcim-opt --gcim-verify %s | FileCheck %s

// Well-formed ops pass unchanged, dynamic dims included.

// CHECK-LABEL: func.func @matmul_batched
// CHECK: "onnx.mat_mul"
func.func @matmul_batched(%a: tensor<2x4x8xf32>, %b: tensor<8x3xf32>) -> tensor<2x4x3xf32> {
  %0 = "onnx.mat_mul"(%a, %b) : (tensor<2x4x8xf32>, tensor<8x3xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// CHECK-LABEL: func.func @matmul_vector_dynamic
func.func @matmul_vector_dynamic(%a: tensor<?x8xf32>, %b: tensor<8xf32>) -> tensor<?xf32> {
  %0 = "onnx.mat_mul"(%a, %b) : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// CHECK-LABEL: func.func @attention_with_scales
// CHECK: "gcim.attention"
func.func @attention_with_scales(%q: tensor<1x2x1x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x32xf32>, %s: tensor<2x8xf32>) -> tensor<1x2x1x32xf32> {
  %0 = "gcim.attention"(%q, %k, %v, %s) {kind = "gaincell", causal = 1 : i64, window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x32xf32>, tensor<2x8xf32>) -> tensor<1x2x1x32xf32>
  return %0 : tensor<1x2x1x32xf32>
}
