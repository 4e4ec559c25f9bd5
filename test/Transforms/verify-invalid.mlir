// RUN: not gcim-opt --gcim-verify --split-input-file %s 2>&1 | FileCheck %s

// CHECK: verify-invalid.mlir:[[# @LINE + 2]]:8: error: 'onnx.mat_mul' contracts 3 columns with 2 rows
func.func @matmul_mismatch(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = "onnx.mat_mul"(%a, %b) : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CHECK: error: 'onnx.mat_mul' needs ranked operands of rank at least 1
func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<f32>) -> tensor<f32> {
  %0 = "onnx.mat_mul"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK: error: 'gcim.attention' kind 'linear' is not one of softmax, hardsigmoid, gaincell
func.func @bad_kind(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "linear", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

// CHECK: error: 'gcim.attention' causal must be 0 or 1, not 2
func.func @bad_causal(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 2 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

// CHECK: error: 'gcim.attention' window must not be negative (-64)
func.func @bad_window(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = -64 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

// CHECK: error: 'gcim.attention' operand 'k' must be a rank-4 tensor (batch, heads, tokens, head_dim)
func.func @rank3_key(%q: tensor<1x1x4x8xf32>, %k: tensor<1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %0 = "gcim.attention"(%q, %k, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

// CHECK: error: 'gcim.attention' q, k and v disagree on heads
func.func @heads_differ(%q: tensor<1x2x4x8xf32>, %k: tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: 'gcim.attention' q and k head dims differ (8 vs 16)
func.func @head_dims_differ(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32> {
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x16xf32>, tensor<1x1x4x16xf32>) -> tensor<1x1x4x16xf32>
  return %0 : tensor<1x1x4x16xf32>
}

// -----

// CHECK: error: 'gcim.attention' k and v token counts differ (4 vs 5)
func.func @tokens_differ(%q: tensor<1x1x4x8xf32>, %v: tensor<1x1x5x8xf32>) -> tensor<1x1x4x8xf32> {
  %0 = "gcim.attention"(%q, %q, %v) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x5x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

// CHECK: error: 'gcim.attention' result must be (batch, heads, q tokens, v head_dim)
func.func @bad_result(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x9xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x9xf32>
  return %0 : tensor<1x1x4x9xf32>
}

// -----

// CHECK: error: 'gcim.attention' scales must be (heads, 8)
func.func @bad_scales(%q: tensor<1x2x4x8xf32>, %s: tensor<2x7xf32>) -> tensor<1x2x4x8xf32> {
  %0 = "gcim.attention"(%q, %q, %q, %s) {kind = "gaincell", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x7xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}
