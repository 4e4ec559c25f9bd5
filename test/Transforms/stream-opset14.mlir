// RUN: gcim-opt --split-input-file --gcim-fuse-attention=strict=1 --gcim-stream=strict=1 --gcim-verify %s | FileCheck %s

// gcim-stream on GPT-2-style models as torch's exporter writes them at opset 14 (token and position
// embeddings, LayerNorm as one op at opset 17 or decomposed at opset 14, fused QKV
// attention, GELU MLP, LM head): the full-sequence function stays and a step function
// for one token is added; position ids become the step index; each attention becomes
// gcim.attention_step with its layer.

// Opset 14 (LayerNorm decomposed into ReduceMean, Sub, Pow, Sqrt, Div), 3 layers, 4 heads,
// d = 16, 6 tokens.
// CHECK-LABEL: func.func @gpt2_opset14_h4_d16
// CHECK-LABEL: func.func @gpt2_opset14_h4_d16_step(%arg0: tensor<1x1xi64> {onnx.name = "input_ids"})
// CHECK: "onnx.reduce_mean"({{.*}}) -> tensor<1x1x1xf32>
// CHECK: "gcim.attention_step"({{.*}}head_dim = 16 : i64, {{.*}}layer = 0 : i64, num_heads = 4 : i64{{.*}}(tensor<1x4x1x16xf32>
// CHECK: "gcim.attention_step"({{.*}}layer = 1 : i64
// CHECK: "gcim.attention_step"({{.*}}layer = 2 : i64
// CHECK: return %{{.*}} : tensor<1x1x32xf32>
func.func @gpt2_opset14_h4_d16(%ids: tensor<1x6xi64> {onnx.name = "input_ids"}) -> (tensor<1x6x32xf32> {onnx.name = "logits"}) {
  %c1 = "onnx.constant"() {value = dense<0.02> : tensor<32x64xf32>} : () -> tensor<32x64xf32>
  %c2 = "onnx.constant"() {value = dense<0.01> : tensor<16x64xf32>} : () -> tensor<16x64xf32>
  %v3 = "onnx.gather"(%c1, %ids) {axis = 0 : i64} : (tensor<32x64xf32>, tensor<1x6xi64>) -> tensor<1x6x64xf32>
  %c4 = "onnx.constant"() {value = dense<[[0, 1, 2, 3, 4, 5]]> : tensor<1x6xi64>} : () -> tensor<1x6xi64>
  %v5 = "onnx.gather"(%c2, %c4) {axis = 0 : i64} : (tensor<16x64xf32>, tensor<1x6xi64>) -> tensor<1x6x64xf32>
  %v6 = "onnx.add"(%v3, %v5) : (tensor<1x6x64xf32>, tensor<1x6x64xf32>) -> tensor<1x6x64xf32>
  %c7 = "onnx.constant"() {value = dense<1.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c8 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c9 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v10 = "onnx.reduce_mean"(%v6, %c9) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %v11 = "onnx.sub"(%v6, %v10) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %c12 = "onnx.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %v13 = "onnx.pow"(%v11, %c12) : (tensor<1x6x64xf32>, tensor<f32>) -> tensor<1x6x64xf32>
  %c14 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v15 = "onnx.reduce_mean"(%v13, %c14) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %c16 = "onnx.constant"() {value = dense<9.99999974E-6> : tensor<f32>} : () -> tensor<f32>
  %v17 = "onnx.add"(%v15, %c16) : (tensor<1x6x1xf32>, tensor<f32>) -> tensor<1x6x1xf32>
  %v18 = "onnx.sqrt"(%v17) : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %v19 = "onnx.div"(%v11, %v18) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %v20 = "onnx.mul"(%v19, %c7) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v21 = "onnx.add"(%v20, %c8) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %c22 = "onnx.constant"() {value = dense<0.01> : tensor<64x192xf32>} : () -> tensor<64x192xf32>
  %c23 = "onnx.constant"() {value = dense<0.0> : tensor<192xf32>} : () -> tensor<192xf32>
  %v24 = "onnx.mat_mul"(%v21, %c22) : (tensor<1x6x64xf32>, tensor<64x192xf32>) -> tensor<1x6x192xf32>
  %v25 = "onnx.add"(%v24, %c23) : (tensor<1x6x192xf32>, tensor<192xf32>) -> tensor<1x6x192xf32>
  %c26 = "onnx.constant"() {value = dense<64> : tensor<3xi64>} : () -> tensor<3xi64>
  %v27:3 = "onnx.split"(%v25, %c26) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x6x192xf32>, tensor<3xi64>) -> (tensor<1x6x64xf32>, tensor<1x6x64xf32>, tensor<1x6x64xf32>)
  %c28 = "onnx.constant"() {value = dense<[1, 6, 4, 16]> : tensor<4xi64>} : () -> tensor<4xi64>
  %v29 = "onnx.reshape"(%v27#0, %c28) {allowzero = 0 : i64} : (tensor<1x6x64xf32>, tensor<4xi64>) -> tensor<1x6x4x16xf32>
  %v30 = "onnx.reshape"(%v27#1, %c28) {allowzero = 0 : i64} : (tensor<1x6x64xf32>, tensor<4xi64>) -> tensor<1x6x4x16xf32>
  %v31 = "onnx.reshape"(%v27#2, %c28) {allowzero = 0 : i64} : (tensor<1x6x64xf32>, tensor<4xi64>) -> tensor<1x6x4x16xf32>
  %v32 = "onnx.transpose"(%v29) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x4x16xf32>) -> tensor<1x4x6x16xf32>
  %v33 = "onnx.transpose"(%v30) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x6x4x16xf32>) -> tensor<1x4x16x6xf32>
  %v34 = "onnx.transpose"(%v31) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x4x16xf32>) -> tensor<1x4x6x16xf32>
  %v35 = "onnx.mat_mul"(%v32, %v33) : (tensor<1x4x6x16xf32>, tensor<1x4x16x6xf32>) -> tensor<1x4x6x6xf32>
  %c36 = "onnx.constant"() {value = dense<4.000000> : tensor<f32>} : () -> tensor<f32>
  %v37 = "onnx.div"(%v35, %c36) : (tensor<1x4x6x6xf32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %c38 = "onnx.constant"() {value = dense<[[[[true, false, false, false, false, false], [true, true, false, false, false, false], [true, true, true, false, false, false], [true, true, true, true, false, false], [true, true, true, true, true, false], [true, true, true, true, true, true]]]]> : tensor<1x1x6x6xi1>} : () -> tensor<1x1x6x6xi1>
  %c39 = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %v40 = "onnx.where"(%c38, %v37, %c39) : (tensor<1x1x6x6xi1>, tensor<1x4x6x6xf32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %v41 = "onnx.softmax"(%v40) {axis = -1 : i64} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %v42 = "onnx.mat_mul"(%v41, %v34) : (tensor<1x4x6x6xf32>, tensor<1x4x6x16xf32>) -> tensor<1x4x6x16xf32>
  %v43 = "onnx.transpose"(%v42) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x6x16xf32>) -> tensor<1x6x4x16xf32>
  %c44 = "onnx.constant"() {value = dense<[1, 6, 64]> : tensor<3xi64>} : () -> tensor<3xi64>
  %v45 = "onnx.reshape"(%v43, %c44) {allowzero = 0 : i64} : (tensor<1x6x4x16xf32>, tensor<3xi64>) -> tensor<1x6x64xf32>
  %c46 = "onnx.constant"() {value = dense<0.01> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %c47 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %v48 = "onnx.mat_mul"(%v45, %c46) : (tensor<1x6x64xf32>, tensor<64x64xf32>) -> tensor<1x6x64xf32>
  %v49 = "onnx.add"(%v48, %c47) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v50 = "onnx.add"(%v6, %v49) : (tensor<1x6x64xf32>, tensor<1x6x64xf32>) -> tensor<1x6x64xf32>
  %c51 = "onnx.constant"() {value = dense<1.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c52 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c53 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v54 = "onnx.reduce_mean"(%v50, %c53) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %v55 = "onnx.sub"(%v50, %v54) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %c56 = "onnx.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %v57 = "onnx.pow"(%v55, %c56) : (tensor<1x6x64xf32>, tensor<f32>) -> tensor<1x6x64xf32>
  %c58 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v59 = "onnx.reduce_mean"(%v57, %c58) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %c60 = "onnx.constant"() {value = dense<9.99999974E-6> : tensor<f32>} : () -> tensor<f32>
  %v61 = "onnx.add"(%v59, %c60) : (tensor<1x6x1xf32>, tensor<f32>) -> tensor<1x6x1xf32>
  %v62 = "onnx.sqrt"(%v61) : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %v63 = "onnx.div"(%v55, %v62) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %v64 = "onnx.mul"(%v63, %c51) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v65 = "onnx.add"(%v64, %c52) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %c66 = "onnx.constant"() {value = dense<0.01> : tensor<64x256xf32>} : () -> tensor<64x256xf32>
  %c67 = "onnx.constant"() {value = dense<0.0> : tensor<256xf32>} : () -> tensor<256xf32>
  %v68 = "onnx.mat_mul"(%v65, %c66) : (tensor<1x6x64xf32>, tensor<64x256xf32>) -> tensor<1x6x256xf32>
  %v69 = "onnx.add"(%v68, %c67) : (tensor<1x6x256xf32>, tensor<256xf32>) -> tensor<1x6x256xf32>
  %c70 = "onnx.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %c71 = "onnx.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %c72 = "onnx.constant"() {value = dense<0.044715> : tensor<f32>} : () -> tensor<f32>
  %c73 = "onnx.constant"() {value = dense<0.797884583> : tensor<f32>} : () -> tensor<f32>
  %c74 = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %v75 = "onnx.mul"(%c70, %v69) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v76 = "onnx.pow"(%v69, %c71) : (tensor<1x6x256xf32>, tensor<f32>) -> tensor<1x6x256xf32>
  %v77 = "onnx.mul"(%c72, %v76) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v78 = "onnx.add"(%v69, %v77) : (tensor<1x6x256xf32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v79 = "onnx.mul"(%c73, %v78) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v80 = "onnx.tanh"(%v79) : (tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v81 = "onnx.add"(%c74, %v80) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v82 = "onnx.mul"(%v75, %v81) : (tensor<1x6x256xf32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %c83 = "onnx.constant"() {value = dense<0.01> : tensor<256x64xf32>} : () -> tensor<256x64xf32>
  %c84 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %v85 = "onnx.mat_mul"(%v82, %c83) : (tensor<1x6x256xf32>, tensor<256x64xf32>) -> tensor<1x6x64xf32>
  %v86 = "onnx.add"(%v85, %c84) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v87 = "onnx.add"(%v50, %v86) : (tensor<1x6x64xf32>, tensor<1x6x64xf32>) -> tensor<1x6x64xf32>
  %c88 = "onnx.constant"() {value = dense<1.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c89 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c90 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v91 = "onnx.reduce_mean"(%v87, %c90) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %v92 = "onnx.sub"(%v87, %v91) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %c93 = "onnx.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %v94 = "onnx.pow"(%v92, %c93) : (tensor<1x6x64xf32>, tensor<f32>) -> tensor<1x6x64xf32>
  %c95 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v96 = "onnx.reduce_mean"(%v94, %c95) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %c97 = "onnx.constant"() {value = dense<9.99999974E-6> : tensor<f32>} : () -> tensor<f32>
  %v98 = "onnx.add"(%v96, %c97) : (tensor<1x6x1xf32>, tensor<f32>) -> tensor<1x6x1xf32>
  %v99 = "onnx.sqrt"(%v98) : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %v100 = "onnx.div"(%v92, %v99) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %v101 = "onnx.mul"(%v100, %c88) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v102 = "onnx.add"(%v101, %c89) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %c103 = "onnx.constant"() {value = dense<0.01> : tensor<64x192xf32>} : () -> tensor<64x192xf32>
  %c104 = "onnx.constant"() {value = dense<0.0> : tensor<192xf32>} : () -> tensor<192xf32>
  %v105 = "onnx.mat_mul"(%v102, %c103) : (tensor<1x6x64xf32>, tensor<64x192xf32>) -> tensor<1x6x192xf32>
  %v106 = "onnx.add"(%v105, %c104) : (tensor<1x6x192xf32>, tensor<192xf32>) -> tensor<1x6x192xf32>
  %c107 = "onnx.constant"() {value = dense<64> : tensor<3xi64>} : () -> tensor<3xi64>
  %v108:3 = "onnx.split"(%v106, %c107) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x6x192xf32>, tensor<3xi64>) -> (tensor<1x6x64xf32>, tensor<1x6x64xf32>, tensor<1x6x64xf32>)
  %c109 = "onnx.constant"() {value = dense<[1, 6, 4, 16]> : tensor<4xi64>} : () -> tensor<4xi64>
  %v110 = "onnx.reshape"(%v108#0, %c109) {allowzero = 0 : i64} : (tensor<1x6x64xf32>, tensor<4xi64>) -> tensor<1x6x4x16xf32>
  %v111 = "onnx.reshape"(%v108#1, %c109) {allowzero = 0 : i64} : (tensor<1x6x64xf32>, tensor<4xi64>) -> tensor<1x6x4x16xf32>
  %v112 = "onnx.reshape"(%v108#2, %c109) {allowzero = 0 : i64} : (tensor<1x6x64xf32>, tensor<4xi64>) -> tensor<1x6x4x16xf32>
  %v113 = "onnx.transpose"(%v110) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x4x16xf32>) -> tensor<1x4x6x16xf32>
  %v114 = "onnx.transpose"(%v111) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x6x4x16xf32>) -> tensor<1x4x16x6xf32>
  %v115 = "onnx.transpose"(%v112) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x4x16xf32>) -> tensor<1x4x6x16xf32>
  %v116 = "onnx.mat_mul"(%v113, %v114) : (tensor<1x4x6x16xf32>, tensor<1x4x16x6xf32>) -> tensor<1x4x6x6xf32>
  %c117 = "onnx.constant"() {value = dense<4.000000> : tensor<f32>} : () -> tensor<f32>
  %v118 = "onnx.div"(%v116, %c117) : (tensor<1x4x6x6xf32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %c119 = "onnx.constant"() {value = dense<[[[[true, false, false, false, false, false], [true, true, false, false, false, false], [true, true, true, false, false, false], [true, true, true, true, false, false], [true, true, true, true, true, false], [true, true, true, true, true, true]]]]> : tensor<1x1x6x6xi1>} : () -> tensor<1x1x6x6xi1>
  %c120 = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %v121 = "onnx.where"(%c119, %v118, %c120) : (tensor<1x1x6x6xi1>, tensor<1x4x6x6xf32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %v122 = "onnx.softmax"(%v121) {axis = -1 : i64} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %v123 = "onnx.mat_mul"(%v122, %v115) : (tensor<1x4x6x6xf32>, tensor<1x4x6x16xf32>) -> tensor<1x4x6x16xf32>
  %v124 = "onnx.transpose"(%v123) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x6x16xf32>) -> tensor<1x6x4x16xf32>
  %c125 = "onnx.constant"() {value = dense<[1, 6, 64]> : tensor<3xi64>} : () -> tensor<3xi64>
  %v126 = "onnx.reshape"(%v124, %c125) {allowzero = 0 : i64} : (tensor<1x6x4x16xf32>, tensor<3xi64>) -> tensor<1x6x64xf32>
  %c127 = "onnx.constant"() {value = dense<0.01> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %c128 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %v129 = "onnx.mat_mul"(%v126, %c127) : (tensor<1x6x64xf32>, tensor<64x64xf32>) -> tensor<1x6x64xf32>
  %v130 = "onnx.add"(%v129, %c128) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v131 = "onnx.add"(%v87, %v130) : (tensor<1x6x64xf32>, tensor<1x6x64xf32>) -> tensor<1x6x64xf32>
  %c132 = "onnx.constant"() {value = dense<1.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c133 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c134 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v135 = "onnx.reduce_mean"(%v131, %c134) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %v136 = "onnx.sub"(%v131, %v135) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %c137 = "onnx.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %v138 = "onnx.pow"(%v136, %c137) : (tensor<1x6x64xf32>, tensor<f32>) -> tensor<1x6x64xf32>
  %c139 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v140 = "onnx.reduce_mean"(%v138, %c139) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %c141 = "onnx.constant"() {value = dense<9.99999974E-6> : tensor<f32>} : () -> tensor<f32>
  %v142 = "onnx.add"(%v140, %c141) : (tensor<1x6x1xf32>, tensor<f32>) -> tensor<1x6x1xf32>
  %v143 = "onnx.sqrt"(%v142) : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %v144 = "onnx.div"(%v136, %v143) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %v145 = "onnx.mul"(%v144, %c132) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v146 = "onnx.add"(%v145, %c133) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %c147 = "onnx.constant"() {value = dense<0.01> : tensor<64x256xf32>} : () -> tensor<64x256xf32>
  %c148 = "onnx.constant"() {value = dense<0.0> : tensor<256xf32>} : () -> tensor<256xf32>
  %v149 = "onnx.mat_mul"(%v146, %c147) : (tensor<1x6x64xf32>, tensor<64x256xf32>) -> tensor<1x6x256xf32>
  %v150 = "onnx.add"(%v149, %c148) : (tensor<1x6x256xf32>, tensor<256xf32>) -> tensor<1x6x256xf32>
  %c151 = "onnx.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %c152 = "onnx.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %c153 = "onnx.constant"() {value = dense<0.044715> : tensor<f32>} : () -> tensor<f32>
  %c154 = "onnx.constant"() {value = dense<0.797884583> : tensor<f32>} : () -> tensor<f32>
  %c155 = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %v156 = "onnx.mul"(%c151, %v150) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v157 = "onnx.pow"(%v150, %c152) : (tensor<1x6x256xf32>, tensor<f32>) -> tensor<1x6x256xf32>
  %v158 = "onnx.mul"(%c153, %v157) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v159 = "onnx.add"(%v150, %v158) : (tensor<1x6x256xf32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v160 = "onnx.mul"(%c154, %v159) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v161 = "onnx.tanh"(%v160) : (tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v162 = "onnx.add"(%c155, %v161) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v163 = "onnx.mul"(%v156, %v162) : (tensor<1x6x256xf32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %c164 = "onnx.constant"() {value = dense<0.01> : tensor<256x64xf32>} : () -> tensor<256x64xf32>
  %c165 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %v166 = "onnx.mat_mul"(%v163, %c164) : (tensor<1x6x256xf32>, tensor<256x64xf32>) -> tensor<1x6x64xf32>
  %v167 = "onnx.add"(%v166, %c165) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v168 = "onnx.add"(%v131, %v167) : (tensor<1x6x64xf32>, tensor<1x6x64xf32>) -> tensor<1x6x64xf32>
  %c169 = "onnx.constant"() {value = dense<1.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c170 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c171 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v172 = "onnx.reduce_mean"(%v168, %c171) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %v173 = "onnx.sub"(%v168, %v172) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %c174 = "onnx.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %v175 = "onnx.pow"(%v173, %c174) : (tensor<1x6x64xf32>, tensor<f32>) -> tensor<1x6x64xf32>
  %c176 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v177 = "onnx.reduce_mean"(%v175, %c176) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %c178 = "onnx.constant"() {value = dense<9.99999974E-6> : tensor<f32>} : () -> tensor<f32>
  %v179 = "onnx.add"(%v177, %c178) : (tensor<1x6x1xf32>, tensor<f32>) -> tensor<1x6x1xf32>
  %v180 = "onnx.sqrt"(%v179) : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %v181 = "onnx.div"(%v173, %v180) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %v182 = "onnx.mul"(%v181, %c169) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v183 = "onnx.add"(%v182, %c170) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %c184 = "onnx.constant"() {value = dense<0.01> : tensor<64x192xf32>} : () -> tensor<64x192xf32>
  %c185 = "onnx.constant"() {value = dense<0.0> : tensor<192xf32>} : () -> tensor<192xf32>
  %v186 = "onnx.mat_mul"(%v183, %c184) : (tensor<1x6x64xf32>, tensor<64x192xf32>) -> tensor<1x6x192xf32>
  %v187 = "onnx.add"(%v186, %c185) : (tensor<1x6x192xf32>, tensor<192xf32>) -> tensor<1x6x192xf32>
  %c188 = "onnx.constant"() {value = dense<64> : tensor<3xi64>} : () -> tensor<3xi64>
  %v189:3 = "onnx.split"(%v187, %c188) {axis = 2 : i64, resultSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x6x192xf32>, tensor<3xi64>) -> (tensor<1x6x64xf32>, tensor<1x6x64xf32>, tensor<1x6x64xf32>)
  %c190 = "onnx.constant"() {value = dense<[1, 6, 4, 16]> : tensor<4xi64>} : () -> tensor<4xi64>
  %v191 = "onnx.reshape"(%v189#0, %c190) {allowzero = 0 : i64} : (tensor<1x6x64xf32>, tensor<4xi64>) -> tensor<1x6x4x16xf32>
  %v192 = "onnx.reshape"(%v189#1, %c190) {allowzero = 0 : i64} : (tensor<1x6x64xf32>, tensor<4xi64>) -> tensor<1x6x4x16xf32>
  %v193 = "onnx.reshape"(%v189#2, %c190) {allowzero = 0 : i64} : (tensor<1x6x64xf32>, tensor<4xi64>) -> tensor<1x6x4x16xf32>
  %v194 = "onnx.transpose"(%v191) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x4x16xf32>) -> tensor<1x4x6x16xf32>
  %v195 = "onnx.transpose"(%v192) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x6x4x16xf32>) -> tensor<1x4x16x6xf32>
  %v196 = "onnx.transpose"(%v193) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x4x16xf32>) -> tensor<1x4x6x16xf32>
  %v197 = "onnx.mat_mul"(%v194, %v195) : (tensor<1x4x6x16xf32>, tensor<1x4x16x6xf32>) -> tensor<1x4x6x6xf32>
  %c198 = "onnx.constant"() {value = dense<4.000000> : tensor<f32>} : () -> tensor<f32>
  %v199 = "onnx.div"(%v197, %c198) : (tensor<1x4x6x6xf32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %c200 = "onnx.constant"() {value = dense<[[[[true, false, false, false, false, false], [true, true, false, false, false, false], [true, true, true, false, false, false], [true, true, true, true, false, false], [true, true, true, true, true, false], [true, true, true, true, true, true]]]]> : tensor<1x1x6x6xi1>} : () -> tensor<1x1x6x6xi1>
  %c201 = "onnx.constant"() {value = dense<-3.40282347E+38> : tensor<f32>} : () -> tensor<f32>
  %v202 = "onnx.where"(%c200, %v199, %c201) : (tensor<1x1x6x6xi1>, tensor<1x4x6x6xf32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %v203 = "onnx.softmax"(%v202) {axis = -1 : i64} : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %v204 = "onnx.mat_mul"(%v203, %v196) : (tensor<1x4x6x6xf32>, tensor<1x4x6x16xf32>) -> tensor<1x4x6x16xf32>
  %v205 = "onnx.transpose"(%v204) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x6x16xf32>) -> tensor<1x6x4x16xf32>
  %c206 = "onnx.constant"() {value = dense<[1, 6, 64]> : tensor<3xi64>} : () -> tensor<3xi64>
  %v207 = "onnx.reshape"(%v205, %c206) {allowzero = 0 : i64} : (tensor<1x6x4x16xf32>, tensor<3xi64>) -> tensor<1x6x64xf32>
  %c208 = "onnx.constant"() {value = dense<0.01> : tensor<64x64xf32>} : () -> tensor<64x64xf32>
  %c209 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %v210 = "onnx.mat_mul"(%v207, %c208) : (tensor<1x6x64xf32>, tensor<64x64xf32>) -> tensor<1x6x64xf32>
  %v211 = "onnx.add"(%v210, %c209) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v212 = "onnx.add"(%v168, %v211) : (tensor<1x6x64xf32>, tensor<1x6x64xf32>) -> tensor<1x6x64xf32>
  %c213 = "onnx.constant"() {value = dense<1.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c214 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c215 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v216 = "onnx.reduce_mean"(%v212, %c215) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %v217 = "onnx.sub"(%v212, %v216) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %c218 = "onnx.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %v219 = "onnx.pow"(%v217, %c218) : (tensor<1x6x64xf32>, tensor<f32>) -> tensor<1x6x64xf32>
  %c220 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v221 = "onnx.reduce_mean"(%v219, %c220) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %c222 = "onnx.constant"() {value = dense<9.99999974E-6> : tensor<f32>} : () -> tensor<f32>
  %v223 = "onnx.add"(%v221, %c222) : (tensor<1x6x1xf32>, tensor<f32>) -> tensor<1x6x1xf32>
  %v224 = "onnx.sqrt"(%v223) : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %v225 = "onnx.div"(%v217, %v224) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %v226 = "onnx.mul"(%v225, %c213) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v227 = "onnx.add"(%v226, %c214) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %c228 = "onnx.constant"() {value = dense<0.01> : tensor<64x256xf32>} : () -> tensor<64x256xf32>
  %c229 = "onnx.constant"() {value = dense<0.0> : tensor<256xf32>} : () -> tensor<256xf32>
  %v230 = "onnx.mat_mul"(%v227, %c228) : (tensor<1x6x64xf32>, tensor<64x256xf32>) -> tensor<1x6x256xf32>
  %v231 = "onnx.add"(%v230, %c229) : (tensor<1x6x256xf32>, tensor<256xf32>) -> tensor<1x6x256xf32>
  %c232 = "onnx.constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %c233 = "onnx.constant"() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %c234 = "onnx.constant"() {value = dense<0.044715> : tensor<f32>} : () -> tensor<f32>
  %c235 = "onnx.constant"() {value = dense<0.797884583> : tensor<f32>} : () -> tensor<f32>
  %c236 = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %v237 = "onnx.mul"(%c232, %v231) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v238 = "onnx.pow"(%v231, %c233) : (tensor<1x6x256xf32>, tensor<f32>) -> tensor<1x6x256xf32>
  %v239 = "onnx.mul"(%c234, %v238) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v240 = "onnx.add"(%v231, %v239) : (tensor<1x6x256xf32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v241 = "onnx.mul"(%c235, %v240) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v242 = "onnx.tanh"(%v241) : (tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v243 = "onnx.add"(%c236, %v242) : (tensor<f32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %v244 = "onnx.mul"(%v237, %v243) : (tensor<1x6x256xf32>, tensor<1x6x256xf32>) -> tensor<1x6x256xf32>
  %c245 = "onnx.constant"() {value = dense<0.01> : tensor<256x64xf32>} : () -> tensor<256x64xf32>
  %c246 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %v247 = "onnx.mat_mul"(%v244, %c245) : (tensor<1x6x256xf32>, tensor<256x64xf32>) -> tensor<1x6x64xf32>
  %v248 = "onnx.add"(%v247, %c246) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v249 = "onnx.add"(%v212, %v248) : (tensor<1x6x64xf32>, tensor<1x6x64xf32>) -> tensor<1x6x64xf32>
  %c250 = "onnx.constant"() {value = dense<1.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c251 = "onnx.constant"() {value = dense<0.0> : tensor<64xf32>} : () -> tensor<64xf32>
  %c252 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v253 = "onnx.reduce_mean"(%v249, %c252) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %v254 = "onnx.sub"(%v249, %v253) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %c255 = "onnx.constant"() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %v256 = "onnx.pow"(%v254, %c255) : (tensor<1x6x64xf32>, tensor<f32>) -> tensor<1x6x64xf32>
  %c257 = "onnx.constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %v258 = "onnx.reduce_mean"(%v256, %c257) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x6x64xf32>, tensor<1xi64>) -> tensor<1x6x1xf32>
  %c259 = "onnx.constant"() {value = dense<9.99999974E-6> : tensor<f32>} : () -> tensor<f32>
  %v260 = "onnx.add"(%v258, %c259) : (tensor<1x6x1xf32>, tensor<f32>) -> tensor<1x6x1xf32>
  %v261 = "onnx.sqrt"(%v260) : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %v262 = "onnx.div"(%v254, %v261) : (tensor<1x6x64xf32>, tensor<1x6x1xf32>) -> tensor<1x6x64xf32>
  %v263 = "onnx.mul"(%v262, %c250) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %v264 = "onnx.add"(%v263, %c251) : (tensor<1x6x64xf32>, tensor<64xf32>) -> tensor<1x6x64xf32>
  %c265 = "onnx.constant"() {value = dense<0.02> : tensor<64x32xf32>} : () -> tensor<64x32xf32>
  %v266 = "onnx.mat_mul"(%v264, %c265) : (tensor<1x6x64xf32>, tensor<64x32xf32>) -> tensor<1x6x32xf32>
  return %v266 : tensor<1x6x32xf32>
}
