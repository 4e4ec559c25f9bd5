// RUN: not gcim-opt --split-input-file --gcim-stream=strict=1 %s 2>&1 | FileCheck %s
// RUN: gcim-opt --split-input-file --gcim-stream %s | FileCheck %s --check-prefix=KEEP
// RUN: gcim-opt --split-input-file --gcim-stream --gcim-schedule --report %t.json %s > /dev/null
// RUN: FileCheck %s --check-prefix=REPORT < %t.json

// Graphs gcim-stream cannot stream: with strict=1 an error with the reason, one case per
// reason; without it the full-sequence form stays, the reason in gcim.unstreamed.
// KEEP: func.func @non_causal({{.*}}attributes {gcim.unstreamed = "an attention is not causal"}
// KEEP-NOT: _step
// The report of the last case lists the function and the reason.
// REPORT: "unstreamed": [
// REPORT-NEXT: {{[{]}}"function": "dynamic", "reason": "the sequence length is dynamic"{{[}]}}

// CHECK: error: cannot stream 'non_causal': an attention is not causal
func.func @non_causal(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 0 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %a : tensor<1x2x4x8xf32>
}

// -----

// CHECK: error: cannot stream 'over_tokens': 'onnx.top_k' selects along the sequence axis
func.func @over_tokens(%q: tensor<1x2x4x4xf32>) -> (tensor<1x2x2x4xf32>, tensor<1x2x2x4xi64>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 0.5 : f32, num_heads = 2 : i64, head_dim = 4 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %k = "onnx.constant"() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %w, %i = "onnx.top_k"(%a, %k) {axis = 2 : i64, largest = 1 : i64, sorted = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1xi64>) -> (tensor<1x2x2x4xf32>, tensor<1x2x2x4xi64>)
  return %w, %i : tensor<1x2x2x4xf32>, tensor<1x2x2x4xi64>
}

// -----

// CHECK: error: cannot stream 'chunk': a KV-cache graph with 2 new tokens (one is streamable)
func.func @chunk(%q: tensor<1x2x2x8xf32>, %pk: tensor<1x2x6x8xf32>) -> tensor<1x2x2x8xf32> {
  %k = "gcim.cache_append"(%pk, %q) : (tensor<1x2x6x8xf32>, tensor<1x2x2x8xf32>) -> tensor<1x2x8x8xf32>
  %a = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x2x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x2x8xf32>
  return %a : tensor<1x2x2x8xf32>
}

// -----

// CHECK: error: cannot stream 'more_keys': an attention has 2 queries but 4 keys without a KV cache
func.func @more_keys(%q: tensor<1x2x2x8xf32>, %k: tensor<1x2x4x8xf32>) -> tensor<1x2x2x8xf32> {
  %a = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x2x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x2x8xf32>
  return %a : tensor<1x2x2x8xf32>
}

// -----

// CHECK: error: cannot stream 'lengths': attentions disagree on the sequence length
func.func @lengths(%q: tensor<1x2x4x8xf32>, %r: tensor<1x2x3x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x3x8xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %b = "gcim.attention"(%r, %r, %r) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %a, %b : tensor<1x2x4x8xf32>, tensor<1x2x3x8xf32>
}

// -----

// CHECK: error: cannot stream 'some_cached': only some attentions have a KV cache
func.func @some_cached(%q: tensor<1x2x1x8xf32>, %pk: tensor<1x2x3x8xf32>) -> (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>) {
  %k = "gcim.cache_append"(%pk, %q) : (tensor<1x2x3x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
  %a = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x1x8xf32>
  %b = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x1x8xf32>
  return %a, %b : tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>
}

// -----

// CHECK: error: cannot stream 'past_computed': a KV cache whose past is not a function argument
func.func @past_computed(%q: tensor<1x2x1x8xf32>, %pk: tensor<1x2x3x8xf32>) -> tensor<1x2x1x8xf32> {
  %p = "onnx.neg"(%pk) : (tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  %k = "gcim.cache_append"(%p, %q) : (tensor<1x2x3x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
  %a = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x1x8xf32>
  return %a : tensor<1x2x1x8xf32>
}

// -----

// CHECK: error: cannot stream 'merge': 'onnx.reshape' merges or splits the sequence axis
func.func @merge(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x64xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %s = "onnx.constant"() {value = dense<[1, 64]> : tensor<2xi64>} : () -> tensor<2xi64>
  %y = "onnx.reshape"(%x, %s) {allowzero = 0 : i64} : (tensor<1x4x16xf32>, tensor<2xi64>) -> tensor<1x64xf32>
  return %a, %y : tensor<1x2x4x8xf32>, tensor<1x64xf32>
}

// -----

// CHECK: error: cannot stream 'reduce': 'onnx.reduce_mean' reduces over the sequence axis
func.func @reduce(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x1x16xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %ax = "onnx.constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %y = "onnx.reduce_mean"(%x, %ax) {keepdims = 1 : i64, noop_with_empty_axes = 0 : i64} : (tensor<1x4x16xf32>, tensor<1xi64>) -> tensor<1x1x16xf32>
  return %a, %y : tensor<1x2x4x8xf32>, tensor<1x1x16xf32>
}

// -----

// CHECK: error: cannot stream 'softmax_tokens': 'onnx.softmax' normalises over the sequence axis
func.func @softmax_tokens(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x4x16xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %y = "onnx.softmax"(%x) {axis = 1 : i64} : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  return %a, %y : tensor<1x2x4x8xf32>, tensor<1x4x16xf32>
}

// -----

// CHECK: error: cannot stream 'gram': 'onnx.mat_mul' contracts or mixes the sequence axis
func.func @gram(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>, %xt: tensor<1x16x4xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x16x16xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %y = "onnx.mat_mul"(%xt, %x) : (tensor<1x16x4xf32>, tensor<1x4x16xf32>) -> tensor<1x16x16xf32>
  return %a, %y : tensor<1x2x4x8xf32>, tensor<1x16x16xf32>
}

// -----

// CHECK: error: cannot stream 'trilu': 'onnx.trilu' is not known to be position-wise along the sequence axis
func.func @trilu(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x4x16xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %y = "onnx.trilu"(%x) {upper = 0 : i64} : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  return %a, %y : tensor<1x2x4x8xf32>, tensor<1x4x16xf32>
}

// -----

// CHECK: error: cannot stream 'split_tokens': 'onnx.split' splits or concatenates along the sequence axis
func.func @split_tokens(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x16xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %y:2 = "onnx.split"(%x) {axis = 1 : i64, resultSegmentSizes = array<i32: 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x4x16xf32>) -> (tensor<1x2x16xf32>, tensor<1x2x16xf32>)
  return %a, %y#0 : tensor<1x2x4x8xf32>, tensor<1x2x16xf32>
}

// -----

// CHECK: error: cannot stream 'first_token': 'onnx.slice' slices the sequence axis (other than taking the last token)
func.func @first_token(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x1x16xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %s = "onnx.constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = "onnx.constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %ax = "onnx.constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %y = "onnx.slice"(%x, %s, %e, %ax) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<1x4x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x1x16xf32>
  return %a, %y : tensor<1x2x4x8xf32>, tensor<1x1x16xf32>
}

// -----

// CHECK: error: cannot stream 'not_constant': 'onnx.add' combines a full-sequence value that does not come from constants
func.func @not_constant(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>, %b: tensor<4x16xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x4x16xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %n = "onnx.neg"(%b) : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %y = "onnx.add"(%x, %n) : (tensor<1x4x16xf32>, tensor<4x16xf32>) -> tensor<1x4x16xf32>
  return %a, %y : tensor<1x2x4x8xf32>, tensor<1x4x16xf32>
}

// -----

// CHECK: error: cannot stream 'gather_tokens': 'onnx.gather' gathers along the sequence axis (other than the last token)
func.func @gather_tokens(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x16xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x1x16xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %i = "onnx.constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %y = "onnx.gather"(%x, %i) {axis = 1 : i64} : (tensor<1x4x16xf32>, tensor<1xi64>) -> tensor<1x1x16xf32>
  return %a, %y : tensor<1x2x4x8xf32>, tensor<1x1x16xf32>
}

// -----

// CHECK: error: cannot stream 'mixed_axes': 'onnx.add' combines values with different sequence axes
func.func @mixed_axes(%q: tensor<1x2x4x8xf32>, %x: tensor<1x4x4xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x4x4xf32>) {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %t = "onnx.transpose"(%x) {perm = array<i64: 0, 2, 1>} : (tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  %y = "onnx.add"(%x, %t) : (tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  return %a, %y : tensor<1x2x4x8xf32>, tensor<1x4x4xf32>
}

// -----

// A KV-cache graph imported for one past length: a CumSum over past + new positions (OPT's
// position ids counted along its mask) holds that length's count, not the step's.
// CHECK: error: cannot stream 'cache_cumsum': a KV-cache graph sums along positions (CumSum, as OPT counts its position ids along the mask), which the step function cannot follow
func.func @cache_cumsum(%q: tensor<1x2x1x8xf32>, %pk: tensor<1x2x3x8xf32>, %ones: tensor<1x4xi64>) -> (tensor<1x2x1x8xf32>, tensor<1x4xi64>) {
  %k = "gcim.cache_append"(%pk, %q) : (tensor<1x2x3x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
  %a = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x1x8xf32>
  %axis = "onnx.constant"() {value = dense<1> : tensor<i32>} : () -> tensor<i32>
  %c = "onnx.cum_sum"(%ones, %axis) {exclusive = 0 : i64, reverse = 0 : i64} : (tensor<1x4xi64>, tensor<i32>) -> tensor<1x4xi64>
  return %a, %c : tensor<1x2x1x8xf32>, tensor<1x4xi64>
}

// -----

// A KV-cache graph imported for one past length: a value the importer computed from it
// (tagged by the import's probe) is frozen at that length in a step function.
// CHECK: error: cannot stream 'cache_frozen': 'onnx.add' node 'positions' holds what the import computed from the cached length 3, which the step function, serving every length, cannot follow
func.func @cache_frozen(%q: tensor<1x2x1x8xf32>, %pk: tensor<1x2x3x8xf32>) -> (tensor<1x2x1x8xf32>, tensor<1x4xi64>) {
  %k = "gcim.cache_append"(%pk, %q) : (tensor<1x2x3x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
  %a = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x1x8xf32>
  %ones = "onnx.constant"() {gcim.from_past_length, value = dense<1> : tensor<1x4xi64>} : () -> tensor<1x4xi64>
  %c = "onnx.add"(%ones, %ones) {gcim.from_past_length} : (tensor<1x4xi64>, tensor<1x4xi64>) -> tensor<1x4xi64> loc("positions")
  return %a, %c : tensor<1x2x1x8xf32>, tensor<1x4xi64>
}

// -----

// An input sized by the past length that the step function would still take (a mask
// over past and new tokens read by something else than the attention).
// CHECK: error: cannot stream 'cache_sized_input': input 'attention_mask' is sized by the cached length 3, which the step function, serving every length, cannot take
func.func @cache_sized_input(%q: tensor<1x2x1x8xf32>, %pk: tensor<1x2x3x8xf32> {gcim.from_past_length, onnx.name = "past_key"}, %m: tensor<1x4xi64> {gcim.from_past_length, onnx.name = "attention_mask"}) -> (tensor<1x2x1x8xf32>, tensor<1x4xi64>) {
  %k = "gcim.cache_append"(%pk, %q) : (tensor<1x2x3x8xf32>, tensor<1x2x1x8xf32>) -> tensor<1x2x4x8xf32>
  %a = "gcim.attention"(%q, %k, %k) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x1x8xf32>
  %n = "onnx.neg"(%m) : (tensor<1x4xi64>) -> tensor<1x4xi64>
  return %a, %n : tensor<1x2x1x8xf32>, tensor<1x4xi64>
}

// -----

// CHECK: error: cannot stream 'dynamic': the sequence length is dynamic
func.func @dynamic(%q: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %a = "gcim.attention"(%q, %q, %q) {kind = "softmax", causal = 1 : i64, window = 0 : i64, scale = 1.0 : f32, num_heads = 2 : i64, head_dim = 8 : i64} : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  return %a : tensor<1x2x?x8xf32>
}
