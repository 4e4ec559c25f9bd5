// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// Constant masks with a batch (or head) axis are classified at every batch and head index
// and fuse when each has the same pattern (the refusal when they differ is in
// fuse-attention-invalid.mlir).

// A BERT encoder exported with batch 2: its extended mask (1 - mask) * finfo.min folds to
// a constant all-zero (B, 1, 1, T) tensor: full attention in every row.
// CHECK-LABEL: func.func @bert_batch_zero
// CHECK: "gcim.attention"(%arg0, %{{.*}}, %arg2) {causal = 0 : i64
// CHECK-NOT: onnx.softmax
func.func @bert_batch_zero(%q: tensor<2x2x4x8xf32>, %kt: tensor<2x2x8x4xf32>, %v: tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<2x2x4x8xf32>, tensor<2x2x8x4xf32>) -> tensor<2x2x4x4xf32>
  %m = "onnx.constant"() {value = dense<0.0> : tensor<2x1x1x4xf32>} : () -> tensor<2x1x1x4xf32>
  %x = "onnx.add"(%s, %m) : (tensor<2x2x4x4xf32>, tensor<2x1x1x4xf32>) -> tensor<2x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// The causal pattern in both batch rows and both heads of a (2, 2, T, T) bool mask.
// CHECK-LABEL: func.func @causal_every_row
// CHECK: "gcim.attention"(%arg0, %{{.*}}, %arg2) {causal = 1 : i64
// CHECK-NOT: onnx.where
func.func @causal_every_row(%q: tensor<2x2x4x8xf32>, %kt: tensor<2x2x8x4xf32>, %v: tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<2x2x4x8xf32>, tensor<2x2x8x4xf32>) -> tensor<2x2x4x4xf32>
  %ones = "onnx.constant"() {value = dense<1> : tensor<2x2x4x4xi64>} : () -> tensor<2x2x4x4xi64>
  %tri = "onnx.trilu"(%ones) {upper = 0 : i64} : (tensor<2x2x4x4xi64>) -> tensor<2x2x4x4xi64>
  %m = "onnx.cast"(%tri) {to = 9 : i64} : (tensor<2x2x4x4xi64>) -> tensor<2x2x4x4xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%m, %s, %min) : (tensor<2x2x4x4xi1>, tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// An integer division by zero in a Where branch no entry takes: the tensor evaluator
// (AttentionMaskTensor.c) computes both branches and gives up; the element evaluator reads
// only the branch each entry takes and finds the causal mask.
// CHECK-LABEL: func.func @untaken_division_by_zero
// CHECK: "gcim.attention"(%arg0, %{{.*}}, %arg2) {causal = 1 : i64
// CHECK-NOT: onnx.softmax
func.func @untaken_division_by_zero(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %fill = "onnx.constant"() {value = dense<-1.0e+9> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %diagonal = "onnx.constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %causal = "onnx.trilu"(%fill, %diagonal) {upper = 1 : i64} : (tensor<4x4xf32>, tensor<i64>) -> tensor<4x4xf32>
  %one = "onnx.constant"() {value = dense<1> : tensor<4x4xi64>} : () -> tensor<4x4xi64>
  %zero = "onnx.constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %bad = "onnx.div"(%one, %zero) : (tensor<4x4xi64>, tensor<i64>) -> tensor<4x4xi64>
  %badf = "onnx.cast"(%bad) {to = 1 : i64} : (tensor<4x4xi64>) -> tensor<4x4xf32>
  %always = "onnx.constant"() {value = dense<true> : tensor<4x4xi1>} : () -> tensor<4x4xi1>
  %m = "onnx.where"(%always, %causal, %badf) : (tensor<4x4xi1>, tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %x = "onnx.add"(%s, %m) : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
