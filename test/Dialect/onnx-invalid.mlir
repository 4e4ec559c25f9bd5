// RUN: mlir-opt --irdl-file=%onnx_irdl --split-input-file --verify-diagnostics %s

func.func @softmax_without_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @below {{attribute "axis" is expected but not provided}}
  %0 = "onnx.softmax"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @matmul_on_scalars(%x: f32) -> tensor<2xf32> {
  // expected-error @below {{expected base type 'builtin.tensor' but got 'builtin.f32'}}
  %0 = "onnx.mat_mul"(%x, %x) : (f32, f32) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @add_with_one_operand(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @below {{expects exactly 2 operands, but got 1}}
  %0 = "onnx.add"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
