// RUN: gcim-opt --split-input-file --gcim-lower-runtime --gcim-verify %s | FileCheck %s

// gcim-lower-runtime on MatMulNBits' packed 4-bit B (LowerRuntimeNarrow.c,
// LowerRuntimeNarrowCodes.c).

// MatMulNBits' 4-bit B kept packed (the importer's form, ExpandQuantWeights.c): (N, K / 2)
// bytes reshaped to (N, K / 2, 1), Mod 16 the low nibbles, Div 16 the high ones,
// concatenated, reshaped to (N, K), transposed to the (K, N) codes; N = 1, K = 4, one
// block, zero point 8. Bytes 0x21 and 0x43: codes 1, 2, 3, 4, less 8: -7 .. -4 in 4 bits,
// which are B's nibbles as they are (shift 0: no gcim.shifts): B is the product's weight,
// the split is gone.
// CHECK-LABEL: func.func @nibbles
// CHECK: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[33, 67]]> : tensor<1x2xui8>}
// CHECK-NOT: xi4>
// CHECK-NOT: gcim.shifts
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %{{.*}}) {block = 4 : i64, gcim.arena_offsets = array<i64: {{[0-9]+}}>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}
// CHECK-NOT: gcim.shifts
// CHECK-NOT: onnx.mod
// CHECK-NOT: onnx.div
// CHECK: return
func.func @nibbles(%x: tensor<1x4xf32>) -> tensor<1x1xf32> {
  %b = "onnx.constant"() {value = dense<[[33, 67]]> : tensor<1x2xui8>} : () -> tensor<1x2xui8>
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
  %z = "onnx.constant"() {value = dense<8.0> : tensor<1x1x1xf32>} : () -> tensor<1x1x1xf32>
  %a = "onnx.sub"(%f, %z) : (tensor<1x4x1xf32>, tensor<1x1x1xf32>) -> tensor<1x4x1xf32>
  %s = "onnx.constant"() {value = dense<0.5> : tensor<1x1x1xf32>} : () -> tensor<1x1x1xf32>
  %m = "onnx.mul"(%a, %s) : (tensor<1x4x1xf32>, tensor<1x1x1xf32>) -> tensor<1x4x1xf32>
  %ws = "onnx.constant"() {value = dense<[4, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %w = "onnx.reshape"(%m, %ws) {allowzero = 0 : i64} : (tensor<1x4x1xf32>, tensor<2xi64>) -> tensor<4x1xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// B with zero points per block and column (N = 2, K = 4, blocks of 2): B's nibbles plus a
// shift (offset - zero point + 8) mod 16 per block and column (gcim.shifts) are the 4-bit
// codes, the offsets their zero points. Column 0: codes 1, 2 less 8 (shift 0), 3, 4 less 5 (shift 3:
// nibble 3 is code -2). Column 1 (bytes 0xF2, 0x87): codes 2, 15 less 3 span [-1, 12],
// offset -7 into [-8, 7], shift -2 = 14 (nibble 2 is code -8); 7, 8 less 8 (shift 0).
// CHECK-LABEL: func.func @nibble_shifts
// CHECK: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[33, 67], [242, 135]]> : tensor<2x2xui8>}
// CHECK: %[[S:.*]] = "onnx.constant"() {value = dense<{{\[}}[5.000000e-01, 2.500000e-01], [2.000000e+00, 1.000000e+00]]> : tensor<2x2xf32>}
// CHECK: %[[Z:.*]] = "onnx.constant"() {value = dense<{{\[}}[0.000000e+00, -7.000000e+00], [0.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %[[S]], %[[Z]]) {block = 2 : i64, {{.*}}gcim.shifts = dense<{{\[}}[0, 14], [3, 0]]> : tensor<2x2xui8>, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}
// CHECK-NOT: onnx.mod
// CHECK: return
func.func @nibble_shifts(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %b = "onnx.constant"() {value = dense<[[33, 67], [242, 135]]> : tensor<2x2xui8>} : () -> tensor<2x2xui8>
  %bs = "onnx.constant"() {value = dense<[2, 2, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %r = "onnx.reshape"(%b, %bs) {allowzero = 0 : i64} : (tensor<2x2xui8>, tensor<3xi64>) -> tensor<2x2x1xui8>
  %sixteen = "onnx.constant"() {value = dense<16> : tensor<ui8>} : () -> tensor<ui8>
  %lo = "onnx.mod"(%r, %sixteen) {fmod = 0 : i64} : (tensor<2x2x1xui8>, tensor<ui8>) -> tensor<2x2x1xui8>
  %hi = "onnx.div"(%r, %sixteen) : (tensor<2x2x1xui8>, tensor<ui8>) -> tensor<2x2x1xui8>
  %pairs = "onnx.concat"(%lo, %hi) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2x2x1xui8>, tensor<2x2x1xui8>) -> tensor<2x2x2xui8>
  %cs = "onnx.constant"() {value = dense<[2, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %cols = "onnx.reshape"(%pairs, %cs) {allowzero = 0 : i64} : (tensor<2x2x2xui8>, tensor<2xi64>) -> tensor<2x4xui8>
  %q = "onnx.transpose"(%cols) {perm = array<i64: 1, 0>} : (tensor<2x4xui8>) -> tensor<4x2xui8>
  %qs = "onnx.constant"() {value = dense<[2, 2, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %qb = "onnx.reshape"(%q, %qs) {allowzero = 0 : i64} : (tensor<4x2xui8>, tensor<3xi64>) -> tensor<2x2x2xui8>
  %f = "onnx.cast"(%qb) {to = 1 : i64} : (tensor<2x2x2xui8>) -> tensor<2x2x2xf32>
  %z = "onnx.constant"() {value = dense<[[[8.0, 3.0]], [[5.0, 8.0]]]> : tensor<2x1x2xf32>} : () -> tensor<2x1x2xf32>
  %a = "onnx.sub"(%f, %z) : (tensor<2x2x2xf32>, tensor<2x1x2xf32>) -> tensor<2x2x2xf32>
  %s = "onnx.constant"() {value = dense<[[[0.5, 0.25]], [[2.0, 1.0]]]> : tensor<2x1x2xf32>} : () -> tensor<2x1x2xf32>
  %m = "onnx.mul"(%a, %s) : (tensor<2x2x2xf32>, tensor<2x1x2xf32>) -> tensor<2x2x2xf32>
  %ws = "onnx.constant"() {value = dense<[4, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %w = "onnx.reshape"(%m, %ws) {allowzero = 0 : i64} : (tensor<2x2x2xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<1x4xf32>, tensor<4x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// B read by something else too (the function returns it): the shifts would be its
// products' alone, so the codes are made as an i4 constant instead.
// CHECK-LABEL: func.func @nibbles_shared
// CHECK: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[-7], [-6], [-5], [-4]]> : tensor<4x1xi4>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %{{.*}}) {block = 4 : i64, gcim.arena_offsets = array<i64: {{[0-9]+}}>, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}
func.func @nibbles_shared(%x: tensor<1x4xf32>) -> (tensor<1x1xf32>, tensor<1x2xui8>) {
  %b = "onnx.constant"() {value = dense<[[33, 67]]> : tensor<1x2xui8>} : () -> tensor<1x2xui8>
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
  %z = "onnx.constant"() {value = dense<8.0> : tensor<1x1x1xf32>} : () -> tensor<1x1x1xf32>
  %a = "onnx.sub"(%f, %z) : (tensor<1x4x1xf32>, tensor<1x1x1xf32>) -> tensor<1x4x1xf32>
  %s = "onnx.constant"() {value = dense<0.5> : tensor<1x1x1xf32>} : () -> tensor<1x1x1xf32>
  %m = "onnx.mul"(%a, %s) : (tensor<1x4x1xf32>, tensor<1x1x1xf32>) -> tensor<1x4x1xf32>
  %ws = "onnx.constant"() {value = dense<[4, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %w = "onnx.reshape"(%m, %ws) {allowzero = 0 : i64} : (tensor<1x4x1xf32>, tensor<2xi64>) -> tensor<4x1xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
  return %y, %b : tensor<1x1xf32>, tensor<1x2xui8>
}

// -----

// The same split by 8 instead of 16 is no nibble split: the weight stays as it is.
// CHECK-LABEL: func.func @not_nibbles
// CHECK-NOT: gcim.linear_narrow
// CHECK: onnx.mat_mul
func.func @not_nibbles(%x: tensor<1x4xf32>) -> tensor<1x1xf32> {
  %b = "onnx.constant"() {value = dense<[[33, 67]]> : tensor<1x2xui8>} : () -> tensor<1x2xui8>
  %bs = "onnx.constant"() {value = dense<[1, 2, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %r = "onnx.reshape"(%b, %bs) {allowzero = 0 : i64} : (tensor<1x2xui8>, tensor<3xi64>) -> tensor<1x2x1xui8>
  %eight = "onnx.constant"() {value = dense<8> : tensor<ui8>} : () -> tensor<ui8>
  %lo = "onnx.mod"(%r, %eight) {fmod = 0 : i64} : (tensor<1x2x1xui8>, tensor<ui8>) -> tensor<1x2x1xui8>
  %hi = "onnx.div"(%r, %eight) : (tensor<1x2x1xui8>, tensor<ui8>) -> tensor<1x2x1xui8>
  %pairs = "onnx.concat"(%lo, %hi) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x1xui8>, tensor<1x2x1xui8>) -> tensor<1x2x2xui8>
  %cs = "onnx.constant"() {value = dense<[1, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %cols = "onnx.reshape"(%pairs, %cs) {allowzero = 0 : i64} : (tensor<1x2x2xui8>, tensor<2xi64>) -> tensor<1x4xui8>
  %q = "onnx.transpose"(%cols) {perm = array<i64: 1, 0>} : (tensor<1x4xui8>) -> tensor<4x1xui8>
  %qs = "onnx.constant"() {value = dense<[1, 4, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %qb = "onnx.reshape"(%q, %qs) {allowzero = 0 : i64} : (tensor<4x1xui8>, tensor<3xi64>) -> tensor<1x4x1xui8>
  %f = "onnx.cast"(%qb) {to = 1 : i64} : (tensor<1x4x1xui8>) -> tensor<1x4x1xf32>
  %z = "onnx.constant"() {value = dense<8.0> : tensor<1x1x1xf32>} : () -> tensor<1x1x1xf32>
  %a = "onnx.sub"(%f, %z) : (tensor<1x4x1xf32>, tensor<1x1x1xf32>) -> tensor<1x4x1xf32>
  %s = "onnx.constant"() {value = dense<0.5> : tensor<1x1x1xf32>} : () -> tensor<1x1x1xf32>
  %m = "onnx.mul"(%a, %s) : (tensor<1x4x1xf32>, tensor<1x1x1xf32>) -> tensor<1x4x1xf32>
  %ws = "onnx.constant"() {value = dense<[4, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %w = "onnx.reshape"(%m, %ws) {allowzero = 0 : i64} : (tensor<1x4x1xf32>, tensor<2xi64>) -> tensor<4x1xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
