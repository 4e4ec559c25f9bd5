// RUN: gcim-opt --gcim-fuse-attention --gcim-map-attention=attention=analog --gcim-quantize --gcim-schedule --gcim-verify --report %t.rep.json %s | FileCheck %s --check-prefix=REP
// RUN: gcim-opt --gcim-fuse-attention --gcim-map-attention="attention=analog gqa=share" --gcim-quantize --gcim-schedule --gcim-verify --report %t.share.json %s | FileCheck %s --check-prefix=SHARE
// RUN: %python -c "import json; r = json.load(open('%t.rep.json')); s = json.load(open('%t.share.json')); assert r['sub_tiles'] == 8 and s['sub_tiles'] == 2 and abs(r['perToken']['latencyNs'] - 65) < 1e-9 and abs(s['perToken']['latencyNs'] - 260) < 1e-9 and abs(r['perToken']['energyPJ']['total'] - 18230) < 1e-6 and abs(s['perToken']['energyPJ']['total'] - 17240) < 1e-6 and [h['first_sub_tile'] for h in s['heads']] == [0, 0, 0, 0] and s['layers'][0]['kv_group'] == 4; print('mqa ok')" | FileCheck %s --check-prefix=PY

// Multi-query attention written by broadcasting (one k/v head for 4 query heads, no
// repeat): gcim-fuse-attention repeats the head (Unsqueeze-Expand-Reshape), so
// gcim-map-attention sees grouped-query attention with one K/V head, G = 4
// (docs/HardwareModel.md section 7; the costs as in map-attention-gqa.mlir: d = 64, a
// window of 128, 2 token sub-tiles x 1 dim sub-tile per array pair; 70 and 43.75 pJ per
// array for the two products, 4000 pJ digital per head, 330 pJ to write a K/V head's
// token, 15 ns per product, 65 ns per head).
//
// replicate: each query head its own pair: 4 x 2 = 8 sub-tiles, kv_write 4 x 330 = 1320
// pJ, 65 ns; the layer 4 x (2 x 113.75 + 4000 + 330) = 18230 pJ.
// REP: "gcim.kv_write"({{.*}}gcim.energy_pj = 1.320000e+03 : f64, gcim.first_sub_tile = 0 : i64, gcim.gqa = "replicate", {{.*}}gcim.kv_group = 1 : i64
// REP: "gcim.qk_product"({{.*}}gcim.latency_ns = 1.500000e+01 : f64
//
// share: the one K/V head's pair (2 sub-tiles, every query head's first_sub_tile 0), written
// once: 330 pJ; the 4 query heads read it in turn, so each op takes 4 times as long: 60 +
// 60 + 140 = 260 ns; the layer 4 x (227.5 + 4000) + 330 = 17240 pJ.
// SHARE: "gcim.kv_write"({{.*}}gcim.energy_pj = 3.300000e+02 : f64, gcim.first_sub_tile = 0 : i64, gcim.gqa = "share", {{.*}}gcim.kv_group = 4 : i64
// SHARE: "gcim.qk_product"({{.*}}gcim.kv_group = 4 : i64, gcim.latency_ns = 6.000000e+01 : f64
// SHARE: "gcim.pv_product"({{.*}}gcim.kv_group = 4 : i64, gcim.latency_ns = 6.000000e+01 : f64, gcim.start_ns = 6.000000e+01 : f64
// SHARE: "gcim.adder_tree"({{.*}}gcim.latency_ns = 1.400000e+02 : f64, gcim.start_ns = 1.200000e+02 : f64
// PY: mqa ok
func.func @mqa(%q: tensor<1x4x128x64xf32>, %k: tensor<1x1x128x64xf32>, %v: tensor<1x1x128x64xf32>) -> tensor<1x4x128x64xf32> {
  %kt = "onnx.transpose"(%k) {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x1x128x64xf32>) -> tensor<1x1x64x128xf32>
  %s = "onnx.mat_mul"(%q, %kt) : (tensor<1x4x128x64xf32>, tensor<1x1x64x128xf32>) -> tensor<1x4x128x128xf32>
  %p = "onnx.softmax"(%s) {axis = -1 : i64} : (tensor<1x4x128x128xf32>) -> tensor<1x4x128x128xf32>
  %o = "onnx.mat_mul"(%p, %v) : (tensor<1x4x128x128xf32>, tensor<1x1x128x64xf32>) -> tensor<1x4x128x64xf32>
  return %o : tensor<1x4x128x64xf32>
}
