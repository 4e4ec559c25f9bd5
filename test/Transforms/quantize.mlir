// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-map-attention=attention=analog --gcim-quantize --gcim-verify %s | FileCheck %s
// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-map-attention=attention=analog --gcim-quantize --gcim-quantize --gcim-verify %s | FileCheck %s --check-prefix=TWICE
// RUN: echo '{"query": {"levels": 8, "max": 1}}' > %t.q8.json
// RUN: gcim-opt --split-input-file --gcim-fuse-attention --gcim-map-attention=attention=analog --gcim-quantize="hw=%t.q8.json fold=0" --gcim-verify %s | FileCheck %s --check-prefix=NOFOLD

// gcim-quantize: DAC on k and v, PWM on q, ADC after each readout, levels and ranges from
// the hardware description; per-head scalers folded into the projection where legal.

// A GPT-2-style block: the fused QKV projection takes the scalers: q's columns times
// a_q = 1/sqrt(8) (bias 0.1 -> 0.0353553), k's and v's bias + b = 0.45 (0.1 -> 0.55);
// the identity output scaler goes away.
// CHECK-LABEL: func.func @gpt2_block
// CHECK: "onnx.constant"() {value = dense<[0.0353553407, {{.*}} 5.500000e-01, {{.*}} 5.500000e-01]> : tensor<48xf32>}
// CHECK-NOT: gcim.scaler
// CHECK: %[[K:.*]] = "gcim.quantize"(%{{.*}}) {hi = 0.899999976 : f32, kind = "dac", levels = 8 : i64, lo = 0.000000e+00 : f32}
// CHECK: %[[V:.*]] = "gcim.quantize"(%{{.*}}) {hi = 0.899999976 : f32, kind = "dac", levels = 8 : i64, lo = 0.000000e+00 : f32}
// CHECK: "gcim.kv_write"(%[[K]], %[[V]])
// CHECK: %[[Q:.*]] = "gcim.quantize"(%{{.*}}) {hi = 1.000000e+00 : f32, kind = "pwm", levels = 16 : i64, lo = 0.000000e+00 : f32}
// CHECK: "gcim.qk_product"(%[[Q]])
// CHECK: %[[R:.*]] = "gcim.readout"
// CHECK: %[[Z:.*]] = "gcim.quantize"(%[[R]]) {hi = 1.000000e+00 : f32, kind = "adc", levels = 32 : i64, lo = -1.000000e+00 : f32}
// CHECK: "gcim.adder_tree"(%[[Z]])
// CHECK-NOT: gcim.scaler
// TWICE-LABEL: func.func @gpt2_block
// TWICE-COUNT-4: gcim.quantize
// TWICE-NOT: gcim.quantize
// NOFOLD-LABEL: func.func @gpt2_block
// NOFOLD: "onnx.constant"() {value = dense<1.000000e-01> : tensor<48xf32>}
// NOFOLD-COUNT-3: gcim.scaler
// NOFOLD: kind = "pwm", levels = 8 : i64
// NOFOLD: gcim.scaler
func.func @gpt2_block(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %w = "onnx.constant"() {value = dense<0.5> : tensor<16x48xf32>} : () -> tensor<16x48xf32>
  %b = "onnx.constant"() {value = dense<0.1> : tensor<48xf32>} : () -> tensor<48xf32>
  %qkv0 = "onnx.mat_mul"(%x, %w) : (tensor<1x4x16xf32>, tensor<16x48xf32>) -> tensor<1x4x48xf32>
  %qkv = "onnx.add"(%qkv0, %b) : (tensor<1x4x48xf32>, tensor<48xf32>) -> tensor<1x4x48xf32>
  %sizes = "onnx.constant"() {value = dense<16> : tensor<3xi64>} : () -> tensor<3xi64>
  %q, %k, %v = "onnx.split"(%qkv, %sizes) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x4x48xf32>, tensor<3xi64>) -> (tensor<1x4x16xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>)
  %shape = "onnx.constant"() {value = dense<[1, 4, 2, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  %q1 = "onnx.reshape"(%q, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %k1 = "onnx.reshape"(%k, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %v1 = "onnx.reshape"(%v, %shape) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<4xi64>) -> tensor<1x4x2x8xf32>
  %q2 = "onnx.transpose"(%q1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %v2 = "onnx.transpose"(%v1) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %kt = "onnx.transpose"(%k1) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x8xf32>) -> tensor<1x2x8x4xf32>
  %s = "onnx.mat_mul"(%q2, %kt) : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %c = "onnx.constant"() {value = dense<2.828427> : tensor<f32>} : () -> tensor<f32>
  %sd = "onnx.div"(%s, %c) : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %mask = "onnx.constant"() {value = dense<[[[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]]]> : tensor<1x1x4x4xi1>} : () -> tensor<1x1x4x4xi1>
  %min = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %sm = "onnx.where"(%mask, %sd, %min) : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = "onnx.softmax"(%sm) {axis = -1 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v2) : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o1 = "onnx.transpose"(%o) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %shape2 = "onnx.constant"() {value = dense<[1, 4, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %o2 = "onnx.reshape"(%o1, %shape2) {allowzero = 0 : i64} : (tensor<1x4x2x8xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  return %o2 : tensor<1x4x16xf32>
}

// -----

// Scalers on function arguments cannot be folded: they stay, with the quantisers after
// them; the identity scalers (default a_q = 1, b_q = 0 and a_o = 1, b_o = 0) are removed.
// CHECK-LABEL: func.func @not_foldable
// TWICE-LABEL: func.func @not_foldable
// TWICE-COUNT-4: gcim.quantize
// TWICE-NOT: gcim.quantize
// CHECK: %[[S:.*]] = "onnx.constant"
// CHECK: %[[KS:.*]] = "gcim.scaler"(%arg1, %[[S]]) {a_index = 2 : i64, b_index = 3 : i64}
// CHECK: %[[VS:.*]] = "gcim.scaler"(%arg2, %[[S]]) {a_index = 4 : i64, b_index = 5 : i64}
// CHECK: "gcim.quantize"(%[[KS]])
// CHECK: "gcim.quantize"(%[[VS]])
// CHECK: "gcim.quantize"(%arg0) {{.*}}kind = "pwm"
// CHECK: %[[A:.*]] = "gcim.adder_tree"
// CHECK-NEXT: return %[[A]]
func.func @not_foldable(%q: tensor<1x2x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) -> tensor<1x2x16x64xf32> {
  %0 = "gcim.attention"(%q, %k, %v) {kind = "gaincell", causal = 1 : i64, window = 1024 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>) -> tensor<1x2x16x64xf32>
  return %0 : tensor<1x2x16x64xf32>
}

// -----

// A GainCellAttention model with trained per-head scalers: q, k, v scalers fold into
// their projections (Wq x a_q = 1.0, bq x a_q + b_q = 0.3; bk = bv = 0.1 + 0.45), the
// output scaler into the output projection (Wo x a_o = 0.5, bo + sum over the 16 rows of
// b_o x Wo = 4.0). No scaler is left.
// CHECK-LABEL: func.func @gain_cell_model
// CHECK-DAG: "onnx.constant"() {value = dense<1.000000e+00> : tensor<16x16xf32>}
// CHECK-DAG: "onnx.constant"() {value = dense<3.000000e-01> : tensor<16xf32>}
// CHECK-DAG: "onnx.constant"() {value = dense<5.500000e-01> : tensor<16xf32>}
// CHECK-DAG: "onnx.constant"() {value = dense<5.000000e-01> : tensor<16x16xf32>}
// CHECK-DAG: "onnx.constant"() {value = dense<4.000000e+00> : tensor<16xf32>}
// CHECK-NOT: gcim.scaler
// TWICE-LABEL: func.func @gain_cell_model
// NOFOLD-LABEL: func.func @gain_cell_model
// NOFOLD-COUNT-4: gcim.scaler
func.func @gain_cell_model(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %wq = "onnx.constant"() {value = dense<0.5> : tensor<16x16xf32>} : () -> tensor<16x16xf32>
  %wk = "onnx.constant"() {value = dense<0.5> : tensor<16x16xf32>} : () -> tensor<16x16xf32>
  %wv = "onnx.constant"() {value = dense<0.5> : tensor<16x16xf32>} : () -> tensor<16x16xf32>
  %bq = "onnx.constant"() {value = dense<0.1> : tensor<16xf32>} : () -> tensor<16xf32>
  %bk = "onnx.constant"() {value = dense<0.1> : tensor<16xf32>} : () -> tensor<16xf32>
  %bv = "onnx.constant"() {value = dense<0.1> : tensor<16xf32>} : () -> tensor<16xf32>
  %q0 = "onnx.mat_mul"(%x, %wq) : (tensor<1x4x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16xf32>
  %q = "onnx.add"(%q0, %bq) : (tensor<1x4x16xf32>, tensor<16xf32>) -> tensor<1x4x16xf32>
  %k0 = "onnx.mat_mul"(%x, %wk) : (tensor<1x4x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16xf32>
  %k = "onnx.add"(%k0, %bk) : (tensor<1x4x16xf32>, tensor<16xf32>) -> tensor<1x4x16xf32>
  %v0 = "onnx.mat_mul"(%x, %wv) : (tensor<1x4x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16xf32>
  %v = "onnx.add"(%v0, %bv) : (tensor<1x4x16xf32>, tensor<16xf32>) -> tensor<1x4x16xf32>
  %s = "onnx.constant"() {value = dense<[[2.0, 0.1, 1.0, 0.45, 1.0, 0.45, 0.5, 0.25], [2.0, 0.1, 1.0, 0.45, 1.0, 0.45, 0.5, 0.25]]> : tensor<2x8xf32>} : () -> tensor<2x8xf32>
  %y = "onnx.gcim_gain_cell_attention"(%q, %k, %v, %s) {num_heads = 2 : i64, window = 1024 : i64, cell = "nonlinear", decay = 1.6e-4 : f32, q_levels = 16 : i64, kv_levels = 8 : i64, out_levels = 32 : i64, first_product_saturation = 80.0 : f32, output_saturation = 40.0 : f32} : (tensor<1x4x16xf32>, tensor<1x4x16xf32>, tensor<1x4x16xf32>, tensor<2x8xf32>) -> tensor<1x4x16xf32>
  %wo = "onnx.constant"() {value = dense<1.0> : tensor<16x16xf32>} : () -> tensor<16x16xf32>
  %bo = "onnx.constant"() {value = dense<0.0> : tensor<16xf32>} : () -> tensor<16xf32>
  %o0 = "onnx.mat_mul"(%y, %wo) : (tensor<1x4x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16xf32>
  %o = "onnx.add"(%o0, %bo) : (tensor<1x4x16xf32>, tensor<16xf32>) -> tensor<1x4x16xf32>
  return %o : tensor<1x4x16xf32>
}
