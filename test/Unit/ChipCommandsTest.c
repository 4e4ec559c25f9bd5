/* ChipCommandsTest.c: a chip numbered from a first sub-tile (gcimChipSetFirstSubTile) and
 * heads that run a command table (gcimSimHeadCreateFromCommands): the numbers are checked
 * and traced, the values are those of a chip numbered from 0, the table's quantisers and
 * schedule reach the chip, a table the chip cannot run is refused, and spilled heads
 * sharing sub-tiles reload exactly (the schedule's stats). */
#include "GcimTest.h"

#include "gcim/Runtime/Chip.h"
#include "gcim/Runtime/Sim.h"

#include <stdint.h>
#include <stdlib.h>

enum { DIM = 64, TOKENS = 70 };

static void inputs(int t, float *q, float *k, float *v) {
  for (int d = 0; d < DIM; ++d) {
    q[d] = (float)((t * 7 + d * 3) % 11) / 10.0f;
    k[d] = (float)((t * 5 + d) % 13) / 6.0f - 1.0f;
    v[d] = (float)((t + d * 5) % 9) / 4.0f - 1.0f;
  }
}

/* A head of `commands` (NULL: gcimSimHeadCreate's) on a simulator chip of its sub-tiles
 * numbered from `first`, run for TOKENS tokens into out; traced into `trace` when not NULL. */
static void runHead(const GcimHardware *hw, int32_t first, const GcimTileCommands *commands,
                    FILE *trace, float out[TOKENS][DIM]) {
  GcimChip *chip = NULL, *traced = NULL;
  GcimSimHead *head = NULL;
  int32_t subTiles = (int32_t)gcimHardwareSubTilesPerHead(hw, DIM);
  EXPECT_EQ_INT(gcimChipCreateSimulator(hw, subTiles, 0, NULL, &chip, NULL, 0), GCIM_CHIP_OK);
  EXPECT_EQ_INT(gcimChipSetFirstSubTile(chip, first), GCIM_CHIP_OK);
  if (trace)
    EXPECT_EQ_INT(gcimChipCreateTrace(chip, trace, NULL, &traced, NULL, 0), GCIM_CHIP_OK);
  GcimChip *used = traced ? traced : chip;
  if (commands)
    EXPECT_EQ_INT(gcimSimHeadCreateFromCommands(used, DIM, commands, NULL, &head), GCIM_SIM_OK);
  else
    EXPECT_EQ_INT(gcimSimHeadCreateOnChip(used, first, DIM, NULL, NULL, &head), GCIM_SIM_OK);
  for (int t = 0; head && t < TOKENS; ++t) {
    float q[DIM], k[DIM], v[DIM];
    inputs(t, q, k, v);
    gcimSimHeadStep(head, q, k, v, out[t]);
  }
  gcimSimHeadDestroy(head);
  gcimChipDestroy(traced);
  gcimChipDestroy(chip);
}

static GcimTileCommands hardwareCommands(const GcimHardware *hw, int32_t first) {
  GcimTileCommands c = {first,
                        {0},
                        {hw->query.levels, hw->query.max},
                        {hw->kv.levels, hw->kv.max},
                        {hw->kv.levels, hw->kv.max},
                        hw->cost.headTokenLatencyNs,
                        {0},
                        0,
                        0};
  memcpy(c.scalers, gcimDefaultScalers, sizeof c.scalers);
  return c;
}

static void test_numbered_chip_checks_and_traces_its_numbers(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.window = 128; /* 2 token tiles */
  GcimChip *chip = NULL;
  EXPECT_EQ_INT(gcimChipCreateSimulator(&hw, 2, 0, NULL, &chip, NULL, 0), GCIM_CHIP_OK);
  if (!chip)
    return;
  EXPECT_EQ_INT(gcimChipSetFirstSubTile(chip, -1), GCIM_CHIP_ERROR_INVALID);
  EXPECT_EQ_INT(gcimChipGetFirstSubTile(chip), 0);
  EXPECT_EQ_INT(gcimChipSetFirstSubTile(chip, 40), GCIM_CHIP_OK);
  EXPECT_EQ_INT(gcimChipGetFirstSubTile(chip), 40);
  int32_t codes[DIM] = {0};
  EXPECT_EQ_INT(gcimChipWrite(chip, 0, 1, 0, DIM, codes, codes), GCIM_CHIP_ERROR_INVALID);
  EXPECT_STR_CONTAINS(gcimChipGetError(chip), "(the chip has 40 .. 41)");
  EXPECT_EQ_INT(gcimChipWrite(chip, 42, 1, 0, DIM, codes, codes), GCIM_CHIP_ERROR_INVALID);
  EXPECT_EQ_INT(gcimChipWrite(chip, 41, 1, 0, DIM, codes, codes), GCIM_CHIP_OK);
  gcimChipDestroy(chip);

  /* The same values as from sub-tile 0; the trace names sub-tiles 40 and 41. */
  static float at0[TOKENS][DIM], at40[TOKENS][DIM];
  runHead(&hw, 0, NULL, NULL, at0);
  FILE *file = tmpfile();
  EXPECT_TRUE(file != NULL);
  if (!file)
    return;
  runHead(&hw, 40, NULL, file, at40);
  EXPECT_TRUE(memcmp(at0, at40, sizeof at0) == 0);
  rewind(file);
  char line[4096];
  int writes41 = 0, lines = 0;
  EXPECT_TRUE(fgets(line, sizeof line, file) != NULL);
  EXPECT_STR_CONTAINS(line, "sub_tiles=2 ");
  EXPECT_STR_CONTAINS(line, " first_sub_tile=40");
  while (fgets(line, sizeof line, file)) {
    ++lines;
    writes41 += strncmp(line, "kv_write", 8) == 0 && strstr(line, " tile=41 ") != NULL;
    EXPECT_TRUE(strstr(line, " tile=40 ") != NULL || strstr(line, " tile=41 ") != NULL);
  }
  EXPECT_EQ_INT(lines, 1 + 6 * TOKENS); /* the reset's clear, 6 operations per token */
  EXPECT_EQ_INT(writes41, TOKENS - 64); /* slots 64 .. 69 are the second token tile's */
  fclose(file);
}

static void test_commands_reach_the_chip(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  static float plain[TOKENS][DIM], same[TOKENS][DIM], half[TOKENS][DIM], doubled[TOKENS][DIM];
  runHead(&hw, 0, NULL, NULL, plain);
  GcimTileCommands commands = hardwareCommands(&hw, 16);
  runHead(&hw, 16, &commands, NULL, same);
  EXPECT_TRUE(memcmp(plain, same, sizeof plain) == 0);

  /* A DAC range [0, 0.45] gives the codes that doubled k and v scalers give over [0, 0.9]
   * (scaling by 2 is exact in binary floating point), while the chip keeps its voltages. */
  commands.k.max = commands.v.max = hw.kv.max / 2;
  runHead(&hw, 16, &commands, NULL, half);
  GcimTileCommands twice = hardwareCommands(&hw, 16);
  for (int i = 2; i < 6; ++i)
    twice.scalers[i] *= 2.0f;
  runHead(&hw, 16, &twice, NULL, doubled);
  EXPECT_TRUE(memcmp(half, plain, sizeof plain) != 0);
  EXPECT_TRUE(memcmp(half, doubled, sizeof half) == 0);

  /* The schedule's clock: op o of token t at t * period + start[o]. */
  GcimTileCommands timed = hardwareCommands(&hw, 0);
  timed.tokenPeriodNs = 130;
  for (int o = 0; o < GCIM_TILE_OP_COUNT; ++o)
    timed.startNs[o] = 65 + 15 * (o / 2);
  FILE *file = tmpfile();
  EXPECT_TRUE(file != NULL);
  if (!file)
    return;
  static float out[TOKENS][DIM];
  runHead(&hw, 0, &timed, file, out);
  EXPECT_TRUE(memcmp(out, plain, sizeof out) == 0);
  rewind(file);
  char line[4096];
  EXPECT_TRUE(fgets(line, sizeof line, file) != NULL); /* header */
  EXPECT_TRUE(fgets(line, sizeof line, file) != NULL); /* clear */
  const char *want[6] = {"kv_write t=3 ns=455 ",        "qk_product t=3 ns=455 ",
                         "charge_to_pulse t=3 ns=470 ", "pv_product t=3 ns=470 ",
                         "readout t=3 ns=485 ",         "adder_tree t=3 ns=485 "};
  for (int i = 0; i < 3 * 6; ++i)
    EXPECT_TRUE(fgets(line, sizeof line, file) != NULL);
  for (int o = 0; o < 6; ++o) {
    EXPECT_TRUE(fgets(line, sizeof line, file) != NULL);
    EXPECT_TRUE(strncmp(line, want[o], strlen(want[o])) == 0);
  }
  fclose(file);
}

static void test_commands_the_chip_cannot_run_are_refused(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimChip *chip = NULL;
  EXPECT_EQ_INT(gcimChipCreateSimulator(&hw, 16, 0, NULL, &chip, NULL, 0), GCIM_CHIP_OK);
  if (!chip)
    return;
  GcimSimHead *head = NULL;
  GcimTileCommands c = hardwareCommands(&hw, 0);
  c.k.levels = 16; /* not the DAC's */
  EXPECT_EQ_INT(gcimSimHeadCreateFromCommands(chip, DIM, &c, NULL, &head), GCIM_SIM_ERROR_INVALID);
  EXPECT_TRUE(head == NULL);
  c = hardwareCommands(&hw, 0);
  c.q.max = 0.0;
  EXPECT_EQ_INT(gcimSimHeadCreateFromCommands(chip, DIM, &c, NULL, &head), GCIM_SIM_ERROR_INVALID);
  c = hardwareCommands(&hw, 1); /* sub-tiles 1 .. 16 of a chip of 0 .. 15 */
  EXPECT_EQ_INT(gcimSimHeadCreateFromCommands(chip, DIM, &c, NULL, &head), GCIM_SIM_ERROR_INVALID);
  gcimChipDestroy(chip);
}

/* Two spilled heads on the same sub-tiles of one chip (a spill slot), taking turns token by
 * token: each reloads its block before its token, so both give a resident head's outputs
 * bit for bit (decay on: every reloaded column keeps its age). The reloads are not
 * kv_writes; gcimTileScheduleSummarize prices them and a transfer per token, by hand. */
static void test_spilled_heads_share_a_slot_exactly(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  static float plain[TOKENS][DIM], out[2][TOKENS][DIM];
  runHead(&hw, 0, NULL, NULL, plain);
  GcimChip *chip = NULL;
  EXPECT_EQ_INT(gcimChipCreateSimulator(&hw, 16, 0, NULL, &chip, NULL, 0), GCIM_CHIP_OK);
  if (!chip)
    return;
  GcimTileCommands c = hardwareCommands(&hw, 0);
  c.spilled = 1;
  GcimSimHead *heads[2] = {NULL, NULL};
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ_INT(gcimSimHeadCreateFromCommands(chip, DIM, &c, NULL, &heads[i]), GCIM_SIM_OK);
  for (int t = 0; heads[0] && heads[1] && t < TOKENS; ++t)
    for (int i = 0; i < 2; ++i) {
      float q[DIM], k[DIM], v[DIM];
      inputs(t, q, k, v);
      gcimSimHeadStep(heads[i], q, k, v, out[i][t]);
    }
  EXPECT_TRUE(memcmp(out[0], plain, sizeof plain) == 0);
  EXPECT_TRUE(memcmp(out[1], plain, sizeof plain) == 0);
  EXPECT_EQ_INT(gcimSimHeadGetReloads(heads[0]), TOKENS);
  GcimSimStats stats;
  gcimChipGetStats(chip, &stats);
  EXPECT_EQ_INT(stats.tokens, 2 * TOKENS); /* the two heads' writes, no reload */
  for (int i = 0; i < 2; ++i)
    gcimSimHeadDestroy(heads[i]);
  gcimChipDestroy(chip);

  /* The stats of one spilled head on a chip of its own (as a compiled program makes it), a
   * block of one head: a reload of 16 x 2 x 64 x 64 = 131,072 cells and 2 x 64 new values,
   * 131,200 bytes, 1,025 ns at 128 per ns; 100 bytes per token over the link, 1.5625 ns.
   * 70 tokens: 70 x (1,025 + 65) + 70 x 1.5625 = 76,409.375 ns; 70 x (131,200 x 20 +
   * 131,072 x 330/128) = 207,334,400 pJ; 7,000 bytes and 70,000 pJ over the link. */
  EXPECT_EQ_INT(gcimChipCreateSimulator(&hw, 16, 0, NULL, &chip, NULL, 0), GCIM_CHIP_OK);
  EXPECT_EQ_INT(gcimSimHeadCreateFromCommands(chip, DIM, &c, NULL, &heads[0]), GCIM_SIM_OK);
  for (int t = 0; heads[0] && t < TOKENS; ++t) {
    float q[DIM], k[DIM], v[DIM];
    inputs(t, q, k, v);
    gcimSimHeadStep(heads[0], q, k, v, out[0][t]);
  }
  const GcimTileLayerSchedule layer = {1, 1, 1, 1, 131200, 131072, 100, 128, 20, 64, 10};
  const int32_t layerOf[1] = {0};
  GcimSimSummary summary;
  gcimSimSummarize(&hw, heads, layerOf, 1, &summary);
  gcimTileScheduleSummarize(&hw, heads, layerOf, 1, &layer, 1, &summary);
  const GcimSimScheduleStats *r = &summary.schedule;
  EXPECT_EQ_INT(r->scheduled, 1);
  EXPECT_EQ_INT(r->reloads, TOKENS);
  EXPECT_EQ_INT(r->spillBytes, TOKENS * 131200LL);
  EXPECT_EQ_INT(r->transfers, TOKENS);
  EXPECT_EQ_INT(r->linkBytes, TOKENS * 100);
  EXPECT_TRUE(r->elapsedNs == 76409.375);
  EXPECT_TRUE(r->spillPJ == 207334400.0);
  EXPECT_TRUE(r->linkPJ == 70000.0);
  gcimSimHeadDestroy(heads[0]);
  gcimChipDestroy(chip);
}

/* A batch of 2 on two chips (one head a sequence, each head on a chip of its own as a
 * compiled program makes them): layer 0 on chip 0 keeps both sequences; layer 1 on chip 1,
 * 100 bytes per sequence-token over the link (1.5625 ns at 64 per ns), keeps sequence 0 and
 * reloads sequence 1 before each token (131,200 bytes, 1,025 ns, then 65 ns). 70 tokens:
 * chip 0 busy 70 x 65 = 4,550 ns; the link 140 x 1.5625 = 218.75 ns; chip 1 70 x 65 +
 * 70 x 1,090 = 80,850 ns; one sequence's path 4,550 + 70 x 1.5625 + max(4,550, 76,300) =
 * 80,959.375 ns. The chips pipeline the sequences, so elapsedNs is the longest of these,
 * 80,959.375 ns, not their sum 85,618.75 ns. */
static void test_a_batch_on_two_chips_is_pipelined(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimChip *chips[4] = {NULL, NULL, NULL, NULL};
  GcimSimHead *heads[4] = {NULL, NULL, NULL, NULL};
  const int32_t layerOf[4] = {0, 0, 1, 1};
  int ready = 1;
  for (int i = 0; i < 4; ++i) {
    GcimTileCommands c = hardwareCommands(&hw, 0);
    c.spilled = i == 3;
    EXPECT_EQ_INT(gcimChipCreateSimulator(&hw, 16, 0, NULL, &chips[i], NULL, 0), GCIM_CHIP_OK);
    if (chips[i])
      EXPECT_EQ_INT(gcimSimHeadCreateFromCommands(chips[i], DIM, &c, NULL, &heads[i]), GCIM_SIM_OK);
    ready = ready && heads[i];
  }
  for (int t = 0; ready && t < TOKENS; ++t)
    for (int i = 0; i < 4; ++i) {
      float q[DIM], k[DIM], v[DIM], out[DIM];
      inputs(t, q, k, v);
      gcimSimHeadStep(heads[i], q, k, v, out);
    }
  const GcimTileLayerSchedule layers[2] = {{1, 1, 1, 1, 131200, 131072, 0, 128, 20, 64, 10},
                                           {1, 1, 1, 1, 131200, 131072, 100, 128, 20, 64, 10}};
  GcimSimSummary summary;
  if (ready) {
    gcimSimSummarize(&hw, heads, layerOf, 4, &summary);
    gcimTileScheduleSummarize(&hw, heads, layerOf, 4, layers, 2, &summary);
    const GcimSimScheduleStats *r = &summary.schedule;
    EXPECT_EQ_INT(r->reloads, TOKENS);
    EXPECT_EQ_INT(r->transfers, 2 * TOKENS);
    EXPECT_EQ_INT(r->linkBytes, 2 * TOKENS * 100);
    EXPECT_TRUE(r->linkPJ == 140000.0);
    EXPECT_TRUE(r->elapsedNs == 80959.375);
  }
  for (int i = 0; i < 4; ++i) {
    gcimSimHeadDestroy(heads[i]);
    gcimChipDestroy(chips[i]);
  }
}

GCIM_TEST_LIST{
    GCIM_TEST(test_numbered_chip_checks_and_traces_its_numbers),
    GCIM_TEST(test_commands_reach_the_chip),
    GCIM_TEST(test_commands_the_chip_cannot_run_are_refused),
    GCIM_TEST(test_spilled_heads_share_a_slot_exactly),
    GCIM_TEST(test_a_batch_on_two_chips_is_pipelined),
};
GCIM_TEST_MAIN
