// RUN: echo '{"window": 256, "floorplan": {"subTilesPerPeriphery": 8}}' > %t.shared.json
// RUN: gcim-opt --hw %t.shared.json --gcim-map-attention=attention=analog --gcim-schedule --gcim-verify --report %t.shared.r.json %s | FileCheck %s --check-prefix=SHARED
// RUN: %python %S/Inputs/check-schedule.py %t.shared.r.json "1 chip, resident" 260 260 38280 32 4 1.737856 | FileCheck %s --check-prefix=OK
// RUN: echo '{"window": 256, "maxSubTiles": 16, "floorplan": {"chips": 2}}' > %t.chips.json
// RUN: gcim-opt --hw %t.chips.json --gcim-map-attention=attention=analog --gcim-schedule --gcim-verify --report %t.chips.r.json %s | FileCheck %s --check-prefix=CHIPS
// RUN: %python %S/Inputs/check-schedule.py %t.chips.r.json "2 chips, resident" 146 146 48520 32 8 3.213568 "1 chip, resident=-" "1 chip, spill=2186" "2 chips, resident=146" | FileCheck %s --check-prefix=OK
// RUN: echo '{"window": 256}' > %t.batch.json
// RUN: gcim-opt --hw %t.batch.json --gcim-map-attention=attention=analog --gcim-schedule --gcim-verify --report %t.batch.r.json %S/Inputs/steps-batch4.mlir | FileCheck %s --check-prefix=BATCH
// RUN: %python %S/Inputs/check-schedule.py %t.batch.r.json "1 chip, resident" 130 32.5 38280 128 32 12.854272 "1 chip, resident=130" "1 chip, stream=8744" | FileCheck %s --check-prefix=OK
// RUN: echo '{"window": 256, "maxSubTiles": 48}' > %t.spill.json
// RUN: gcim-opt --hw %t.spill.json --gcim-map-attention=attention=analog --gcim-schedule --gcim-verify --report %t.spill.r.json %S/Inputs/steps-batch4.mlir | FileCheck %s --check-prefix=SPILL
// RUN: %python %S/Inputs/check-schedule.py %t.spill.r.json "1 chip, spill" 6623 1655.75 4492680 48 12 4.820352 "1 chip, resident=-" "1 chip, spill=6623" "1 chip, stream=8744" | FileCheck %s --check-prefix=OK
// RUN: gcim-opt --hw %t.spill.json --schedule=area --gcim-map-attention=attention=analog --gcim-schedule --report %t.area.r.json %S/Inputs/steps-batch4.mlir | FileCheck %s --check-prefix=AREA
// RUN: %python %S/Inputs/check-schedule.py %t.area.r.json "1 chip, stream" 8744 2186 5977480 16 4 1.606784 | FileCheck %s --check-prefix=OK
// RUN: gcim-opt --hw %t.spill.json --gcim-map-attention=attention=analog --gcim-schedule=schedule=energy --report %t.energy.r.json %S/Inputs/steps-batch4.mlir > /dev/null
// RUN: %python %S/Inputs/check-schedule.py %t.energy.r.json "1 chip, spill" 6623 1655.75 4492680 48 12 4.820352 | FileCheck %s --check-prefix=OK

// gcim-schedule's decisions on two streamed layers of 4 heads (d = 64) with a hardware
// window of 256: T = 4 sub-tiles per head, 16 per layer and sequence (a block). A head
// costs 4 x (70 + 43.75) + 4000 + 2 x 64 x 330/128 = 4785 pJ per token, 8 heads 38,280 pJ.
// Reloading a block moves its 16 x 2 x 64 x 64 = 131,072 K/V codes (a byte each) and saves
// the new token's 2 x 4 x 64: 131,584 bytes, 131,584 / 128 = 1,028 ns and 131,584 x 20 +
// 131,072 x 330/128 (DAC) = 2,969,600 pJ. docs/HardwareModel.md section 6 has the model.

// Shared periphery: 8 sub-tiles per unit hold 8 / 4 = 2 heads, which take turns: 2 rounds,
// 2 x 65 = 130 ns per layer (each op twice as long), 260 per token; 32 / 8 = 4 units,
// 32 x 0.008192 + 4 x 0.368928 = 1.737856 mm^2.
// SHARED: "gcim.kv_write"({{.*}}gcim.first_sub_tile = 0 : i64, {{.*}}gcim.periphery_rounds = 2 : i64, {{.*}}layer = 0 : i64
// SHARED: "gcim.qk_product"({{.*}}gcim.latency_ns = 3.000000e+01 : f64, gcim.start_ns = 0.000000e+00 : f64
// SHARED: "gcim.adder_tree"({{.*}}gcim.latency_ns = 7.000000e+01 : f64, gcim.start_ns = 6.000000e+01 : f64
// SHARED: "gcim.kv_write"({{.*}}gcim.first_sub_tile = 16 : i64, {{.*}}gcim.start_ns = 1.300000e+02 : f64, {{.*}}layer = 1 : i64

// Two chips of 16 sub-tiles: one layer each. Layer 0's output, 4 x 64 float32 = 1,024
// bytes, crosses the link: 1,024 / 64 = 16 ns and 10,240 pJ; a token takes 65 + 16 + 65 =
// 146 ns and 38,280 + 10,240 = 48,520 pJ. Layer 1 sits at chip 1's first sub-tile, 16.
// 8 units (one per head); area 32 x 0.008192 + 8 x 0.368928 = 3.213568 mm^2. The one chip
// could only reload both blocks through one slot every step: 2 x (1,028 + 65) = 2,186 ns.
// CHIPS: "gcim.kv_write"({{.*}}gcim.chip = 0 : i64, {{.*}}gcim.first_sub_tile = 0 : i64, {{.*}}layer = 0 : i64
// CHIPS: "gcim.kv_write"({{.*}}gcim.chip = 1 : i64, {{.*}}gcim.first_sub_tile = 16 : i64, {{.*}}gcim.start_ns = 8.100000e+01 : f64, gcim.transfer_bytes = 1024 : i64, {{.*}}layer = 1 : i64

// Batch 4, all resident: 4 blocks per layer, 16 sub-tiles apart (gcim.sequence_stride),
// layer 1 from sub-tile 4 x 16 = 64; the 16
// heads of a layer in parallel, 130 ns per step for 4 tokens: 32.5 ns of throughput each;
// 128 arrays, 32 units, 128 x 0.008192 + 32 x 0.368928 = 12.854272 mm^2. Streaming every
// block through one slot: 8 reloads of 1,028 + 65 ns = 8,744 ns.
// BATCH: "gcim.kv_write"({{.*}}gcim.first_sub_tile = 0 : i64, {{.*}}gcim.resident_sequences = 4 : i64, gcim.sequence_stride = 16 : i64, {{.*}}layer = 0 : i64
// BATCH: "gcim.kv_write"({{.*}}gcim.first_sub_tile = 64 : i64, {{.*}}gcim.resident_sequences = 4 : i64, gcim.sequence_stride = 16 : i64, {{.*}}layer = 1 : i64

// Spill: batch 4 on 48 sub-tiles: 3 slots of 16 for 8 blocks; 2 pinned (layer 0,
// sequences 0 and 1), slot 32 takes the other 6 in turn. Layer 0: 65 + 2 x 1,093 = 2,251
// ns; layer 1: 4 x 1,093 = 4,372; the step 6,623 ns (one sequence's path, 2 x 1,093, is
// shorter). Energy: 4 x 38,280 + 6 x 2,969,600 = 17,970,720 pJ per step, 4,492,680 per
// token; 6 x 131,584 = 789,504 bytes moved; 12 units, 48 x 0.008192 + 12 x 0.368928 =
// 4.820352 mm^2. Layer 1's ops (sequence 0's, spilled) start after its reload: 2,251 +
// 1,028 = 3,279 ns.
// SPILL: "gcim.kv_write"({{.*}}gcim.first_sub_tile = 0 : i64, {{.*}}gcim.resident_sequences = 2 : i64, gcim.sequence_stride = 16 : i64, gcim.spill_bytes = 263168 : i64, gcim.spill_slot = 32 : i64, {{.*}}layer = 0 : i64
// SPILL: "gcim.kv_write"({{.*}}gcim.first_sub_tile = 32 : i64, {{.*}}gcim.resident_sequences = 0 : i64, gcim.sequence_stride = 16 : i64, gcim.spill_bytes = 526336 : i64, gcim.spill_slot = 32 : i64, gcim.start_ns = 3.279000e+03 : f64, {{.*}}layer = 1 : i64

// --schedule=area on the same: the one-slot stream (16 arrays, 4 units, 1.606784 mm^2)
// although it is slower; --gcim-schedule=schedule=energy: the spill schedule.
// AREA: "gcim.kv_write"({{.*}}gcim.first_sub_tile = 0 : i64, {{.*}}gcim.resident_sequences = 0 : i64, gcim.sequence_stride = 16 : i64, gcim.spill_bytes = 526336 : i64, gcim.spill_slot = 0 : i64, {{.*}}layer = 0 : i64

// OK: schedule ok
func.func @steps(%x: tensor<1x4x1x64xf32>) -> tensor<1x4x1x64xf32> {
  %0 = "gcim.attention_step"(%x, %x, %x) {kind = "gaincell", window = 0 : i64, scale = 1.0 : f32, num_heads = 4 : i64, head_dim = 64 : i64, layer = 0 : i64} : (tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>) -> tensor<1x4x1x64xf32>
  %1 = "gcim.attention_step"(%0, %0, %0) {kind = "gaincell", window = 0 : i64, scale = 1.0 : f32, num_heads = 4 : i64, head_dim = 64 : i64, layer = 1 : i64} : (tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>, tensor<1x4x1x64xf32>) -> tensor<1x4x1x64xf32>
  return %1 : tensor<1x4x1x64xf32>
}
