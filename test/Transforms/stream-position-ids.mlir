// RUN: gcim-opt --split-input-file --gcim-stream=strict=1 --gcim-verify %s | FileCheck %s

// gcim-stream of a `position_ids` input (Hugging Face's exports: integer (batch, tokens),
// past length + arange) that only feeds position lookups: the step function takes the step
// index for it and drops the argument; the full-sequence function keeps it.

// A learned position embedding gathered by position_ids, full sequence of 4 tokens.
// CHECK-LABEL: func.func @learned(%arg0: tensor<1x4xi64> {onnx.name = "input_ids"}, %arg1: tensor<1x4xi64> {onnx.name = "position_ids"})
// CHECK-SAME: gcim.step_function = "learned_step"
// CHECK-LABEL: func.func @learned_step(%arg0: tensor<1x1xi64> {onnx.name = "input_ids"}) -> (tensor<1x1x1x4xf32> {onnx.name = "y"})
// CHECK: %[[STEP:.*]] = "gcim.step_index"() : () -> tensor<1xi64>
// CHECK: %[[POS:.*]] = "onnx.reshape"(%[[STEP]], %{{.*}}) {{.*}}: (tensor<1xi64>, tensor<2xi64>) -> tensor<1x1xi64>
// CHECK: "onnx.gather"(%{{.*}}, %arg0) {axis = 0 : i64} : (tensor<8x4xf32>, tensor<1x1xi64>) -> tensor<1x1x4xf32>
// CHECK: "onnx.gather"(%{{.*}}, %[[POS]]) {axis = 0 : i64} : (tensor<16x4xf32>, tensor<1x1xi64>) -> tensor<1x1x4xf32>
// CHECK: "gcim.attention_step"
func.func @learned(%ids: tensor<1x4xi64> {onnx.name = "input_ids"}, %pos: tensor<1x4xi64> {onnx.name = "position_ids"}) -> (tensor<1x1x4x4xf32> {onnx.name = "y"}) {
  %wte = "onnx.constant"() {value = dense<0.5> : tensor<8x4xf32>} : () -> tensor<8x4xf32>
  %wpe = "onnx.constant"() {value = dense<0.25> : tensor<16x4xf32>} : () -> tensor<16x4xf32>
  %tok = "onnx.gather"(%wte, %ids) {axis = 0 : i64} : (tensor<8x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32>
  %emb = "onnx.gather"(%wpe, %pos) {axis = 0 : i64} : (tensor<16x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32>
  %x = "onnx.add"(%tok, %emb) : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %one = "onnx.constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %h = "onnx.unsqueeze"(%x, %one) : (tensor<1x4x4xf32>, tensor<1xi64>) -> tensor<1x1x4x4xf32>
  %y = "gcim.attention"(%h, %h, %h) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 1 : i64, head_dim = 4 : i64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// RoPE as transformers' LlamaRotaryEmbedding computes it: inv_freq (1, 2, 1) @ position
// ids (1, 1, T), transposed, Cos, multiplied into q. The MatMul runs along b's columns.
// CHECK-LABEL: func.func @rope_step(%arg0: tensor<1x1x1x2xf32> {onnx.name = "x"}) -> (tensor<1x1x1x2xf32> {onnx.name = "y"})
// CHECK: %[[STEP:.*]] = "gcim.step_index"()
// CHECK: %[[POS:.*]] = "onnx.reshape"(%[[STEP]], %{{.*}}) {{.*}}-> tensor<1x1xi64>
// CHECK: %[[F:.*]] = "onnx.cast"(%[[POS]]) {to = 1 : i64} : (tensor<1x1xi64>) -> tensor<1x1xf32>
// CHECK: %[[U:.*]] = "onnx.unsqueeze"(%[[F]], %{{.*}}) : (tensor<1x1xf32>, tensor<1xi64>) -> tensor<1x1x1xf32>
// CHECK: "onnx.mat_mul"(%{{.*}}, %[[U]]) : (tensor<1x2x1xf32>, tensor<1x1x1xf32>) -> tensor<1x2x1xf32>
// CHECK: "onnx.cos"({{.*}}) : (tensor<1x1x2xf32>) -> tensor<1x1x2xf32>
// CHECK: "gcim.attention_step"
func.func @rope(%x: tensor<1x1x4x2xf32> {onnx.name = "x"}, %pos: tensor<1x4xi64> {onnx.name = "position_ids"}) -> (tensor<1x1x4x2xf32> {onnx.name = "y"}) {
  %inv = "onnx.constant"() {value = dense<[[[1.0], [0.01]]]> : tensor<1x2x1xf32>} : () -> tensor<1x2x1xf32>
  %f = "onnx.cast"(%pos) {to = 1 : i64} : (tensor<1x4xi64>) -> tensor<1x4xf32>
  %one = "onnx.constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %u = "onnx.unsqueeze"(%f, %one) : (tensor<1x4xf32>, tensor<1xi64>) -> tensor<1x1x4xf32>
  %freqs = "onnx.mat_mul"(%inv, %u) : (tensor<1x2x1xf32>, tensor<1x1x4xf32>) -> tensor<1x2x4xf32>
  %t = "onnx.transpose"(%freqs) {perm = array<i64: 0, 2, 1>} : (tensor<1x2x4xf32>) -> tensor<1x4x2xf32>
  %cos = "onnx.cos"(%t) : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %c = "onnx.unsqueeze"(%cos, %one) : (tensor<1x4x2xf32>, tensor<1xi64>) -> tensor<1x1x4x2xf32>
  %q = "onnx.mul"(%x, %c) : (tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x4x2xf32>
  %y = "gcim.attention"(%q, %q, %x) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 1 : i64, head_dim = 2 : i64} : (tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x4x2xf32>
  return %y : tensor<1x1x4x2xf32>
}

// -----

// A KV-cache step (one new token after 7) with int32 position ids: the step index is cast
// to int32; the past arguments go too.
// CHECK-LABEL: func.func @cached_step(%arg0: tensor<1x1x1x2xf32> {onnx.name = "x"}) -> (tensor<1x1x1x2xf32> {onnx.name = "y"})
// CHECK: %[[STEP:.*]] = "gcim.step_index"()
// CHECK: %[[POS:.*]] = "onnx.reshape"(%[[STEP]], %{{.*}}) {{.*}}-> tensor<1x1xi64>
// CHECK: %[[NARROW:.*]] = "onnx.cast"(%[[POS]]) {to = 6 : i64} : (tensor<1x1xi64>) -> tensor<1x1xi32>
// CHECK: "onnx.gather"(%{{.*}}, %[[NARROW]]) {axis = 0 : i64} : (tensor<16x2xf32>, tensor<1x1xi32>) -> tensor<1x1x2xf32>
// CHECK: "gcim.attention_step"
func.func @cached(%x: tensor<1x1x1x2xf32> {onnx.name = "x"}, %pos: tensor<1x1xi32> {onnx.name = "position_ids"}, %pk: tensor<1x1x7x2xf32> {onnx.name = "past_key"}, %pv: tensor<1x1x7x2xf32> {onnx.name = "past_value"}) -> (tensor<1x1x1x2xf32> {onnx.name = "y"}, tensor<1x1x8x2xf32> {onnx.name = "present_key"}) {
  %table = "onnx.constant"() {value = dense<0.5> : tensor<16x2xf32>} : () -> tensor<16x2xf32>
  %cos = "onnx.gather"(%table, %pos) {axis = 0 : i64} : (tensor<16x2xf32>, tensor<1x1xi32>) -> tensor<1x1x2xf32>
  %one = "onnx.constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %c = "onnx.unsqueeze"(%cos, %one) : (tensor<1x1x2xf32>, tensor<1xi64>) -> tensor<1x1x1x2xf32>
  %q = "onnx.mul"(%x, %c) : (tensor<1x1x1x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  %kk = "gcim.cache_append"(%pk, %q) : (tensor<1x1x7x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x8x2xf32>
  %vv = "gcim.cache_append"(%pv, %x) : (tensor<1x1x7x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x8x2xf32>
  %y = "gcim.attention"(%q, %kk, %vv) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 1 : i64, head_dim = 2 : i64} : (tensor<1x1x1x2xf32>, tensor<1x1x8x2xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x1x2xf32>
  return %y, %kk : tensor<1x1x1x2xf32>, tensor<1x1x8x2xf32>
}

// -----

// Kept as an input of the step function: position ids that are also an output (not only
// position lookups), and an integer input not named for positions (the name tells the
// token from the positions: both only feed a table Gather).
// CHECK-LABEL: func.func @kept_step(%arg0: tensor<1x1xi64> {onnx.name = "position_ids"}, %arg1: tensor<1x1xi64> {onnx.name = "token_type_ids"})
// CHECK-NOT: gcim.step_index
// CHECK: "gcim.attention_step"
func.func @kept(%pos: tensor<1x4xi64> {onnx.name = "position_ids"}, %types: tensor<1x4xi64> {onnx.name = "token_type_ids"}) -> (tensor<1x1x4x4xf32> {onnx.name = "y"}, tensor<1x4xi64> {onnx.name = "positions"}) {
  %wpe = "onnx.constant"() {value = dense<0.25> : tensor<16x4xf32>} : () -> tensor<16x4xf32>
  %emb = "onnx.gather"(%wpe, %pos) {axis = 0 : i64} : (tensor<16x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32>
  %tt = "onnx.gather"(%wpe, %types) {axis = 0 : i64} : (tensor<16x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32>
  %x = "onnx.add"(%tt, %emb) : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %one = "onnx.constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %h = "onnx.unsqueeze"(%x, %one) : (tensor<1x4x4xf32>, tensor<1xi64>) -> tensor<1x1x4x4xf32>
  %y = "gcim.attention"(%h, %h, %h) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 1 : i64, head_dim = 4 : i64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %y, %pos : tensor<1x1x4x4xf32>, tensor<1x4xi64>
}
