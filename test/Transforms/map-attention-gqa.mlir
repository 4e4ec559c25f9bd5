// RUN: gcim-opt --gcim-map-attention=attention=analog --gcim-quantize --gcim-schedule --gcim-verify --report %t.rep.json %s | FileCheck %s --check-prefix=REP
// RUN: FileCheck %s --check-prefix=REPJSON < %t.rep.json
// RUN: gcim-opt --gcim-map-attention="attention=analog gqa=share" --gcim-quantize --gcim-schedule --gcim-verify --report %t.share.json %s | FileCheck %s --check-prefix=SHARE
// RUN: FileCheck %s --check-prefix=SHAREJSON < %t.share.json
// RUN: %python -c "import json; r = json.load(open('%t.rep.json')); s = json.load(open('%t.share.json')); assert r['sub_tiles'] == 8 and s['sub_tiles'] == 4 and abs(r['perToken']['latencyNs'] - 65) < 1e-9 and abs(s['perToken']['latencyNs'] - 130) < 1e-9 and abs(r['perToken']['energyPJ']['total'] - 18230) < 1e-6 and abs(s['perToken']['energyPJ']['total'] - 17570) < 1e-6 and [h['first_sub_tile'] for h in s['heads']] == [0, 0, 2, 2]; print('gqa ok')" | FileCheck %s --check-prefix=PY
// RUN: not gcim-opt --gcim-map-attention="gqa=copy" %s 2>&1 | FileCheck %s --check-prefix=BAD

// gcim-map-attention's GQA decision (docs/HardwareModel.md section 7) on 4 query heads over
// 2 K/V heads (K and V repeated as transformers' repeat_kv writes it), d = 64, a
// window of 128: 2 token sub-tiles x 1 dim sub-tile per array pair. The paper's costs per
// token: 70 pJ (first product) and 43.75 pJ (second) per array, 4000 pJ digital per head,
// 2 x 64 x 2.578125 = 330 pJ to write one K/V head's token; 15 ns per product, 65 ns per
// head.
//
// replicate (the default): each query head its own pair, all in parallel. 4 x 2 = 8
// sub-tiles; kv_write 4 x 330 = 1320 pJ; 65 ns; per head 2 x 113.75 + 4000 + 330 = 4557.5
// pJ, the layer 4 x 4557.5 = 18230 pJ.
// REP: "gcim.kv_write"({{.*}}gcim.energy_pj = 1.320000e+03 : f64, gcim.first_sub_tile = 0 : i64, gcim.gqa = "replicate", gcim.kind = {{.*}}gcim.kv_group = 1 : i64
// REP: "gcim.qk_product"({{.*}}gcim.energy_pj = 5.600000e+02 : f64, gcim.latency_ns = 1.500000e+01 : f64
// REP-NOT: gcim.kv_group
// REP: "gcim.adder_tree"({{.*}}gcim.latency_ns = 3.500000e+01 : f64, gcim.start_ns = 3.000000e+01 : f64
// REPJSON: {{[{]}}"layer": 0, "mapping": "analog", "kind": "gaincell", "heads": 4, "head_dim": 64, "streamed": false, "sub_tiles": 8, "latency_ns": 65, "energy_nj": 18.23, {{.*}}"dac": 1320, "total": 18230}, "gqa": "replicate", "kv_group": 1}
//
// share: one pair per K/V head (2 x 2 = 4 sub-tiles), written once: 2 x 330 = 660 pJ; the
// group's 2 query heads read it in turn, so each op takes twice as long: 30 + 30 + 70 =
// 130 ns; per head 227.5 + 4000 + 330 / 2 = 4392.5 pJ, the layer 17570 pJ. Heads 0 and 1
// share sub-tiles 0-1, heads 2 and 3 sub-tiles 2-3.
// SHARE: "gcim.kv_write"({{.*}}gcim.energy_pj = 6.600000e+02 : f64, gcim.first_sub_tile = 0 : i64, gcim.gqa = "share", gcim.kind = {{.*}}gcim.kv_group = 2 : i64
// SHARE: "gcim.qk_product"({{.*}}gcim.energy_pj = 5.600000e+02 : f64, gcim.kv_group = 2 : i64, gcim.latency_ns = 3.000000e+01 : f64
// SHARE: "gcim.pv_product"({{.*}}gcim.kv_group = 2 : i64, gcim.latency_ns = 3.000000e+01 : f64, gcim.start_ns = 3.000000e+01 : f64
// SHARE: "gcim.adder_tree"({{.*}}gcim.latency_ns = 7.000000e+01 : f64, gcim.start_ns = 6.000000e+01 : f64
// SHAREJSON: {{[{]}}"layer": 0, "mapping": "analog", "kind": "gaincell", "heads": 4, "head_dim": 64, "streamed": false, "sub_tiles": 4, "latency_ns": 130, "energy_nj": 17.57, {{.*}}"dac": 660, "total": 17570}, "gqa": "share", "kv_group": 2}
// PY: gqa ok
// BAD: gqa
func.func @gqa(%q: tensor<1x4x128x64xf32>, %k: tensor<1x2x128x64xf32>, %v: tensor<1x2x128x64xf32>) -> tensor<1x4x128x64xf32> {
  %ax = "onnx.constant"() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %s5 = "onnx.constant"() {value = dense<[1, 2, 2, 128, 64]> : tensor<5xi64>} : () -> tensor<5xi64>
  %s4 = "onnx.constant"() {value = dense<[1, 4, 128, 64]> : tensor<4xi64>} : () -> tensor<4xi64>
  %ku = "onnx.unsqueeze"(%k, %ax) : (tensor<1x2x128x64xf32>, tensor<1xi64>) -> tensor<1x2x1x128x64xf32>
  %ke = "onnx.expand"(%ku, %s5) : (tensor<1x2x1x128x64xf32>, tensor<5xi64>) -> tensor<1x2x2x128x64xf32>
  %kr = "onnx.reshape"(%ke, %s4) {allowzero = 0 : i64} : (tensor<1x2x2x128x64xf32>, tensor<4xi64>) -> tensor<1x4x128x64xf32>
  %vu = "onnx.unsqueeze"(%v, %ax) : (tensor<1x2x128x64xf32>, tensor<1xi64>) -> tensor<1x2x1x128x64xf32>
  %ve = "onnx.expand"(%vu, %s5) : (tensor<1x2x1x128x64xf32>, tensor<5xi64>) -> tensor<1x2x2x128x64xf32>
  %vr = "onnx.reshape"(%ve, %s4) {allowzero = 0 : i64} : (tensor<1x2x2x128x64xf32>, tensor<4xi64>) -> tensor<1x4x128x64xf32>
  %a = "gcim.attention"(%q, %kr, %vr) {kind = "gaincell", causal = 1 : i64, window = 128 : i64, scale = 1.0 : f32, num_heads = 4 : i64, head_dim = 64 : i64} : (tensor<1x4x128x64xf32>, tensor<1x4x128x64xf32>, tensor<1x4x128x64xf32>) -> tensor<1x4x128x64xf32>
  return %a : tensor<1x4x128x64xf32>
}

