// RUN: echo '{"maxSubTiles": 1000, "floorplan": {"spillBytesPerNs": 0}}' > %t.json
// RUN: not gcim-opt --hw %t.json --gcim-map-attention=attention=analog --gcim-schedule %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=TILES
// RUN: echo '{"maxSubTiles": 500}' > %t.spill.json
// RUN: not gcim-opt --hw %t.spill.json --gcim-map-attention=attention=analog --gcim-schedule %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=SPILL
// RUN: not gcim-opt --gcim-map-attention=attention=analog --gcim-schedule=max-latency-ns=100 %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=BUDGET
// RUN: not gcim-opt --gcim-schedule=schedule=speed %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=OBJECTIVE
// RUN: echo '{"floorplan": {"chip": 2}}' > %t.key.json
// RUN: not gcim-opt --hw %t.key.json --gcim-schedule %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=KEY
// RUN: echo '{"floorplan": {"chips": -1}}' > %t.chips.json
// RUN: not gcim-opt --hw %t.chips.json --gcim-schedule %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=CHIPS
// RUN: echo '{"floorplan": {"chips": 2147483647}}' > %t.many.json
// RUN: not gcim-opt --hw %t.many.json --gcim-schedule %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=MANY
// RUN: echo '{"maxSubTiles": 1000, "floorplan": {"chips": 4096}}' > %t.most.json
// RUN: gcim-opt --hw %t.most.json --gcim-map-attention=attention=analog --gcim-schedule %S/Inputs/two-layers.mlir | FileCheck %s --check-prefix=MOST
// RUN: echo '{"floorplan": {"linkPJPerByte": "ten"}}' > %t.type.json
// RUN: not gcim-opt --hw %t.type.json --gcim-schedule %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=TYPE
// RUN: not gcim-opt --gcim-map-attention=attention=analog --gcim-schedule --report %t.no-such-dir/r.json %S/Inputs/two-layers.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: not gcim-opt --gcim-schedule %s 2>&1 | FileCheck %s

// gcim-schedule's diagnostics (Inputs/two-layers.mlir: 2 layers x 32 heads x 16 = 1,024
// sub-tiles, a layer's K/V 512): more sub-tiles than the hardware has and no spill memory;
// with spill memory, less than one layer's K/V per chip; a budget no schedule meets (one
// step takes 2 x 65 = 130 ns and 64 heads x 6150 = 393,600 pJ); an unknown objective; floorplan keys that are unknown, out of
// range (chips above 4,096 was "out of memory"; 4,096 schedules) or of the wrong type; an unwritable report; a read before a write.
// TILES: error: the model needs 1024 sub-tiles (batch 1) but the hardware has 1000 per chip on 1 chip; the smallest hardware that fits: maxSubTiles 1024 (no spill memory)
// SPILL: error: the model needs 1024 sub-tiles (batch 1) but the hardware has 500 per chip on 1 chip; the smallest hardware that fits: maxSubTiles 512 (spilling K/V to digital memory)
// BUDGET: error: no schedule meets the budget: the fastest that fits takes 130 ns and 393600 pJ per token
// OBJECTIVE: error: {{.*}}schedule{{.*}}speed
// KEY: error: {{.*}}line 1: unknown key 'floorplan.chip'
// CHIPS: error: {{.*}}floorplan.chips and floorplan.subTilesPerPeriphery must be >= 0 (got -1, 0)
// MANY: error: {{.*}}floorplan.chips must be <= 4096 (got 2147483647)
// MOST: gcim.schedule = "2 chips
// TYPE: error: {{.*}}line 1: 'floorplan.linkPJPerByte' must be a number
// REPORT: gcim-opt: error: cannot write the report: {{.*}}no-such-dir/r.json

// CHECK: schedule-invalid.mlir:[[# @LINE + 3]]:8: error: 'gcim.qk_product' of layer 0 reads before the layer's K/V write
func.func @read_before_write(%x: tensor<1x2x1x64xf32>) -> tensor<1x2x1x16x64xf32> {
  "gcim.kv_write"(%x, %x) {layer = 1 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 1 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> ()
  %0 = "gcim.qk_product"(%x) {layer = 0 : i64, causal = 1 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64} : (tensor<1x2x1x64xf32>) -> tensor<1x2x1x16x64xf32>
  "gcim.kv_write"(%x, %x) {layer = 0 : i64, window = 1024 : i64, token_tiles = 16 : i64, dim_tiles = 1 : i64, streamed = 1 : i64} : (tensor<1x2x1x64xf32>, tensor<1x2x1x64xf32>) -> ()
  return %0 : tensor<1x2x1x16x64xf32>
}
