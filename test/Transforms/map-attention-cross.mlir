// RUN: not gcim-opt --split-input-file --gcim-map-attention=attention=analog %s 2>/dev/null | FileCheck %s
// RUN: not gcim-opt --split-input-file --gcim-map-attention=attention=analog %s 2>&1 >/dev/null | FileCheck %s --check-prefix=ERR --implicit-check-not=error:

// gcim-map-attention tells cross-attention from self-attention by where k and v come from
// (lib/Transforms/MapAttentionSources.c), not by their lengths: each case has 4 queries
// over 4 keys. A projection is a MatMul by a matrix; its input is a hidden state.

// A decoder of 4 tokens over an encoder's 4 outputs: its keys and values are projected
// from %enc, its queries from %x, so the gain cells (which hold the keys of the tokens they
// answer) cannot serve it, however equal the lengths.
// ERR: map-attention-cross.mlir:[[# @LINE + 6]]:8: error: attention of 4 queries over 4 keys of another sequence (cross-attention) does not run on the gain cells, which hold the keys of the tokens they answer; use --attention=digital or --attention=auto
func.func @cross_equal_lengths(%x: tensor<1x1x4x8xf32>, %enc: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %q = "onnx.mat_mul"(%x, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %k = "onnx.mat_mul"(%enc, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %v = "onnx.mat_mul"(%enc, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %0 = "gcim.attention"(%q, %k, %v) {kind = "softmax", causal = 0 : i64, window = 0 : i64, scale = 0.35 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

// The same shapes as self-attention (q, k and v projected from %x) are mapped.
// CHECK-LABEL: func.func @self_same_shapes
// CHECK: "gcim.kv_write"
// CHECK-NOT: gcim.attention
func.func @self_same_shapes(%x: tensor<1x1x4x8xf32>, %enc: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %q = "onnx.mat_mul"(%x, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %k = "onnx.mat_mul"(%x, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %v = "onnx.mat_mul"(%x, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %0 = "gcim.attention"(%q, %k, %v) {kind = "softmax", causal = 0 : i64, window = 0 : i64, scale = 0.35 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

// Two LayerNorms of the same %x (a block that normalises once per projection) are one
// hidden state: self-attention, mapped.
// CHECK-LABEL: func.func @self_two_norms
// CHECK: "gcim.kv_write"
func.func @self_two_norms(%x: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %g = "onnx.constant"() {value = dense<1.0> : tensor<8xf32>} : () -> tensor<8xf32>
  %n1 = "onnx.layer_normalization"(%x, %g, %g) {axis = -1 : i64, epsilon = 1.0E-5 : f32, resultSegmentSizes = array<i32: 1, 0, 0>, stash_type = 1 : i64} : (tensor<1x1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x1x4x8xf32>
  %n2 = "onnx.layer_normalization"(%x, %g, %g) {axis = -1 : i64, epsilon = 1.0E-5 : f32, resultSegmentSizes = array<i32: 1, 0, 0>, stash_type = 1 : i64} : (tensor<1x1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x1x4x8xf32>
  %q = "onnx.mat_mul"(%n1, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %k = "onnx.mat_mul"(%n2, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %v = "onnx.mat_mul"(%n2, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %0 = "gcim.attention"(%q, %k, %v) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.35 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

// Angles computed from the same positions (positions x inv_freq, itself a MatMul by a
// matrix) and multiplied into q, k and v alike are a broadcast side input, not a hidden
// state they share: still cross-attention. Heads split from (batch, tokens, heads x dim)
// as exporters write them.
// ERR: map-attention-cross.mlir:[[# @LINE + 19]]:8: error: attention of 4 queries over 4 keys of another sequence (cross-attention)
func.func @cross_shared_angles(%x: tensor<1x4x16xf32>, %enc: tensor<1x4x16xf32>, %pos: tensor<1x1x4x1xf32>) -> tensor<1x2x4x8xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<16x16xf32>} : () -> tensor<16x16xf32>
  %inv = "onnx.constant"() {value = dense<0.1> : tensor<1x8xf32>} : () -> tensor<1x8xf32>
  %shape = "onnx.constant"() {value = dense<[1, 4, 2, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %angles = "onnx.mat_mul"(%pos, %inv) : (tensor<1x1x4x1xf32>, tensor<1x8xf32>) -> tensor<1x1x4x8xf32>
  %cos = "onnx.cos"(%angles) : (tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  %q0 = "onnx.mat_mul"(%x, %w) : (tensor<1x4x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16xf32>
  %q1 = "onnx.reshape"(%q0, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %q2 = "onnx.transpose"(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %q = "onnx.mul"(%q2, %cos) : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %k0 = "onnx.mat_mul"(%enc, %w) : (tensor<1x4x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16xf32>
  %k1 = "onnx.reshape"(%k0, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %k2 = "onnx.transpose"(%k1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %k = "onnx.mul"(%k2, %cos) : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %v0 = "onnx.mat_mul"(%enc, %w) : (tensor<1x4x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16xf32>
  %v1 = "onnx.reshape"(%v0, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %v2 = "onnx.transpose"(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %v = "onnx.mul"(%v2, %cos) : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x2x4x8xf32>
  %0 = "gcim.attention"(%q, %k, %v) {kind = "softmax", causal = 0 : i64, window = 0 : i64, scale = 0.35 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// Keys and values given as a graph input (Hugging Face's decoder-with-past export passes
// the encoder's projected keys so), queries projected in the graph: cross-attention.
// ERR: map-attention-cross.mlir:[[# @LINE + 4]]:8: error: attention of 4 queries over 4 keys of another sequence (cross-attention)
func.func @cross_keys_input(%x: tensor<1x1x4x8xf32>, %kv: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %q = "onnx.mat_mul"(%x, %w) : (tensor<1x1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x1x4x8xf32>
  %0 = "gcim.attention"(%q, %kv, %kv) {kind = "softmax", causal = 0 : i64, window = 0 : i64, scale = 0.35 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

// A KV cache's past is a graph input too, but the new token's keys are projected from the
// queries' hidden state: self-attention, refused only as the cache it is.
// ERR: error: full-sequence attention with a KV cache (1 queries, 4 keys) must be streamed first (gcim-stream){{$}}
func.func @self_cache(%x: tensor<1x1x1x8xf32>, %past: tensor<1x1x3x8xf32>) -> tensor<1x1x1x8xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<8x8xf32>} : () -> tensor<8x8xf32>
  %q = "onnx.mat_mul"(%x, %w) : (tensor<1x1x1x8xf32>, tensor<8x8xf32>) -> tensor<1x1x1x8xf32>
  %new = "onnx.mat_mul"(%x, %w) : (tensor<1x1x1x8xf32>, tensor<8x8xf32>) -> tensor<1x1x1x8xf32>
  %k = "gcim.cache_append"(%past, %new) : (tensor<1x1x3x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x1x4x8xf32>
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.35 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x1x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x1x8xf32>
  return %0 : tensor<1x1x1x8xf32>
}
