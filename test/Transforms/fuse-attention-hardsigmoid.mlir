// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// gcim-fuse-attention: the HardSigmoid/Clip form of hardware-aware models and head
// counts and dims d = 32, 64, 128 (several heads and sequence lengths).

// HardSigmoid(alpha, beta = 0) instead of Softmax: kind hardsigmoid, alpha folded into scale.
// CHECK-LABEL: func.func @hardsigmoid
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "hardsigmoid", num_heads = 2 : i64, scale = 1.250000e-02 : f32, window = 0 : i64}
// CHECK-NOT: onnx.hard_sigmoid
func.func @hardsigmoid(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<16x48xf32>} : () -> tensor<16x48xf32>
  %b = "onnx.constant"() {value = dense<0.1> : tensor<48xf32>} : () -> tensor<48xf32>
  %qkv0 = "onnx.mat_mul"(%x, %w) : (tensor<1x4x16xf32>, tensor<16x48xf32>) -> tensor<1x4x48xf32>
  %qkv = "onnx.add"(%qkv0, %b) : (tensor<1x4x48xf32>, tensor<48xf32>) -> tensor<1x4x48xf32>
  %sizes = "onnx.constant"() {value = dense<16> : tensor<3xi64>} : () -> tensor<3xi64>
  %q, %k, %v = "onnx.split"(%qkv, %sizes) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x4x48xf32>, tensor<3xi64>) -> (tensor<1x4x16xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>)
  %shape = "onnx.constant"() {value = dense<[1, 4, 2, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %q1 = "onnx.reshape"(%q, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %k1 = "onnx.reshape"(%k, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %v1 = "onnx.reshape"(%v, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %q2 = "onnx.transpose"(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %v2 = "onnx.transpose"(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %kt = "onnx.transpose"(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x8x4xf32>
  %s = "onnx.mat_mul"(%q2, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %mask = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %s, %min) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.hard_sigmoid"(%sm) {alpha = 1.250000e-02 : f32, beta = 0.000000e+00 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----
// Clip(scores / sqrt(d), 0, 1): kind hardsigmoid with the scale.
// CHECK-LABEL: func.func @clip
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "hardsigmoid", num_heads = 2 : i64, scale = 0.353553385 : f32, window = 0 : i64}
// CHECK-NOT: onnx.clip
func.func @clip(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<16x48xf32>} : () -> tensor<16x48xf32>
  %b = "onnx.constant"() {value = dense<0.1> : tensor<48xf32>} : () -> tensor<48xf32>
  %qkv0 = "onnx.mat_mul"(%x, %w) : (tensor<1x4x16xf32>, tensor<16x48xf32>) -> tensor<1x4x48xf32>
  %qkv = "onnx.add"(%qkv0, %b) : (tensor<1x4x48xf32>, tensor<48xf32>) -> tensor<1x4x48xf32>
  %sizes = "onnx.constant"() {value = dense<16> : tensor<3xi64>} : () -> tensor<3xi64>
  %q, %k, %v = "onnx.split"(%qkv, %sizes) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x4x48xf32>, tensor<3xi64>) -> (tensor<1x4x16xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>)
  %shape = "onnx.constant"() {value = dense<[1, 4, 2, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %q1 = "onnx.reshape"(%q, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %k1 = "onnx.reshape"(%k, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %v1 = "onnx.reshape"(%v, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %q2 = "onnx.transpose"(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %v2 = "onnx.transpose"(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %kt = "onnx.transpose"(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x8x4xf32>
  %s = "onnx.mat_mul"(%q2, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %c = "onnx.constant"() {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.div"(%s, %c) : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %mask = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %lo = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %p = "onnx.clip"(%sm, %lo, %hi) {operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----
// d = 32, 4 heads.
// CHECK-LABEL: func.func @d32_h4
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 32 : i64, kind = "softmax", num_heads = 4 : i64, scale = 0.176776692 : f32, window = 0 : i64}
func.func @d32_h4(%x: tensor<1x4x128xf32>) -> tensor<1x4x128xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<128x384xf32>} : () -> tensor<128x384xf32>
  %b = "onnx.constant"() {value = dense<0.1> : tensor<384xf32>} : () -> tensor<384xf32>
  %qkv0 = "onnx.mat_mul"(%x, %w) : (tensor<1x4x128xf32>, tensor<128x384xf32>) -> tensor<1x4x384xf32>
  %qkv = "onnx.add"(%qkv0, %b) : (tensor<1x4x384xf32>, tensor<384xf32>) -> tensor<1x4x384xf32>
  %sizes = "onnx.constant"() {value = dense<128> : tensor<3xi64>} : () -> tensor<3xi64>
  %q, %k, %v = "onnx.split"(%qkv, %sizes) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x4x384xf32>, tensor<3xi64>) -> (tensor<1x4x128xf32>, tensor<1x4x128xf32>, tensor<1x4x128xf32>)
  %shape = "onnx.constant"() {value = dense<[1, 4, 4, 32]> : tensor<4xi64>} : () -> tensor<4xi64>
  %q1 = "onnx.reshape"(%q, %shape) {allowzero = 0 : i64} : (tensor<1x4x128xf32>, tensor<4xi64>) -> tensor<1x4x4x32xf32>
  %k1 = "onnx.reshape"(%k, %shape) {allowzero = 0 : i64} : (tensor<1x4x128xf32>, tensor<4xi64>) -> tensor<1x4x4x32xf32>
  %v1 = "onnx.reshape"(%v, %shape) {allowzero = 0 : i64} : (tensor<1x4x128xf32>, tensor<4xi64>) -> tensor<1x4x4x32xf32>
  %q2 = "onnx.transpose"(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32>
  %v2 = "onnx.transpose"(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32>
  %kt = "onnx.transpose"(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x4x32xf32>) -> tensor<1x4x32x4xf32>
  %s = "onnx.mat_mul"(%q2, %kt) : (tensor<1x4x4x32xf32>, tensor<1x4x32x4xf32>) -> tensor<1x4x4x4xf32>
  %c = "onnx.constant"() {value = dense<5.656854> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.div"(%s, %c) : (tensor<1x4x4x4xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  %mask = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<1x1x4x4xi1>, tensor<1x4x4x4xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x4x4x4xf32>, tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 128]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x4x32xf32>, tensor<3xi64>) -> tensor<1x4x128xf32>
  return %o2 : tensor<1x4x128xf32>
}

// -----
// d = 64, 3 heads, 8 tokens.
// CHECK-LABEL: func.func @d64_h3_t8
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 64 : i64, kind = "softmax", num_heads = 3 : i64, scale = 1.250000e-01 : f32, window = 0 : i64}
func.func @d64_h3_t8(%x: tensor<1x8x192xf32>) -> tensor<1x8x192xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<192x576xf32>} : () -> tensor<192x576xf32>
  %b = "onnx.constant"() {value = dense<0.1> : tensor<576xf32>} : () -> tensor<576xf32>
  %qkv0 = "onnx.mat_mul"(%x, %w) : (tensor<1x8x192xf32>, tensor<192x576xf32>) -> tensor<1x8x576xf32>
  %qkv = "onnx.add"(%qkv0, %b) : (tensor<1x8x576xf32>, tensor<576xf32>) -> tensor<1x8x576xf32>
  %sizes = "onnx.constant"() {value = dense<192> : tensor<3xi64>} : () -> tensor<3xi64>
  %q, %k, %v = "onnx.split"(%qkv, %sizes) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x8x576xf32>, tensor<3xi64>) -> (tensor<1x8x192xf32>, tensor<1x8x192xf32>, tensor<1x8x192xf32>)
  %shape = "onnx.constant"() {value = dense<[1, 8, 3, 64]> : tensor<4xi64>} : () -> tensor<4xi64>
  %q1 = "onnx.reshape"(%q, %shape) {allowzero = 0 : i64} : (tensor<1x8x192xf32>, tensor<4xi64>) -> tensor<1x8x3x64xf32>
  %k1 = "onnx.reshape"(%k, %shape) {allowzero = 0 : i64} : (tensor<1x8x192xf32>, tensor<4xi64>) -> tensor<1x8x3x64xf32>
  %v1 = "onnx.reshape"(%v, %shape) {allowzero = 0 : i64} : (tensor<1x8x192xf32>, tensor<4xi64>) -> tensor<1x8x3x64xf32>
  %q2 = "onnx.transpose"(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x3x64xf32>) -> tensor<1x3x8x64xf32>
  %v2 = "onnx.transpose"(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x3x64xf32>) -> tensor<1x3x8x64xf32>
  %kt = "onnx.transpose"(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x3x64xf32>) -> tensor<1x3x64x8xf32>
  %s = "onnx.mat_mul"(%q2, %kt) : (tensor<1x3x8x64xf32>, tensor<1x3x64x8xf32>) -> tensor<1x3x8x8xf32>
  %c = "onnx.constant"() {value = dense<8.000000> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.div"(%s, %c) : (tensor<1x3x8x8xf32>, tensor<f32>) -> tensor<1x3x8x8xf32>
  %mask = "onnx.constant"() {value = dense<[[[[true, false, false, false, false, false, false, false], [true, true, false, false, false, false, false, false], [true, true, true, false, false, false, false, false], [true, true, true, true, false, false, false, false], [true, true, true, true, true, false, false, false], [true, true, true, true, true, true, false, false], [true, true, true, true, true, true, true, false], [true, true, true, true, true, true, true, true]]]]> : tensor<1x1x8x8xi1>} : () -> tensor<1x1x8x8xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<1x1x8x8xi1>, tensor<1x3x8x8xf32>, tensor<f32>) -> tensor<1x3x8x8xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x3x8x8xf32>, tensor<1x3x8x64xf32>) -> tensor<1x3x8x64xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x8x64xf32>) -> tensor<1x8x3x64xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 8, 192]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x8x3x64xf32>, tensor<3xi64>) -> tensor<1x8x192xf32>
  return %o2 : tensor<1x8x192xf32>
}

// -----
// d = 128, one head.
// CHECK-LABEL: func.func @d128_h1
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 128 : i64, kind = "softmax", num_heads = 1 : i64, scale = 0.0883883461 : f32, window = 0 : i64}
func.func @d128_h1(%x: tensor<1x4x128xf32>) -> tensor<1x4x128xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<128x384xf32>} : () -> tensor<128x384xf32>
  %b = "onnx.constant"() {value = dense<0.1> : tensor<384xf32>} : () -> tensor<384xf32>
  %qkv0 = "onnx.mat_mul"(%x, %w) : (tensor<1x4x128xf32>, tensor<128x384xf32>) -> tensor<1x4x384xf32>
  %qkv = "onnx.add"(%qkv0, %b) : (tensor<1x4x384xf32>, tensor<384xf32>) -> tensor<1x4x384xf32>
  %sizes = "onnx.constant"() {value = dense<128> : tensor<3xi64>} : () -> tensor<3xi64>
  %q, %k, %v = "onnx.split"(%qkv, %sizes) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x4x384xf32>, tensor<3xi64>) -> (tensor<1x4x128xf32>, tensor<1x4x128xf32>, tensor<1x4x128xf32>)
  %shape = "onnx.constant"() {value = dense<[1, 4, 1, 128]> : tensor<4xi64>} : () -> tensor<4xi64>
  %q1 = "onnx.reshape"(%q, %shape) {allowzero = 0 : i64} : (tensor<1x4x128xf32>, tensor<4xi64>) -> tensor<1x4x1x128xf32>
  %k1 = "onnx.reshape"(%k, %shape) {allowzero = 0 : i64} : (tensor<1x4x128xf32>, tensor<4xi64>) -> tensor<1x4x1x128xf32>
  %v1 = "onnx.reshape"(%v, %shape) {allowzero = 0 : i64} : (tensor<1x4x128xf32>, tensor<4xi64>) -> tensor<1x4x1x128xf32>
  %q2 = "onnx.transpose"(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x1x128xf32>) -> tensor<1x1x4x128xf32>
  %v2 = "onnx.transpose"(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x1x128xf32>) -> tensor<1x1x4x128xf32>
  %kt = "onnx.transpose"(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x1x128xf32>) -> tensor<1x1x128x4xf32>
  %s = "onnx.mat_mul"(%q2, %kt) : (tensor<1x1x4x128xf32>, tensor<1x1x128x4xf32>) -> tensor<1x1x4x4xf32>
  %c = "onnx.constant"() {value = dense<11.313708> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.div"(%s, %c) : (tensor<1x1x4x4xf32>, tensor<f32>) -> tensor<1x1x4x4xf32>
  %mask = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<1x1x4x4xi1>, tensor<1x1x4x4xf32>, tensor<f32>) -> tensor<1x1x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x1x4x4xf32>, tensor<1x1x4x128xf32>) -> tensor<1x1x4x128xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x1x4x128xf32>) -> tensor<1x4x1x128xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 128]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x1x128xf32>, tensor<3xi64>) -> tensor<1x4x128xf32>
  return %o2 : tensor<1x4x128xf32>
}

// -----
// Batch 2.
// CHECK-LABEL: func.func @batch2
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = {{.*}}, window = 0 : i64}
func.func @batch2(%x: tensor<2x4x16xf32>) -> tensor<2x4x16xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<16x48xf32>} : () -> tensor<16x48xf32>
  %b = "onnx.constant"() {value = dense<0.1> : tensor<48xf32>} : () -> tensor<48xf32>
  %qkv0 = "onnx.mat_mul"(%x, %w) : (tensor<2x4x16xf32>, tensor<16x48xf32>) -> tensor<2x4x48xf32>
  %qkv = "onnx.add"(%qkv0, %b) : (tensor<2x4x48xf32>, tensor<48xf32>) -> tensor<2x4x48xf32>
  %sizes = "onnx.constant"() {value = dense<16> : tensor<3xi64>} : () -> tensor<3xi64>
  %q, %k, %v = "onnx.split"(%qkv, %sizes) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2x4x48xf32>, tensor<3xi64>) -> (tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>)
  %shape = "onnx.constant"() {value = dense<[2, 4, 2, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %q1 = "onnx.reshape"(%q, %shape) {allowzero = 0 : i64} : (tensor<2x4x16xf32>, tensor<4xi64>) -> tensor<2x4x2x8xf32>
  %k1 = "onnx.reshape"(%k, %shape) {allowzero = 0 : i64} : (tensor<2x4x16xf32>, tensor<4xi64>) -> tensor<2x4x2x8xf32>
  %v1 = "onnx.reshape"(%v, %shape) {allowzero = 0 : i64} : (tensor<2x4x16xf32>, tensor<4xi64>) -> tensor<2x4x2x8xf32>
  %q2 = "onnx.transpose"(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x2x8xf32>) -> tensor<2x2x4x8xf32>
  %v2 = "onnx.transpose"(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x2x8xf32>) -> tensor<2x2x4x8xf32>
  %kt = "onnx.transpose"(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x4x2x8xf32>) -> tensor<2x2x8x4xf32>
  %s = "onnx.mat_mul"(%q2, %kt) : (tensor<2x2x4x8xf32>, tensor<2x2x8x4xf32>) -> tensor<2x2x4x4xf32>
  %c = "onnx.constant"() {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.div"(%s, %c) : (tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %mask = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<1x1x4x4xi1>, tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x2x4x8xf32>) -> tensor<2x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[2, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<2x4x2x8xf32>, tensor<3xi64>) -> tensor<2x4x16xf32>
  return %o2 : tensor<2x4x16xf32>
}

// -----

// A hardware-aware model masking the weights after the clip (clip(x)·mask equals masking x
// with -inf first): Where(mask, w, 0).
// CHECK-LABEL: func.func @clip_then_where
// CHECK: "gcim.attention"(%arg0, %{{.*}}, %arg2) {causal = 1 : i64, head_dim = 8 : i64, kind = "hardsigmoid", num_heads = 1 : i64, scale = 1.250000e-02 : f32, window = 0 : i64}
// CHECK-NOT: onnx.where
func.func @clip_then_where(%q: tensor<1x1x3x8xf32>, %kt: tensor<1x1x8x3xf32>, %v: tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x3x8xf32>, tensor<1x1x8x3xf32>) -> tensor<1x1x3x3xf32>
  %c = "onnx.constant"() {value = dense<1.250000e-02> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.mul"(%s, %c) : (tensor<1x1x3x3xf32>, tensor<f32>) -> tensor<1x1x3x3xf32>
  %lo = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %hi = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %p = "onnx.clip"(%x, %lo, %hi) {operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x1x3x3xf32>, tensor<f32>, tensor<f32>) -> tensor<1x1x3x3xf32>
  %m = "onnx.constant"() {value = dense<[[true, false, false], [true, true, false], [true, true, true]]> : tensor<3x3xi1>} : () -> tensor<3x3xi1>
  %z = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %w = "onnx.where"(%m, %p, %z) : (tensor<3x3xi1>, tensor<1x1x3x3xf32>, tensor<f32>) -> tensor<1x1x3x3xf32>
  %o = "onnx.mat_mul"(%w, %v) : (tensor<1x1x3x3xf32>, tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32>
  return %o : tensor<1x1x3x8xf32>
}

// -----

// HardSigmoid then Mul by a 0/1 float mask with a sliding window of 2.
// CHECK-LABEL: func.func @hardsigmoid_times_mask
// CHECK: "gcim.attention"({{.*}}causal = 1 : i64, {{.*}}kind = "hardsigmoid", {{.*}}window = 2 : i64}
// CHECK-NOT: onnx.mul
func.func @hardsigmoid_times_mask(%q: tensor<1x1x3x8xf32>, %kt: tensor<1x1x8x3xf32>, %v: tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x3x8xf32>, tensor<1x1x8x3xf32>) -> tensor<1x1x3x3xf32>
  %p = "onnx.hard_sigmoid"(%s) {alpha = 1.250000e-02 : f32, beta = 0.000000e+00 : f32} : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  %m = "onnx.constant"() {value = dense<[[[[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]]]> : tensor<1x1x3x3xf32>} : () -> tensor<1x1x3x3xf32>
  %w = "onnx.mul"(%m, %p) : (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  %o = "onnx.mat_mul"(%w, %v) : (tensor<1x1x3x3xf32>, tensor<1x1x3x8xf32>) -> tensor<1x1x3x8xf32>
  return %o : tensor<1x1x3x8xf32>
}

// -----

// Mixed precision: f16 scores cast to f32 for the softmax and back: the casts are
// absorbed; the attention computes in float32 between casts of q, k, v and its result
// (fuse-attention-float16.mlir).
// CHECK-LABEL: func.func @f16_softmax_casts
// CHECK: "onnx.cast"(%arg0) {to = 1 : i64}
// CHECK: "gcim.attention"({{.*}}) {causal = 0 : i64, {{.*}}kind = "softmax"{{.*}} -> tensor<1x1x2x8xf32>
// CHECK: "onnx.cast"(%{{.*}}) {to = 10 : i64} : (tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf16>
// CHECK-NOT: onnx.cast
func.func @f16_softmax_casts(%q: tensor<1x1x2x8xf16>, %kt: tensor<1x1x8x2xf16>, %v: tensor<1x1x2x8xf16>) -> tensor<1x1x2x8xf16> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x2x8xf16>, tensor<1x1x8x2xf16>) -> tensor<1x1x2x2xf16>
  %c = "onnx.cast"(%s) {to = 1 : i64} : (tensor<1x1x2x2xf16>) -> tensor<1x1x2x2xf32>
  %p = "onnx.softmax"(%c) {axis = -1 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %b = "onnx.cast"(%p) {to = 10 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf16>
  %o = "onnx.mat_mul"(%b, %v) : (tensor<1x1x2x2xf16>, tensor<1x1x2x8xf16>) -> tensor<1x1x2x8xf16>
  return %o : tensor<1x1x2x8xf16>
}
