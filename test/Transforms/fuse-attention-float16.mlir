// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// A float16 (or bfloat16) model's attention (a model converted with .half() or
// onnxconverter-common's float16 conversion) is computed in float32, as the hardware and the
// exact kernels compute: q, k and v are cast to float32 and the result back to float16.

// CHECK-LABEL: func.func @float16
// CHECK: %[[Q:.*]] = "onnx.cast"(%arg0) {to = 1 : i64} : (tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf32>
// CHECK: %[[K:.*]] = "onnx.cast"(%{{.*}}) {to = 1 : i64} : (tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf32>
// CHECK: %[[V:.*]] = "onnx.cast"(%arg2) {to = 1 : i64} : (tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf32>
// CHECK: %[[A:.*]] = "gcim.attention"(%[[Q]], %[[K]], %[[V]]) {causal = 1 : i64, {{.*}}} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK: %[[Y:.*]] = "onnx.cast"(%[[A]]) {to = 10 : i64} : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf16>
// CHECK: return %[[Y]]
// CHECK-NOT: onnx.softmax
func.func @float16(%q: tensor<1x2x4x8xf16>, %k: tensor<1x2x4x8xf16>, %v: tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf16> {
  %kt = "onnx.transpose"(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x8xf16>) -> tensor<1x2x8x4xf16>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf16>, tensor<1x2x8x4xf16>) -> tensor<1x2x4x4xf16>
  %c = "onnx.constant"() {value = dense<2.828> : tensor<f16>} : () -> tensor<f16>
  %sd = "onnx.div"(%s, %c) : (tensor<1x2x4x4xf16>, tensor<f16>) -> tensor<1x2x4x4xf16>
  %mask = "onnx.constant"() {value = dense<[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>} : () -> tensor<4x4xi1>
  %min = "onnx.constant"() {value = dense<-6.550400e+04> : tensor<f16>} : () -> tensor<f16>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<4x4xi1>, tensor<1x2x4x4xf16>, tensor<f16>) -> tensor<1x2x4x4xf16>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x2x4x4xf16>) -> tensor<1x2x4x4xf16>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf16>, tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf16>
  return %o : tensor<1x2x4x8xf16>
}
