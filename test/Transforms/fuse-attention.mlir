// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// gcim-fuse-attention on attention as torch's exporter writes it (GPT-2 style: fused QKV
// projection, Split, Reshape/Transpose head plumbing, MatMul with a transposed K, scale,
// causal mask, Softmax, MatMul with V). Generated from one template: each case varies one
// thing. The plumbing stays; the ops between the two MatMuls become one gcim.attention.

// torch 1.13 GPT-2: K transposed directly from (B,T,H,D) by perm (0,2,3,1), Div by sqrt(d), Where with a (1,1,T,T) bool mask and finfo.min.
// CHECK-LABEL: func.func @gpt2_torch113
// CHECK: %[[KR:.*]] = "onnx.reshape"(%{{.*}}#1, %{{.*}})
// CHECK: %[[K:.*]] = "onnx.transpose"(%[[KR]]) {perm = array<i64: 0, 2, 1, 3>}
// CHECK: "gcim.attention"(%{{.*}}, %[[K]], %{{.*}}) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = 0.353553385 : f32, window = 0 : i64}
// CHECK-NEXT: "onnx.transpose"
// CHECK-NOT: onnx.softmax
// CHECK-NOT: onnx.where
func.func @gpt2_torch113(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
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
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----
// K made (B,H,T,D) first then transposed (0,1,3,2); Mul by 1/sqrt(d) with the constant first; (T,T) mask: the two transposes compose to the K plumbing.
// CHECK-LABEL: func.func @k_transposed_twice_mul_scale
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = 3.535530e-01 : f32, window = 0 : i64}
// CHECK-NOT: perm = array<i64: 0, 1, 3, 2>
// CHECK-NOT: onnx.softmax
func.func @k_transposed_twice_mul_scale(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
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
  %k2 = "onnx.transpose"(%k1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %kt = "onnx.transpose"(%k2) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s = "onnx.mat_mul"(%q2, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %c = "onnx.constant"() {value = dense<0.353553> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.mul"(%c, %s) : (tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %mask = "onnx.constant"() {value = dense<[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>} : () -> tensor<4x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----
// An additive mask: Trilu(upper, k = 1) of -inf, added to the scores.
// CHECK-LABEL: func.func @trilu_additive_mask
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = {{.*}}, window = 0 : i64}
// CHECK-NOT: onnx.trilu
// CHECK-NOT: onnx.add"(%{{.*}}, %{{.*}}) : (tensor<1x2x4x4xf32>
func.func @trilu_additive_mask(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
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
  %ninf = "onnx.constant"() {value = dense<0xFF800000> : tensor<1x1x4x4xf32>} : () -> tensor<1x1x4x4xf32>
  %one = "onnx.constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %mask = "onnx.trilu"(%ninf, %one) {upper = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<i64>) -> tensor<1x1x4x4xf32>
  %sm = "onnx.add"(%sd, %mask) : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----
// torch's registered uint8 causal buffer (2T x 2T) sliced to (T,T) and cast to bool, filled with -1e4.
// CHECK-LABEL: func.func @sliced_buffer_mask
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = {{.*}}, window = 0 : i64}
// CHECK-NOT: onnx.slice
func.func @sliced_buffer_mask(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
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
  %bias = "onnx.constant"() {value = dense<[[[[1, 0, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1, 1]]]]> : tensor<1x1x8x8xui8>} : () -> tensor<1x1x8x8xui8>
  %st = "onnx.constant"() {value = dense<0> : tensor<2xi64>} : () -> tensor<2xi64>
  %en = "onnx.constant"() {value = dense<4> : tensor<2xi64>} : () -> tensor<2xi64>
  %ax = "onnx.constant"() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %sl = "onnx.slice"(%bias, %st, %en, %ax) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x1x8x8xui8>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x4x4xui8>
  %mask = "onnx.cast"(%sl) {to = 9 : i64} : (tensor<1x1x4x4xui8>) -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-1.0E+4> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----
// The same buffer's last (T,T) block sliced with steps but without axes (operand 3 is
// then steps, not axes).
// CHECK-LABEL: func.func @sliced_buffer_mask_steps
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = {{.*}}, window = 0 : i64}
// CHECK-NOT: onnx.slice
func.func @sliced_buffer_mask_steps(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
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
  %bias = "onnx.constant"() {value = dense<[[[[1, 0, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1, 1]]]]> : tensor<1x1x8x8xui8>} : () -> tensor<1x1x8x8xui8>
  %st = "onnx.constant"() {value = dense<[0, 0, 4, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %en = "onnx.constant"() {value = dense<[1, 1, 8, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %steps = "onnx.constant"() {value = dense<1> : tensor<4xi64>} : () -> tensor<4xi64>
  %sl = "onnx.slice"(%bias, %st, %en, %steps) {operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>} : (tensor<1x1x8x8xui8>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) -> tensor<1x1x4x4xui8>
  %mask = "onnx.cast"(%sl) {to = 9 : i64} : (tensor<1x1x4x4xui8>) -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-1.0E+4> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----
// A banded mask (each token sees itself and one before) is a causal sliding window of 2.
// CHECK-LABEL: func.func @sliding_window
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = {{.*}}, window = 2 : i64}
func.func @sliding_window(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
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
  %mask = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [false, true, true, false], [false, false, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----
// No mask: bidirectional attention (causal = 0).
// CHECK-LABEL: func.func @no_mask
// CHECK: "gcim.attention"(%[[Q:.*]], %[[K:.*]], %[[V:.*]]) {causal = 0 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = {{.*}}, window = 0 : i64}
func.func @no_mask(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
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
  %p = "onnx.softmax"(%sd) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----

// Dynamic batch and tokens without a mask: fused (causal = 0); gcim.attention's result
// keeps the dynamic dims.
// CHECK-LABEL: func.func @dynamic_no_mask
// CHECK: "gcim.attention"(%arg0, %{{.*}}, %arg2) {causal = 0 : i64, {{.*}} -> tensor<?x2x?x8xf32>
func.func @dynamic_no_mask(%q: tensor<?x2x?x8xf32>, %kt: tensor<?x2x8x?xf32>, %v: tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>) -> tensor<?x2x?x?xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

// -----

// torch 2's scaled_dot_product_attention export (is_causal): sqrt(scale) multiplied into
// q and into kᵀ, the causal mask built as Where(Trilu(ones) == 0, -inf, 0) and added.
// CHECK-LABEL: func.func @torch2_sdpa
// CHECK: "gcim.attention"(%arg0, %arg1, %arg2) {causal = 1 : i64, head_dim = 16 : i64, kind = "softmax", num_heads = 2 : i64, scale = 2.500000e-01 : f32, window = 0 : i64}
// CHECK-NOT: onnx.trilu
// CHECK-NOT: onnx.mul
func.func @torch2_sdpa(%q: tensor<1x2x3x16xf32>, %k: tensor<1x2x3x16xf32>, %v: tensor<1x2x3x16xf32>) -> tensor<1x2x3x16xf32> {
  %sq = "onnx.constant"() {value = dense<5.000000e-01> : tensor<f32>} : () -> tensor<f32>
  %qs = "onnx.mul"(%q, %sq) : (tensor<1x2x3x16xf32>, tensor<f32>) -> tensor<1x2x3x16xf32>
  %kt = "onnx.transpose"(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x3x16xf32>) -> tensor<1x2x16x3xf32>
  %sk = "onnx.constant"() {value = dense<5.000000e-01> : tensor<f32>} : () -> tensor<f32>
  %kts = "onnx.mul"(%kt, %sk) : (tensor<1x2x16x3xf32>, tensor<f32>) -> tensor<1x2x16x3xf32>
  %s = "onnx.mat_mul"(%qs, %kts) : (tensor<1x2x3x16xf32>, tensor<1x2x16x3xf32>) -> tensor<1x2x3x3xf32>
  %ones = "onnx.constant"() {value = dense<1.0> : tensor<3x3xf32>} : () -> tensor<3x3xf32>
  %tril = "onnx.trilu"(%ones) {upper = 0 : i64} : (tensor<3x3xf32>) -> tensor<3x3xf32>
  %zero = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %isz = "onnx.equal"(%tril, %zero) : (tensor<3x3xf32>, tensor<f32>) -> tensor<3x3xi1>
  %ninf = "onnx.constant"() {value = dense<0xFF800000> : tensor<f32>} : () -> tensor<f32>
  %mask = "onnx.where"(%isz, %ninf, %zero) : (tensor<3x3xi1>, tensor<f32>, tensor<f32>) -> tensor<3x3xf32>
  %x = "onnx.add"(%s, %mask) : (tensor<1x2x3x3xf32>, tensor<3x3xf32>) -> tensor<1x2x3x3xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x3x3xf32>, tensor<1x2x3x16xf32>) -> tensor<1x2x3x16xf32>
  return %o : tensor<1x2x3x16xf32>
}
