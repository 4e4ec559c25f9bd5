// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// gcim-fuse-attention on attention as torch 1.13's nn.MultiheadAttention computes it (and
// so nn.TransformerEncoderLayer, TransformerDecoderLayer, nn.Transformer): on rank-3
// (batch x heads, tokens, head_dim) tensors, q divided by sqrt(d) before the product, the
// mask added by baddbmm (Mul of the product by 1, Add of a (1, T, T) -inf mask). The batch
// x heads rows become the heads of a batch-1 gcim.attention: q, k and v get a unit batch
// (Reshape), the result is reshaped back.

// Sequence-first (T=4, B=2, E=16, 2 heads of 8): q/k/v viewed (T, B*H, D) and transposed to
// (B*H, T, D); k transposed once more for the product (the exporter composes the two).
// CHECK-LABEL: func.func @mha_causal
// CHECK-DAG: %[[Q:.*]] = "onnx.reshape"(%[[QT:.*]], %{{.*}}) {{.*}} -> tensor<1x4x4x8xf32>
// CHECK-DAG: %[[KS:.*]] = "onnx.reshape"(%[[K0:.*]], %{{.*}}) {{.*}} -> tensor<1x4x4x8xf32>
// CHECK-DAG: %[[V:.*]] = "onnx.reshape"(%[[VT:.*]], %{{.*}}) {{.*}} -> tensor<1x4x4x8xf32>
// CHECK: %[[K:.*]] = "onnx.transpose"(%[[KS]]) {perm = array<i64: 0, 2, 1, 3>}
// CHECK: %[[A:.*]] = "gcim.attention"(%[[Q]], %[[K]], %[[V]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 4 : i64, scale = {{.*}} : f32, window = 0 : i64} : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK: "onnx.reshape"(%[[A]], %{{.*}}) {{.*}} -> tensor<4x4x8xf32>
// CHECK-NOT: onnx.softmax
// CHECK-NOT: onnx.mat_mul"(%{{.*}}) : (tensor<4x4x8xf32>, tensor<4x8x4xf32>)
func.func @mha_causal(%q0: tensor<4x4x8xf32>, %k0: tensor<4x4x8xf32>, %v0: tensor<4x4x8xf32>) -> tensor<4x4x8xf32> {
  %q = "onnx.transpose"(%q0) {perm = array<i64: 1, 0, 2>} : (tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %v = "onnx.transpose"(%v0) {perm = array<i64: 1, 0, 2>} : (tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %kt = "onnx.transpose"(%k0) {perm = array<i64: 1, 2, 0>} : (tensor<4x4x8xf32>) -> tensor<4x8x4xf32>
  %c = "onnx.constant"() {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %qs = "onnx.div"(%q, %c) : (tensor<4x4x8xf32>, tensor<f32>) -> tensor<4x4x8xf32>
  %s = "onnx.mat_mul"(%qs, %kt) : (tensor<4x4x8xf32>, tensor<4x8x4xf32>) -> tensor<4x4x4xf32>
  %one = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %s1 = "onnx.mul"(%s, %one) : (tensor<4x4x4xf32>, tensor<f32>) -> tensor<4x4x4xf32>
  %mask = "onnx.constant"() {value = dense<[[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]]> : tensor<1x4x4xf32>} : () -> tensor<1x4x4xf32>
  %sm = "onnx.add"(%s1, %mask) : (tensor<4x4x4xf32>, tensor<1x4x4xf32>) -> tensor<4x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<4x4x4xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  return %o : tensor<4x4x8xf32>
}

// -----

// No mask (an encoder), k transposed by its own (0, 2, 1), softmax over axis 2.
// CHECK-LABEL: func.func @mha_no_mask
// CHECK: "gcim.attention"(%{{.*}}, %{{.*}}, %{{.*}}) {causal = 0 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 6 : i64, scale = {{.*}} : f32, window = 0 : i64} : (tensor<1x6x5x8xf32>, tensor<1x6x5x8xf32>, tensor<1x6x5x8xf32>) -> tensor<1x6x5x8xf32>
// CHECK-NOT: onnx.softmax
func.func @mha_no_mask(%q: tensor<6x5x8xf32>, %k: tensor<6x5x8xf32>, %v: tensor<6x5x8xf32>) -> tensor<6x5x8xf32> {
  %kt = "onnx.transpose"(%k) {perm = array<i64: 0, 2, 1>} : (tensor<6x5x8xf32>) -> tensor<6x8x5xf32>
  %c = "onnx.constant"() {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %qs = "onnx.div"(%q, %c) : (tensor<6x5x8xf32>, tensor<f32>) -> tensor<6x5x8xf32>
  %s = "onnx.mat_mul"(%qs, %kt) : (tensor<6x5x8xf32>, tensor<6x8x5xf32>) -> tensor<6x5x5xf32>
  %p = "onnx.softmax"(%s) {axis = 2 : i64} : (tensor<6x5x5xf32>) -> tensor<6x5x5xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<6x5x5xf32>, tensor<6x5x8xf32>) -> tensor<6x5x8xf32>
  return %o : tensor<6x5x8xf32>
}

// -----

// key_padding_mask: merged into a (B*H, 1, T) mask computed from a run-time input, which
// the hardware cannot hold: left as it is, with the reason.
// CHECK-LABEL: func.func @mha_padding_mask
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "the mask added to the scores is not a constant: {{.*}}"}
// CHECK-NOT: gcim.attention
func.func @mha_padding_mask(%q: tensor<4x4x8xf32>, %kt: tensor<4x8x4xf32>, %v: tensor<4x4x8xf32>, %pad: tensor<4x1x4xf32>) -> tensor<4x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<4x4x8xf32>, tensor<4x8x4xf32>) -> tensor<4x4x4xf32>
  %sm = "onnx.add"(%s, %pad) : (tensor<4x4x4xf32>, tensor<4x1x4xf32>) -> tensor<4x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<4x4x4xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  return %o : tensor<4x4x8xf32>
}

// -----

// need_weights=True: the weights are also an output (averaged over heads), which the
// hardware does not produce.
// CHECK-LABEL: func.func @mha_need_weights
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "the attention weights are not only multiplied by V"}
// CHECK-NOT: gcim.attention
func.func @mha_need_weights(%q: tensor<4x4x8xf32>, %kt: tensor<4x8x4xf32>, %v: tensor<4x4x8xf32>) -> (tensor<4x4x8xf32>, tensor<4x4x4xf32>) {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<4x4x8xf32>, tensor<4x8x4xf32>) -> tensor<4x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<4x4x4xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  return %o, %p : tensor<4x4x8xf32>, tensor<4x4x4xf32>
}

// -----

// A v shared by every row (broadcast by the MatMul) has no heads axis to lift: left as it is.
// CHECK-LABEL: func.func @mha_broadcast_v
// CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "q, k or v is broadcast over the batch x heads rows"}
// CHECK-NOT: gcim.attention
func.func @mha_broadcast_v(%q: tensor<4x4x8xf32>, %kt: tensor<4x8x4xf32>, %v: tensor<1x4x8xf32>) -> tensor<4x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<4x4x8xf32>, tensor<4x8x4xf32>) -> tensor<4x4x4xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<4x4x4xf32>, tensor<1x4x8xf32>) -> tensor<4x4x8xf32>
  return %o : tensor<4x4x8xf32>
}
