// RUN: gcim-opt --split-input-file --gcim-stream=strict=1 --gcim-verify %s | FileCheck %s

// gcim-stream through a mixture-of-experts router (Mixtral, Qwen2-MoE): TopK picks the
// experts of each token along the experts axis, which is position-wise along the sequence;
// its k operand is a count, not data (along the sequence axis it is refused,
// stream-invalid.mlir).

// CHECK-LABEL: func.func @router_step(%arg0: tensor<1x2x1x4xf32>)
// CHECK: %[[Y:.*]] = "gcim.attention_step"
// CHECK: %[[ROUTE:.*]] = "onnx.mat_mul"(%{{.*}}, %{{.*}}) : (tensor<1x1x8xf32>, tensor<8x4xf32>) -> tensor<1x1x4xf32>
// CHECK: "onnx.top_k"(%[[ROUTE]], %{{.*}}) {axis = -1 : i64, largest = 1 : i64, sorted = 1 : i64} : (tensor<1x1x4xf32>, tensor<1xi64>) -> (tensor<1x1x2xf32>, tensor<1x1x2xi64>)
func.func @router(%q: tensor<1x2x4x4xf32>) -> (tensor<1x4x2xf32>, tensor<1x4x2xi64>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 2 : i64, head_dim = 4 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %perm = "onnx.transpose"(%a) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x2x4xf32>
  %shape = "onnx.constant"() {value = dense<[1, 4, 8]> : tensor<3xi64>} : () -> tensor<3xi64>
  %x = "onnx.reshape"(%perm, %shape) {allowzero = 0 : i64} : (tensor<1x4x2x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
  %gate = "onnx.constant"() {value = dense<0.125> : tensor<8x4xf32>} : () -> tensor<8x4xf32>
  %logits = "onnx.mat_mul"(%x, %gate) : (tensor<1x4x8xf32>, tensor<8x4xf32>) -> tensor<1x4x4xf32>
  %k = "onnx.constant"() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %w, %i = "onnx.top_k"(%logits, %k) {axis = -1 : i64, largest = 1 : i64, sorted = 1 : i64} : (tensor<1x4x4xf32>, tensor<1xi64>) -> (tensor<1x4x2xf32>, tensor<1x4x2xi64>)
  return %w, %i : tensor<1x4x2xf32>, tensor<1x4x2xi64>
}

