// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-verify %s | FileCheck %s

// gcim-fuse-attention on attention operators: ONNX-23 Attention, com.microsoft Attention
// and MultiHeadAttention, ai.gcim GainCellAttention.

// ONNX-23 Attention on (batch, heads, tokens, dim), causal, default scale 1/sqrt(d).
// CHECK-LABEL: func.func @onnx23_4d_causal
// CHECK: "gcim.attention"(%arg0, %arg1, %arg2) {causal = 1 : i64, head_dim = 64 : i64, kind = "softmax", num_heads = 2 : i64, scale = 1.250000e-01 : f32, window = 0 : i64}
// CHECK-NOT: onnx.attention
func.func @onnx23_4d_causal(%q: tensor<1x2x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32> {
  %y = "onnx.attention"(%q, %k, %v) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) -> tensor<1x2x8x64xf32>
  return %y : tensor<1x2x8x64xf32>
}

// -----

// ONNX-23 Attention on (batch, tokens, hidden) with q_num_heads/kv_num_heads, an explicit
// scale and a sliding-window bool mask of 3 tokens.
// CHECK-LABEL: func.func @onnx23_3d_window_mask
// CHECK: %[[Q:.*]] = "onnx.transpose"(%{{.*}}) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x32xf32>) -> tensor<1x2x4x32xf32>
// CHECK: %[[Y:.*]] = "gcim.attention"(%[[Q]], %{{.*}}, %{{.*}}) {causal = 1 : i64, head_dim = 32 : i64, kind = "softmax", num_heads = 2 : i64, scale = 5.000000e-01 : f32, window = 3 : i64}
// CHECK: %[[T:.*]] = "onnx.transpose"(%[[Y]]) {perm = array<i64: 0, 2, 1, 3>}
// CHECK: "onnx.reshape"(%[[T]], %{{.*}}) {allowzero = 0 : i64} : (tensor<1x4x2x32xf32>, tensor<3xi64>) -> tensor<1x4x64xf32>
func.func @onnx23_3d_window_mask(%q: tensor<1x4x64xf32>, %k: tensor<1x4x64xf32>, %v: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %m = "onnx.constant"() {value = dense<[[true, false, false, false], [true, true, false, false], [true, true, true, false], [false, true, true, true]]> : tensor<4x4xi1>} : () -> tensor<4x4xi1>
  %y = "onnx.attention"(%q, %k, %v, %m) {is_causal = 0 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, q_num_heads = 2 : i64, kv_num_heads = 2 : i64, scale = 0.5 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<4x4xi1>) -> tensor<1x4x64xf32>
  return %y : tensor<1x4x64xf32>
}

// -----

// ONNX-23 Attention with a KV cache: one new token, past keys and values concatenated
// along the tokens; present_key/present_value are the concatenations.
// CHECK-LABEL: func.func @onnx23_kv_cache
// CHECK: %[[K:.*]] = "gcim.cache_append"(%arg3, %arg1) : (tensor<1x2x7x64xf32>, tensor<1x2x1x64xf32>) -> tensor<1x2x8x64xf32>
// CHECK: %[[V:.*]] = "gcim.cache_append"(%arg4, %arg2)
// CHECK: %[[Y:.*]] = "gcim.attention"(%arg0, %[[K]], %[[V]]) {causal = 1 : i64, {{.*}}window = 0 : i64}
// CHECK: return %[[Y]], %[[K]], %[[V]]
func.func @onnx23_kv_cache(%q: tensor<1x2x1x64xf32>, %k: tensor<1x2x1x64xf32>, %v: tensor<1x2x1x64xf32>, %pk: tensor<1x2x7x64xf32>, %pv: tensor<1x2x7x64xf32>) -> (tensor<1x2x1x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) {
  %y, %pk2, %pv2 = "onnx.attention"(%q, %k, %v, %pk, %pv) {is_causal = 0 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 1>, resultSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>, tensor<1x2x7x64xf32>, tensor<1x2x7x64xf32>) -> (tensor<1x2x1x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>)
  return %y, %pk2, %pv2 : tensor<1x2x1x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>
}

// -----

// com.microsoft Attention: packed QKV weights and bias become MatMul, Add, Split.
// CHECK-LABEL: func.func @ms_attention
// CHECK: %[[P:.*]] = "onnx.mat_mul"(%arg0, %arg1) : (tensor<1x4x128xf32>, tensor<128x384xf32>) -> tensor<1x4x384xf32>
// CHECK: %[[B:.*]] = "onnx.add"(%[[P]], %{{.*}})
// CHECK: "onnx.split"(%[[B]], %{{.*}}) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1{{(, 0)+}}>}
// CHECK: "gcim.attention"({{.*}}) {causal = 1 : i64, head_dim = 64 : i64, kind = "softmax", num_heads = 2 : i64, scale = 1.250000e-01 : f32, window = 0 : i64}
// CHECK-NOT: onnx.ms_attention
func.func @ms_attention(%x: tensor<1x4x128xf32>, %w: tensor<128x384xf32>, %b: tensor<384xf32>) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_attention"(%x, %w, %b) {num_heads = 2 : i64, unidirectional = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>} : (tensor<1x4x128xf32>, tensor<128x384xf32>, tensor<384xf32>) -> tensor<1x4x128xf32>
  return %y : tensor<1x4x128xf32>
}

// -----

// com.microsoft MultiHeadAttention with past keys and values (B, H, P, D).
// CHECK-LABEL: func.func @ms_mha_past
// CHECK: %[[K:.*]] = "gcim.cache_append"(%arg3, %{{.*}}) : (tensor<1x4x5x32xf32>, tensor<1x4x1x32xf32>) -> tensor<1x4x6x32xf32>
// CHECK: "gcim.attention"(%{{.*}}, %[[K]], %{{.*}}) {causal = 1 : i64, head_dim = 32 : i64, kind = "softmax", num_heads = 4 : i64
func.func @ms_mha_past(%q: tensor<1x1x128xf32>, %k: tensor<1x1x128xf32>, %v: tensor<1x1x128xf32>, %pk: tensor<1x4x5x32xf32>, %pv: tensor<1x4x5x32xf32>) -> (tensor<1x1x128xf32>, tensor<1x4x6x32xf32>) {
  %y, %pk2, %pv2 = "onnx.ms_multi_head_attention"(%q, %k, %v, %pk, %pv) {num_heads = 4 : i64, unidirectional = 0 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 1, 1>, resultSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x1x128xf32>, tensor<1x1x128xf32>, tensor<1x1x128xf32>, tensor<1x4x5x32xf32>, tensor<1x4x5x32xf32>) -> (tensor<1x1x128xf32>, tensor<1x4x6x32xf32>, tensor<1x4x6x32xf32>)
  return %y, %pk2 : tensor<1x1x128xf32>, tensor<1x4x6x32xf32>
}

// -----

// ai.gcim GainCellAttention with per-head scalers: kind gaincell, causal, its window.
// CHECK-LABEL: func.func @gain_cell_attention
// CHECK: "gcim.attention"(%{{.*}}, %{{.*}}, %{{.*}}, %arg3) {causal = 1 : i64, head_dim = 64 : i64, kind = "gaincell", num_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 1024 : i64}
func.func @gain_cell_attention(%q: tensor<1x8x128xf32>, %k: tensor<1x8x128xf32>, %v: tensor<1x8x128xf32>, %s: tensor<2x8xf32>) -> tensor<1x8x128xf32> {
  %y = "onnx.gcim_gain_cell_attention"(%q, %k, %v, %s) {num_heads = 2 : i64, window = 1024 : i64, cell = "nonlinear", decay = 1.6e-4 : f32, q_levels = 16 : i64, kv_levels = 8 : i64, out_levels = 32 : i64, first_product_saturation = 80.0 : f32, output_saturation = 40.0 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<2x8xf32>) -> tensor<1x8x128xf32>
  return %y : tensor<1x8x128xf32>
}

// -----

// Grouped-query ONNX-23 Attention: 4 query heads over 2 K/V heads. The K/V heads are
// repeated as transformers' repeat_kv writes it (Unsqueeze, Expand, Reshape), which
// gcim-stream follows over a KV cache.
// CHECK-LABEL: func.func @onnx_attention_gqa
// CHECK: %[[KU:.*]] = "onnx.unsqueeze"(%arg1, %{{.*}}) : (tensor<1x2x8x64xf32>, tensor<1xi64>) -> tensor<1x2x1x8x64xf32>
// CHECK: %[[KE:.*]] = "onnx.expand"(%[[KU]], %{{.*}}) : (tensor<1x2x1x8x64xf32>, tensor<5xi64>) -> tensor<1x2x2x8x64xf32>
// CHECK: %[[K:.*]] = "onnx.reshape"(%[[KE]], %{{.*}}) {{.*}} -> tensor<1x4x8x64xf32>
// CHECK: %[[V:.*]] = "onnx.reshape"
// CHECK: "gcim.attention"(%arg0, %[[K]], %[[V]]) {causal = 1 : i64, head_dim = 64 : i64, kind = "softmax", num_heads = 4 : i64
func.func @onnx_attention_gqa(%q: tensor<1x4x8x64xf32>, %k: tensor<1x2x8x64xf32>, %v: tensor<1x2x8x64xf32>) -> tensor<1x4x8x64xf32> {
  %y = "onnx.attention"(%q, %k, %v) {is_causal = 1 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>} : (tensor<1x4x8x64xf32>, tensor<1x2x8x64xf32>, tensor<1x2x8x64xf32>) -> tensor<1x4x8x64xf32>
  return %y : tensor<1x4x8x64xf32>
}

