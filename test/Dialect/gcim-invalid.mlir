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
