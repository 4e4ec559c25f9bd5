// RUN: gcim-opt --gcim-fuse-attention --gcim-stream=strict=1 --gcim-verify %s | FileCheck %s

// gcim-stream of a one-token KV-cache step with grouped-query attention and a rotary angle
// computed from the new token's position: the step function drops the past arguments and
// present results, repeats the new token's K/V heads (the repeat chains retyped for one
// token: each query head's state holds its group's K/V) and takes the position
// Range(P, P + 1) (P = 3 cached tokens) from the step index instead of the constant P.

// CHECK-LABEL: func.func @gqa_cache_rope_step(%arg0: tensor<1x4x1x8xf32>, %arg1: tensor<1x2x1x8xf32>, %arg2: tensor<1x2x1x8xf32>) -> tensor<1x4x1x8xf32>
// CHECK: %[[STEP:.*]] = "gcim.step_index"() : () -> tensor<1xi64>
// CHECK: %[[POS:.*]] = "onnx.cast"(%[[STEP]]) {to = 1 : i64}
// CHECK: "onnx.cos"(%[[POS]])
// CHECK: %[[KU:.*]] = "onnx.unsqueeze"(%arg1, %{{.*}}) : (tensor<1x2x1x8xf32>, tensor<1xi64>) -> tensor<1x2x1x1x8xf32>
// CHECK: %[[KE:.*]] = "onnx.expand"(%[[KU]], %{{.*}}) : (tensor<1x2x1x1x8xf32>, tensor<5xi64>) -> tensor<1x2x2x1x8xf32>
// CHECK: %[[KR:.*]] = "onnx.reshape"(%[[KE]], %{{.*}}) {allowzero = 0 : i64} : (tensor<1x2x2x1x8xf32>, tensor<4xi64>) -> tensor<1x4x1x8xf32>
// CHECK: %[[VR:.*]] = "onnx.tile"(%arg2, %{{.*}}) : (tensor<1x2x1x8xf32>, tensor<4xi64>) -> tensor<1x4x1x8xf32>
// CHECK: "gcim.attention_step"(%{{.*}}, %[[KR]], %[[VR]]) {head_dim = 8 : i64, kind = "softmax", layer = 0 : i64, num_heads = 4 : i64
// CHECK-NOT: onnx.range
// CHECK: return
func.func @gqa_cache_rope(%q0: tensor<1x4x1x8xf32>, %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>, %pk: tensor<1x2x3x8xf32>, %pv: tensor<1x2x3x8xf32>) -> (tensor<1x4x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %p3 = "onnx.constant"() {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  %p4 = "onnx.constant"() {value = dense<4> : tensor<i64>} : () -> tensor<i64>
  %one = "onnx.constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %pos = "onnx.range"(%p3, %p4, %one) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<1xi64>
  %posf = "onnx.cast"(%pos) {to = 1 : i64} : (tensor<1xi64>) -> tensor<1xf32>
  %angle = "onnx.cos"(%posf) : (tensor<1xf32>) -> tensor<1xf32>
  %q = "onnx.mul"(%q0, %angle) : (tensor<1x4x1x8xf32>, tensor<1xf32>) -> tensor<1x4x1x8xf32>
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
