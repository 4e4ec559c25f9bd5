// RUN: not gcim-opt --split-input-file --gcim-fuse-attention="strict=1 padding=unpadded" %s 2>&1 | FileCheck %s
// RUN: not gcim-opt --split-input-file --gcim-fuse-attention=strict=1 %s 2>&1 | FileCheck %s --check-prefix=EXACT

// Masks from a padding input that are not fused (strict=1 makes each an error giving the
// reason; fuse-attention-padding.mlir has the ones that fuse). One case per reason.

// With the input all 1 the mask keeps only a constant pattern that is not causal, all 0
// it masks everything: no value means "no padding".
// CHECK: error: attention not fused: the mask depends on input 'pad' and is neither causal nor full with it all 1 (the mask is neither causal (lower triangular) nor a sliding window) or all 0 (the mask is neither causal (lower triangular) nor a sliding window)
// EXACT: error: attention not fused: the mask depends on input 'pad' and is neither causal nor full
func.func @not_a_pattern(%q: tensor<1x1x2x8xf32>, %kt: tensor<1x1x8x2xf32>, %v: tensor<1x1x2x8xf32>, %pad: tensor<1x2xi1> {onnx.name = "pad"}) -> tensor<1x1x2x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x2x8xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x2x2xf32>
  %c = "onnx.constant"() {value = dense<[[false, true], [true, true]]> : tensor<2x2xi1>} : () -> tensor<2x2xi1>
  %keep = "onnx.and"(%c, %pad) : (tensor<2x2xi1>, tensor<1x2xi1>) -> tensor<2x2xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%keep, %s, %min) : (tensor<2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// Causal with the input all 1, full with it all 0: which value is "no padding" is unclear.
// CHECK: error: attention not fused: the mask depends on input 'pad' and is a different recognised pattern with it all 1 and all 0: which value means no padding is unclear
// EXACT: error: attention not fused: the mask depends on input 'pad' and is a different recognised pattern
func.func @ambiguous(%q: tensor<1x1x2x8xf32>, %kt: tensor<1x1x8x2xf32>, %v: tensor<1x1x2x8xf32>, %pad: tensor<1x2xi64> {onnx.name = "pad"}) -> tensor<1x1x2x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x2x8xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x2x2xf32>
  %c = "onnx.constant"() {value = dense<[[true, false], [true, true]]> : tensor<2x2xi1>} : () -> tensor<2x2xi1>
  %zero = "onnx.constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %off = "onnx.equal"(%pad, %zero) : (tensor<1x2xi64>, tensor<i64>) -> tensor<1x2xi1>
  %keep = "onnx.or"(%c, %off) : (tensor<2x2xi1>, tensor<1x2xi1>) -> tensor<2x2xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%keep, %s, %min) : (tensor<2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// A recognised padding mask under padding=exact (the pass's default): left to the model's
// ops; fused with padding=unpadded, so no error in that run.
// EXACT: error: attention not fused: the mask depends on input 'attention_mask', a padding mask (no padding: all 1): kept exact as the model's ops; padding=unpadded (gcim-compile --padding-mask=unpadded) fuses it, checked at run time
// CHECK-NOT: attention_mask
func.func @exact(%q: tensor<1x1x2x8xf32>, %kt: tensor<1x1x8x2xf32>, %v: tensor<1x1x2x8xf32>, %m: tensor<1x2xi64> {onnx.name = "attention_mask"}) -> tensor<1x1x2x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x2x8xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x2x2xf32>
  %c = "onnx.constant"() {value = dense<[[true, false], [true, true]]> : tensor<2x2xi1>} : () -> tensor<2x2xi1>
  %one = "onnx.constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %on = "onnx.equal"(%m, %one) : (tensor<1x2xi64>, tensor<i64>) -> tensor<1x2xi1>
  %keep = "onnx.and"(%c, %on) : (tensor<2x2xi1>, tensor<1x2xi1>) -> tensor<2x2xi1>
  %min = "onnx.constant"() {value = dense<-1.0e+9> : tensor<f32>} : () -> tensor<f32>
  %x = "onnx.where"(%keep, %s, %min) : (tensor<2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// With the input all 0 the first row (batch x heads) keeps everything, the second is
// causal: one attention cannot be both.
// CHECK: error: attention not fused: the mask depends on input 'kpm' and is neither causal nor full with it all 1 ({{.*}}) or all 0 (the mask differs between batch rows or heads)
func.func @rows_differ(%q: tensor<2x4x8xf32>, %kt: tensor<2x8x4xf32>, %v: tensor<2x4x8xf32>, %kpm: tensor<2x4xi1> {onnx.name = "kpm"}) -> tensor<2x4x8xf32> {
  %shape = "onnx.constant"() {value = dense<[2, 1, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
  %k3 = "onnx.reshape"(%kpm, %shape) {allowzero = 0 : i64} : (tensor<2x4xi1>, tensor<3xi64>) -> tensor<2x1x4xi1>
  %c = "onnx.constant"() {value = dense<[[[false, false, false, false], [false, false, false, false], [false, false, false, false], [false, false, false, false]], [[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]]> : tensor<2x4x4xi1>} : () -> tensor<2x4x4xi1>
  %off = "onnx.or"(%k3, %c) : (tensor<2x1x4xi1>, tensor<2x4x4xi1>) -> tensor<2x4x4xi1>
  %ninf = "onnx.constant"() {value = dense<0xFF800000> : tensor<f32>} : () -> tensor<f32>
  %zero = "onnx.constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %mask = "onnx.where"(%off, %ninf, %zero) : (tensor<2x4x4xi1>, tensor<f32>, tensor<f32>) -> tensor<2x4x4xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<2x4x8xf32>, tensor<2x8x4xf32>) -> tensor<2x4x4xf32>
  %x = "onnx.add"(%s, %mask) : (tensor<2x4x4xf32>, tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<2x4x4xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

// -----

// Two padding inputs added to the scores.
// CHECK: error: attention not fused: the scores are masked by two padding inputs (one is 'm1')
// EXACT: error: attention not fused: the mask depends on input 'm2', a padding mask
func.func @two_inputs(%q: tensor<1x1x2x8xf32>, %kt: tensor<1x1x8x2xf32>, %v: tensor<1x1x2x8xf32>, %m1: tensor<1x2xf32> {onnx.name = "m1"}, %m2: tensor<1x2xf32> {onnx.name = "m2"}) -> tensor<1x1x2x8xf32> {
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x1x2x8xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x2x2xf32>
  %one = "onnx.constant"() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %min = "onnx.constant"() {value = dense<-3.40282347e+38> : tensor<f32>} : () -> tensor<f32>
  %i1 = "onnx.sub"(%one, %m1) : (tensor<f32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %p1 = "onnx.mul"(%i1, %min) : (tensor<1x2xf32>, tensor<f32>) -> tensor<1x2xf32>
  %i2 = "onnx.sub"(%one, %m2) : (tensor<f32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %p2 = "onnx.mul"(%i2, %min) : (tensor<1x2xf32>, tensor<f32>) -> tensor<1x2xf32>
  %x1 = "onnx.add"(%s, %p1) : (tensor<1x1x2x2xf32>, tensor<1x2xf32>) -> tensor<1x1x2x2xf32>
  %x = "onnx.add"(%p2, %x1) : (tensor<1x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %p = "onnx.softmax"(%x) {axis = -1 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
