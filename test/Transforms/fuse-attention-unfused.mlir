// RUN: gcim-opt --split-input-file --gcim-fuse-attention %s | FileCheck %s

// What looks like attention but does not match stays as it is; the reason is kept in
// the attribute gcim.unfused for the report. Softmax elsewhere (a classifier, the
// probabilities of a language model's head) is left alone without a reason, and so is a
// Clip to other than [0, 1] that feeds no MatMul.

// CHECK-LABEL: func.func @not_causal_mask
// CHECK: "onnx.where"
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "the mask is neither causal (lower triangular) nor a sliding window"}
// CHECK: "onnx.mat_mul"
// CHECK-NOT: gcim.attention
func.func @not_causal_mask(%q: tensor<1x1x2x8xf32>, %kt: tensor<1x1x8x2xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x2x8xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x2x2xf32>
  %m = "onnx.constant"() {value = dense<[[false, true], [true, true]]> : tensor<2x2xi1>} : () -> tensor<2x2xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%m, %s, %min) : (tensor<2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// CHECK-LABEL: func.func @heads_not_grouped
// CHECK: "onnx.attention"(%arg0, %arg1, %arg1) {gcim.unfused = "the query heads are not a multiple of the kv heads"
func.func @heads_not_grouped(%q: tensor<1x4x8x64xf32>, %k: tensor<1x3x8x64xf32>) -> tensor<1x4x8x64xf32> {
  %y = "onnx.attention"(%q, %k, %k) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x4x8x64xf32>, tensor<1x3x8x64xf32>, tensor<1x3x8x64xf32>) -> tensor<1x4x8x64xf32>
  return %y : tensor<1x4x8x64xf32>
}

// -----

// CHECK-LABEL: func.func @classifier_softmax
// CHECK: "onnx.softmax"(%arg0) {axis = -1 : i64} :
func.func @classifier_softmax(%x: tensor<1x10xf32>) -> tensor<1x10xf32> {
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x10xf32>) -> tensor<1x10xf32>
  return %p : tensor<1x10xf32>
}

// -----

// A Clip after a projection (MPT's clip_qkv) is not attention: no reason is attached.
// CHECK-LABEL: func.func @clip_after_projection
// CHECK: "onnx.clip"(%{{.*}}) {operandSegmentSizes = array<i32: 1, 1, 1>} :
// CHECK-NOT: gcim.unfused
func.func @clip_after_projection(%x: tensor<1x4x8xf32>, %w: tensor<8x24xf32>) -> tensor<1x4x24xf32> {
  %y = "onnx.mat_mul"(%x, %w) : (tensor<1x4x8xf32>, tensor<8x24xf32>) -> tensor<1x4x24xf32>
  %lo = "onnx.constant"() {value = dense<-0.5> : tensor<f32>} : () -> tensor<f32>
  %hi = "onnx.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %c = "onnx.clip"(%y, %lo, %hi) {operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x4x24xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x24xf32>
  return %c : tensor<1x4x24xf32>
}

// -----

// T5: a relative position bias (a table of a bias per head gathered at bucket indices,
// (1, heads, q, k)) added to the unscaled product is not a mask: the reason names it.
// CHECK-LABEL: func.func @relative_position_bias
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "a position bias is added to the scores (a 1x2x2x2 term: a bias per head over queries and keys, as T5's relative position bias), which is not a mask the gain cells take"}
// CHECK-NOT: gcim.attention
func.func @relative_position_bias(%q: tensor<1x2x2x8xf32>, %kt: tensor<1x2x8x2xf32>, %v: tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x2x8xf32>, tensor<1x2x8x2xf32>) -> tensor<1x2x2x2xf32>
  %table = "onnx.constant"() {value = dense<[[0.5, -0.5], [0.25, 1.0], [2.0, 0.0]]> : tensor<3x2xf32>} : () -> tensor<3x2xf32>
  %buckets = "onnx.constant"() {value = dense<[[0, 1], [2, 0]]> : tensor<2x2xi64>} : () -> tensor<2x2xi64>
  %g = "onnx.gather"(%table, %buckets) {axis = 0 : i64} : (tensor<3x2xf32>, tensor<2x2xi64>) -> tensor<2x2x2xf32>
  %t = "onnx.transpose"(%g) {perm = array<i64: 2, 0, 1>} : (tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  %shape = "onnx.constant"() {value = dense<[1, 2, 2, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %bias = "onnx.reshape"(%t, %shape) {allowzero = 0 : i64} : (tensor<2x2x2xf32>, tensor<4xi64>) -> tensor<1x2x2x2xf32>
  %x = "onnx.add"(%s, %bias) : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x2x2xf32>, tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %o : tensor<1x2x2x8xf32>
}

// -----

// Gemma-2: attention logits soft-capped (/ cap, Tanh, * cap) before the softmax.
// CHECK-LABEL: func.func @soft_capped
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "the scores are soft-capped (a Tanh between the MatMuls, as Gemma-2's attention logit soft-capping), which gcim.attention does not take"}
// CHECK-NOT: gcim.attention
func.func @soft_capped(%q: tensor<1x2x2x8xf32>, %kt: tensor<1x2x8x2xf32>, %v: tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x2x8xf32>, tensor<1x2x8x2xf32>) -> tensor<1x2x2x2xf32>
  %cap = "onnx.constant"() {value = dense<50.0> : tensor<f32>} : () -> tensor<f32>
  %d = "onnx.div"(%s, %cap) : (tensor<1x2x2x2xf32>, tensor<f32>) -> tensor<1x2x2x2xf32>
  %t = "onnx.tanh"(%d) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %c = "onnx.mul"(%t, %cap) : (tensor<1x2x2x2xf32>, tensor<f32>) -> tensor<1x2x2x2xf32>
  %p = "onnx.softmax"(%c) {axis = -1 : i64} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x2x2xf32>, tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %o : tensor<1x2x2x8xf32>
}

// -----

// A Softmax over the product of a weight (a head's probabilities, as a postprocessing
// graph merged behind a language model computes them) is not attention.
// CHECK-LABEL: func.func @head_softmax
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64} :
// CHECK-NOT: gcim.unfused
func.func @head_softmax(%x: tensor<1x4x8xf32>) -> tensor<1x4x16xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<16x8xf32>} : () -> tensor<16x8xf32>
  %wt = "onnx.transpose"(%w) {perm = array<i64: 1, 0>} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %s = "onnx.mat_mul"(%x, %wt) : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  return %p : tensor<1x4x16xf32>
}

// -----

// DeBERTa's XSoftmax: the masked weights are zeroed again after the softmax (a fully
// masked row gives zeros, not the softmax of equal scores): named, not left silent.
// CHECK-LABEL: func.func @xsoftmax_post_mask
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "the attention weights are masked again after the softmax (a Where, as DeBERTa's XSoftmax zeroes them), which gcim.attention does not take"}
// CHECK-NOT: gcim.attention
func.func @xsoftmax_post_mask(%q: tensor<1x1x2x8xf32>, %kt: tensor<1x1x8x2xf32>, %v: tensor<1x1x2x8xf32>, %masked: tensor<1x1x2x2xi1>) -> tensor<1x1x2x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x2x8xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x2x2xf32>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%masked, %min, %s) : (tensor<1x1x2x2xi1>, tensor<f32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %zero = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %pz = "onnx.where"(%masked, %zero, %p) : (tensor<1x1x2x2xi1>, tensor<f32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %o = "onnx.mat_mul"(%pz, %v) : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
