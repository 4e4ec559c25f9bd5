// One causal self-attention block of a GPT-2-style model (2 heads, head dim 64, 16
// tokens), as the graph-level gcim dialect holds it. The demo checks it with gcim-verify
// until the importer and the code generator take over (see README.md, "State").
func.func @attention_block(%q: tensor<1x2x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>) -> tensor<1x2x16x64xf32> {
  %0 = "gcim.attention"(%q, %k, %v) {kind = "softmax", causal = 1 : i64, window = 1024 : i64, scale = 0.125 : f32, num_heads = 2 : i64, head_dim = 64 : i64} : (tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>) -> tensor<1x2x16x64xf32>
  return %0 : tensor<1x2x16x64xf32>
}
