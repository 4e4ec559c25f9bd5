// RUN: gcim-opt --split-input-file --gcim-lower-runtime --gcim-verify %s | FileCheck %s
// RUN: gcim-opt --split-input-file --gcim-lower-runtime=weights=int8 %s | FileCheck %s --check-prefix=INT8
// RUN: gcim-opt --split-input-file --gcim-lower-runtime=weights=bf16 %s | FileCheck %s --check-prefix=BF16
// RUN: gcim-opt --split-input-file --gcim-lower-runtime=fuse=0,weights=int8 %s | FileCheck %s --check-prefix=NOFUSE

// gcim-lower-runtime's products on narrow weights (LowerRuntimeNarrow.c).
// NOFUSE-NOT: gcim.linear_narrow

// A quantized weight per column, as the importer writes it: integer codes minus zero points
// (float32) times the scales. Column 0 spans [-128, 127]: kept, zero point 0; column 1
// spans [-200, 55] (uint8 codes minus 200): shifted by 72 into int8, zero point 72. The bias
// Add joins; the Mul and its constants are gone.
// CHECK-LABEL: func.func @per_column
// CHECK-DAG: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[-128, -128], [127, -73], [0, 127]]> : tensor<3x2xi8>}
// CHECK-DAG: %[[S:.*]] = "onnx.constant"() {value = dense<{{\[}}[5.000000e-01, 2.500000e-01]]> : tensor<1x2xf32>}
// CHECK-DAG: %[[Z:.*]] = "onnx.constant"() {value = dense<{{\[}}[0.000000e+00, 7.200000e+01]]> : tensor<1x2xf32>}
// CHECK-DAG: %[[B:.*]] = "onnx.constant"() {value = dense<1.000000e+00> : tensor<2xf32>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %[[S]], %[[Z]], %[[B]]) {block = 3 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}
// CHECK-NOT: onnx.mul
// CHECK-NOT: onnx.add
// CHECK: return
// The same with weights=int8: the quantized codes are kept, not quantized again.
// INT8-LABEL: func.func @per_column
// INT8: "gcim.linear_narrow"(%arg0, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {block = 3 : i64
func.func @per_column(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %a = "onnx.constant"() {value = dense<[[-128.0, -200.0], [127.0, -145.0], [0.0, 55.0]]> : tensor<3x2xf32>} : () -> tensor<3x2xf32>
  %s = "onnx.constant"() {value = dense<[0.5, 0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %w = "onnx.mul"(%a, %s) : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %b = "onnx.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %z = "onnx.add"(%y, %b) : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %z : tensor<4x2xf32>
}

// -----

// Per block of two rows (MatMulNBits, per-block DequantizeLinear): (2, 2, 1) codes times
// (2, 1, 1) scales, reshaped to (4, 1); a scale per block, no zero points, no bias. Every
// block spans at most 15, so the codes are i4 (stored two a byte by the C emitter).
// CHECK-LABEL: func.func @per_block
// CHECK-DAG: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[1], [-2], [3], [-4]]> : tensor<4x1xi4>}
// CHECK-DAG: %[[S:.*]] = "onnx.constant"() {value = dense<{{\[}}[5.000000e-01], [2.000000e+00]]> : tensor<2x1xf32>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %[[S]]) {block = 2 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}
// CHECK-NOT: onnx.reshape
func.func @per_block(%x: tensor<1x4xf32>) -> tensor<1x1xf32> {
  %a = "onnx.constant"() {value = dense<[[[1.0], [-2.0]], [[3.0], [-4.0]]]> : tensor<2x2x1xf32>} : () -> tensor<2x2x1xf32>
  %s = "onnx.constant"() {value = dense<[[[0.5]], [[2.0]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %m = "onnx.mul"(%a, %s) : (tensor<2x2x1xf32>, tensor<2x1x1xf32>) -> tensor<2x2x1xf32>
  %shape = "onnx.constant"() {value = dense<[4, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %w = "onnx.reshape"(%m, %shape) {allowzero = 0 : i64} : (tensor<2x2x1xf32>, tensor<2xi64>) -> tensor<4x1xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// 4-bit codes with zero points (MatMulNBits q - z, q in [0, 15]): block 0 spans [-3, 12],
// shifted by -5 into [-8, 7], zero point -5; block 1 spans [-8, 7]: kept, zero point 0.
// CHECK-LABEL: func.func @four_bit_zero_points
// CHECK-DAG: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[-8], [7], [-8], [7]]> : tensor<4x1xi4>}
// CHECK-DAG: %[[Z:.*]] = "onnx.constant"() {value = dense<{{\[}}[-5.000000e+00], [0.000000e+00]]> : tensor<2x1xf32>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %{{.*}}, %[[Z]]) {block = 2 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}
func.func @four_bit_zero_points(%x: tensor<1x4xf32>) -> tensor<1x1xf32> {
  %a = "onnx.constant"() {value = dense<[[[-3.0], [12.0]], [[-8.0], [7.0]]]> : tensor<2x2x1xf32>} : () -> tensor<2x2x1xf32>
  %s = "onnx.constant"() {value = dense<[[[0.5]], [[2.0]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %m = "onnx.mul"(%a, %s) : (tensor<2x2x1xf32>, tensor<2x1x1xf32>) -> tensor<2x2x1xf32>
  %shape = "onnx.constant"() {value = dense<[4, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %w = "onnx.reshape"(%m, %shape) {allowzero = 0 : i64} : (tensor<2x2x1xf32>, tensor<2xi64>) -> tensor<4x1xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// K not a multiple of the block (MatMulNBits K = 3, block 2): the importer pads the codes
// to whole blocks and slices the first K rows; the product runs on the K rows, the last
// block one row long. The Slice, Reshape and Mul are gone.
// CHECK-LABEL: func.func @short_last_block
// CHECK-DAG: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[1], [-2], [3]]> : tensor<3x1xi4>}
// CHECK-DAG: %[[S:.*]] = "onnx.constant"() {value = dense<{{\[}}[5.000000e-01], [2.000000e+00]]> : tensor<2x1xf32>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %[[S]]) {block = 2 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<1x3xf32>, tensor<3x1xi4>, tensor<2x1xf32>)
// CHECK-NOT: onnx.slice
// CHECK-NOT: onnx.reshape
// CHECK-NOT: onnx.mul
// CHECK: return
func.func @short_last_block(%x: tensor<1x3xf32>) -> tensor<1x1xf32> {
  %a = "onnx.constant"() {value = dense<[[[1.0], [-2.0]], [[3.0], [0.0]]]> : tensor<2x2x1xf32>} : () -> tensor<2x2x1xf32>
  %s = "onnx.constant"() {value = dense<[[[0.5]], [[2.0]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %m = "onnx.mul"(%a, %s) : (tensor<2x2x1xf32>, tensor<2x1x1xf32>) -> tensor<2x2x1xf32>
  %shape = "onnx.constant"() {value = dense<[4, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %w4 = "onnx.reshape"(%m, %shape) {allowzero = 0 : i64} : (tensor<2x2x1xf32>, tensor<2xi64>) -> tensor<4x1xf32>
  %start = "onnx.constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %end = "onnx.constant"() {value = dense<3> : tensor<1xi64>} : () -> tensor<1xi64>
  %axis = "onnx.constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %w = "onnx.slice"(%w4, %start, %end, %axis) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<4x1xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x1xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<1x3xf32>, tensor<3x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// A weight read transposed, as the importer writes a QDQ weight (N, K) that Gemm reads with
// transB or a Transpose feeds to MatMul: the (K, N) codes times scales under a Transpose.
// Gemm (transB 1, alpha and beta 1) with a bias C of N elements, and MatMul of the
// Transpose of that Transpose, both become products on the (K, N) codes. A Gemm with alpha
// 2 stays (the Mul and the Transpose run). (The two products' codes are equal constants,
// which the C emitter stores once.)
// CHECK-LABEL: func.func @transposed
// CHECK: %[[M:.*]] = "onnx.mul"
// CHECK: %[[T:.*]] = "onnx.transpose"(%[[M]])
// CHECK-DAG: %[[B:.*]] = "onnx.constant"() {value = dense<{{\[}}[1.000000e+00, 2.000000e+00]]> : tensor<1x2xf32>}
// CHECK-DAG: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[-100, 3], [100, -3]]> : tensor<2x2xi8>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %{{.*}}, %[[B]]) {block = 2 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>}
// CHECK: %[[C2:.*]] = "onnx.constant"() {value = dense<{{\[}}[-100, 3], [100, -3]]> : tensor<2x2xi8>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C2]], %{{.*}}) {block = 2 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}
// CHECK: "onnx.gemm"(%arg0, %[[T]]) {alpha = 2.000000e+00 : f32
// CHECK: return
func.func @transposed(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
  %a = "onnx.constant"() {value = dense<[[-100.0, 3.0], [100.0, -3.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %s = "onnx.constant"() {value = dense<[0.5, 0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %w = "onnx.mul"(%a, %s) : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %wt = "onnx.transpose"(%w) {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %c = "onnx.constant"() {value = dense<[[1.0, 2.0]]> : tensor<1x2xf32>} : () -> tensor<1x2xf32>
  %y1 = "onnx.gemm"(%x, %wt, %c) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : si64, transB = 1 : si64} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
  %wtt = "onnx.transpose"(%wt) {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %y2 = "onnx.mat_mul"(%x, %wtt) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y3 = "onnx.gemm"(%x, %wt) {alpha = 2.0 : f32, beta = 1.0 : f32, transA = 0 : si64, transB = 1 : si64} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %y1, %y2, %y3 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// Not quantized: codes that are not integers, or that span more than 255 in a column, or a
// weight another op reads: the Mul stays and the product runs on its float32 result.
// CHECK-LABEL: func.func @not_narrow
// CHECK-NOT: gcim.linear_narrow
// CHECK-COUNT-3: "onnx.mat_mul"
// CHECK: return
func.func @not_narrow(%x: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<2x2xf32>) {
  %s = "onnx.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %a1 = "onnx.constant"() {value = dense<[[1.0, 2.5], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %w1 = "onnx.mul"(%a1, %s) : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %y1 = "onnx.mat_mul"(%x, %w1) : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %a2 = "onnx.constant"() {value = dense<[[-128.0, 0.0], [128.0, 1.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %w2 = "onnx.mul"(%a2, %s) : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %y2 = "onnx.mat_mul"(%x, %w2) : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %a3 = "onnx.constant"() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %w3 = "onnx.mul"(%a3, %s) : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %y3 = "onnx.mat_mul"(%x, %w3) : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return %y1, %y2, %y3, %w3 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<2x2xf32>
}

// -----

// Integer codes as the importer writes them (LowerRuntimeNarrowCodes.c): int8 codes
// without zero points that need no 4 bits are the product's codes as they are, the
// constant itself (the model's initializer: never copied), per column and, through a
// Reshape to blocks of rows, per block. uint8 codes minus zero points are the per_column
// case's A again: the same codes, scales and zero points as there.
// CHECK-LABEL: func.func @integer_codes
// CHECK: %[[Q:.*]] = "onnx.constant"() {value = dense<{{\[}}[-100, 3], [100, -3], [7, 0]]> : tensor<3x2xi8>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[Q]], %{{.*}}) {block = 3 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}
// CHECK: %[[QB:.*]] = "onnx.constant"() {value = dense<{{\[}}[-50], [50], [1], [-1]]> : tensor<4x1xi8>}
// CHECK: "gcim.linear_narrow"(%arg1, %[[QB]], %{{.*}}) {block = 2 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}
// CHECK: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[-128, -128], [127, -73], [0, 127]]> : tensor<3x2xi8>}
// CHECK: %[[Z:.*]] = "onnx.constant"() {value = dense<{{\[}}[0.000000e+00, 7.200000e+01]]> : tensor<1x2xf32>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C]], %{{.*}}, %[[Z]]) {block = 3 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}
// CHECK-NOT: onnx.cast
// CHECK-NOT: onnx.sub
// CHECK-NOT: onnx.mul
// CHECK: return
func.func @integer_codes(%x: tensor<4x3xf32>, %x4: tensor<1x4xf32>) -> (tensor<4x2xf32>, tensor<1x1xf32>, tensor<4x2xf32>) {
  %q = "onnx.constant"() {value = dense<[[-100, 3], [100, -3], [7, 0]]> : tensor<3x2xi8>} : () -> tensor<3x2xi8>
  %qf = "onnx.cast"(%q) {saturate = 1 : i64, to = 1 : i64} : (tensor<3x2xi8>) -> tensor<3x2xf32>
  %s = "onnx.constant"() {value = dense<[0.5, 0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %w = "onnx.mul"(%qf, %s) : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %qb = "onnx.constant"() {value = dense<[[-50], [50], [1], [-1]]> : tensor<4x1xi8>} : () -> tensor<4x1xi8>
  %blocks = "onnx.constant"() {value = dense<[2, 2, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %qb3 = "onnx.reshape"(%qb, %blocks) {allowzero = 0 : i64} : (tensor<4x1xi8>, tensor<3xi64>) -> tensor<2x2x1xi8>
  %qbf = "onnx.cast"(%qb3) {saturate = 1 : i64, to = 1 : i64} : (tensor<2x2x1xi8>) -> tensor<2x2x1xf32>
  %sb = "onnx.constant"() {value = dense<[[[0.5]], [[2.0]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %mb = "onnx.mul"(%qbf, %sb) : (tensor<2x2x1xf32>, tensor<2x1x1xf32>) -> tensor<2x2x1xf32>
  %shape = "onnx.constant"() {value = dense<[4, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %wb = "onnx.reshape"(%mb, %shape) {allowzero = 0 : i64} : (tensor<2x2x1xf32>, tensor<2xi64>) -> tensor<4x1xf32>
  %yb = "onnx.mat_mul"(%x4, %wb) : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
  %u = "onnx.constant"() {value = dense<[[0, 0], [255, 55], [128, 255]]> : tensor<3x2xui8>} : () -> tensor<3x2xui8>
  %uf = "onnx.cast"(%u) {saturate = 1 : i64, to = 1 : i64} : (tensor<3x2xui8>) -> tensor<3x2xf32>
  %z = "onnx.constant"() {value = dense<[128.0, 200.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %a = "onnx.sub"(%uf, %z) : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %wu = "onnx.mul"(%a, %s) : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %yu = "onnx.mat_mul"(%x, %wu) : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  return %y, %yb, %yu : tensor<4x2xf32>, tensor<1x1xf32>, tensor<4x2xf32>
}

// -----

// int8 codes two products read: the first, while the other still reads the Mul, gets a
// copy (the constant is never handed to a product while an onnx.cast still reads it); the
// last, the constant itself, moved before its product (where a copy would be, so that the
// weights file's order does not change).
// CHECK-LABEL: func.func @shared_codes
// CHECK: %[[C1:.*]] = "onnx.constant"() {value = dense<{{\[}}[-100, 3], [100, -3]]> : tensor<2x2xi8>}
// CHECK: "gcim.linear_narrow"(%arg0, %[[C1]],
// CHECK: %[[Q:.*]] = "onnx.constant"() {value = dense<{{\[}}[-100, 3], [100, -3]]> : tensor<2x2xi8>}
// CHECK: "gcim.linear_narrow"(%arg1, %[[Q]],
// CHECK-NOT: onnx.cast
// CHECK: return
func.func @shared_codes(%x: tensor<1x2xf32>, %x2: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %q = "onnx.constant"() {value = dense<[[-100, 3], [100, -3]]> : tensor<2x2xi8>} : () -> tensor<2x2xi8>
  %qf = "onnx.cast"(%q) {saturate = 1 : i64, to = 1 : i64} : (tensor<2x2xi8>) -> tensor<2x2xf32>
  %s = "onnx.constant"() {value = dense<[0.5, 0.25]> : tensor<2xf32>} : () -> tensor<2xf32>
  %w = "onnx.mul"(%qf, %s) : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %y1 = "onnx.mat_mul"(%x, %w) : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %y2 = "onnx.mat_mul"(%x2, %w) : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y1, %y2 : tensor<1x2xf32>, tensor<1x2xf32>
}

// -----

// weights=int8: a float32 gcim.linear weight gets one symmetric scale per column, max |w| /
// 127 (column 0: 2.54 / 127 = 0.02, column 1: 1.27 / 127 = 0.01), codes rounded to nearest
// even (-1.27 / 0.02 = -63.5 -> -64; 0.005 / 0.01 = 0.5 -> 0). weights=bf16: bfloat16 codes
// rounded to nearest even, no scales; by default it stays gcim.linear.
// CHECK-LABEL: func.func @convert
// CHECK: "gcim.linear"(%arg0
// INT8-LABEL: func.func @convert
// INT8-DAG: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[127, 127], [-64, 0]]> : tensor<2x2xi8>}
// INT8-DAG: %[[S:.*]] = "onnx.constant"() {value = dense<{{\[}}[2.000000e-02, 0.00999999977]]> : tensor<1x2xf32>}
// INT8: "gcim.linear_narrow"(%arg0, %[[C]], %[[S]]) {block = 2 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}
// BF16-LABEL: func.func @convert
// BF16: %[[C:.*]] = "onnx.constant"() {value = dense<{{\[}}[2.546880e+00, 1.273440e+00], [-1.273440e+00, 5.004880e-03]]> : tensor<2x2xbf16>}
// BF16: "gcim.linear_narrow"(%arg0, %[[C]]) {block = 2 : i64, {{.*}}operandSegmentSizes = array<i32: 1, 1, 0, 0, 0>}
func.func @convert(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = "onnx.constant"() {value = dense<[[2.54, 1.27], [-1.27, 0.005]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %y = "onnx.mat_mul"(%x, %w) : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
