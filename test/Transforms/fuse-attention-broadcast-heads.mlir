// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// Multi-query attention written with the MatMuls' broadcasting (one k/v head for all query
// heads, no repeat of the heads, as a PyTorch model that lets `q @ k.transpose(-2, -1)`
// broadcast exports it) fuses as grouped-query attention with one K/V head: the head is
// repeated for the query heads (Unsqueeze-Expand-Reshape, which gcim-stream and
// gcim-map-attention follow) and gcim.attention has q, k and v for every head.
// The refusals (batch, q, rank 3) are in fuse-attention-broadcast-unfused.mlir.

// Batch 2, 4 query heads over one K/V head, k transposed by the model.
// CHECK-LABEL: func.func @broadcast_kv_heads
// CHECK: %[[KU:.*]] = "onnx.unsqueeze"(%arg1, %{{.*}}) : (tensor<2x1x4x8xf32>, tensor<1xi64>) -> tensor<2x1x1x4x8xf32>
// CHECK: %[[KE:.*]] = "onnx.expand"(%[[KU]], %{{.*}}) : (tensor<2x1x1x4x8xf32>, tensor<5xi64>) -> tensor<2x1x4x4x8xf32>
// CHECK: %[[K:.*]] = "onnx.reshape"(%[[KE]], %{{.*}}) {{.*}}: (tensor<2x1x4x4x8xf32>, tensor<4xi64>) -> tensor<2x4x4x8xf32>
// CHECK: %[[VU:.*]] = "onnx.unsqueeze"(%arg2,
// CHECK: %[[VE:.*]] = "onnx.expand"(%[[VU]],
// CHECK: %[[V:.*]] = "onnx.reshape"(%[[VE]], %{{.*}}) {{.*}} -> tensor<2x4x4x8xf32>
// CHECK: %[[Y:.*]] = "gcim.attention"(%arg0, %[[K]], %[[V]]) {causal = 0 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 4 : i64, scale = 0.353553385 : f32
// CHECK-SAME: -> tensor<2x4x4x8xf32>
// CHECK: return %[[Y]]
// CHECK-NOT: onnx.softmax
func.func @broadcast_kv_heads(%q: tensor<2x4x4x8xf32>, %k: tensor<2x1x4x8xf32>, %v: tensor<2x1x4x8xf32>) -> tensor<2x4x4x8xf32> {
  %kt = "onnx.transpose"(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<2x1x4x8xf32>) -> tensor<2x1x8x4xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<2x4x4x8xf32>, tensor<2x1x8x4xf32>) -> tensor<2x4x4x4xf32>
  %c = "onnx.constant"() {value = dense<0.353553385> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.mul"(%s, %c) : (tensor<2x4x4x4xf32>, tensor<f32>) -> tensor<2x4x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<2x4x4x4xf32>, tensor<2x1x4x8xf32>) -> tensor<2x4x4x8xf32>
  return %o : tensor<2x4x4x8xf32>
}

// -----

// Over a KV cache (torch's Concat of past and new): the Concats of the one K/V head become
// gcim.cache_append below the repeat, as for grouped-query attention (gcim-stream
// repeats the new token's head); the presents keep one head. One query without a mask over
// the cache it was appended to is the causal row.
// CHECK-LABEL: func.func @broadcast_kv_cache
// CHECK: %[[KC:.*]] = "gcim.cache_append"(%arg3, %arg1) : (tensor<1x1x3x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x1x4x8xf32>
// CHECK: %[[VC:.*]] = "gcim.cache_append"(%arg4, %arg2)
// CHECK: %[[KU:.*]] = "onnx.unsqueeze"(%[[KC]],
// CHECK: %[[KE:.*]] = "onnx.expand"(%[[KU]],
// CHECK: %[[K:.*]] = "onnx.reshape"(%[[KE]], {{.*}} -> tensor<1x4x4x8xf32>
// CHECK: %[[VU:.*]] = "onnx.unsqueeze"(%[[VC]],
// CHECK: %[[VE:.*]] = "onnx.expand"(%[[VU]],
// CHECK: %[[V:.*]] = "onnx.reshape"(%[[VE]], {{.*}} -> tensor<1x4x4x8xf32>
// CHECK: "gcim.attention"(%arg0, %[[K]], %[[V]]) {causal = 1 : i64, {{.*}}num_heads = 4 : i64
// CHECK: return %{{.*}}, %[[KC]], %[[VC]]
func.func @broadcast_kv_cache(%q: tensor<1x4x1x8xf32>, %k: tensor<1x1x1x8xf32>, %v: tensor<1x1x1x8xf32>, %pk: tensor<1x1x3x8xf32>, %pv: tensor<1x1x3x8xf32>) -> (tensor<1x4x1x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) {
  %kc = "onnx.concat"(%pk, %k) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x1x3x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x1x4x8xf32>
  %vc = "onnx.concat"(%pv, %v) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x1x3x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x1x4x8xf32>
  %kt = "onnx.transpose"(%kc) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x1x4x8xf32>) -> tensor<1x1x8x4xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x4x1x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x4x1x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<1x4x1x4xf32>) -> tensor<1x4x1x4xf32>
  %o = "onnx.mat_mul"(%p, %vc) : (tensor<1x4x1x4xf32>, tensor<1x1x4x8xf32>) -> tensor<1x4x1x8xf32>
  return %o, %kc, %vc : tensor<1x4x1x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>
}

// -----

// Only v broadcast (k has every head): only v is repeated.
// CHECK-LABEL: func.func @broadcast_v_heads
// CHECK-NOT: "onnx.unsqueeze"(%arg1
// CHECK: %[[VU:.*]] = "onnx.unsqueeze"(%arg2,
// CHECK: %[[VE:.*]] = "onnx.expand"(%[[VU]],
// CHECK: %[[V:.*]] = "onnx.reshape"(%[[VE]], {{.*}} -> tensor<1x2x4x8xf32>
// CHECK: "gcim.attention"(%arg0, %{{.*}}, %[[V]]) {{.*}}num_heads = 2 : i64
func.func @broadcast_v_heads(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %kt = "onnx.transpose"(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
