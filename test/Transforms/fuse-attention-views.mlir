// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// Attention on (batch x heads, tokens, dim) rows that the model views as (batch, heads) by
// Reshapes between the MatMuls (FuseAttentionViews.c): GPT-NeoX's baddbmm, OPT's and BART's
// bmm, Bloom's. The rows are split into the views' (batch, heads): q, k and v are the
// model's own (batch, heads, tokens, dim) tensors from before it merged the rows, and the
// result replaces its view of the output.

// GPT-NeoX: the product on rows, scaled, added to zeros (baddbmm's input), viewed as
// (1, 4, T, T), masked by a causal Where, softmax and the value product on the heads.
// CHECK-LABEL: func.func @neox_baddbmm
// CHECK-NOT: onnx.reshape
// CHECK: %[[A:.*]] = "gcim.attention"(%arg0, %arg1, %arg2) {causal = 1 : i64, head_dim = 2 : i64, kind = "softmax", num_heads = 4 : i64, scale = 0.707106769 : f32, window = 0 : i64} : (tensor<1x4x3x2xf32>, tensor<1x4x3x2xf32>, tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
// CHECK-NEXT: return %[[A]]
func.func @neox_baddbmm(%q: tensor<1x4x3x2xf32>, %k: tensor<1x4x3x2xf32>, %v: tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32> {
  %rows = "onnx.constant"() {value = dense<[4, 3, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %q3 = "onnx.reshape"(%q, %rows) {allowzero = 0 : i64} : (tensor<1x4x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %k3 = "onnx.reshape"(%k, %rows) {allowzero = 0 : i64} : (tensor<1x4x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %kt = "onnx.transpose"(%k3) {perm = array<i64: 0, 2, 1>} : (tensor<4x3x2xf32>) -> tensor<4x2x3xf32>
  %s = "onnx.mat_mul"(%q3, %kt) : (tensor<4x3x2xf32>, tensor<4x2x3xf32>) -> tensor<4x3x3xf32>
  %c = "onnx.constant"() {value = dense<0.707106769> : tensor<f32>} : () -> tensor<f32>
  %ss = "onnx.mul"(%s, %c) : (tensor<4x3x3xf32>, tensor<f32>) -> tensor<4x3x3xf32>
  %zeros = "onnx.constant"() {value = dense<0.0> : tensor<4x3x3xf32>} : () -> tensor<4x3x3xf32>
  %sz = "onnx.add"(%ss, %zeros) : (tensor<4x3x3xf32>, tensor<4x3x3xf32>) -> tensor<4x3x3xf32>
  %heads = "onnx.constant"() {value = dense<[1, 4, 3, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s4 = "onnx.reshape"(%sz, %heads) {allowzero = 0 : i64} : (tensor<4x3x3xf32>, tensor<4xi64>) -> tensor<1x4x3x3xf32>
  %mask = "onnx.constant"() {value = dense<[[[[true, false, false], [true, true, false], [true, true, true]]]]> : tensor<1x1x3x3xi1>} : () -> tensor<1x1x3x3xi1>
  %fill = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %s4, %fill) : (tensor<1x1x3x3xi1>, tensor<1x4x3x3xf32>, tensor<f32>) -> tensor<1x4x3x3xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x4x3x3xf32>, tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  return %o : tensor<1x4x3x2xf32>
}

// -----

// OPT at batch 2 (2 heads): q, k, v merged to rows, the product viewed as (2, 2, T, T) for
// the additive causal mask and OPT's clamp to the lowest float (a Max that changes nothing
// the softmax sees), merged back for softmax and the value product, whose result the model
// views as (2, 2, T, D): that view is the attention's result, of 2 heads, not 4.
// CHECK-LABEL: func.func @opt_bmm_batch2
// CHECK-NOT: onnx.max
// CHECK: %[[A:.*]] = "gcim.attention"(%arg0, %arg1, %arg2) {causal = 1 : i64, head_dim = 2 : i64, kind = "softmax", num_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 0 : i64} : (tensor<2x2x3x2xf32>, tensor<2x2x3x2xf32>, tensor<2x2x3x2xf32>) -> tensor<2x2x3x2xf32>
// CHECK-NEXT: return %[[A]]
func.func @opt_bmm_batch2(%q: tensor<2x2x3x2xf32>, %k: tensor<2x2x3x2xf32>, %v: tensor<2x2x3x2xf32>) -> tensor<2x2x3x2xf32> {
  %rows = "onnx.constant"() {value = dense<[4, 3, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %q3 = "onnx.reshape"(%q, %rows) {allowzero = 0 : i64} : (tensor<2x2x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %k3 = "onnx.reshape"(%k, %rows) {allowzero = 0 : i64} : (tensor<2x2x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %v3 = "onnx.reshape"(%v, %rows) {allowzero = 0 : i64} : (tensor<2x2x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %kt = "onnx.transpose"(%k3) {perm = array<i64: 0, 2, 1>} : (tensor<4x3x2xf32>) -> tensor<4x2x3xf32>
  %s = "onnx.mat_mul"(%q3, %kt) : (tensor<4x3x2xf32>, tensor<4x2x3xf32>) -> tensor<4x3x3xf32>
  %heads = "onnx.constant"() {value = dense<[2, 2, 3, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s4 = "onnx.reshape"(%s, %heads) {allowzero = 0 : i64} : (tensor<4x3x3xf32>, tensor<4xi64>) -> tensor<2x2x3x3xf32>
  %mask = "onnx.constant"() {value = dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0]]]]> : tensor<1x1x3x3xf32>} : () -> tensor<1x1x3x3xf32>
  %sa = "onnx.add"(%s4, %mask) : (tensor<2x2x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<2x2x3x3xf32>
  %lowest = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sx = "onnx.max"(%sa, %lowest) {operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2x2x3x3xf32>, tensor<f32>) -> tensor<2x2x3x3xf32>
  %srows = "onnx.constant"() {value = dense<[4, 3, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %s3 = "onnx.reshape"(%sx, %srows) {allowzero = 0 : i64} : (tensor<2x2x3x3xf32>, tensor<3xi64>) -> tensor<4x3x3xf32>
  %p = "onnx.softmax"(%s3) {axis = -1 : i64} : (tensor<4x3x3xf32>) -> tensor<4x3x3xf32>
  %o = "onnx.mat_mul"(%p, %v3) : (tensor<4x3x3xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
  %out = "onnx.constant"() {value = dense<[2, 2, 3, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %o4 = "onnx.reshape"(%o, %out) {allowzero = 0 : i64} : (tensor<4x3x2xf32>, tensor<4xi64>) -> tensor<2x2x3x2xf32>
  return %o4 : tensor<2x2x3x2xf32>
}

// -----

// Bloom's plumbing without its ALiBi: kᵀ merged to rows from a (B, H, D, T) Transpose of
// the (B, T, H, D) key (no Transpose on the rows: the permutations compose into one), and
// the weights cast and merged to rows before the value product.
// CHECK-LABEL: func.func @bloom_plumbing
// CHECK: %[[K:.*]] = "onnx.transpose"(%arg1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x4x2xf32>) -> tensor<1x4x3x2xf32>
// CHECK: %[[A:.*]] = "gcim.attention"(%arg0, %[[K]], %arg2) {causal = 0 : i64, head_dim = 2 : i64, kind = "softmax", num_heads = 4 : i64
// CHECK-NEXT: return %[[A]]
func.func @bloom_plumbing(%q: tensor<1x4x3x2xf32>, %k: tensor<1x3x4x2xf32>, %v: tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32> {
  %rows = "onnx.constant"() {value = dense<[4, 3, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %q3 = "onnx.reshape"(%q, %rows) {allowzero = 0 : i64} : (tensor<1x4x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %k4 = "onnx.transpose"(%k) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x4x2xf32>) -> tensor<1x4x2x3xf32>
  %krows = "onnx.constant"() {value = dense<[4, 2, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %kt = "onnx.reshape"(%k4, %krows) {allowzero = 0 : i64} : (tensor<1x4x2x3xf32>, tensor<3xi64>) -> tensor<4x2x3xf32>
  %v3 = "onnx.reshape"(%v, %rows) {allowzero = 0 : i64} : (tensor<1x4x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %s = "onnx.mat_mul"(%q3, %kt) : (tensor<4x3x2xf32>, tensor<4x2x3xf32>) -> tensor<4x3x3xf32>
  %heads = "onnx.constant"() {value = dense<[1, 4, 3, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %s4 = "onnx.reshape"(%s, %heads) {allowzero = 0 : i64} : (tensor<4x3x3xf32>, tensor<4xi64>) -> tensor<1x4x3x3xf32>
  %p = "onnx.softmax"(%s4) {axis = -1 : i64} : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %pc = "onnx.cast"(%p) {to = 1 : i64} : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %srows = "onnx.constant"() {value = dense<[4, 3, 3]> : tensor<3xi64>} : () -> tensor<3xi64>
  %p3 = "onnx.reshape"(%pc, %srows) {allowzero = 0 : i64} : (tensor<1x4x3x3xf32>, tensor<3xi64>) -> tensor<4x3x3xf32>
  %o = "onnx.mat_mul"(%p3, %v3) : (tensor<4x3x3xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
  %out = "onnx.constant"() {value = dense<[1, 4, 3, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %o4 = "onnx.reshape"(%o, %out) {allowzero = 0 : i64} : (tensor<4x3x2xf32>, tensor<4xi64>) -> tensor<1x4x3x2xf32>
  return %o4 : tensor<1x4x3x2xf32>
}

// -----

// BART's and CLIP's bmm without a mask at batch 2 (2 heads): no view between the MatMuls,
// but the model views the value product's rows as (2, 2, T, D): 2 heads of batch 2, not
// one batch of 4 heads; that view is the attention's result.
// CHECK-LABEL: func.func @bart_bmm_unmasked_batch2
// CHECK: %[[A:.*]] = "gcim.attention"(%arg0, %arg1, %arg2) {causal = 0 : i64, head_dim = 2 : i64, kind = "softmax", num_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 0 : i64} : (tensor<2x2x3x2xf32>, tensor<2x2x3x2xf32>, tensor<2x2x3x2xf32>) -> tensor<2x2x3x2xf32>
// CHECK-NEXT: return %[[A]]
func.func @bart_bmm_unmasked_batch2(%q: tensor<2x2x3x2xf32>, %k: tensor<2x2x3x2xf32>, %v: tensor<2x2x3x2xf32>) -> tensor<2x2x3x2xf32> {
  %rows = "onnx.constant"() {value = dense<[4, 3, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %q3 = "onnx.reshape"(%q, %rows) {allowzero = 0 : i64} : (tensor<2x2x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %k3 = "onnx.reshape"(%k, %rows) {allowzero = 0 : i64} : (tensor<2x2x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %v3 = "onnx.reshape"(%v, %rows) {allowzero = 0 : i64} : (tensor<2x2x3x2xf32>, tensor<3xi64>) -> tensor<4x3x2xf32>
  %kt = "onnx.transpose"(%k3) {perm = array<i64: 0, 2, 1>} : (tensor<4x3x2xf32>) -> tensor<4x2x3xf32>
  %s = "onnx.mat_mul"(%q3, %kt) : (tensor<4x3x2xf32>, tensor<4x2x3xf32>) -> tensor<4x3x3xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<4x3x3xf32>) -> tensor<4x3x3xf32>
  %o3 = "onnx.mat_mul"(%p, %v3) : (tensor<4x3x3xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
  %heads = "onnx.constant"() {value = dense<[2, 2, 3, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %o = "onnx.reshape"(%o3, %heads) {allowzero = 0 : i64} : (tensor<4x3x2xf32>, tensor<4xi64>) -> tensor<2x2x3x2xf32>
  return %o : tensor<2x2x3x2xf32>
}
