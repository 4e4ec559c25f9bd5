// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-stream=strict=1 --gcim-verify %s | FileCheck %s
// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-stream=strict=1 --gcim-map-attention=attention=analog --gcim-verify %s | FileCheck %s --check-prefix=MAP

// gcim-stream on graphs with a KV cache (past keys and values as arguments, present ones
// as results, gcim.cache_append between, as gcim-fuse-attention makes them): the step
// function drops the past arguments and present results, the cache becomes the hardware
// state. Also: a sliding window survives streaming; a one-token graph without a cache.

// CHECK-LABEL: func.func @decode(
// CHECK-SAME: attributes {gcim.step_function = "decode_step"}
// CHECK-LABEL: func.func @decode_step(%arg0: tensor<1x2x1x8xf32> {onnx.name = "q"}, %arg1: tensor<1x2x1x8xf32> {onnx.name = "k"}, %arg2: tensor<1x2x1x8xf32> {onnx.name = "v"}) -> (tensor<1x2x1x8xf32> {onnx.name = "y"})
// CHECK-NEXT: %[[Y:.*]] = "gcim.attention_step"(%arg0, %arg1, %arg2) {head_dim = 8 : i64, kind = "softmax", layer = 0 : i64, num_heads = 2 : i64, scale = 0.353553385 : f32, window = 0 : i64}
// CHECK-NEXT: return %[[Y]] : tensor<1x2x1x8xf32>
// MAP-LABEL: func.func @decode_step
// MAP: "gcim.kv_write"(%{{.*}}, %{{.*}}) {{.*}}layer = 0 : i64, streamed = 1 : i64
func.func @decode(%q: tensor<1x2x1x8xf32> {onnx.name = "q"}, %k: tensor<1x2x1x8xf32> {onnx.name = "k"}, %v: tensor<1x2x1x8xf32> {onnx.name = "v"}, %pk: tensor<1x2x7x8xf32> {onnx.name = "past_key"}, %pv: tensor<1x2x7x8xf32> {onnx.name = "past_value"}) -> (tensor<1x2x1x8xf32> {onnx.name = "y"}, tensor<1x2x8x8xf32> {onnx.name = "present_key"}, tensor<1x2x8x8xf32> {onnx.name = "present_value"}) {
  %kk = "gcim.cache_append"(%pk, %k) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %vv = "gcim.cache_append"(%pv, %v) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %y = "gcim.attention"(%q, %kk, %vv) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.353553385 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32>
  return %y, %kk, %vv : tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}

// -----

// The same from an ONNX-23 Attention with past_key/past_value (3-D inputs, d = 32).
// CHECK-LABEL: func.func @onnx23_decode_step(%arg0: tensor<1x1x64xf32>, %arg1: tensor<1x1x64xf32>, %arg2: tensor<1x1x64xf32>) -> tensor<1x1x64xf32>
// CHECK: "gcim.attention_step"({{.*}}head_dim = 32 : i64{{.*}}layer = 0 : i64
func.func @onnx23_decode(%q: tensor<1x1x64xf32>, %k: tensor<1x1x64xf32>, %v: tensor<1x1x64xf32>, %pk: tensor<1x2x5x32xf32>, %pv: tensor<1x2x5x32xf32>) -> (tensor<1x1x64xf32>, tensor<1x2x6x32xf32>, tensor<1x2x6x32xf32>) {
  %y, %pk2, %pv2 = "onnx.attention"(%q, %k, %v, %pk, %pv) {is_causal = 0 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, q_num_heads = 2 : i64, kv_num_heads = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 1>, resultSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<1x1x64xf32>, tensor<1x1x64xf32>, tensor<1x1x64xf32>, tensor<1x2x5x32xf32>, tensor<1x2x5x32xf32>) -> (tensor<1x1x64xf32>, tensor<1x2x6x32xf32>, tensor<1x2x6x32xf32>)
  return %y, %pk2, %pv2 : tensor<1x1x64xf32>, tensor<1x2x6x32xf32>, tensor<1x2x6x32xf32>
}

// -----

// A sliding window of 2 tokens over 4: the step keeps window = 2.
// CHECK-LABEL: func.func @window_step(%arg0: tensor<1x2x1x128xf32>) -> tensor<1x2x1x128xf32>
// CHECK: "gcim.attention_step"({{.*}}head_dim = 128 : i64, kind = "gaincell", layer = 0 : i64, num_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 2 : i64}
// MAP-LABEL: func.func @window_step
// MAP: "gcim.kv_write"({{.*}}dim_tiles = 2 : i64, {{.*}}streamed = 1 : i64, token_tiles = 1 : i64, window = 2 : i64}
func.func @window(%x: tensor<1x2x4x128xf32>) -> tensor<1x2x4x128xf32> {
  %y = "gcim.attention"(%x, %x, %x) {kind = "gaincell", causal = 1 : i64, window = 2 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 128 : i64} : (tensor<1x2x4x128xf32>, tensor<1x2x4x128xf32>, tensor<1x2x4x128xf32>) -> tensor<1x2x4x128xf32>
  return %y : tensor<1x2x4x128xf32>
}

// -----

// A full-sequence graph of 2,000 tokens (longer than the 1,024-token window): it streams;
// the full-sequence function cannot hold it in block form and runs through the step
// function (gcim.mapping = "step"), the step function maps.
// CHECK-LABEL: func.func @long_step(%arg0: tensor<1x1x1x64xf32>)
// MAP-LABEL: func.func @long(
// MAP: "gcim.attention"({{.*}}gcim.layer = 0 : i64, gcim.mapping = "step"
// MAP-LABEL: func.func @long_step(
// MAP: "gcim.kv_write"({{.*}}streamed = 1 : i64, token_tiles = 16 : i64, window = 1024 : i64}
func.func @long(%x: tensor<1x1x2000x64xf32>) -> tensor<1x1x2000x64xf32> {
  %y = "gcim.attention"(%x, %x, %x) {kind = "gaincell", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x2000x64xf32>, tensor<1x1x2000x64xf32>, tensor<1x1x2000x64xf32>) -> tensor<1x1x2000x64xf32>
  return %y : tensor<1x1x2000x64xf32>
}

// -----

// A decode graph with 7 cached tokens: the importer folded the position id to the
// constant 7 (the past's length); the step function reads the step index instead.
// CHECK-LABEL: func.func @decode_positions_step(%arg0: tensor<1x1xi64>) -> tensor<1x2x1x8xf32>
// CHECK: %[[T:.*]] = "gcim.step_index"()
// CHECK: %[[P:.*]] = "onnx.reshape"(%[[T]], %{{.*}}) {{.*}} -> tensor<1x1xi64>
// CHECK: "onnx.gather"(%{{.*}}, %[[P]]) {axis = 0 : i64} : (tensor<32x16xf32>, tensor<1x1xi64>) -> tensor<1x1x16xf32>
// CHECK: "gcim.attention_step"
func.func @decode_positions(%ids: tensor<1x1xi64>, %pk: tensor<1x2x7x8xf32>, %pv: tensor<1x2x7x8xf32>) -> (tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %wte = "onnx.constant"() {value = dense<0.02> : tensor<64x16xf32>} : () -> tensor<64x16xf32>
  %wpe = "onnx.constant"() {value = dense<0.01> : tensor<32x16xf32>} : () -> tensor<32x16xf32>
  %tok = "onnx.gather"(%wte, %ids) {axis = 0 : i64} : (tensor<64x16xf32>, tensor<1x1xi64>) -> tensor<1x1x16xf32>
  %pos = "onnx.constant"() {value = dense<7> : tensor<1x1xi64>} : () -> tensor<1x1xi64>
  %pe = "onnx.gather"(%wpe, %pos) {axis = 0 : i64} : (tensor<32x16xf32>, tensor<1x1xi64>) -> tensor<1x1x16xf32>
  %x = "onnx.add"(%tok, %pe) : (tensor<1x1x16xf32>, tensor<1x1x16xf32>) -> tensor<1x1x16xf32>
  %shape = "onnx.constant"() {value = dense<[1, 1, 2, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %r = "onnx.reshape"(%x, %shape) {allowzero = 0 : i64} : (tensor<1x1x16xf32>, tensor<4xi64>) -> tensor<1x1x2x8xf32>
  %h = "onnx.transpose"(%r) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x1x2x8xf32>) -> tensor<1x2x1x8xf32>
  %kk = "gcim.cache_append"(%pk, %h) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %vv = "gcim.cache_append"(%pv, %h) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %y = "gcim.attention"(%h, %kk, %vv) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.353553385 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32>
  return %y, %kk, %vv : tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}

// -----

// Taking the last token (`x[:, -1:]` and `x[:, -1]`) is the token itself in the step
// function.
// CHECK-LABEL: func.func @last_token_step(%arg0: tensor<1x2x1x8xf32>, %arg1: tensor<1x1x16xf32>) -> (tensor<1x2x1x8xf32>, tensor<1x1x16xf32>, tensor<1x16xf32>)
// CHECK-NOT: onnx.slice
// CHECK: %[[G:.*]] = "onnx.reshape"(%arg1, %{{.*}}) {{.*}} -> tensor<1x16xf32>
// CHECK: return %{{.*}}, %arg1, %[[G]]
func.func @last_token(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x1x16xf32>, tensor<1x16xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %s = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = "onnx.constant"() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %ax = "onnx.constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %y = "onnx.slice"(%x, %s, %e, %ax) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x1x16xf32>
  %i = "onnx.constant"() {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  %g = "onnx.gather"(%x, %i) {axis = 1 : i64} : (tensor<1x4x16xf32>, tensor<i64>) -> tensor<1x16xf32>
  return %a, %y, %g : tensor<1x2x4x8xf32>, tensor<1x1x16xf32>, tensor<1x16xf32>
}

// -----

// Constants the importer computed as the past length plus constants (tagged "position" by
// its probe, lib/Import/Onnx/PastProbe.c): NeoX slices its rotary table at [P, P + 1),
// Llama-3 multiplies inv_freq by the float position P. The step function computes them
// from the step index (each step's past length), the slice's end as the index plus 1.
// CHECK-LABEL: func.func @positions_step(%arg0: tensor<1x2x1x8xf32> {onnx.name = "q"}, %arg1: tensor<1x2x1x8xf32> {onnx.name = "k"}, %arg2: tensor<1x2x1x8xf32> {onnx.name = "v"})
// CHECK: %[[STEP:.*]] = "gcim.step_index"() : () -> tensor<1xi64>
// CHECK: %[[ONE:.*]] = "onnx.constant"() {value = dense<1> : tensor<1xi64>}
// CHECK: %[[END:.*]] = "onnx.add"(%[[STEP]], %[[ONE]]) : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
// CHECK: "onnx.slice"(%{{.*}}, %[[STEP]], %[[END]], %{{.*}}) {{.*}} -> tensor<1x1x1x2xf32>
// CHECK: %[[FLOAT:.*]] = "onnx.cast"(%{{.*}}) {to = 1 : i64} : (tensor<1x1xi64>) -> tensor<1x1xf32>
// CHECK: "onnx.mat_mul"(%{{.*}}, %[[FLOAT]]) : (tensor<4x1xf32>, tensor<1x1xf32>) -> tensor<4x1xf32>
// CHECK-NOT: gcim.from_past_length
// CHECK: return
func.func @positions(%q: tensor<1x2x1x8xf32> {onnx.name = "q"}, %k: tensor<1x2x1x8xf32> {onnx.name = "k"}, %v: tensor<1x2x1x8xf32> {onnx.name = "v"}, %pk: tensor<1x2x7x8xf32> {gcim.from_past_length, onnx.name = "past_key"}, %pv: tensor<1x2x7x8xf32> {gcim.from_past_length, onnx.name = "past_value"}) -> (tensor<1x2x1x8xf32>, tensor<1x1x1x2xf32>, tensor<4x1xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %kk = "gcim.cache_append"(%pk, %k) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %vv = "gcim.cache_append"(%pv, %v) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %y = "gcim.attention"(%q, %kk, %vv) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.353553385 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32>
  %table = "onnx.constant"() {value = dense<0.5> : tensor<1x1x16x2xf32>} : () -> tensor<1x1x16x2xf32>
  %start = "onnx.constant"() {gcim.from_past_length = "position", value = dense<7> : tensor<1xi64>} : () -> tensor<1xi64>
  %end = "onnx.constant"() {gcim.from_past_length = "position", value = dense<8> : tensor<1xi64>} : () -> tensor<1xi64>
  %axes = "onnx.constant"() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %row = "onnx.slice"(%table, %start, %end, %axes) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x1x16x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x1x1x2xf32>
  %freq = "onnx.constant"() {value = dense<[[0.5], [0.25], [0.125], [0.0625]]> : tensor<4x1xf32>} : () -> tensor<4x1xf32>
  %pos = "onnx.constant"() {gcim.from_past_length = "position", value = dense<7.0> : tensor<1x1xf32>} : () -> tensor<1x1xf32>
  %angles = "onnx.mat_mul"(%freq, %pos) : (tensor<4x1xf32>, tensor<1x1xf32>) -> tensor<4x1xf32>
  return %y, %row, %angles, %kk, %vv : tensor<1x2x1x8xf32>, tensor<1x1x1x2xf32>, tensor<4x1xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}

// -----

// A float position with a slope (tagged by the probe: 0.25 larger at one token longer, the
// past length divided by 4 as Llama's linear rope scaling divides its positions): the step
// index cast to float, times the slope.
// CHECK-LABEL: func.func @scaled_position_step(
// CHECK: %[[STEP:.*]] = "gcim.step_index"() : () -> tensor<1xi64>
// CHECK: %[[SHAPED:.*]] = "onnx.reshape"(%[[STEP]], %{{.*}}) {{.*}} -> tensor<1x1xi64>
// CHECK: %[[FLOAT:.*]] = "onnx.cast"(%[[SHAPED]]) {to = 1 : i64} : (tensor<1x1xi64>) -> tensor<1x1xf32>
// CHECK: %[[SLOPE:.*]] = "onnx.constant"() {value = dense<2.500000e-01> : tensor<1x1xf32>}
// CHECK: %[[POS:.*]] = "onnx.mul"(%[[FLOAT]], %[[SLOPE]]) : (tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<1x1xf32>
// CHECK: "onnx.mat_mul"(%{{.*}}, %[[POS]]) : (tensor<4x1xf32>, tensor<1x1xf32>) -> tensor<4x1xf32>
// CHECK-NOT: gcim.from_past_length
// CHECK: return
func.func @scaled_position(%q: tensor<1x2x1x8xf32> {onnx.name = "q"}, %k: tensor<1x2x1x8xf32> {onnx.name = "k"}, %v: tensor<1x2x1x8xf32> {onnx.name = "v"}, %pk: tensor<1x2x7x8xf32> {gcim.from_past_length, onnx.name = "past_key"}, %pv: tensor<1x2x7x8xf32> {gcim.from_past_length, onnx.name = "past_value"}) -> (tensor<1x2x1x8xf32>, tensor<4x1xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %kk = "gcim.cache_append"(%pk, %k) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %vv = "gcim.cache_append"(%pv, %v) : (tensor<1x2x7x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x8x8xf32>
  %y = "gcim.attention"(%q, %kk, %vv) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.353553385 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x1x8xf32>
  %freq = "onnx.constant"() {value = dense<[[0.5], [0.25], [0.125], [0.0625]]> : tensor<4x1xf32>} : () -> tensor<4x1xf32>
  %pos = "onnx.constant"() {gcim.from_past_length = "position", gcim.past_slope = 2.500000e-01 : f64, value = dense<1.75> : tensor<1x1xf32>} : () -> tensor<1x1xf32>
  %angles = "onnx.mat_mul"(%freq, %pos) : (tensor<4x1xf32>, tensor<1x1xf32>) -> tensor<4x1xf32>
  return %y, %angles, %kk, %vv : tensor<1x2x1x8xf32>, tensor<4x1xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}

// -----

// Baichuan's W_pack split in a one-token step: unflatten to (1, 1, 3, 32), unsqueeze(0),
// transpose(0, -2), squeeze(-2), [i]. With every token axis of size 1 the Unsqueeze's
// sequence axis is found from its axes (it was taken at its input's position, 1 instead of
// 2, and the attention then lacked the sequence on its tokens axis: no step function).
// CHECK-LABEL: func.func @w_pack_step(%arg0: tensor<1x1x96xf32> {onnx.name = "x"})
// CHECK: "onnx.unsqueeze"({{.*}}) : (tensor<1x1x3x32xf32>, tensor<1xi64>) -> tensor<1x1x1x3x32xf32>
// CHECK: "gcim.attention_step"
func.func @w_pack(%x: tensor<1x1x96xf32> {onnx.name = "x"}, %pk: tensor<1x4x7x8xf32> {gcim.from_past_length, onnx.name = "past_key"}, %pv: tensor<1x4x7x8xf32> {gcim.from_past_length, onnx.name = "past_value"}) -> (tensor<1x4x1x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) {
  %s4 = "onnx.constant"() {value = dense<[1, 1, 3, 32]> : tensor<4xi64>} : () -> tensor<4xi64>
  %r = "onnx.reshape"(%x, %s4) {allowzero = 0 : i64} : (tensor<1x1x96xf32>, tensor<4xi64>) -> tensor<1x1x3x32xf32>
  %zero = "onnx.constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %u = "onnx.unsqueeze"(%r, %zero) : (tensor<1x1x3x32xf32>, tensor<1xi64>) -> tensor<1x1x1x3x32xf32>
  %t = "onnx.transpose"(%u) {perm = array<i64: 3, 1, 2, 0, 4>} : (tensor<1x1x1x3x32xf32>) -> tensor<3x1x1x1x32xf32>
  %three = "onnx.constant"() {value = dense<3> : tensor<1xi64>} : () -> tensor<1xi64>
  %sq = "onnx.squeeze"(%t, %three) : (tensor<3x1x1x1x32xf32>, tensor<1xi64>) -> tensor<3x1x1x32xf32>
  %i = "onnx.constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %p = "onnx.gather"(%sq, %i) {axis = 0 : i64} : (tensor<3x1x1x32xf32>, tensor<i64>) -> tensor<1x1x32xf32>
  %s4h = "onnx.constant"() {value = dense<[1, 1, 4, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %h = "onnx.reshape"(%p, %s4h) {allowzero = 0 : i64} : (tensor<1x1x32xf32>, tensor<4xi64>) -> tensor<1x1x4x8xf32>
  %q = "onnx.transpose"(%h) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x1x4x8xf32>) -> tensor<1x4x1x8xf32>
  %kk = "gcim.cache_append"(%pk, %q) : (tensor<1x4x7x8xf32>, tensor<1x4x1x8xf32>) -> tensor<1x4x8x8xf32>
  %vv = "gcim.cache_append"(%pv, %q) : (tensor<1x4x7x8xf32>, tensor<1x4x1x8xf32>) -> tensor<1x4x8x8xf32>
  %y = "gcim.attention"(%q, %kk, %vv) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.353553385 : f32, num_heads = 4 : i64, head_dim = 8 : i64} : (tensor<1x4x1x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x1x8xf32>
  return %y, %kk, %vv : tensor<1x4x1x8xf32>, tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>
}
