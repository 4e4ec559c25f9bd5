// RUN: not gcim-opt --split-input-file --gcim-widen-float %s 2>&1 | FileCheck %s

// What gcim-widen-float cannot widen: one error per case, at the op, and nothing changed.

// A half attribute other than a constant's value: its meaning to the op is unknown.
// CHECK: widen-float-invalid.mlir:[[# @LINE + 2]]:8: error: attribute 'alpha' of 'onnx.hard_sigmoid' is float16, which cannot be widened to float32
func.func @half_attribute(%x: tensor<4xf16>) -> tensor<4xf16> {
  %y = "onnx.hard_sigmoid"(%x) {alpha = 0.1 : f16, beta = 0.5 : f32} : (tensor<4xf16>) -> tensor<4xf16>
  return %y : tensor<4xf16>
}

// -----

// A half tensor attribute of an op that is not a constant.
// CHECK: widen-float-invalid.mlir:[[# @LINE + 2]]:8: error: attribute 'table' of 'onnx.relu' is bfloat16, which cannot be widened to float32
func.func @half_tensor_attribute(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "onnx.relu"(%x) {table = dense<1.0> : tensor<2xbf16>} : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// A call of a function on half values: only onnx ops are widened.
// CHECK: widen-float-invalid.mlir:[[# @LINE + 2]]:8: error: 'func.call' on float16 or bfloat16 values cannot be widened to float32 (only onnx ops can)
func.func @call(%x: tensor<4xf16>) -> tensor<4xf16> {
  %y = func.call @callee(%x) : (tensor<4xf16>) -> tensor<4xf16>
  return %y : tensor<4xf16>
}
func.func private @callee(tensor<4xf16>) -> tensor<4xf16>

// -----

// A half constant whose data was left out when the IR was printed.
// CHECK: widen-float-invalid.mlir:[[# @LINE + 2]]:8: error: a float16 constant without its data in the IR cannot be widened to float32 (print the stage with --print-constants)
func.func @elided() -> tensor<4xf16> {
  %w = "onnx.constant"() {value = dense_resource<__elided__> : tensor<4xf16>} : () -> tensor<4xf16>
  return %w : tensor<4xf16>
}

// -----

// A half tensor of more dims than the generated C takes.
// CHECK: widen-float-invalid.mlir:[[# @LINE + 2]]:8: error: a rank-9 float16 or bfloat16 tensor cannot be widened (at most 8 dims)
func.func @rank9(%x: tensor<1x1x1x1x1x1x1x1x2xf32>) -> tensor<1x1x1x1x1x1x1x1x2xf16> {
  %y = "onnx.cast"(%x) {to = 10 : i64} : (tensor<1x1x1x1x1x1x1x1x2xf32>) -> tensor<1x1x1x1x1x1x1x1x2xf16>
  return %y : tensor<1x1x1x1x1x1x1x1x2xf16>
}
