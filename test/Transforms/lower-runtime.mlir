// RUN: gcim-opt --split-input-file --gcim-lower-runtime --gcim-verify %s | FileCheck %s

// A chain: each result takes the first free block after its operands die; a result never
// overlaps its own operands; weights (onnx.constant) get no offset.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: gcim.arena_bytes = 128 : i64
// CHECK: "onnx.constant"() {value
// CHECK-NOT: gcim.arena_offsets
// CHECK-SAME: -> tensor<16xf32>
// CHECK: "onnx.add"{{.*}}gcim.arena_offsets = array<i64: 0>
// CHECK: "onnx.mul"{{.*}}gcim.arena_offsets = array<i64: 64>
// CHECK: "onnx.sub"{{.*}}gcim.arena_offsets = array<i64: 0>
// CHECK: "onnx.neg"{{.*}}gcim.arena_offsets = array<i64: 64>
func.func @chain(%x: tensor<16xf32>) -> tensor<16xf32> {
  %w = "onnx.constant"() {value = dense<1.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %a = "onnx.add"(%x, %w) : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %b = "onnx.mul"(%a, %a) : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %c = "onnx.sub"(%b, %w) : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %d = "onnx.neg"(%c) : (tensor<16xf32>) -> tensor<16xf32>
  return %d : tensor<16xf32>
}

// -----

// Values keep their block until their last use (r and m until the where); unused results
// (the split's) are freed at once; i1 takes a byte per element; a returned value (w) lives
// to the end, so add and abs reuse the other blocks.
// CHECK-LABEL: func.func @lifetimes
// CHECK-SAME: gcim.arena_bytes = 256 : i64
// CHECK: "onnx.relu"{{.*}}gcim.arena_offsets = array<i64: 0>
// CHECK: "onnx.less"{{.*}}gcim.arena_offsets = array<i64: 64>
// CHECK: "onnx.split"{{.*}}gcim.arena_offsets = array<i64: 128, 192>
// CHECK: "onnx.where"{{.*}}gcim.arena_offsets = array<i64: 128>
// CHECK: "onnx.add"{{.*}}gcim.arena_offsets = array<i64: 192>
// CHECK: "onnx.abs"{{.*}}gcim.arena_offsets = array<i64: 0>
func.func @lifetimes(%x: tensor<8xf32>, %y: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %r = "onnx.relu"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  %m = "onnx.less"(%x, %y) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xi1>
  %s:2 = "onnx.split"(%r) {axis = 0 : i64, resultSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<8xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  %w = "onnx.where"(%m, %x, %r) : (tensor<8xi1>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %a = "onnx.add"(%w, %y) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %b = "onnx.abs"(%a) : (tensor<8xf32>) -> tensor<8xf32>
  return %w, %b : tensor<8xf32>, tensor<8xf32>
}

// -----

// Every function gets its own arena (the step function of gcim-stream included).
// CHECK-LABEL: func.func @first
// CHECK-SAME: gcim.arena_bytes = 4096 : i64
// CHECK-LABEL: func.func @second
// CHECK-SAME: gcim.arena_bytes = 64 : i64
func.func @first(%x: tensor<1024xf32>) -> tensor<1024xf32> {
  %a = "onnx.exp"(%x) : (tensor<1024xf32>) -> tensor<1024xf32>
  return %a : tensor<1024xf32>
}
func.func @second(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = "onnx.exp"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %a : tensor<2xf32>
}

// -----

// A Reshape whose operand dies at it is a view: the same offset, nothing copied. One whose
// operand is used later, or is an input, gets its own block.
// CHECK-LABEL: func.func @views
// CHECK: "onnx.exp"{{.*}}gcim.arena_offsets = array<i64: 0>
// CHECK: "onnx.reshape"{{.*}}gcim.arena_offsets = array<i64: 0>
// CHECK: "onnx.neg"{{.*}}gcim.arena_offsets = array<i64: 64>
// CHECK: "onnx.reshape"{{.*}}gcim.arena_offsets = array<i64: 128>
// CHECK: "onnx.reshape"{{.*}}gcim.arena_offsets = array<i64: 192>
func.func @views(%x: tensor<2x8xf32>) -> (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<2x8xf32>) {
  %s = "onnx.constant"() {value = dense<16> : tensor<1xi64>} : () -> tensor<1xi64>
  %a = "onnx.exp"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %v = "onnx.reshape"(%a, %s) {allowzero = 0 : i64} : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<16xf32>
  %b = "onnx.neg"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %w = "onnx.reshape"(%b, %s) {allowzero = 0 : i64} : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<16xf32>
  %i = "onnx.reshape"(%x, %s) {allowzero = 0 : i64} : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<16xf32>
  return %v, %w, %i, %b : tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<2x8xf32>
}
