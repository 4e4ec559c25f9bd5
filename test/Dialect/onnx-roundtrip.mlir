// RUN: mlir-opt --irdl-file=%onnx_irdl %s | mlir-opt --irdl-file=%onnx_irdl | FileCheck %s
// RUN: gcim-opt %s | gcim-opt | FileCheck %s

// CHECK-LABEL: func.func @projection
func.func @projection(%x: tensor<1x4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<1x4x16xf32> {
  // CHECK: %[[MM:.*]] = "onnx.mat_mul"(%{{.*}}, %{{.*}}) : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  %0 = "onnx.mat_mul"(%x, %w) : (tensor<1x4x8xf32>, tensor<8x16xf32>) -> tensor<1x4x16xf32>
  // CHECK: "onnx.add"(%[[MM]], %{{.*}})
  %1 = "onnx.add"(%0, %b) : (tensor<1x4x16xf32>, tensor<16xf32>) -> tensor<1x4x16xf32>
  return %1 : tensor<1x4x16xf32>
}

// CHECK-LABEL: func.func @softmax_transpose
func.func @softmax_transpose(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // CHECK: "onnx.softmax"(%{{.*}}) {axis = -1 : i64}
  %0 = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: "onnx.transpose"(%{{.*}}) {perm = array<i64: 1, 0>}
  %1 = "onnx.transpose"(%0) {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// CHECK-LABEL: func.func @constant_reshape
func.func @constant_reshape(%x: tensor<2x3xf32>) -> tensor<6xf32> {
  // CHECK: "onnx.constant"() {value = dense<6> : tensor<1xi64>}
  %s = "onnx.constant"() {value = dense<6> : tensor<1xi64>} : () -> tensor<1xi64>
  // CHECK: "onnx.reshape"(%{{.*}}, %{{.*}}) {allowzero = 0 : i64}
  %0 = "onnx.reshape"(%x, %s) {allowzero = 0 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}
