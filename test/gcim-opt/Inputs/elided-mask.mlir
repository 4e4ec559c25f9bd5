// A GPT-2-style attention whose causal mask was elided when printed (elided-constants.test).
func.func @elided_mask(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
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
  %mask = "onnx.constant"() {value = dense_resource<__elided__> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
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
