// RUN: gcim-opt --split-input-file --gcim-lower-runtime --gcim-verify %s | FileCheck %s
// RUN: gcim-opt --split-input-file --gcim-lower-runtime=fuse=0 %s | FileCheck %s --check-prefix=NOFUSE

// gcim-lower-runtime's rewrites of op groups that one runtime kernel computes.
// NOFUSE-NOT: gcim.linear
// NOFUSE-NOT: onnx.gelu

// MatMul of a constant weight and the Add of its bias (either operand order): one
// gcim.linear; the Add and the product are gone.
// CHECK-LABEL: func.func @linear_bias
// CHECK: %[[W:.*]] = "onnx.constant"(){{.*}}tensor<8x16xf32>
// CHECK: %[[B:.*]] = "onnx.constant"(){{.*}}tensor<16xf32>
// CHECK: "gcim.linear"(%arg0, %[[W]], %[[B]]) {{{.*}}operandSegmentSizes = array<i32: 1, 1, 1>}
// CHECK-NOT: onnx.mat_mul
// CHECK-NOT: onnx.add
// CHECK: return
func.func @linear_bias(%x: tensor<2x4x8xf32>) -> tensor<2x4x16xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<8x16xf32>} : () -> tensor<8x16xf32>
  %b = "onnx.constant"() {value = dense<1.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  %z = "onnx.add"(%b, %y) : (tensor<16xf32>, tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  return %z : tensor<2x4x16xf32>
}

// -----

// A weight shared by two products: both become gcim.linear; a bias that broadcasts along
// another axis than the last stays an Add.
// CHECK-LABEL: func.func @shared_weight
// CHECK: "gcim.linear"(%arg0, %[[W:[0-9]+]]) {{{.*}}operandSegmentSizes = array<i32: 1, 1, 0>}
// CHECK: %[[V:.*]] = "gcim.linear"(%arg1, %[[W]])
// CHECK: "onnx.add"(%[[V]],
func.func @shared_weight(%x: tensor<4x8xf32>, %u: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %c = "onnx.constant"() {value = dense<1.0> : tensor<4x1xf32>} : () -> tensor<4x1xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %v = "onnx.mat_mul"(%u, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %z = "onnx.add"(%v, %c) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %y, %z : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A weight another op also reads stays onnx.mat_mul (gcim.linear's weight is stored
// packed only), and so does a product of two variables.
// CHECK-LABEL: func.func @not_linear
// CHECK-NOT: gcim.linear
// CHECK: "onnx.mat_mul"
// CHECK: "onnx.mat_mul"
// CHECK: return
func.func @not_linear(%x: tensor<4x8xf32>, %m: tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<8x8xf32>, tensor<4x8xf32>) {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %t = "onnx.neg"(%w) : (tensor<8x8xf32>) -> tensor<8x8xf32>
  %p = "onnx.mat_mul"(%x, %m) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %y, %t, %p : tensor<4x8xf32>, tensor<8x8xf32>, tensor<4x8xf32>
}

// -----

// The tanh GELU written out in nine ops (operands in any order): one onnx.gelu, the
// chain and its constants gone; the chain's user reads the GELU.
// CHECK-LABEL: func.func @gelu_tanh
// CHECK-NEXT: %[[G:.*]] = "onnx.gelu"(%arg0) {approximate = "tanh"
// CHECK-NEXT: "onnx.exp"(%[[G]])
func.func @gelu_tanh(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %c0 = "onnx.constant"() {value = dense<0.044715> : tensor<f32>} : () -> tensor<f32>
  %c1 = "onnx.constant"() {value = dense<0.7978845608> : tensor<f32>} : () -> tensor<f32>
  %one = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = "onnx.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %a = "onnx.mul"(%x, %x) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %b = "onnx.mul"(%a, %x) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %c = "onnx.mul"(%b, %c0) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %d = "onnx.add"(%x, %c) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %e = "onnx.mul"(%c1, %d) : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %f = "onnx.tanh"(%e) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %g = "onnx.add"(%f, %one) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %h = "onnx.mul"(%g, %x) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %i = "onnx.mul"(%h, %half) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %j = "onnx.exp"(%i) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %j : tensor<2x8xf32>
}

// -----

// The erf GELU (Div by sqrt 2): approximate = "none".
// CHECK-LABEL: func.func @gelu_erf
// CHECK-NEXT: "onnx.gelu"(%arg0) {approximate = "none"
// CHECK-NEXT: return
func.func @gelu_erf(%x: tensor<8xf32>) -> tensor<8xf32> {
  %s = "onnx.constant"() {value = dense<1.41421356> : tensor<f32>} : () -> tensor<f32>
  %one = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = "onnx.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %a = "onnx.div"(%x, %s) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b = "onnx.erf"(%a) : (tensor<8xf32>) -> tensor<8xf32>
  %c = "onnx.add"(%one, %b) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %d = "onnx.mul"(%x, %c) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %e = "onnx.mul"(%d, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %e : tensor<8xf32>
}

// -----

// An elementwise chain that computes something else stays as it is.
// CHECK-LABEL: func.func @not_gelu
// CHECK-NOT: onnx.gelu
// CHECK: "onnx.tanh"
// CHECK-NOT: onnx.gelu
// CHECK: return
func.func @not_gelu(%x: tensor<8xf32>) -> tensor<8xf32> {
  %one = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = "onnx.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %a = "onnx.mul"(%x, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b = "onnx.tanh"(%a) : (tensor<8xf32>) -> tensor<8xf32>
  %c = "onnx.add"(%b, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %d = "onnx.mul"(%c, %x) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %d : tensor<8xf32>
}
