module {
  func.func @main(%x: tensor<1x4xf32>) -> (tensor<1x2xf32>, tensor<4x2xi4>) {
    %w = "onnx.constant"() {value = dense<1> : tensor<4x2xi4>} : () -> tensor<4x2xi4>
    %s = "onnx.constant"() {value = dense<1.0> : tensor<1x2xf32>} : () -> tensor<1x2xf32>
    %y = "gcim.linear_narrow"(%x, %w, %s) {block = 4 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<1x4xf32>, tensor<4x2xi4>, tensor<1x2xf32>) -> tensor<1x2xf32>
    return %y, %w : tensor<1x2xf32>, tensor<4x2xi4>
  }
}
