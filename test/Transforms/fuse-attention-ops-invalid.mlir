// RUN: not gcim-opt --split-input-file --gcim-fuse-attention=strict=1 %s 2>&1 | FileCheck %s

// Attention operators gcim.attention cannot express: one case per reason. A
// GainCellAttention trained for other hardware is an error even without strict=1 (last
// cases).

// CHECK: error: attention not fused: softcap is not supported
func.func @onnx23_softcap(%q: tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32> {
  %y = "onnx.attention"(%q, %q, %q) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 30.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32>
  return %y : tensor<1x2x8x64xf32>
}

// -----

// CHECK: error: attention not fused: the qk_matmul_output result is used
func.func @onnx23_qk_output(%q: tensor<1x2x8x64xf32>) -> tensor<1x2x8x8xf32> {
  %y, %qk = "onnx.attention"(%q, %q, %q) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 1>} : (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) -> (tensor<1x2x8x64xf32>, tensor<1x2x8x8xf32>)
  return %qk : tensor<1x2x8x8xf32>
}

// -----

// CHECK: error: attention not fused: 3-D inputs without q_num_heads and kv_num_heads
func.func @onnx23_3d_no_heads(%q: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %y = "onnx.attention"(%q, %q, %q) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %y : tensor<1x8x64xf32>
}

// -----

// CHECK: error: attention not fused: the query heads are not a multiple of the kv heads
func.func @onnx23_heads_not_grouped(%q: tensor<1x4x8x64xf32>, %k: tensor<1x3x8x64xf32>) -> tensor<1x4x8x64xf32> {
  %y = "onnx.attention"(%q, %k, %k) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x4x8x64xf32>, tensor<1x3x8x64xf32>, tensor<1x3x8x64xf32>) -> tensor<1x4x8x64xf32>
  return %y : tensor<1x4x8x64xf32>
}

// -----

// CHECK: error: attention not fused: q, k, v are not (batch, heads, tokens, dim) or (batch, tokens, heads*dim)
func.func @onnx23_rank5(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x1x8x64xf32>) -> tensor<1x2x8x64xf32> {
  %y = "onnx.attention"(%q, %k, %k) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x2x8x64xf32>, tensor<1x2x1x8x64xf32>, tensor<1x2x1x8x64xf32>) -> tensor<1x2x8x64xf32>
  return %y : tensor<1x2x8x64xf32>
}

// -----

// CHECK: error: attention not fused: both is_causal and attn_mask are set
func.func @onnx23_causal_and_mask(%q: tensor<1x2x4x64xf32>, %m: tensor<4x4xi1>) -> tensor<1x2x4x64xf32> {
  %y = "onnx.attention"(%q, %q, %q, %m) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>, tensor<4x4xi1>) -> tensor<1x2x4x64xf32>
  return %y : tensor<1x2x4x64xf32>
}

// -----

// CHECK: error: attention not fused: is_causal with more keys than queries is upper-left aligned in ONNX, which is not a causal decoder mask
func.func @onnx23_causal_upper_left(%q: tensor<1x2x2x64xf32>, %k: tensor<1x2x4x64xf32>) -> tensor<1x2x2x64xf32> {
  %y = "onnx.attention"(%q, %k, %k) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x2x2x64xf32>, tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>) -> tensor<1x2x2x64xf32>
  return %y : tensor<1x2x2x64xf32>
}

// -----

// A mask_index from a graph input is a padding mask (fuse-attention-padding.mlir): fused
// only with padding=unpadded.
// CHECK: error: attention not fused: its mask_index is input 'mask', a padding mask: fused only assuming no padding (padding=unpadded, gcim-compile --padding-mask=unpadded)
func.func @ms_attention_mask_index(%x: tensor<1x4x128xf32>, %w: tensor<128x384xf32>, %m: tensor<1xi32> {onnx.name = "mask"}) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_attention"(%x, %w, %m) {num_heads = 2 : i64, unidirectional = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>} : (tensor<1x4x128xf32>, tensor<128x384xf32>, tensor<1xi32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// Any other mask_index (here of shape (batch, 2 * keys)) is not supported.
// CHECK: error: attention not fused: its mask_index input is not supported (compile the model from before ONNX Runtime's attention fusion)
func.func @ms_attention_mask_index_other(%x: tensor<1x4x128xf32>, %w: tensor<128x384xf32>, %m: tensor<1x8xi32>) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_attention"(%x, %w, %m) {num_heads = 2 : i64, unidirectional = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>} : (tensor<1x4x128xf32>, tensor<128x384xf32>, tensor<1x8xi32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// CHECK: error: attention not fused: rotary embeddings (do_rotary) are not supported
func.func @ms_attention_rotary(%x: tensor<1x4x128xf32>, %w: tensor<128x384xf32>) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_attention"(%x, %w) {num_heads = 2 : i64, unidirectional = 1 : i64, do_rotary = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>} : (tensor<1x4x128xf32>, tensor<128x384xf32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// CHECK: error: attention not fused: input is not (batch, tokens, hidden) with weights (hidden, 3 * heads * dim)
func.func @ms_attention_heads(%x: tensor<1x4x128xf32>, %w: tensor<128x384xf32>) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_attention"(%x, %w) {num_heads = 3 : i64, unidirectional = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>} : (tensor<1x4x128xf32>, tensor<128x384xf32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// CHECK: error: attention not fused: unequal qkv_hidden_sizes are not supported
func.func @ms_attention_qkv_sizes(%x: tensor<1x4x128xf32>, %w: tensor<128x384xf32>) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_attention"(%x, %w) {num_heads = 2 : i64, unidirectional = 1 : i64, qkv_hidden_sizes = array<i64: 128, 128, 64>, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>} : (tensor<1x4x128xf32>, tensor<128x384xf32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// CHECK: error: attention not fused: the present result is used
func.func @ms_attention_present(%x: tensor<1x4x128xf32>, %w: tensor<128x384xf32>) -> tensor<2x1x2x4x64xf32> {
  %y, %p = "onnx.ms_attention"(%x, %w) {num_heads = 2 : i64, unidirectional = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 1>} : (tensor<1x4x128xf32>, tensor<128x384xf32>) -> (tensor<1x4x128xf32>, tensor<2x1x2x4x64xf32>)
  return %p : tensor<2x1x2x4x64xf32>
}

// -----

// CHECK: error: attention not fused: packed QKV (no key or value input) is not supported
func.func @mha_packed(%x: tensor<1x4x2x3x64xf32>) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_multi_head_attention"(%x) {num_heads = 2 : i64, unidirectional = 0 : i64, operandSegmentSizes = array<i32: 1, 0, 0, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<1x4x2x3x64xf32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// CHECK: error: attention not fused: key_padding_mask and attention_bias are not supported
func.func @mha_padding(%x: tensor<1x4x128xf32>, %m: tensor<1x4xi32>) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_multi_head_attention"(%x, %x, %x, %m) {num_heads = 2 : i64, unidirectional = 0 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<1x4x128xf32>, tensor<1x4x128xf32>, tensor<1x4x128xf32>, tensor<1x4xi32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// CHECK: error: attention not fused: query is not (batch, tokens, heads * dim) or key/value do not have num_heads heads
func.func @mha_heads(%x: tensor<1x4x128xf32>) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_multi_head_attention"(%x, %x, %x) {num_heads = 3 : i64, unidirectional = 0 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<1x4x128xf32>, tensor<1x4x128xf32>, tensor<1x4x128xf32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// CHECK: error: attention not fused: a bias with 4-D key or value is not supported
func.func @mha_bias_4d(%x: tensor<1x4x128xf32>, %k: tensor<1x2x4x64xf32>, %b: tensor<384xf32>) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_multi_head_attention"(%x, %k, %k, %b) {num_heads = 2 : i64, unidirectional = 0 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<1x4x128xf32>, tensor<1x2x4x64xf32>, tensor<1x2x4x64xf32>, tensor<384xf32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// CHECK: error: attention not fused: q, k, v are not (batch, tokens, heads * dim) or (batch, heads, tokens, dim) with num_heads heads
func.func @gain_cell_heads(%q: tensor<1x8x128xf32>) -> tensor<1x8x128xf32> {
  %y = "onnx.gcim_gain_cell_attention"(%q, %q, %q) {num_heads = 3 : i64, window = 1024 : i64, cell = "nonlinear", decay = 1.6e-4 : f32, q_levels = 16 : i64, kv_levels = 8 : i64, out_levels = 32 : i64, first_product_saturation = 80.0 : f32, output_saturation = 40.0 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>) -> tensor<1x8x128xf32>
  return %y : tensor<1x8x128xf32>
}

// -----

// CHECK: error: 'GainCellAttention' was trained for q_levels 8 but the hardware has 16
func.func @gain_cell_levels(%q: tensor<1x8x128xf32>) -> tensor<1x8x128xf32> {
  %y = "onnx.gcim_gain_cell_attention"(%q, %q, %q) {num_heads = 2 : i64, window = 1024 : i64, cell = "nonlinear", decay = 1.6e-4 : f32, q_levels = 8 : i64, kv_levels = 8 : i64, out_levels = 32 : i64, first_product_saturation = 80.0 : f32, output_saturation = 40.0 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>) -> tensor<1x8x128xf32>
  return %y : tensor<1x8x128xf32>
}

// -----

// CHECK: error: 'GainCellAttention' was trained for output_saturation 20 but the hardware has 40
func.func @gain_cell_saturation(%q: tensor<1x8x128xf32>) -> tensor<1x8x128xf32> {
  %y = "onnx.gcim_gain_cell_attention"(%q, %q, %q) {num_heads = 2 : i64, window = 1024 : i64, cell = "nonlinear", decay = 1.6e-4 : f32, q_levels = 16 : i64, kv_levels = 8 : i64, out_levels = 32 : i64, first_product_saturation = 80.0 : f32, output_saturation = 20.0 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>) -> tensor<1x8x128xf32>
  return %y : tensor<1x8x128xf32>
}

// -----

// CHECK: error: 'GainCellAttention' was trained for the linear cell but the hardware has the nonlinear cell
func.func @gain_cell_cell(%q: tensor<1x8x128xf32>) -> tensor<1x8x128xf32> {
  %y = "onnx.gcim_gain_cell_attention"(%q, %q, %q) {num_heads = 2 : i64, window = 1024 : i64, cell = "linear", decay = 1.6e-4 : f32, q_levels = 16 : i64, kv_levels = 8 : i64, out_levels = 32 : i64, first_product_saturation = 80.0 : f32, output_saturation = 40.0 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>) -> tensor<1x8x128xf32>
  return %y : tensor<1x8x128xf32>
}
