// RUN: gcim-opt --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// Multi-query attention written with the MatMuls' broadcasting (one k/v head for four query
// heads, no repeat of the heads): gcim.attention has q, k and v for every head, so the
// attention stays the model's own ops, with the reason (gcim-verify used to reject the
// fused op: "q, k and v disagree on heads").
// CHECK-LABEL: func.func @broadcast_kv_heads
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "q, k or v is broadcast over the batch or the heads"}
// CHECK-NOT: gcim.attention
func.func @broadcast_kv_heads(%q: tensor<1x4x4x8xf32>, %kt: tensor<1x1x8x4xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x4x4x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x4x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x4x4x4xf32>, tensor<1x1x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}
