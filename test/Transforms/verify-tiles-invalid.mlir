// RUN: not gcim-opt --gcim-verify --split-input-file %s 2>&1 | FileCheck %s

// gcim-verify on the step- and tile-level gcim ops and on K/V state use: one case per
// diagnostic.

// CHECK: error: 'gcim.attention' num_heads 3 does not match q's 2 heads
func.func @heads_attr(%q: tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 3 : i64, head_dim = 64 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.attention' head_dim 32 does not match q's head dim 64
func.func @dim_attr(%q: tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 32 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.scaler' operand 'x' must be (batch, heads, tokens, head_dim)
func.func @scaler_rank(%x: tensor<2x64xf32>, %s: tensor<2x8xf32>) -> tensor<2x64xf32> {
  %0 = "gcim.scaler"(%x, %s) {a_index = 0 : i64, b_index = 1 : i64} : (tensor<2x64xf32>, tensor<2x8xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// CHECK: error: 'gcim.scaler' scales must be (heads, 8)
func.func @scaler_scales(%x: tensor<1x2x4x64xf32>, %s: tensor<3x8xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.scaler"(%x, %s) {a_index = 0 : i64, b_index = 1 : i64} : (tensor<1x2x4x64xf32>, tensor<3x8xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.scaler' scaler indices must be in 0..7
func.func @scaler_index(%x: tensor<1x2x4x64xf32>, %s: tensor<2x8xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.scaler"(%x, %s) {a_index = 8 : i64, b_index = 1 : i64} : (tensor<1x2x4x64xf32>, tensor<2x8xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.quantize' kind must be dac, pwm or adc
func.func @quantize_kind(%x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.quantize"(%x) {kind = "dsp", levels = 8 : i64, lo = 0.0 : f32, hi = 0.9 : f32} : (tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.quantize' needs at least 2 levels
func.func @quantize_levels(%x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.quantize"(%x) {kind = "dac", levels = 1 : i64, lo = 0.0 : f32, hi = 0.9 : f32} : (tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.quantize' range must have lo < hi
func.func @quantize_range(%x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.quantize"(%x) {kind = "adc", levels = 32 : i64, lo = 1.0 : f32, hi = -1.0 : f32} : (tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.kv_write' k and v must be (batch, heads, tokens, head_dim)
func.func @write_rank(%x: tensor<1x2x4x64xf32>, %y: tensor<2x64xf32>) {
  "gcim.kv_write"(%x, %y) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<2x64xf32>) -> ()
  return
}

// -----

// CHECK: error: 'gcim.kv_write' k and v disagree on batch, heads or tokens
func.func @write_tokens(%x: tensor<1x2x4x64xf32>, %y: tensor<1x2x5x64xf32>) {
  "gcim.kv_write"(%x, %y) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x5x64xf32>) -> ()
  return
}

// -----

// CHECK: error: 'gcim.kv_write' window, token_tiles and dim_tiles must be positive
func.func @write_tiles(%x: tensor<1x2x4x64xf32>) {
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 0 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  return
}

// -----

// CHECK: error: 'gcim.kv_write' streamed must be 0 or 1
func.func @write_streamed(%x: tensor<1x2x4x64xf32>) {
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 2 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  return
}

// -----

// CHECK: error: 'gcim.kv_write' a streamed write takes one token
func.func @write_step(%x: tensor<1x2x4x64xf32>) {
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 1 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  return
}

// -----

// CHECK: error: 'gcim.qk_product' maps (batch, heads, tokens, head_dim) to (batch, heads, tokens, token_tiles, rows)
func.func @qk_rank(%x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32> {
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  %0 = "gcim.qk_product"(%x) {layer = 0 : i64, causal = 1 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64} : (tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.qk_product' sub-tile axis does not match token_tiles
func.func @qk_tiles(%x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x16x64xf32> {
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  %0 = "gcim.qk_product"(%x) {layer = 0 : i64, causal = 1 : i64, token_tiles = 8 : i64, dim_tiles = 1 : i64} : (tensor<1x2x4x64xf32>) -> tensor<1x2x4x16x64xf32>
  return %0 : tensor<1x2x4x16x64xf32>
}

// -----

// CHECK: error: 'gcim.qk_product' operand and result disagree on batch, heads or tokens
func.func @qk_tokens(%x: tensor<1x2x4x64xf32>) -> tensor<1x2x5x16x64xf32> {
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  %0 = "gcim.qk_product"(%x) {layer = 0 : i64, causal = 1 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64} : (tensor<1x2x4x64xf32>) -> tensor<1x2x5x16x64xf32>
  return %0 : tensor<1x2x5x16x64xf32>
}

// -----

// CHECK: error: 'gcim.qk_product' token_tiles and dim_tiles must be positive
func.func @qk_dim_tiles(%x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x16x64xf32> {
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  %0 = "gcim.qk_product"(%x) {layer = 0 : i64, causal = 1 : i64, token_tiles = 16 : i64, dim_tiles = 0 : i64} : (tensor<1x2x4x64xf32>) -> tensor<1x2x4x16x64xf32>
  return %0 : tensor<1x2x4x16x64xf32>
}

// -----

// CHECK: error: 'gcim.qk_product' reads a layer's state before its gcim.kv_write
func.func @read_before_write(%x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x16x64xf32> {
  %0 = "gcim.qk_product"(%x) {layer = 0 : i64, causal = 1 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64} : (tensor<1x2x4x64xf32>) -> tensor<1x2x4x16x64xf32>
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  return %0 : tensor<1x2x4x16x64xf32>
}

// -----

// CHECK: error: 'gcim.kv_write' writes a layer's state twice
func.func @write_twice(%x: tensor<1x2x4x64xf32>) {
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  return
}

// -----

// CHECK: error: 'gcim.kv_write' layer must be in 0..4095
func.func @write_layer(%x: tensor<1x2x4x64xf32>) {
  "gcim.kv_write"(%x, %x) {layer = 5000 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  return
}

// -----

// CHECK: error: 'gcim.pv_product' maps (batch, heads, tokens, token_tiles, rows) to (batch, heads, tokens, token_tiles, head_dim)
func.func @pv_rank(%x: tensor<1x2x4x64xf32>, %p: tensor<1x2x4x64xf32>) -> tensor<1x2x4x16x64xf32> {
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> ()
  %0 = "gcim.pv_product"(%p) {layer = 0 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64} : (tensor<1x2x4x64xf32>) -> tensor<1x2x4x16x64xf32>
  return %0 : tensor<1x2x4x16x64xf32>
}

// -----

// CHECK: error: 'gcim.charge_to_pulse' saturation must be positive
func.func @pulse_sat(%c: tensor<1x2x4x16x64xf32>) -> tensor<1x2x4x16x64xf32> {
  %0 = "gcim.charge_to_pulse"(%c) {saturation = 0.0 : f32} : (tensor<1x2x4x16x64xf32>) -> tensor<1x2x4x16x64xf32>
  return %0 : tensor<1x2x4x16x64xf32>
}

// -----

// CHECK: error: 'gcim.readout' result type must equal the operand type
func.func @readout_type(%c: tensor<1x2x4x16x64xf32>) -> tensor<1x2x4x16x32xf32> {
  %0 = "gcim.readout"(%c) {saturation = 40.0 : f32} : (tensor<1x2x4x16x64xf32>) -> tensor<1x2x4x16x32xf32>
  return %0 : tensor<1x2x4x16x32xf32>
}

// -----

// CHECK: error: 'gcim.adder_tree' sums (batch, heads, tokens, token_tiles, head_dim) over token_tiles
func.func @adder(%c: tensor<1x2x4x16x64xf32>) -> tensor<1x2x4x32xf32> {
  %0 = "gcim.adder_tree"(%c) : (tensor<1x2x4x16x64xf32>) -> tensor<1x2x4x32xf32>
  return %0 : tensor<1x2x4x32xf32>
}

// -----

// CHECK: error: 'gcim.cache_append' operands and result must be (batch, heads, tokens, head_dim)
func.func @append_rank(%p: tensor<2x64xf32>, %x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.cache_append"(%p, %x) : (tensor<2x64xf32>, tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.cache_append' result must be past followed by x along the tokens
func.func @append_tokens(%p: tensor<1x2x4x64xf32>, %x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.cache_append"(%p, %x) : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.attention_step' q, k, v must be (batch, heads, 1, head_dim)
func.func @step_rank(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %0 = "gcim.attention_step"(%x, %x, %x) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<2x64xf32>, tensor<2x64xf32>, tensor<2x64xf32>) -> tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// CHECK: error: 'gcim.attention_step' processes one token (tokens = 1)
func.func @step_tokens(%x: tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32> {
  %0 = "gcim.attention_step"(%x, %x, %x) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> tensor<1x2x4x64xf32>
  return %0 : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: 'gcim.attention_step' q, k and v disagree on heads or head dims
func.func @step_dims(%q: tensor<1x2x1x64xf32>, %k: tensor<1x2x1x32xf32>) -> tensor<1x2x1x64xf32> {
  %0 = "gcim.attention_step"(%q, %k, %q) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x32xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32>
  return %0 : tensor<1x2x1x64xf32>
}

// -----

// CHECK: error: 'gcim.attention_step' window must not be negative
func.func @step_window(%q: tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32> {
  %0 = "gcim.attention_step"(%q, %q, %q) {kind = "gaincell", window = -1 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32>
  return %0 : tensor<1x2x1x64xf32>
}

// -----

// CHECK: error: 'gcim.attention_step' writes a layer's state twice
func.func @step_layer_twice(%q: tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32> {
  %0 = "gcim.attention_step"(%q, %q, %q) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32>
  %1 = "gcim.attention_step"(%0, %0, %0) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x1x64xf32>
  return %1 : tensor<1x2x1x64xf32>
}
