// RUN: gcim-opt --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// Grouped-query attention over a KV cache as transformers writes it: the cache Concat
// (past, new) of the 2 K/V heads, then repeated for the 4 query heads (K by repeat_kv's
// Unsqueeze-Expand-Reshape, V by Tile). The Concats below the repeats become
// gcim.cache_append (which gcim-stream maps onto the hardware state), the repeats stay, the
// attention fuses over the repeated heads; the one query over every cached key is causal.

// CHECK-LABEL: func.func @gqa_cache
// CHECK: %[[K:.*]] = "gcim.cache_append"(%arg3, %arg1) : (tensor<1x2x3x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK: %[[V:.*]] = "gcim.cache_append"(%arg4, %arg2)
// CHECK: %[[KU:.*]] = "onnx.unsqueeze"(%[[K]],
// CHECK: %[[KE:.*]] = "onnx.expand"(%[[KU]],
// CHECK: %[[KR:.*]] = "onnx.reshape"(%[[KE]],
// CHECK: %[[VR:.*]] = "onnx.tile"(%[[V]],
// CHECK: "gcim.attention"(%arg0, %[[KR]], %[[VR]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 4 : i64
// CHECK: return %{{.*}}, %[[K]], %[[V]]
// CHECK-NOT: onnx.softmax
func.func @gqa_cache(%q: tensor<1x4x1x8xf32>, %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>, %pk: tensor<1x2x3x8xf32>, %pv: tensor<1x2x3x8xf32>) -> (tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %kc = "onnx.concat"(%pk, %k) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x3x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
  %vc = "onnx.concat"(%pv, %v) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x3x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
  %ax = "onnx.constant"() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %s5 = "onnx.constant"() {value = dense<[1, 2, 2, 4, 8]> : tensor<5xi64>} : () -> tensor<5xi64>
  %s4 = "onnx.constant"() {value = dense<[1, 4, 4, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %ku = "onnx.unsqueeze"(%kc, %ax) : (tensor<1x2x4x8xf32>, tensor<1xi64>) -> tensor<1x2x1x4x8xf32>
  %ke = "onnx.expand"(%ku, %s5) : (tensor<1x2x1x4x8xf32>, tensor<5xi64>) -> tensor<1x2x2x4x8xf32>
  %kr = "onnx.reshape"(%ke, %s4) {allowzero = 0 : i64} : (tensor<1x2x2x4x8xf32>, tensor<4xi64>) -> tensor<1x4x4x8xf32>
  %reps = "onnx.constant"() {value = dense<[1, 2, 1, 1]> : tensor<4xi64>} : () -> tensor<4xi64>
  %vr = "onnx.tile"(%vc, %reps) : (tensor<1x2x4x8xf32>, tensor<4xi64>) -> tensor<1x4x4x8xf32>
  %kt = "onnx.transpose"(%kr) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x4x8x4xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x4x1x8xf32>, tensor<1x4x8x4xf32>) -> tensor<1x4x1x4xf32>
  %c = "onnx.constant"() {value = dense<0.353553385> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.mul"(%s, %c) : (tensor<1x4x1x4xf32>, tensor<f32>) -> tensor<1x4x1x4xf32>
  %mask = "onnx.constant"() {value = dense<0.0> : tensor<1x4xf32>} : () -> tensor<1x4xf32>
  %sa = "onnx.add"(%sm, %mask) : (tensor<1x4x1x4xf32>, tensor<1x4xf32>) -> tensor<1x4x1x4xf32>
  %p = "onnx.softmax"(%sa) {axis = -1 : i64} : (tensor<1x4x1x4xf32>) -> tensor<1x4x1x4xf32>
  %o = "onnx.mat_mul"(%p, %vr) : (tensor<1x4x1x4xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x1x8xf32>
  return %o, %kc, %vc : tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}
