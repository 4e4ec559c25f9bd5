// RUN: not gcim-opt --split-input-file --gcim-map-attention=attention=analog %s 2>&1 | FileCheck %s
// RUN: not gcim-opt --gcim-map-attention=attention=exact %s 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not gcim-opt --gcim-map-attention=window=256 %s 2>&1 | FileCheck %s --check-prefix=NOOPTION

// Attention the hardware cannot hold under --attention=analog; bad options.
// MODE: gcim-opt: error: option 'attention' of pass 'gcim-map-attention' must be one of auto, analog, digital, not 'exact'
// NOOPTION: gcim-opt: error: pass 'gcim-map-attention' has no option 'window'

// CHECK: map-attention-invalid.mlir:[[# @LINE + 2]]:8: error: attention window of 2048 tokens exceeds the hardware window of 1024 tokens; use --attention=digital
func.func @window_too_long(%q: tensor<1x1x8x64xf32>) -> tensor<1x1x8x64xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "gaincell", causal = 1 : i64, window = 2048 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>) -> tensor<1x1x8x64xf32>
  return %0 : tensor<1x1x8x64xf32>
}

// -----

// CHECK: error: non-causal attention over 2000 tokens does not fit the hardware window of 1024 tokens; use --attention=digital
func.func @non_causal_too_long(%q: tensor<1x1x2000x64xf32>) -> tensor<1x1x2000x64xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 0 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x2000x64xf32>, tensor<1x1x2000x64xf32>, tensor<1x1x2000x64xf32>) -> tensor<1x1x2000x64xf32>
  return %0 : tensor<1x1x2000x64xf32>
}

// -----

// CHECK: error: full-sequence causal attention over 2000 tokens exceeds the window of 1024 tokens; stream it first (gcim-stream) or use --attention=digital
func.func @causal_too_long(%q: tensor<1x1x2000x64xf32>) -> tensor<1x1x2000x64xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x2000x64xf32>, tensor<1x1x2000x64xf32>, tensor<1x1x2000x64xf32>) -> tensor<1x1x2000x64xf32>
  return %0 : tensor<1x1x2000x64xf32>
}

// -----

// CHECK: error: full-sequence attention with a KV cache (1 queries, 8 keys) must be streamed first (gcim-stream){{$}}
func.func @cache_not_streamed(%q: tensor<1x1x1x64xf32>, %past: tensor<1x1x7x64xf32>) -> tensor<1x1x1x64xf32> {
  %k = "gcim.cache_append"(%past, %q) : (tensor<1x1x7x64xf32>, tensor<1x1x1x64xf32>) -> tensor<1x1x8x64xf32>
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x1x64xf32>, tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>) -> tensor<1x1x1x64xf32>
  return %0 : tensor<1x1x1x64xf32>
}

// -----

// A BART/Whisper decoder step's cross-attention: its one query is fused as the causal
// row, but its keys (the encoder's 6 outputs) are no cache: said as cross-attention, not
// as a cache gcim-stream left.
// CHECK: error: attention of 1 queries over 6 keys of another sequence (cross-attention) does not run on the gain cells, which hold the keys of the tokens they answer; use --attention=digital or --attention=auto
func.func @one_query_cross_attention(%q: tensor<1x4x1x8xf32>, %kv: tensor<1x4x6x8xf32>) -> tensor<1x4x1x8xf32> attributes {gcim.unstreamed = "an attention has 1 queries but 6 keys without a KV cache"} {
  %0 = "gcim.attention"(%q, %kv, %kv) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.35 : f32, num_heads = 4 : i64, head_dim = 8 : i64} : (tensor<1x4x1x8xf32>, tensor<1x4x6x8xf32>, tensor<1x4x6x8xf32>) -> tensor<1x4x1x8xf32>
  return %0 : tensor<1x4x1x8xf32>
}

// -----

// gcim-stream's reason for leaving the function is in the error (the user cannot stream
// it any other way).
// CHECK: error: full-sequence attention with a KV cache (1 queries, 8 keys) must be streamed first (gcim-stream), which did not stream it: an op mixes positions; use --attention=digital
func.func @cache_unstreamed(%q: tensor<1x1x1x64xf32>, %past: tensor<1x1x7x64xf32>) -> tensor<1x1x1x64xf32> attributes {gcim.unstreamed = "an op mixes positions"} {
  %k = "gcim.cache_append"(%past, %q) : (tensor<1x1x7x64xf32>, tensor<1x1x1x64xf32>) -> tensor<1x1x8x64xf32>
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x1x64xf32>, tensor<1x1x8x64xf32>, tensor<1x1x8x64xf32>) -> tensor<1x1x1x64xf32>
  return %0 : tensor<1x1x1x64xf32>
}

// -----

// CHECK: error: full-sequence attention over a dynamic number of tokens cannot be checked against the hardware window; bind the shapes or use --attention=digital
func.func @dynamic_tokens(%q: tensor<1x2x?x64xf32>) -> tensor<1x2x?x64xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "gaincell", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>, tensor<1x2x?x64xf32>) -> tensor<1x2x?x64xf32>
  return %0 : tensor<1x2x?x64xf32>
}

// -----

// CHECK: error: attention with a dynamic number of heads or head dim cannot be mapped; use --attention=digital
func.func @dynamic_heads(%q: tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "gaincell", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>, tensor<1x?x4x64xf32>) -> tensor<1x?x4x64xf32>
  return %0 : tensor<1x?x4x64xf32>
}

// -----

// CHECK: error: attention operands must be (batch, heads, tokens, head_dim) tensors (see gcim-verify)
func.func @rank3(%q: tensor<2x4x64xf32>) -> tensor<2x4x64xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "gaincell", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<2x4x64xf32>, tensor<2x4x64xf32>, tensor<2x4x64xf32>) -> tensor<2x4x64xf32>
  return %0 : tensor<2x4x64xf32>
}

// -----

// A decoder's cross-attention (nn.TransformerDecoderLayer's multihead_attn: 6 queries
// over the 4 tokens of the encoder's output): the arrays hold the keys of the tokens they
// answer.
// CHECK: error: attention of 6 queries over 4 keys of another sequence (cross-attention) does not run on the gain cells, which hold the keys of the tokens they answer; use --attention=digital or --attention=auto
func.func @cross_attention(%q: tensor<1x4x6x8xf32>, %kv: tensor<1x4x4x8xf32>) -> tensor<1x4x6x8xf32> {
  %0 = "gcim.attention"(%q, %kv, %kv) {kind = "softmax", causal = 0 : i64, window = 0 : i64, scale = 0.35 : f32, num_heads = 4 : i64, head_dim = 8 : i64} : (tensor<1x4x6x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x6x8xf32>
  return %0 : tensor<1x4x6x8xf32>
}

// -----

// GPT-BigCode's KV cache: its past key_value (k and v in one (batch, past, 2 x dim)
// input) is concatenated before the split, so the fusion took no cache; the 4 query rows
// (one token's 4 heads) over the 6 keys are not another sequence's, and the error says so.
// CHECK: error: attention of 4 queries over 6 keys that include input '{{.*}}', a KV cache gcim does not take for one (it takes past K and V of their own, concatenated to the new k and v along the tokens), does not run on the gain cells; use --attention=digital or --attention=auto
func.func @cache_not_taken(%q: tensor<1x1x4x8xf32>, %past: tensor<1x5x16xf32>, %new: tensor<1x1x16xf32>) -> tensor<1x1x4x8xf32> {
  %kv = "onnx.concat"(%past, %new) {axis = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x5x16xf32>, tensor<1x1x16xf32>) -> tensor<1x6x16xf32>
  %starts = "onnx.constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %ends = "onnx.constant"() {value = dense<8> : tensor<1xi64>} : () -> tensor<1xi64>
  %axes = "onnx.constant"() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %k3 = "onnx.slice"(%kv, %starts, %ends, %axes) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x6x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x6x8xf32>
  %shape = "onnx.constant"() {value = dense<[1, 1, 6, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %k = "onnx.reshape"(%k3, %shape) {allowzero = 0 : i64} : (tensor<1x6x8xf32>, tensor<4xi64>) -> tensor<1x1x6x8xf32>
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 0 : i64, window = 0 : i64, scale = 0.35 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}
