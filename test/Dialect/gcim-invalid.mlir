// RUN: mlir-opt --irdl-file=%gcim_irdl --split-input-file --verify-diagnostics %s

func.func @attention_without_kind(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @below {{attribute "kind" is expected but not provided}}
  %0 = "gcim.attention"(%q, %q, %q) {causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

func.func @attention_kind_not_a_string(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @below {{expected base attribute 'builtin.string' but got 'builtin.integer'}}
  %0 = "gcim.attention"(%q, %q, %q) {kind = 1 : i64, causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 8 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  return %0 : tensor<1x1x4x8xf32>
}

// -----

func.func @kv_write_without_layer(%x: tensor<1x2x1x64xf32>) {
  // expected-error @below {{attribute "layer" is expected but not provided}}
  "gcim.kv_write"(%x, %x) {window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 1 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> ()
  return
}

// -----

func.func @quantize_kind_not_a_string(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{expected base attribute 'builtin.string' but got 'builtin.integer'}}
  %0 = "gcim.quantize"(%x) {kind = 1 : i64, levels = 8 : i64, lo = 0.0 : f32, hi = 0.9 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @attention_step_without_layer(%x: tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32> {
  // expected-error @below {{attribute "layer" is expected but not provided}}
  %0 = "gcim.attention_step"(%x, %x, %x) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32>
  return %0 : tensor<1x2x1x64xf32>
}
