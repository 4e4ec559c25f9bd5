// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// Broadcasts that gcim.attention does not express stay the model's own ops with a reason
// (gcim-compile's warning names the node): only k or v with one head for q's heads is
// taken (multi-query attention, fuse-attention-broadcast-heads.mlir).

// k and v of one sequence for a batch of 2.
// CHECK-LABEL: func.func @broadcast_batch
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "q, k or v is broadcast over the batch"}
// CHECK-NOT: gcim.attention
func.func @broadcast_batch(%q: tensor<2x4x4x8xf32>, %kt: tensor<1x4x8x4xf32>, %v: tensor<1x4x4x8xf32>) -> tensor<2x4x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<2x4x4x8xf32>, tensor<1x4x8x4xf32>) -> tensor<2x4x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<2x4x4x4xf32>) -> tensor<2x4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<2x4x4x4xf32>, tensor<1x4x4x8xf32>) -> tensor<2x4x4x8xf32>
  return %o : tensor<2x4x4x8xf32>
}

// -----

// One query head for four K/V heads: gcim.attention has the heads of q (a K/V head may
// serve several query heads, never the reverse).
// CHECK-LABEL: func.func @broadcast_q_heads
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "q is broadcast over the heads of k and v"}
// CHECK-NOT: gcim.attention
func.func @broadcast_q_heads(%q: tensor<1x1x4x8xf32>, %kt: tensor<1x4x8x4xf32>, %v: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x4x8xf32>, tensor<1x4x8x4xf32>) -> tensor<1x4x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x4x4x4xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

// -----

// Rank 3 (batch x heads, tokens, head_dim) has no heads axis: a k shared by every row
// cannot be told apart from one shared over the batch.
// CHECK-LABEL: func.func @broadcast_rank3
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "q, k or v is broadcast over the batch x heads rows"}
// CHECK-NOT: gcim.attention
func.func @broadcast_rank3(%q: tensor<4x4x8xf32>, %kt: tensor<1x8x4xf32>, %v: tensor<1x4x8xf32>) -> tensor<4x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<4x4x8xf32>, tensor<1x8x4xf32>) -> tensor<4x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<4x4x4xf32>, tensor<1x4x8xf32>) -> tensor<4x4x8xf32>
  return %o : tensor<4x4x8xf32>
}
