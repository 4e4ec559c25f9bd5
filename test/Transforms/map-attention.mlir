// RUN: gcim-opt --split-input-file --gcim-map-attention=attention=analog --gcim-verify %s | FileCheck %s
// RUN: gcim-opt --split-input-file --gcim-map-attention=attention=digital --gcim-verify %s | FileCheck %s --check-prefix=DIGITAL
// RUN: echo '{"window": 256}' > %t.w256.json
// RUN: not gcim-opt --split-input-file --gcim-map-attention="attention=analog hw=%t.w256.json" --gcim-verify %s 2>&1 | FileCheck %s --check-prefix=W256

// gcim-map-attention: each head onto ceil(window/64) x ceil(d/64) sub-tiles as tile-level
// ops, the window fitted to the model's context; attention=digital keeps it exact; a
// hardware file (hw=) sets the hardware window (a window of 256 cannot hold the 1024-token
// step of the last case).

// Softmax attention, d = 64, 16 tokens (shorter than the 1,024-token window): the window
// is fitted to the 16 tokens the model has (gcim.context), ceil(16/64) = 1 token sub-tile
// instead of 16; default scalers with a_q = scale, and the adaptation warning.
// CHECK-LABEL: func.func @softmax_d64
// CHECK: %[[S:.*]] = "onnx.constant"() {value = dense<{{\[\[}}1.250000e-01, 0.000000e+00, 1.000000e+00, 4.500000e-01, 1.000000e+00, 4.500000e-01, 1.000000e+00, 0.000000e+00]
// CHECK: %[[Q:.*]] = "gcim.scaler"(%arg0, %[[S]]) {a_index = 0 : i64, b_index = 1 : i64}
// CHECK: %[[K:.*]] = "gcim.scaler"(%arg1, %[[S]]) {a_index = 2 : i64, b_index = 3 : i64}
// CHECK: %[[V:.*]] = "gcim.scaler"(%arg2, %[[S]]) {a_index = 4 : i64, b_index = 5 : i64}
// CHECK: "gcim.kv_write"(%[[K]], %[[V]]) {dim_tiles = 1 : i64, gcim.context = 16 : i64, gcim.kind = "softmax", gcim.warning = "attention that is not GainCellAttention runs on the gain cells with the hardware's semantics (--attention=analog): accuracy will change unless the model was hardware-adapted", layer = 0 : i64, streamed = 0 : i64, token_tiles = 1 : i64, window = 16 : i64}
// CHECK: %[[C:.*]] = "gcim.qk_product"(%[[Q]]) {causal = 1 : i64, dim_tiles = 1 : i64, layer = 0 : i64, token_tiles = 1 : i64} : (tensor<1x2x16x64xf32>) -> tensor<1x2x16x1x64xf32>
// CHECK: %[[P:.*]] = "gcim.charge_to_pulse"(%[[C]]) {saturation = 8.000000e+01 : f32}
// CHECK: %[[Y:.*]] = "gcim.pv_product"(%[[P]]) {dim_tiles = 1 : i64, layer = 0 : i64, token_tiles = 1 : i64} : (tensor<1x2x16x1x64xf32>) -> tensor<1x2x16x1x64xf32>
// CHECK: %[[Z:.*]] = "gcim.readout"(%[[Y]]) {saturation = 4.000000e+01 : f32}
// CHECK: %[[A:.*]] = "gcim.adder_tree"(%[[Z]]) : (tensor<1x2x16x1x64xf32>) -> tensor<1x2x16x64xf32>
// CHECK: %[[O:.*]] = "gcim.scaler"(%[[A]], %[[S]]) {a_index = 6 : i64, b_index = 7 : i64}
// CHECK: return %[[O]]
// DIGITAL-LABEL: func.func @softmax_d64
// DIGITAL: "gcim.attention"(%arg0, %arg1, %arg2) {causal = 1 : i64, gcim.layer = 0 : i64, gcim.mapping = "digital"
// DIGITAL-NOT: gcim.kv_write
// W256-LABEL: func.func @softmax_d64
// W256: "gcim.kv_write"({{.*}}token_tiles = 1 : i64, window = 16 : i64}
func.func @softmax_d64(%q: tensor<1x2x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) -> tensor<1x2x16x64xf32> {
  %0 = "gcim.attention"(%q, %k, %v) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.125 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>) -> tensor<1x2x16x64xf32>
  return %0 : tensor<1x2x16x64xf32>
}

// -----

// Gain-cell attention with its scalers and a window of 100 tokens (shorter than the
// hardware's) over 100 tokens: ceil(100/64) = 2 token sub-tiles; d = 128: 2 sub-tiles
// along the head dimension; no warning; gcim.model_window keeps the model's window (the C
// emitter's step capacity, docs/GeneratedC.md).
// CHECK-LABEL: func.func @gaincell_d128_window100
// CHECK: "gcim.scaler"(%arg0, %arg3) {a_index = 0 : i64, b_index = 1 : i64}
// CHECK: "gcim.kv_write"(%{{.*}}, %{{.*}}) {dim_tiles = 2 : i64, gcim.context = 100 : i64, gcim.kind = "gaincell", gcim.model_window = 100 : i64, layer = 0 : i64, streamed = 0 : i64, token_tiles = 2 : i64, window = 100 : i64}
// CHECK: "gcim.qk_product"(%{{.*}}) {causal = 1 : i64, dim_tiles = 2 : i64, layer = 0 : i64, token_tiles = 2 : i64} : (tensor<1x1x100x128xf32>) -> tensor<1x1x100x2x64xf32>
// CHECK: "gcim.pv_product"(%{{.*}}) {{.*}} : (tensor<1x1x100x2x64xf32>) -> tensor<1x1x100x2x128xf32>
// W256-LABEL: func.func @gaincell_d128_window100
// W256: token_tiles = 2 : i64, window = 100 : i64
func.func @gaincell_d128_window100(%q: tensor<1x1x100x128xf32>, %k: tensor<1x1x100x128xf32>, %v: tensor<1x1x100x128xf32>, %s: tensor<1x8xf32>) -> tensor<1x1x100x128xf32> {
  %0 = "gcim.attention"(%q, %k, %v, %s) {kind = "gaincell", causal = 1 : i64, window = 100 : i64, scale = 1.0 : f32, num_heads = 1 : i64, head_dim = 128 : i64} : (tensor<1x1x100x128xf32>, tensor<1x1x100x128xf32>, tensor<1x1x100x128xf32>, tensor<1x8xf32>) -> tensor<1x1x100x128xf32>
  return %0 : tensor<1x1x100x128xf32>
}

// -----

// Two layers (d = 32, 4 heads): each gets its own state; the second reads its own layer.
// Non-causal attention over fewer keys than the window maps (causal = 0 reads).
// CHECK-LABEL: func.func @two_layers_d32
// CHECK: "gcim.kv_write"({{.*}}dim_tiles = 1 : i64, {{.*}}layer = 0 : i64
// CHECK: "gcim.qk_product"({{.*}}causal = 1 : i64, dim_tiles = 1 : i64, layer = 0 : i64
// CHECK: "gcim.kv_write"({{.*}}layer = 1 : i64
// CHECK: "gcim.qk_product"({{.*}}causal = 0 : i64, dim_tiles = 1 : i64, layer = 1 : i64
// CHECK: "gcim.pv_product"({{.*}}layer = 1 : i64
// DIGITAL-LABEL: func.func @two_layers_d32
// DIGITAL: gcim.layer = 0 : i64
// DIGITAL: gcim.layer = 1 : i64
func.func @two_layers_d32(%x: tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32> {
  %0 = "gcim.attention"(%x, %x, %x) {kind = "hardsigmoid", causal = 1 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 4 : i64, head_dim = 32 : i64} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  %1 = "gcim.attention"(%0, %0, %0) {kind = "softmax", causal = 0 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 4 : i64, head_dim = 32 : i64} : (tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>, tensor<1x4x8x32xf32>) -> tensor<1x4x8x32xf32>
  return %1 : tensor<1x4x8x32xf32>
}

// -----

// A step function that gathers its positions from a table of 32 at the step index runs at
// most 32 tokens: its window, and that of the full-sequence function it was derived from
// (gcim.step_function; they share the K/V state), is fitted to 32 tokens, 1 token
// sub-tile instead of 16 (the issue's example: 6 heads then need 6 sub-tiles, not 96).
// The full-sequence function holds 8 tokens but runs on the step function's state.
// CHECK-LABEL: func.func @model
// CHECK: "gcim.kv_write"({{.*}}gcim.context = 32 : i64, {{.*}}layer = 0 : i64, streamed = 0 : i64, token_tiles = 1 : i64, window = 32 : i64}
// CHECK: "gcim.qk_product"({{.*}} : (tensor<1x3x8x64xf32>) -> tensor<1x3x8x1x64xf32>
// CHECK-LABEL: func.func @model_step
// CHECK: "gcim.kv_write"({{.*}}gcim.context = 32 : i64, {{.*}}layer = 0 : i64, streamed = 1 : i64, token_tiles = 1 : i64, window = 32 : i64}
// CHECK: "gcim.qk_product"({{.*}} : (tensor<1x3x1x64xf32>) -> tensor<1x3x1x1x64xf32>
func.func @model(%x: tensor<1x3x8x64xf32>) -> tensor<1x3x8x64xf32> attributes {gcim.step_function = "model_step"} {
  %0 = "gcim.attention"(%x, %x, %x) {kind = "gaincell", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 3 : i64, head_dim = 64 : i64} : (tensor<1x3x8x64xf32>, tensor<1x3x8x64xf32>, tensor<1x3x8x64xf32>) -> tensor<1x3x8x64xf32>
  return %0 : tensor<1x3x8x64xf32>
}
func.func @model_step(%x: tensor<1x3x1x64xf32>, %positions: tensor<32x64xf32>) -> (tensor<1x3x1x64xf32>, tensor<1x64xf32>) {
  %i = "gcim.step_index"() : () -> tensor<1xi64>
  %p = "onnx.gather"(%positions, %i) {axis = 0 : i64} : (tensor<32x64xf32>, tensor<1xi64>) -> tensor<1x64xf32>
  %0 = "gcim.attention_step"(%x, %x, %x) {kind = "gaincell", window = 0 : i64, scale = 1.0 : f32, num_heads = 3 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<1x3x1x64xf32>, tensor<1x3x1x64xf32>, tensor<1x3x1x64xf32>) -> tensor<1x3x1x64xf32>
  return %0, %p : tensor<1x3x1x64xf32>, tensor<1x64xf32>
}

// -----

// A streamed step (one token, its layer number from gcim-stream), longer-than-window
// sequences are fine here: the ring buffer overwrites the oldest token.
// CHECK-LABEL: func.func @step
// W256: error: attention window of 1024 tokens exceeds the hardware window of 256 tokens; use --attention=digital
// CHECK: "gcim.kv_write"({{.*}}layer = 3 : i64, streamed = 1 : i64, token_tiles = 16 : i64, window = 1024 : i64}
// CHECK: "gcim.qk_product"({{.*}}causal = 1 : i64, {{.*}}layer = 3 : i64{{.*}} : (tensor<1x12x1x64xf32>) -> tensor<1x12x1x16x64xf32>
func.func @step(%q: tensor<1x12x1x64xf32>, %k: tensor<1x12x1x64xf32>, %v: tensor<1x12x1x64xf32>) -> tensor<1x12x1x64xf32> {
  %0 = "gcim.attention_step"(%q, %k, %v) {kind = "gaincell", window = 1024 : i64, scale = 1.0 : f32, num_heads = 12 : i64, head_dim = 64 : i64, layer = 3 : i64} : (tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>, tensor<1x12x1x64xf32>) -> tensor<1x12x1x64xf32>
  return %0 : tensor<1x12x1x64xf32>
}
