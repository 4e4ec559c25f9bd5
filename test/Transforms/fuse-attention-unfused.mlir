// RUN: gcim-opt --split-input-file --gcim-fuse-attention %s | FileCheck %s

// What looks like attention but does not match stays as it is; the reason is kept in
// the attribute gcim.unfused for the report. Softmax elsewhere (a classifier, the
// probabilities of a language model's head) is left alone without a reason.

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
