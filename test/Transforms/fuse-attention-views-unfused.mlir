// RUN: gcim-opt --split-input-file --gcim-fuse-attention %s | FileCheck %s

// Attention on (batch x heads) rows whose Reshapes or terms between the MatMuls are not
// views of the rows or no-ops stays as the model's ops, with the reason in gcim.unfused.

// Bloom: ALiBi, a per-head bias over the keys (slopes x key positions, (heads, 1, T)),
// added to the product: not a mask, so not fused, and the reason names it.
// CHECK-LABEL: func.func @alibi
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "an ALiBi-like bias is added to the scores (a 4x1x3 term: a bias per head over the keys), which is not a mask the gain cells take"}
// CHECK-NOT: gcim.attention
func.func @alibi(%q: tensor<4x3x2xf32>, %kt: tensor<4x2x3xf32>, %v: tensor<4x3x2xf32>) -> tensor<4x3x2xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<4x3x2xf32>, tensor<4x2x3xf32>) -> tensor<4x3x3xf32>
  %slopes = "onnx.constant"() {value = dense<[[[0.5]], [[0.25]], [[0.125]], [[0.0625]]]> : tensor<4x1x1xf32>} : () -> tensor<4x1x1xf32>
  %pos = "onnx.constant"() {value = dense<[[[0.0, 1.0, 2.0]]]> : tensor<1x1x3xf32>} : () -> tensor<1x1x3xf32>
  %alibi = "onnx.mul"(%slopes, %pos) : (tensor<4x1x1xf32>, tensor<1x1x3xf32>) -> tensor<4x1x3xf32>
  %sa = "onnx.add"(%s, %alibi) : (tensor<4x3x3xf32>, tensor<4x1x3xf32>) -> tensor<4x3x3xf32>
  %heads = "onnx.constant"() {value = dense<[1, 4, 3, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s4 = "onnx.reshape"(%sa, %heads) {allowzero = 0 : i64} : (tensor<4x3x3xf32>, tensor<4xi64>) -> tensor<1x4x3x3xf32>
  %p = "onnx.softmax"(%s4) {axis = -1 : i64} : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %srows = "onnx.constant"() {value = dense<[4, 3, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %p3 = "onnx.reshape"(%p, %srows) {allowzero = 0 : i64} : (tensor<1x4x3x3xf32>, tensor<3xi64>) -> tensor<4x3x3xf32>
  %o = "onnx.mat_mul"(%p3, %v) : (tensor<4x3x3xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
  return %o : tensor<4x3x2xf32>
}

// -----

// A Reshape that mixes the rows with the query axis ((4, T, T) as (1, T, 4, T)) is no view:
// the softmax would normalise other rows' scores together.
// CHECK-LABEL: func.func @mixes_rows_and_queries
// CHECK: gcim.unfused = "a Reshape between the MatMuls does more than split or merge the (batch x heads) rows of the scores"
// CHECK-NOT: gcim.attention
func.func @mixes_rows_and_queries(%q: tensor<4x3x2xf32>, %kt: tensor<4x2x3xf32>, %v: tensor<4x3x2xf32>) -> tensor<4x3x2xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<4x3x2xf32>, tensor<4x2x3xf32>) -> tensor<4x3x3xf32>
  %mixed = "onnx.constant"() {value = dense<[1, 3, 4, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s4 = "onnx.reshape"(%s, %mixed) {allowzero = 0 : i64} : (tensor<4x3x3xf32>, tensor<4xi64>) -> tensor<1x3x4x3xf32>
  %p = "onnx.softmax"(%s4) {axis = -1 : i64} : (tensor<1x3x4x3xf32>) -> tensor<1x3x4x3xf32>
  %srows = "onnx.constant"() {value = dense<[4, 3, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %p3 = "onnx.reshape"(%p, %srows) {allowzero = 0 : i64} : (tensor<1x3x4x3xf32>, tensor<3xi64>) -> tensor<4x3x3xf32>
  %o = "onnx.mat_mul"(%p3, %v) : (tensor<4x3x3xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
  return %o : tensor<4x3x2xf32>
}

// -----

// Views that split the rows two ways ((2, 2) and (1, 4)): which is the batch is unclear.
// CHECK-LABEL: func.func @split_two_ways
// CHECK: gcim.unfused = "Reshapes split the (batch x heads) rows of the scores two ways"
// CHECK-NOT: gcim.attention
func.func @split_two_ways(%q: tensor<4x3x2xf32>, %kt: tensor<4x2x3xf32>, %v: tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<4x3x2xf32>, tensor<4x2x3xf32>) -> tensor<4x3x3xf32>
  %two = "onnx.constant"() {value = dense<[2, 2, 3, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s22 = "onnx.reshape"(%s, %two) {allowzero = 0 : i64} : (tensor<4x3x3xf32>, tensor<4xi64>) -> tensor<2x2x3x3xf32>
  %srows = "onnx.constant"() {value = dense<[4, 3, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %s3 = "onnx.reshape"(%s22, %srows) {allowzero = 0 : i64} : (tensor<2x2x3x3xf32>, tensor<3xi64>) -> tensor<4x3x3xf32>
  %one = "onnx.constant"() {value = dense<[1, 4, 3, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s14 = "onnx.reshape"(%s3, %one) {allowzero = 0 : i64} : (tensor<4x3x3xf32>, tensor<4xi64>) -> tensor<1x4x3x3xf32>
  %p = "onnx.softmax"(%s14) {axis = -1 : i64} : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x4x3x3xf32>, tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  return %o : tensor<1x4x3x2xf32>
}

// -----

// A clamp by Max that is not the lowest float32 (-1e4) changes scores below it: kept.
// CHECK-LABEL: func.func @max_clamps
// CHECK: gcim.unfused = "the scores come from 'onnx.max', not from a MatMul of q and k"
// CHECK-NOT: gcim.attention
func.func @max_clamps(%q: tensor<4x3x2xf32>, %kt: tensor<4x2x3xf32>, %v: tensor<4x3x2xf32>) -> tensor<4x3x2xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<4x3x2xf32>, tensor<4x2x3xf32>) -> tensor<4x3x3xf32>
  %low = "onnx.constant"() {value = dense<-1.0e4> : tensor<f32>} : () -> tensor<f32>
  %sx = "onnx.max"(%s, %low) {operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<4x3x3xf32>, tensor<f32>) -> tensor<4x3x3xf32>
  %p = "onnx.softmax"(%sx) {axis = -1 : i64} : (tensor<4x3x3xf32>) -> tensor<4x3x3xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<4x3x3xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
  return %o : tensor<4x3x2xf32>
}
