// RUN: echo '{"maxSubTiles": 1000}' > %t.json
// RUN: not gcim-opt --hw %t.json --gcim-map-attention=attention=analog --gcim-schedule %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=TILES
// RUN: not gcim-opt --gcim-map-attention=attention=analog --gcim-schedule --report %t.no-such-dir/r.json %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: not gcim-opt --gcim-schedule %s 2>&1 | FileCheck %s

// gcim-schedule's diagnostics: more sub-tiles than the hardware has (Inputs/two-layers.mlir:
// 2 layers x 32 heads x 16 = 1,024), an unwritable report, a read before a write.
// TILES: error: the model needs 1024 sub-tiles but the hardware has 1000
// REPORT: gcim-opt: error: cannot write the report: {{.*}}no-such-dir/r.json

// CHECK: schedule-invalid.mlir:[[# @LINE + 3]]:8: error: 'gcim.qk_product' of layer 0 reads before the layer's K/V write
func.func @read_before_write(%x: tensor<1x2x1x64xf32>) -> tensor<1x2x1x16x64xf32> {
  "gcim.kv_write"(%x, %x) {layer = 1 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 1 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> ()
  %0 = "gcim.qk_product"(%x) {layer = 0 : i64, causal = 1 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64} : (tensor<1x2x1x64xf32>) -> tensor<1x2x1x16x64xf32>
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 1 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> ()
  return %0 : tensor<1x2x1x16x64xf32>
}
