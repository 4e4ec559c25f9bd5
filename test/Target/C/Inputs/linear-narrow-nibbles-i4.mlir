module {
  func.func @main(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
    %c = "onnx.constant"() {value = dense<[[-7, -8], [-6, 5], [-2, -1], [-1, 0]]> : tensor<4x2xi4>} : () -> tensor<4x2xi4>
    %s = "onnx.constant"() {value = dense<[[0.5, 0.25], [2.0, 1.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
    %z = "onnx.constant"() {value = dense<[[0.0, -7.0], [0.0, 0.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
    %y = "gcim.linear_narrow"(%x, %c, %s, %z) {block = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4xf32>, tensor<4x2xi4>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    return %y : tensor<1x2xf32>
  }
}
