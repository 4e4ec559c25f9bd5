// RUN: echo '{"maxSubTiles": 576, "floorplan": {"chips": 4}}' > %t.json
// RUN: gcim-opt --hw %t.json --gcim-map-attention=attention=analog --gcim-schedule --gcim-verify --report %t.r.json --report-table %S/Inputs/gpt2-small-batch8.mlir 2>%t.table | FileCheck %s
// RUN: FileCheck %s --check-prefix=TABLE < %t.table
// RUN: %python %S/Inputs/check-schedule.py %t.r.json "4 chips, spill" 272095 34011.875 391951200 2304 144 72 "1 chip, resident=-" "1 chip, spill=1162375" "1 chip, stream=1187040" "2 chips, resident=-" "2 chips, spill=568855" "2 chips, stream=593520" "3 chips, resident=-" "3 chips, spill=371015" "3 chips, stream=395680" "4 chips, resident=-" "4 chips, spill=272095" "4 chips, stream=296760" | FileCheck %s --check-prefix=OK

// The worked example of docs/HardwareModel.md section 6, which derives every figure by
// hand: GPT-2 small (12 layers x 12 heads, d = 64, window 1,024: 192 sub-tiles per layer
// and sequence) decoding 8 sequences on four chips with a quarter of its arrays each (576
// sub-tiles). Each chip takes 3 layers (24 blocks) in 3 slots: 2 pinned (its first
// layer's sequences 0 and 1), one spill slot that reloads the other 22 every step, 12,300
// ns and 35,543,040 pJ each. A chip is busy 65 + 6 x 12,365 + 2 x 8 x 12,365 = 272,095 ns
// per step; energy per token (8 x 144 x 6,150 + 88 x 35,543,040 + 24 x 30,720) / 8 =
// 391,951,200 pJ. Layer 1 (spilled, from 74,255 ns) starts its ops after sequence 0's
// reload: 74,255 + 12,300 = 86,555 ns.
// CHECK: "gcim.kv_write"({{.*}}gcim.chip = 0 : i64, {{.*}}gcim.first_sub_tile = 0 : i64, {{.*}}gcim.resident_sequences = 2 : i64, gcim.sequence_stride = 192 : i64, gcim.spill_bytes = 9446400 : i64, gcim.spill_slot = 384 : i64, gcim.start_ns = 0.000000e+00 : f64, {{.*}}layer = 0 : i64
// CHECK: "gcim.kv_write"({{.*}}gcim.chip = 0 : i64, {{.*}}gcim.first_sub_tile = 384 : i64, {{.*}}gcim.resident_sequences = 0 : i64, gcim.sequence_stride = 192 : i64, gcim.spill_bytes = 12595200 : i64, gcim.spill_slot = 384 : i64, gcim.start_ns = 8.655500e+04 : f64, {{.*}}layer = 1 : i64
// CHECK: "gcim.kv_write"({{.*}}gcim.chip = 1 : i64, {{.*}}gcim.first_sub_tile = 576 : i64, {{.*}}gcim.resident_sequences = 2 : i64, {{.*}}gcim.spill_slot = 960 : i64, gcim.start_ns = 2.724790e+05 : f64, gcim.transfer_bytes = 3072 : i64, {{.*}}layer = 3 : i64
// CHECK: "gcim.kv_write"({{.*}}gcim.chip = 3 : i64, {{.*}}gcim.first_sub_tile = 2112 : i64, {{.*}}layer = 11 : i64
// TABLE: total: 2304 sub-tiles, 780 ns and 885.6 nJ of attention per token
// TABLE-NEXT: schedule (latency): 4 chips, spill, batch 8: 272095 ns and 391951 nJ per token, 2304 sub-tiles, 72 mm^2 (12 alternatives in the JSON report)
// OK: schedule ok
