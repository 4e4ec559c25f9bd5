// RUN: gcim-opt --split-input-file --gcim-fuse-attention=padding=unpadded %s | FileCheck %s
// RUN: gcim-opt --split-input-file --gcim-fuse-attention %s | FileCheck %s --check-prefix=EXACT
// RUN: gcim-opt --split-input-file --gcim-fuse-attention=padding=unpadded --gcim-stream --gcim-verify %s | FileCheck %s --check-prefix=STEP

// Masks made from a padding input (batch, keys), as exports with an attention_mask or a
// key_padding_mask write them. With padding=unpadded the attention is fused as the pattern
// the mask has when the input holds its no-padding value (found by holding the input at 1,
// then 0), and the input's argument records that value and the node (gcim.no_padding,
// gcim.no_padding_node) for the generated program's run-time check; the step function does
// not take the input. With padding=exact (the default) the attention stays as it is, with
// the reason.

// Hugging Face's additive form: (1 - mask) * finfo.min added to the causal mask.
// CHECK-LABEL: func.func @hf_additive(
// CHECK-SAME: %arg3: tensor<1x4xi64> {gcim.no_padding = 1 : i64, gcim.no_padding_node = "softmax", onnx.name = "attention_mask"}
// CHECK: "gcim.attention"({{.*}}) {causal = 1 : i64, {{.*}}window = 0 : i64}
// CHECK-NOT: onnx.softmax
// EXACT-LABEL: func.func @hf_additive(
// EXACT-SAME: %arg3: tensor<1x4xi64> {onnx.name = "attention_mask"}
// EXACT: "onnx.softmax"(%{{.*}}) {axis = -1 : i64, gcim.unfused = "the mask depends on input 'attention_mask', a padding mask (no padding: all 1): kept exact as the model's ops; padding=unpadded (gcim-compile --padding-mask=unpadded) fuses it, checked at run time"}
// STEP-LABEL: func.func @hf_additive_step(
// STEP-SAME: %arg0: tensor<1x2x1x8xf32>, %arg1: tensor<1x2x8x1xf32>, %arg2: tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32>
// STEP: "gcim.attention_step"
func.func @hf_additive(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x4xi64> {onnx.name = "attention_mask"}) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %mf = "onnx.cast"(%m) {to = 1 : i64} : (tensor<1x4xi64>) -> tensor<1x4xf32>
  %one = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %min = "onnx.constant"() {value = dense<-3.40282347e+38> : tensor<f32>} : () -> tensor<f32>
  %inv = "onnx.sub"(%one, %mf) : (tensor<f32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %pad = "onnx.mul"(%inv, %min) : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %shape = "onnx.constant"() {value = dense<[1, 1, 1, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %pad4 = "onnx.reshape"(%pad, %shape) {allowzero = 0 : i64} : (tensor<1x4xf32>, tensor<4xi64>) -> tensor<1x1x1x4xf32>
  %causal = "onnx.constant"() {value = dense<[[0.0, -3.40282347e+38, -3.40282347e+38, -3.40282347e+38], [0.0, 0.0, -3.40282347e+38, -3.40282347e+38], [0.0, 0.0, 0.0, -3.40282347e+38], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>} : () -> tensor<4x4xf32>
  %mask = "onnx.add"(%causal, %pad4) : (tensor<4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %x = "onnx.add"(%s, %mask) : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("softmax")
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Hugging Face's Where form: Where(Equal(causal + mask, 0), finfo.min, causal).
// CHECK-LABEL: func.func @hf_where_equal(
// CHECK-SAME: {gcim.no_padding = 1 : i64, gcim.no_padding_node = "softmax", onnx.name = "attention_mask"}
// CHECK: "gcim.attention"({{.*}}) {causal = 1 : i64, {{.*}}window = 0 : i64}
// EXACT-LABEL: func.func @hf_where_equal(
// EXACT: gcim.unfused = "the mask depends on input 'attention_mask', a padding mask (no padding: all 1)
// STEP-LABEL: func.func @hf_where_equal_step(
// STEP-SAME: %arg2: tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32>
func.func @hf_where_equal(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x4xi64> {onnx.name = "attention_mask"}) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %causal = "onnx.constant"() {value = dense<[[[[0.0, -3.40282347e+38, -3.40282347e+38, -3.40282347e+38], [0.0, 0.0, -3.40282347e+38, -3.40282347e+38], [0.0, 0.0, 0.0, -3.40282347e+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>} : () -> tensor<1x1x4x4xf32>
  %shape = "onnx.constant"() {value = dense<[1, 1, 1, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %m4 = "onnx.reshape"(%m, %shape) {allowzero = 0 : i64} : (tensor<1x4xi64>, tensor<4xi64>) -> tensor<1x1x1x4xi64>
  %mf = "onnx.cast"(%m4) {to = 1 : i64} : (tensor<1x1x1x4xi64>) -> tensor<1x1x1x4xf32>
  %sum = "onnx.add"(%causal, %mf) : (tensor<1x1x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %zero = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %padded = "onnx.equal"(%sum, %zero) : (tensor<1x1x4x4xf32>, tensor<f32>) -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347e+38> : tensor<f32>} : () -> tensor<f32>
  %mask = "onnx.where"(%padded, %min, %causal) : (tensor<1x1x4x4xi1>, tensor<f32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %x = "onnx.add"(%s, %mask) : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> loc("softmax")
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// nn.MultiheadAttention's bool key_padding_mask (true = ignore), batch 2 and 2 heads merged
// into 4 rows: Where(mask, -inf, 0) added to the (batch x heads, q, k) scores. No padding
// is all false; the mask is then full (causal = 0), checked at every batch and head row.
// CHECK-LABEL: func.func @key_padding_mask(
// CHECK-SAME: %arg3: tensor<2x4xi1> {gcim.no_padding = 0 : i64, gcim.no_padding_node = "softmax", onnx.name = "key_padding_mask"}
// CHECK: "gcim.attention"({{.*}}) {causal = 0 : i64, {{.*}}num_heads = 4 : i64
// CHECK-NOT: onnx.softmax
// EXACT-LABEL: func.func @key_padding_mask(
// EXACT: gcim.unfused = "the mask depends on input 'key_padding_mask', a padding mask (no padding: all 0)
func.func @key_padding_mask(%q: tensor<4x4x8xf32>, %kt: tensor<4x8x4xf32>, %v: tensor<4x4x8xf32>, %kpm: tensor<2x4xi1> {onnx.name = "key_padding_mask"}) -> tensor<4x4x8xf32> {
  %c = "onnx.constant"() {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %qs = "onnx.div"(%q, %c) : (tensor<4x4x8xf32>, tensor<f32>) -> tensor<4x4x8xf32>
  %shape4 = "onnx.constant"() {value = dense<[2, 1, 1, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %k4 = "onnx.reshape"(%kpm, %shape4) {allowzero = 0 : i64} : (tensor<2x4xi1>, tensor<4xi64>) -> tensor<2x1x1x4xi1>
  %wide = "onnx.constant"() {value = dense<[2, 2, 1, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %ke = "onnx.expand"(%k4, %wide) : (tensor<2x1x1x4xi1>, tensor<4xi64>) -> tensor<2x2x1x4xi1>
  %shape3 = "onnx.constant"() {value = dense<[4, 1, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
  %k3 = "onnx.reshape"(%ke, %shape3) {allowzero = 0 : i64} : (tensor<2x2x1x4xi1>, tensor<3xi64>) -> tensor<4x1x4xi1>
  %ninf = "onnx.constant"() {value = dense<0xFF800000> : tensor<f32>} : () -> tensor<f32>
  %zero = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %mask = "onnx.where"(%k3, %ninf, %zero) : (tensor<4x1x4xi1>, tensor<f32>, tensor<f32>) -> tensor<4x1x4xf32>
  %s = "onnx.mat_mul"(%qs, %kt) : (tensor<4x4x8xf32>, tensor<4x8x4xf32>) -> tensor<4x4x4xf32>
  %x = "onnx.add"(%s, %mask) : (tensor<4x4x4xf32>, tensor<4x1x4xf32>) -> tensor<4x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<4x4x4xf32>) -> tensor<4x4x4xf32> loc("softmax")
  %o = "onnx.mat_mul"(%p, %v) : (tensor<4x4x4xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  return %o : tensor<4x4x8xf32>
}

// -----

// A bool padding mask through masked_fill (Where(mask, fill, scores)) over a KV cache: one
// query over the past and the new key. The step function drops the past and the mask.
// CHECK-LABEL: func.func @cache_masked_fill(
// CHECK-SAME: %arg5: tensor<1x6xi1> {gcim.no_padding = 0 : i64, gcim.no_padding_node = "softmax", onnx.name = "pad"}
// CHECK: "gcim.attention"({{.*}}) {causal = 1 : i64
// STEP-LABEL: func.func @cache_masked_fill_step(
// STEP-SAME: %arg2: tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32>
func.func @cache_masked_fill(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>, %pk: tensor<1x2x5x8xf32>, %pv: tensor<1x2x5x8xf32>, %pad: tensor<1x6xi1> {onnx.name = "pad"}) -> tensor<1x2x1x8xf32> {
  %kk = "onnx.concat"(%pk, %k) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x5x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x6x8xf32>
  %vv = "onnx.concat"(%pv, %v) {axis = 2 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x2x5x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x6x8xf32>
  %kt = "onnx.transpose"(%kk) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x6x8xf32>) -> tensor<1x2x8x6xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x1x8xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x1x6xf32>
  %shape = "onnx.constant"() {value = dense<[1, 1, 1, 6]> : tensor<4xi64>} : () -> tensor<4xi64>
  %p4 = "onnx.reshape"(%pad, %shape) {allowzero = 0 : i64} : (tensor<1x6xi1>, tensor<4xi64>) -> tensor<1x1x1x6xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347e+38> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%p4, %min, %s) : (tensor<1x1x1x6xi1>, tensor<f32>, tensor<1x2x1x6xf32>) -> tensor<1x2x1x6xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x1x6xf32>) -> tensor<1x2x1x6xf32> loc("softmax")
  %o = "onnx.mat_mul"(%p, %vv) : (tensor<1x2x1x6xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x1x8xf32>
  return %o : tensor<1x2x1x8xf32>
}

// -----

// Two masks of the scores are their intersection: a causal mask, then a sliding window of
// 2 (the narrower band). Hugging Face's GPT-2 masks twice the same way: the causal mask by
// Where, then the padding mask added.
// CHECK-LABEL: func.func @masked_twice(
// CHECK: "gcim.attention"({{.*}}) {causal = 1 : i64, {{.*}}window = 2 : i64}
func.func @masked_twice(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %m = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %w = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [false, true, true, false], [false, false, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x0 = "onnx.where"(%m, %s, %min) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %x = "onnx.where"(%w, %x0, %min) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// com.microsoft Attention's mask_index from a graph input (ONNX Runtime's fusion): key
// lengths (batch), no padding = the key count; or a 0/1 mask (batch, keys) through a Cast.
// CHECK-LABEL: func.func @ms_mask_index(
// CHECK-SAME: %arg2: tensor<1xi32> {gcim.no_padding = 4 : i64, gcim.no_padding_node = "attn", onnx.name = "lengths"}
// CHECK: "gcim.attention"({{.*}}) {causal = 1 : i64
// CHECK-NOT: onnx.ms_attention
// EXACT-LABEL: func.func @ms_mask_index(
// EXACT: gcim.unfused = "its mask_index is input 'lengths', a padding mask
func.func @ms_mask_index(%x: tensor<1x4x128xf32>, %w: tensor<128x384xf32>, %m: tensor<1xi32> {onnx.name = "lengths"}) -> tensor<1x4x128xf32> {
  %y = "onnx.ms_attention"(%x, %w, %m) {num_heads = 2 : i64, unidirectional = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>} : (tensor<1x4x128xf32>, tensor<128x384xf32>, tensor<1xi32>) -> tensor<1x4x128xf32> loc("attn")
  return %y : tensor<1x4x128xf32>
}

// -----

// CHECK-LABEL: func.func @ms_mask_2d(
// CHECK-SAME: %arg2: tensor<1x4xi64> {gcim.no_padding = 1 : i64, gcim.no_padding_node = "attn", onnx.name = "attention_mask"}
// CHECK: "gcim.attention"({{.*}}) {causal = 0 : i64
func.func @ms_mask_2d(%x: tensor<1x4x128xf32>, %w: tensor<128x384xf32>, %m: tensor<1x4xi64> {onnx.name = "attention_mask"}) -> tensor<1x4x128xf32> {
  %mi = "onnx.cast"(%m) {to = 6 : i64} : (tensor<1x4xi64>) -> tensor<1x4xi32>
  %y = "onnx.ms_attention"(%x, %w, %mi) {num_heads = 2 : i64, unidirectional = 0 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>} : (tensor<1x4x128xf32>, tensor<128x384xf32>, tensor<1x4xi32>) -> tensor<1x4x128xf32> loc("attn")
  return %y : tensor<1x4x128xf32>
}
