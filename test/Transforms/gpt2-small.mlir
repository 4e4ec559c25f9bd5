// RUN: %python %S/Inputs/gpt2.py --layers 12 --heads 12 --dim 64 --tokens 8 --vocab 64 --positions 1024 --opset 17 > %t.mlir
// RUN: gcim-opt --gcim-fuse-attention=strict=1 --gcim-stream=strict=1 --gcim-map-attention=attention=analog --gcim-quantize=fold=0 --gcim-schedule --gcim-verify --report %t.json %t.mlir | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: %python %S/Inputs/gpt2.py --layers 2 --heads 12 --dim 64 --tokens 5 --vocab 64 --positions 1024 --opset 14 --batch 2 > %t.14.mlir
// RUN: gcim-opt --gcim-fuse-attention=strict=1 --gcim-stream=strict=1 --gcim-map-attention=attention=analog --gcim-verify %t.14.mlir | FileCheck %s --check-prefix=OPSET14

// GPT-2 small's shape written as torch's exporter writes it (12 layers x 12 heads, d = 64,
// 1,024 positions; tiny vocabulary, 8 tokens): every attention fuses, the model streams,
// the full-sequence function maps as a block of 8 tokens and the step function onto the
// same 2,304 sub-tiles, and the report gives 6.15 nJ per head, 65 ns per layer, 0.89 uJ
// and 0.78 us of attention per token. Also opset 14 (decomposed LayerNorm) with batch 2.

// CHECK-LABEL: func.func @gpt2(
// CHECK-SAME: attributes {gcim.step_function = "gpt2_step"}
// CHECK-COUNT-12: "gcim.kv_write"({{.*}}streamed = 0 : i64, token_tiles = 16 : i64, window = 1024 : i64}
// CHECK-LABEL: func.func @gpt2_step(%arg0: tensor<1x1xi64> {onnx.name = "input_ids"}) -> (tensor<1x1x64xf32> {onnx.name = "logits"})
// CHECK-COUNT-12: "gcim.kv_write"({{.*}}streamed = 1 : i64, token_tiles = 16 : i64, window = 1024 : i64}
// CHECK-NOT: onnx.softmax

// JSON: "sub_tiles": 2304,
// JSON: "perToken": {{[{]}}"assumptions": "decoding with every analog layer's window full{{.*}}"analogLayers": 12, "headSteps": 144, "energyPJ": {{[{]}}"firstProduct": 161280, "secondProduct": 100800, "digital": 576000, "dac": 47520, "total": 885600}, "latencyNs": 780},
// JSON: "layer_count": 12,
// JSON: "layer": 11, "mapping": "analog", "kind": "softmax", "heads": 12, "head_dim": 64, "streamed": true, "sub_tiles": 192, "latency_ns": 65, "energy_nj": 73.8
// JSON: "layer": 11, "head": 11, {{.*}}"sub_tiles": 16, "first_sub_tile": 2288, "latency_ns": 65, "energy_nj": 6.15
// JSON: "unfused": [
// JSON-NEXT: ],

// OPSET14-LABEL: func.func @gpt2_step(%arg0: tensor<2x1xi64>
// OPSET14-COUNT-2: "gcim.kv_write"({{.*}}streamed = 1 : i64
