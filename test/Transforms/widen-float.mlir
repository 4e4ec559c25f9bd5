// RUN: gcim-opt --split-input-file --gcim-widen-float --gcim-verify %s | FileCheck %s

// (A weight in a resource, as the importer leaves a model's initializers, is read from its
// blob: gcim-opt parses no resource section, so test/gcim-compile/float16-model.test covers
// it.)

// A float16 model computes in float32: the argument is cast on entry, the constant widened
// exactly (65504 the largest float16, 6e-8 its smallest subnormal, 2^-24), a Cast from
// float16 to float32 folds away, and the result is cast back to the declared float16.

// CHECK-LABEL: func.func @float16
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf16>) -> tensor<2x2xf16> attributes {gcim.widened = "float16"}
// CHECK: %[[XW:.*]] = "onnx.cast"(%[[X]]) {to = 1 : i64} : (tensor<2x4xf16>) -> tensor<2x4xf32>
// CHECK: %[[W:.*]] = "onnx.constant"() {value = dense<{{\[\[}}1.000000e+00, 2.000000e+00, 5.000000e-01, -1.000000e+00], [0.000000e+00, 3.000000e+00, 6.550400e+04, 5.96046448E-8]]> : tensor<2x4xf32>}
// CHECK: %[[WT:.*]] = "onnx.transpose"(%[[W]]) {{.*}} : (tensor<2x4xf32>) -> tensor<4x2xf32>
// CHECK: %[[M:.*]] = "onnx.mat_mul"(%[[XW]], %[[WT]]) : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
// CHECK-NEXT: %[[R:.*]] = "onnx.relu"(%[[M]]) : (tensor<2x2xf32>) -> tensor<2x2xf32>
// CHECK-NEXT: %[[Y:.*]] = "onnx.cast"(%[[R]]) {to = 10 : i64} : (tensor<2x2xf32>) -> tensor<2x2xf16>
// CHECK-NEXT: return %[[Y]] : tensor<2x2xf16>
func.func @float16(%x: tensor<2x4xf16>) -> tensor<2x2xf16> {
  %w = "onnx.constant"() {value = dense<[[1.0, 2.0, 0.5, -1.0], [0.0, 3.0, 65504.0, 6.0e-8]]> : tensor<2x4xf16>} : () -> tensor<2x4xf16>
  %wt = "onnx.transpose"(%w) {perm = array<i64: 1, 0>} : (tensor<2x4xf16>) -> tensor<4x2xf16>
  %m = "onnx.mat_mul"(%x, %wt) : (tensor<2x4xf16>, tensor<4x2xf16>) -> tensor<2x2xf16>
  %c = "onnx.cast"(%m) {to = 1 : i64} : (tensor<2x2xf16>) -> tensor<2x2xf32>
  %r = "onnx.relu"(%c) : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %h = "onnx.cast"(%r) {to = 10 : i64} : (tensor<2x2xf32>) -> tensor<2x2xf16>
  return %h : tensor<2x2xf16>
}

// -----

// bfloat16: ConstantOfShape's value and a splat constant widen; a Cast of integers to
// bfloat16 casts them to float32; the float32 result stays float32.

// CHECK-LABEL: func.func @bfloat16
// CHECK-SAME: attributes {gcim.widened = "bfloat16"}
// CHECK: %[[F:.*]] = "onnx.constant_of_shape"(%{{.*}}) {value = dense<1.500000e+00> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<2x3xf32>
// CHECK: %[[I:.*]] = "onnx.cast"(%arg0) {to = 1 : i64} : (tensor<2x3xi64>) -> tensor<2x3xf32>
// CHECK: %[[S:.*]] = "onnx.constant"() {value = dense<-2.500000e-01> : tensor<2x3xf32>}
// CHECK: %[[A:.*]] = "onnx.add"(%[[F]], %[[I]]) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[B:.*]] = "onnx.mul"(%[[A]], %[[S]])
// CHECK-NOT: onnx.cast
// CHECK: return %[[B]] : tensor<2x3xf32>
func.func @bfloat16(%ids: tensor<2x3xi64>) -> tensor<2x3xf32> {
  %shape = "onnx.constant"() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %f = "onnx.constant_of_shape"(%shape) {value = dense<1.5> : tensor<1xbf16>} : (tensor<2xi64>) -> tensor<2x3xbf16>
  %i = "onnx.cast"(%ids) {to = 16 : i64} : (tensor<2x3xi64>) -> tensor<2x3xbf16>
  %s = "onnx.constant"() {value = dense<-0.25> : tensor<2x3xbf16>} : () -> tensor<2x3xbf16>
  %a = "onnx.add"(%f, %i) : (tensor<2x3xbf16>, tensor<2x3xbf16>) -> tensor<2x3xbf16>
  %b = "onnx.mul"(%a, %s) : (tensor<2x3xbf16>, tensor<2x3xbf16>) -> tensor<2x3xbf16>
  %y = "onnx.cast"(%b) {to = 1 : i64} : (tensor<2x3xbf16>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A float32 function is left as it is, with no gcim.widened.

// CHECK-LABEL: func.func @float32
// CHECK-NOT: gcim.widened
// CHECK: "onnx.cast"(%arg0) {to = 1 : i64} : (tensor<4xf32>) -> tensor<4xf32>
func.func @float32(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "onnx.cast"(%x) {to = 1 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// An argument returned as it is goes through float32 and back; an unused one is left.

// CHECK-LABEL: func.func @passthrough
// CHECK: %[[W:.*]] = "onnx.cast"(%arg0) {to = 1 : i64} : (tensor<3xf16>) -> tensor<3xf32>
// CHECK: %[[N:.*]] = "onnx.cast"(%[[W]]) {to = 10 : i64} : (tensor<3xf32>) -> tensor<3xf16>
// CHECK-NEXT: return %[[N]] : tensor<3xf16>
func.func @passthrough(%x: tensor<3xf16>, %unused: tensor<3xf16>) -> tensor<3xf16> {
  return %x : tensor<3xf16>
}
