// RUN: gcim-opt --gcim-lower-runtime --gcim-verify %s | FileCheck %s

// The same B as a dense resource (the importer's form) read without gcim-compile's data
// source (gcim-opt): its bytes copied once through the C API. Bytes 0x21, 0xF3 (codes 1, 2,
// 3, 15), zero point 0: the values 1 .. 15 are offset by -9 into [-8, 7], zero point -9,
// shift -9 + 8 = -1, 15 mod 16 (bytes read as zeros would give neither). (A module of its
// own: gcim-opt would wrap bare ops together with the resource section.)
// CHECK-LABEL: func.func @nibbles_resource
// CHECK: %[[C:.*]] = "onnx.constant"() {value = dense_resource<nibble_bytes> : tensor<1x2xui8>}
// CHECK-NOT: xi4>
// CHECK: %[[Z:.*]] = "onnx.constant"() {value = dense<-9.000000e+00> : tensor<1x1xf32>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %{{.*}}, %[[Z]]) {block = 4 : i64, gcim.arena_offsets = array<i64: {{[0-9]+}}>, gcim.shifts = dense<15> : tensor<1x1xui8>, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}
module {
  func.func @nibbles_resource(%x: tensor<1x4xf32>) -> tensor<1x1xf32> {
    %b = "onnx.constant"() {value = dense_resource<nibble_bytes> : tensor<1x2xui8>} : () -> tensor<1x2xui8>
    %bs = "onnx.constant"() {value = dense<[1, 2, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
    %r = "onnx.reshape"(%b, %bs) {allowzero = 0 : i64} : (tensor<1x2xui8>, tensor<3xi64>) -> tensor<1x2x1xui8>
    %sixteen = "onnx.constant"() {value = dense<16> : tensor<ui8>} : () -> tensor<ui8>
    %lo = "onnx.mod"(%r, %sixteen) {fmod = 0 : i64} : (tensor<1x2x1xui8>, tensor<ui8>) -> tensor<1x2x1xui8>
    %hi = "onnx.div"(%r, %sixteen) : (tensor<1x2x1xui8>, tensor<ui8>) -> tensor<1x2x1xui8>
    %pairs = "onnx.concat"(%lo, %hi) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x1xui8>, tensor<1x2x1xui8>) -> tensor<1x2x2xui8>
    %cs = "onnx.constant"() {value = dense<[1, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
    %cols = "onnx.reshape"(%pairs, %cs) {allowzero = 0 : i64} : (tensor<1x2x2xui8>, tensor<2xi64>) -> tensor<1x4xui8>
    %q = "onnx.transpose"(%cols) {perm = array<i64: 1, 0>} : (tensor<1x4xui8>) -> tensor<4x1xui8>
    %qs = "onnx.constant"() {value = dense<[1, 4, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
    %qb = "onnx.reshape"(%q, %qs) {allowzero = 0 : i64} : (tensor<4x1xui8>, tensor<3xi64>) -> tensor<1x4x1xui8>
    %f = "onnx.cast"(%qb) {to = 1 : i64} : (tensor<1x4x1xui8>) -> tensor<1x4x1xf32>
    %z = "onnx.constant"() {value = dense<0.0> : tensor<1x1x1xf32>} : () -> tensor<1x1x1xf32>
    %a = "onnx.sub"(%f, %z) : (tensor<1x4x1xf32>, tensor<1x1x1xf32>) -> tensor<1x4x1xf32>
    %s = "onnx.constant"() {value = dense<0.5> : tensor<1x1x1xf32>} : () -> tensor<1x1x1xf32>
    %m = "onnx.mul"(%a, %s) : (tensor<1x4x1xf32>, tensor<1x1x1xf32>) -> tensor<1x4x1xf32>
    %ws = "onnx.constant"() {value = dense<[4, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
    %w = "onnx.reshape"(%m, %ws) {allowzero = 0 : i64} : (tensor<1x4x1xf32>, tensor<2xi64>) -> tensor<4x1xf32>
    %y = "onnx.mat_mul"(%x, %w) : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
    return %y : tensor<1x1xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      nibble_bytes: "0x0100000021F3"
    }
  }
#-}
