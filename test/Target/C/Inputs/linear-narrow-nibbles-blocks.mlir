module {
  func.func @main(%x: tensor<1x4xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
    %b = "onnx.constant"() {value = dense<[[33, 67], [242, 135]]> : tensor<2x2xui8>} : () -> tensor<2x2xui8>
    %s = "onnx.constant"() {value = dense<[[0.5, 0.25], [2.0, 1.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
    %s4 = "onnx.constant"() {value = dense<[[0.5, 0.25]]> : tensor<1x2xf32>} : () -> tensor<1x2xf32>
    %y = "gcim.linear_narrow"(%x, %b, %s) {block = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<1x4xf32>, tensor<2x2xui8>, tensor<2x2xf32>) -> tensor<1x2xf32>
    %y4 = "gcim.linear_narrow"(%x, %b, %s4) {block = 4 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<1x4xf32>, tensor<2x2xui8>, tensor<1x2xf32>) -> tensor<1x2xf32>
    return %y, %y4 : tensor<1x2xf32>, tensor<1x2xf32>
  }
}
