// RUN: gcim-opt --split-input-file --gcim-stream=strict=1 --gcim-verify %s | FileCheck %s

// gcim-stream of rotary angles an exporter folded for T = 4 tokens (row t = t * row 1,
// RoPE's positions times frequencies): the step function computes the current token's
// row from the step index (float(step) * row 1, then the Cos again) instead of gathering
// the 4-row constant, so it is not limited to 4 positions.

// CHECK-LABEL: func.func @rope_angles_step(%arg0: tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
// CHECK: %[[STEP:.*]] = "gcim.step_index"() : () -> tensor<1xi64>
// CHECK: %[[ROW:.*]] = "onnx.constant"() {value = dense<{{\[\[}}1.000000e+00, 5.000000e-01, 2.500000e-01, 1.250000e-01{{\]\]}}> : tensor<1x4xf32>}
// CHECK: %[[POS:.*]] = "onnx.cast"(%[[STEP]]) {to = 1 : i64} : (tensor<1xi64>) -> tensor<1xf32>
// CHECK: %[[ANGLE:.*]] = "onnx.mul"(%[[POS]], %[[ROW]]) : (tensor<1xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK: %[[COS:.*]] = "onnx.cos"(%[[ANGLE]]) : (tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK: "onnx.mul"(%arg0, %[[COS]]) : (tensor<1x1x1x4xf32>, tensor<1x4xf32>) -> tensor<1x1x1x4xf32>
// CHECK-NOT: "onnx.gather"
// CHECK: "gcim.attention_step"
func.func @rope_angles(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %angles = "onnx.constant"() {value = dense<[[0.0, 0.0, 0.0, 0.0], [1.0, 0.5, 0.25, 0.125], [2.0, 1.0, 0.5, 0.25], [3.0, 1.5, 0.75, 0.375]]> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %cos = "onnx.cos"(%angles) : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %q = "onnx.mul"(%x, %cos) : (tensor<1x1x4x4xf32>, tensor<4x4xf32>) -> tensor<1x1x4x4xf32>
  %y = "gcim.attention"(%q, %q, %x) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 1 : i64, head_dim = 4 : i64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// A table that is not position-linear (a learned one) is gathered at the step index.
// CHECK-LABEL: func.func @learned_step(
// CHECK: %[[STEP:.*]] = "gcim.step_index"()
// CHECK: "onnx.gather"(%{{.*}}, %[[STEP]]) {axis = 0 : i64} : (tensor<4x4xf32>, tensor<1xi64>) -> tensor<1x4xf32>
// CHECK-NOT: "onnx.cast"
func.func @learned(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %table = "onnx.constant"() {value = dense<[[0.0, 0.0, 0.0, 0.0], [1.0, 0.5, 0.25, 0.125], [2.0, 1.0, 0.5, 0.25], [3.0, 1.5, 0.75, 0.5]]> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %q = "onnx.mul"(%x, %table) : (tensor<1x1x4x4xf32>, tensor<4x4xf32>) -> tensor<1x1x4x4xf32>
  %y = "gcim.attention"(%q, %q, %x) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 1 : i64, head_dim = 4 : i64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}
