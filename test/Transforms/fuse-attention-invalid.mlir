// RUN: not gcim-opt --split-input-file --gcim-fuse-attention=strict=1 %s 2>&1 | FileCheck %s

// With strict=1 every attention-like subgraph that does not match is an error giving the
// reason (without it the reason is kept as the attribute gcim.unfused, see
// fuse-attention-unfused.mlir). One case per reason.

// CHECK: error: attention not fused: softmax is not over the last (key) axis
func.func @softmax_axis(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %x = "onnx.identity"(%s) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = 2 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: hardsigmoid with a non-zero beta is not the hardware's charge-to-pulse
func.func @hardsigmoid_beta(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.hard_sigmoid"(%s) {alpha = 0.2 : f32, beta = 0.5 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: clip is not to [0, 1]
func.func @clip_range(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %lo = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = "onnx.constant"() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %p = "onnx.clip"(%s, %lo, %hi) {operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: the attention weights are not only multiplied by V
func.func @weights_used_twice(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %e = "onnx.reduce_sum"(%p) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x1x1x1xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: the Where before the softmax does not fill with a large negative constant
func.func @where_fill_not_negative(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %z = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%m, %s, %z) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: the mask added to the scores is not a constant
func.func @mask_not_constant(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %bias: tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %x = "onnx.add"(%s, %bias) : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: the mask is neither causal (lower triangular) nor a sliding window
func.func @mask_not_causal(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, true], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%m, %s, %min) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Head 0 full, head 1 causal (the same pattern at every index fuses:
// fuse-attention-mask-batch.mlir).
// CHECK: error: attention not fused: the mask differs between batch rows or heads
func.func @mask_per_head(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m = "onnx.constant"() {value = dense<[[[[true, true, true, true], [true, true, true, true], [true, true, true, true], [true, true, true, true]], [[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x2x4x4xi1>} : () -> tensor<1x2x4x4xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%m, %s, %min) : (tensor<1x2x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: the mask is not a constant of keep/mask entries
func.func @mask_bias(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m = "onnx.constant"() {value = dense<0.5> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %x = "onnx.add"(%s, %m) : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: the scores come from 'onnx.exp', not from a MatMul of q and k
func.func @scores_not_matmul(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %x = "onnx.exp"(%s) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: the scores have users besides the softmax
func.func @scores_used_twice(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %e = "onnx.reduce_sum"(%s) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x1x1x1xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: the mask is not a static tensor of rank 2 or more
func.func @mask_dynamic_scores(%q: tensor<1x2x?x8xf32>, %kt: tensor<1x2x8x?xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x?x8xf32>, tensor<1x2x8x?xf32>) -> tensor<1x2x?x?xf32>
  %m = "onnx.constant"() {value = dense<true> : tensor<4x4xi1>} : () -> tensor<4x4xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%m, %s, %min) : (tensor<4x4xi1>, tensor<1x2x?x?xf32>, tensor<f32>) -> tensor<1x2x?x?xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x?x?xf32>) -> tensor<1x2x?x?xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x?x?xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  return %o : tensor<1x2x?x8xf32>
}

// -----

// CHECK: error: attention not fused: the mask does not broadcast to the scores
func.func @mask_wrong_shape(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m = "onnx.constant"() {value = dense<true> : tensor<3x4xi1>} : () -> tensor<3x4xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%m, %s, %min) : (tensor<3x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: attention not fused: the mask is not a constant of keep/mask entries (0 or a large negative value when added)
func.func @post_mask_not_binary(%q: tensor<1x1x2x8xf32>, %kt: tensor<1x1x8x2xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x2x8xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x2x2xf32>
  %p = "onnx.hard_sigmoid"(%s) {alpha = 1.250000e-02 : f32, beta = 0.000000e+00 : f32} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %m = "onnx.constant"() {value = dense<0.5> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %w = "onnx.mul"(%p, %m) : (tensor<1x1x2x2xf32>, tensor<2x2xf32>) -> tensor<1x1x2x2xf32>
  %o = "onnx.mat_mul"(%w, %v) : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
