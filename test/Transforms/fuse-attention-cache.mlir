// RUN: gcim-opt --split-input-file --gcim-fuse-attention=strict=1 --gcim-verify %s | FileCheck %s
// RUN: gcim-opt --split-input-file --gcim-fuse-attention=strict=1 --gcim-stream --gcim-verify %s | FileCheck %s --check-prefix=STEP

// torch's KV cache (GPT-2 with use_cache): Concat(past, new) along the tokens of K and V,
// the causal buffer sliced to the last queries (bottom-right aligned). The Concats become
// gcim.cache_append, which the present outputs read; gcim-stream then maps the cache onto
// the hardware state. Past and new lengths may differ (Concat's operands are separate
// optional groups, each with its own type).

// CHECK-LABEL: func.func @torch_cache
// CHECK: %[[K:.*]] = "gcim.cache_append"(%arg3, %arg1) : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x2x8xf32>
// CHECK: %[[V:.*]] = "gcim.cache_append"(%arg4, %arg2)
// CHECK: %[[Y:.*]] = "gcim.attention"(%arg0, %[[K]], %[[V]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = 0.353553385 : f32, window = 0 : i64}
// CHECK: return %[[Y]], %[[K]], %[[V]]
// STEP-LABEL: func.func @torch_cache_step(%arg0: tensor<1x2x1x8xf32>, %arg1: tensor<1x2x1x8xf32>, %arg2: tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32>
// STEP-NEXT: %[[Y:.*]] = "gcim.attention_step"(%arg0, %arg1, %arg2)
// STEP-NEXT: return %[[Y]]
func.func @torch_cache(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>, %pk: tensor<1x2x1x8xf32>, %pv: tensor<1x2x1x8xf32>) -> (tensor<1x2x1x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>) {
  %kk = "onnx.concat"(%pk, %k) {axis = -2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x2x8xf32>
  %vv = "onnx.concat"(%pv, %v) {axis = -2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x2x8xf32>
  %kt = "onnx.transpose"(%kk) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x2x8xf32>) -> tensor<1x2x8x2xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x1x8xf32>, tensor<1x2x8x2xf32>) -> tensor<1x2x1x2xf32>
  %c = "onnx.constant"() {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.div"(%s, %c) : (tensor<1x2x1x2xf32>, tensor<f32>) -> tensor<1x2x1x2xf32>
  %bias = "onnx.constant"() {value = dense<[[[[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]]]> : tensor<1x1x4x4xui8>} : () -> tensor<1x1x4x4xui8>
  %st = "onnx.constant"() {value = dense<[1, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %en = "onnx.constant"() {value = dense<2> : tensor<2xi64>} : () -> tensor<2xi64>
  %ax = "onnx.constant"() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %sl = "onnx.slice"(%bias, %st, %en, %ax) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x1x4x4xui8>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x1x2xui8>
  %m = "onnx.cast"(%sl) {to = 9 : i64} : (tensor<1x1x1x2xui8>) -> tensor<1x1x1x2xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %w = "onnx.where"(%m, %sd, %min) : (tensor<1x1x1x2xi1>, tensor<1x2x1x2xf32>, tensor<f32>) -> tensor<1x2x1x2xf32>
  %p = "onnx.softmax"(%w) {axis = -1 : i64} : (tensor<1x2x1x2xf32>) -> tensor<1x2x1x2xf32>
  %o = "onnx.mat_mul"(%p, %vv) : (tensor<1x2x1x2xf32>, tensor<1x2x2x8xf32>) -> tensor<1x2x1x8xf32>
  return %o, %kk, %vv : tensor<1x2x1x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>
}

// -----

// Two new tokens after two cached ones: the sliced mask rows 2..3 are the bottom-right
// causal band (causal = 1 with 2 queries over 4 keys). Not streamable (two new tokens).
// CHECK-LABEL: func.func @torch_cache_two_tokens
// CHECK: "gcim.attention"(%arg0, %{{.*}}, %{{.*}}) {causal = 1 : i64, {{.*}} : (tensor<1x1x2x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x2x8xf32>
// STEP-LABEL: func.func @torch_cache_two_tokens
// STEP-SAME: gcim.unstreamed = "a KV-cache graph with 2 new tokens (one is streamable)"
func.func @torch_cache_two_tokens(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %pk: tensor<1x1x2x8xf32>, %pv: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %kk = "onnx.concat"(%pk, %k) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x4x8xf32>
  %vv = "onnx.concat"(%pv, %v) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x4x8xf32>
  %kt = "onnx.transpose"(%kk) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x1x4x8xf32>) -> tensor<1x1x8x4xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x2x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x2x4xf32>
  %bias = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %st = "onnx.constant"() {value = dense<[2, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %en = "onnx.constant"() {value = dense<4> : tensor<2xi64>} : () -> tensor<2xi64>
  %ax = "onnx.constant"() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %m = "onnx.slice"(%bias, %st, %en, %ax) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x1x4x4xi1>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x2x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %w = "onnx.where"(%m, %s, %min) : (tensor<1x1x2x4xi1>, tensor<1x1x2x4xf32>, tensor<f32>) -> tensor<1x1x2x4xf32>
  %p = "onnx.softmax"(%w) {axis = -1 : i64} : (tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32>
  %o = "onnx.mat_mul"(%p, %vv) : (tensor<1x1x2x4xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// One new token after five cached ones (unequal Concat operands): the mask is row 5 of the
// buffer, columns 0..5.
// CHECK-LABEL: func.func @torch_cache_past5
// CHECK: %[[K:.*]] = "gcim.cache_append"(%arg3, %arg1) : (tensor<1x2x5x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x6x8xf32>
// CHECK: %[[V:.*]] = "gcim.cache_append"(%arg4, %arg2) : (tensor<1x2x5x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x6x8xf32>
// CHECK: %[[Y:.*]] = "gcim.attention"(%arg0, %[[K]], %[[V]]) {causal = 1 : i64, head_dim = 8 : i64, kind = "softmax", num_heads = 2 : i64, scale = 0.353553385 : f32, window = 0 : i64}
// CHECK: return %[[Y]], %[[K]], %[[V]]
// STEP-LABEL: func.func @torch_cache_past5_step(%arg0: tensor<1x2x1x8xf32>, %arg1: tensor<1x2x1x8xf32>, %arg2: tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32>
// STEP-NEXT: %[[Y:.*]] = "gcim.attention_step"(%arg0, %arg1, %arg2)
// STEP-NEXT: return %[[Y]]
func.func @torch_cache_past5(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>, %pk: tensor<1x2x5x8xf32>, %pv: tensor<1x2x5x8xf32>) -> (tensor<1x2x1x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) {
  %kk = "onnx.concat"(%pk, %k) {axis = -2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x5x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x6x8xf32>
  %vv = "onnx.concat"(%pv, %v) {axis = -2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x5x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x6x8xf32>
  %kt = "onnx.transpose"(%kk) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x6x8xf32>) -> tensor<1x2x8x6xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x1x8xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x1x6xf32>
  %c = "onnx.constant"() {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.div"(%s, %c) : (tensor<1x2x1x6xf32>, tensor<f32>) -> tensor<1x2x1x6xf32>
  %bias = "onnx.constant"() {value = dense<[[[[1, 0, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1, 1]]]]> : tensor<1x1x8x8xui8>} : () -> tensor<1x1x8x8xui8>
  %st = "onnx.constant"() {value = dense<[5, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %en = "onnx.constant"() {value = dense<6> : tensor<2xi64>} : () -> tensor<2xi64>
  %ax = "onnx.constant"() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %sl = "onnx.slice"(%bias, %st, %en, %ax) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x1x8x8xui8>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x1x6xui8>
  %m = "onnx.cast"(%sl) {to = 9 : i64} : (tensor<1x1x1x6xui8>) -> tensor<1x1x1x6xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %w = "onnx.where"(%m, %sd, %min) : (tensor<1x1x1x6xi1>, tensor<1x2x1x6xf32>, tensor<f32>) -> tensor<1x2x1x6xf32>
  %p = "onnx.softmax"(%w) {axis = -1 : i64} : (tensor<1x2x1x6xf32>) -> tensor<1x2x1x6xf32>
  %o = "onnx.mat_mul"(%p, %vv) : (tensor<1x2x1x6xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x1x8xf32>
  return %o, %kk, %vv : tensor<1x2x1x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>
}

// -----

// GPT-J's cache: the keys cast to float (`k.float()`, a Cast of float32 to float32)
// between the Concat and the scores. The no-op Cast goes; the Concat becomes the append
// the step function drops (it was left a Concat: no step function).
// CHECK-LABEL: func.func @torch_cache_cast_keys
// CHECK: %[[K:.*]] = "gcim.cache_append"(%arg3, %arg1)
// CHECK: %[[V:.*]] = "gcim.cache_append"(%arg4, %arg2)
// CHECK: "gcim.attention"(%arg0, %[[K]], %[[V]])
// STEP-LABEL: func.func @torch_cache_cast_keys_step(
// STEP-NEXT: "gcim.attention_step"(%arg0, %arg1, %arg2)
func.func @torch_cache_cast_keys(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>, %pk: tensor<1x2x1x8xf32>, %pv: tensor<1x2x1x8xf32>) -> (tensor<1x2x1x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>) {
  %kk = "onnx.concat"(%pk, %k) {axis = -2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x2x8xf32>
  %vv = "onnx.concat"(%pv, %v) {axis = -2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x2x8xf32>
  %kf = "onnx.cast"(%kk) {to = 1 : i64} : (tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  %kt = "onnx.transpose"(%kf) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x2x8xf32>) -> tensor<1x2x8x2xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x1x8xf32>, tensor<1x2x8x2xf32>) -> tensor<1x2x1x2xf32>
  %c = "onnx.constant"() {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.div"(%s, %c) : (tensor<1x2x1x2xf32>, tensor<f32>) -> tensor<1x2x1x2xf32>
  %p = "onnx.softmax"(%sd) {axis = -1 : i64} : (tensor<1x2x1x2xf32>) -> tensor<1x2x1x2xf32>
  %o = "onnx.mat_mul"(%p, %vv) : (tensor<1x2x1x2xf32>, tensor<1x2x2x8xf32>) -> tensor<1x2x1x8xf32>
  return %o, %kk, %vv : tensor<1x2x1x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>
}
