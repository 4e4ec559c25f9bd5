// RUN: gcim-opt --gcim-fuse-attention --gcim-stream=strict=1 --gcim-map-attention=attention=analog --gcim-verify %S/Inputs/decode-cache.mlir | FileCheck %s
// RUN: not gcim-opt --split-input-file --gcim-map-attention=attention=analog %s 2>&1 | FileCheck %s --check-prefix=ERR

// The full-sequence form of a streamed one-token KV-cache graph (docs/HardwareModel.md
// section 2, "A KV-cache graph") is replayed on heads of its own: gcim.mapping = "cache";
// the step function maps its attention_step onto the tiles.
// CHECK-LABEL: func.func @decode(
// CHECK: "gcim.attention"({{.*}}gcim.layer = 0 : i64, gcim.mapping = "cache"{{.*}} -> tensor<1x2x1x8xf32>
// CHECK-LABEL: func.func @decode_step(
// CHECK: "gcim.kv_write"({{.*}}layer = 0 : i64, streamed = 1 : i64

// The refusals, each naming the attention's location.
// ERR: map-attention-cache.mlir:[[# @LINE + 2]]:8: error: attention over a KV cache of 1024 past tokens: with the new token that exceeds the hardware window of 1024 tokens, whose oldest would be overwritten; export a shorter past or use --attention=digital
func.func @long_past(%q: tensor<1x1x1x64xf32>, %k: tensor<1x1x1025x64xf32>) -> tensor<1x1x1x64xf32> attributes {gcim.step_function = "long_past_step"} {
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x1x64xf32>, tensor<1x1x1025x64xf32>, tensor<1x1x1025x64xf32>) -> tensor<1x1x1x64xf32>
  return %0 : tensor<1x1x1x64xf32>
}

// -----

// A window of the attention's own: the ring keeps its last 16 tokens, as the model means.
func.func @windowed_past(%q: tensor<1x1x1x64xf32>, %k: tensor<1x1x1025x64xf32>) -> tensor<1x1x1x64xf32> attributes {gcim.step_function = "windowed_past_step"} {
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 16 : i64, scale = 0.125 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x1x64xf32>, tensor<1x1x1025x64xf32>, tensor<1x1x1025x64xf32>) -> tensor<1x1x1x64xf32>
  return %0 : tensor<1x1x1x64xf32>
}
// ERR-NOT: KV cache of 1024 past tokens

// -----

// ERR: map-attention-cache.mlir:[[# @LINE + 2]]:8: error: attention over a KV cache with 2 new tokens (9 keys): the gain cells take one new token per step; export a one-token KV-cache step or use --attention=digital
func.func @two_new_streamed(%q: tensor<1x1x2x64xf32>, %k: tensor<1x1x9x64xf32>) -> tensor<1x1x2x64xf32> attributes {gcim.step_function = "two_new_streamed_step"} {
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x2x64xf32>, tensor<1x1x9x64xf32>, tensor<1x1x9x64xf32>) -> tensor<1x1x2x64xf32>
  return %0 : tensor<1x1x2x64xf32>
}

// -----

// Not streamed (gcim-stream refuses caches with more than one new token): the same reason.
// ERR: map-attention-cache.mlir:[[# @LINE + 2]]:8: error: attention over a KV cache with 2 new tokens (9 keys): the gain cells take one new token per step
func.func @two_new(%q: tensor<1x1x2x64xf32>, %k: tensor<1x1x9x64xf32>) -> tensor<1x1x2x64xf32> {
  %0 = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 1 : i64, head_dim = 64 : i64} : (tensor<1x1x2x64xf32>, tensor<1x1x9x64xf32>, tensor<1x1x9x64xf32>) -> tensor<1x1x2x64xf32>
  return %0 : tensor<1x1x2x64xf32>
}
