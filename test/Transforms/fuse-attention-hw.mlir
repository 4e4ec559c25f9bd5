// RUN: gcim-sim hardware --model linear -o %t.linear.json
// RUN: gcim-opt --gcim-fuse-attention="strict=1 hw=%t.linear.json" --gcim-verify %s | FileCheck %s
// RUN: not gcim-opt --gcim-fuse-attention %s 2>&1 | FileCheck %s --check-prefix=DEFAULT
// RUN: not gcim-opt --gcim-fuse-attention=hw=%t.missing.json %s 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: gcim-opt --hw %t.linear.json --gcim-fuse-attention=strict=true --gcim-verify %s | FileCheck %s

// The hw option: a GainCellAttention trained for the linear cell (first-product
// saturation 80) fuses against a linear hardware description, and is an error against the
// default (the paper's nonlinear cell) or when the description cannot be read.
// CHECK-LABEL: func.func @gain_cell_linear
// CHECK: "gcim.attention"({{.*}}) {causal = 1 : i64, head_dim = 64 : i64, kind = "gaincell", num_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 1024 : i64}
// CHECK-NOT: onnx.gcim_gain_cell_attention
// DEFAULT: error: 'GainCellAttention' was trained for the linear cell but the hardware has the nonlinear cell
// MISSING: gcim-opt: error: cannot read '{{.*}}missing.json'
func.func @gain_cell_linear(%q: tensor<1x8x128xf32>) -> tensor<1x8x128xf32> {
  %y = "onnx.gcim_gain_cell_attention"(%q, %q, %q) {num_heads = 2 : i64, window = 1024 : i64, cell = "linear", decay = 1.6e-4 : f32, q_levels = 16 : i64, kv_levels = 8 : i64, out_levels = 32 : i64, first_product_saturation = 80.0 : f32, output_saturation = 40.0 : f32} : (tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>) -> tensor<1x8x128xf32>
  return %y : tensor<1x8x128xf32>
}
