/* ChipTest.c: the chip interface (gcim/Runtime/Chip.h): the head over the simulator chip
 * against the simulator as it was before (bit for bit, noise included), the trace against a
 * hand-derived command stream, the cost-only chip's counters, and every argument check. */
#include "GcimTest.h"
#include "LegacySim/LegacySim.h"

#include "gcim/Runtime/Chip.h"
#include "gcim/Runtime/Sim.h"

#include <stdint.h>
#include <stdlib.h>

static uint64_t rngState = 2026;

static double uniform(void) {
  rngState = rngState * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(rngState >> 11) * 0x1.0p-53;
}

static float randomValue(double scale) { return (float)((uniform() * 2.0 - 1.0) * scale); }

/* ---- bit identity with the simulator before the chip interface ---- */

typedef struct Case {
  int32_t dim, window;
  int64_t tokens;
  GcimCellModel cell;
  int decay, bf16, readNoise, writeNoise, retention;
} Case;

/* Runs both heads on the same random inputs (scalers changed and a reset part-way) and
 * compares every output, the counters and the stored slots with memcmp. Returns the number
 * of differing outputs. */
static int64_t compareWithLegacy(const Case *c, uint64_t stream) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.window = c->window;
  hw.cell = c->cell;
  hw.decayEnabled = c->decay;
  hw.bf16Decay = c->bf16;
  hw.noise.seed = 11;
  hw.noise.readNoiseSnrDb = c->readNoise ? 25.0 : 0.0;
  hw.noise.writeNoiseStdV = c->writeNoise ? 0.02 : 0.0;
  hw.noise.retentionSpreadRel = c->retention ? 0.3 : 0.0;
  if (c->retention)
    hw.decayLambda = 0.002; /* make the spread visible */
  float scalers[8];
  for (int i = 0; i < 8; ++i)
    scalers[i] = i % 2 ? randomValue(0.3) + (i == 3 || i == 5 ? 0.45f : 0.0f)
                       : 0.5f + (float)uniform() * 1.5f;
  GcimSimHead *head = NULL;
  LegacySimHead *legacy = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, c->dim, scalers, stream, NULL, &head), GCIM_SIM_OK);
  EXPECT_EQ_INT(legacySimHeadCreate(&hw, c->dim, scalers, stream, NULL, &legacy), GCIM_SIM_OK);
  if (!head || !legacy)
    return -1;
  size_t dim = (size_t)c->dim;
  float *x = malloc(5 * dim * sizeof(float)), *q = x, *k = x + dim, *v = x + 2 * dim;
  float *out = x + 3 * dim, *expected = x + 4 * dim;
  int64_t differing = 0;
  for (int64_t t = 0; t < c->tokens; ++t) {
    if (t == c->tokens / 2) { /* new scalers, and for short runs a new sequence */
      scalers[0] *= 1.25f;
      scalers[7] = 0.125f;
      gcimSimHeadSetScalers(head, scalers);
      legacySimHeadSetScalers(legacy, scalers);
      if (c->tokens < c->window) {
        gcimSimHeadReset(head);
        legacySimHeadReset(legacy);
      }
    }
    for (size_t d = 0; d < dim; ++d) {
      q[d] = randomValue(1.2);
      k[d] = randomValue(0.6);
      v[d] = randomValue(0.6);
    }
    gcimSimHeadStep(head, q, k, v, out);
    legacySimHeadStep(legacy, q, k, v, expected);
    for (size_t d = 0; d < dim; ++d)
      differing += memcmp(&out[d], &expected[d], sizeof(float)) != 0;
  }
  GcimSimStats stats, legacyStats;
  gcimSimHeadGetStats(head, &stats);
  legacySimHeadGetStats(legacy, &legacyStats);
  EXPECT_TRUE(memcmp(&stats, &legacyStats, sizeof stats) == 0);
  for (int32_t slot = 0; slot < c->window; slot += 7) {
    int64_t step = gcimSimHeadGetSlot(head, slot, q, k);
    EXPECT_EQ_INT(step, legacySimHeadGetSlot(legacy, slot, v, out));
    if (step >= 0)
      EXPECT_TRUE(memcmp(q, v, dim * sizeof(float)) == 0 &&
                  memcmp(k, out, dim * sizeof(float)) == 0);
  }
  free(x);
  gcimSimHeadDestroy(head);
  legacySimHeadDestroy(legacy);
  return differing;
}

/* Retention spread is drawn per physical cell, so it equals the old per-head draw only
 * where the two orders agree: dim = arrayCols and a window of whole sub-tiles. */
static void test_head_over_chip_equals_legacy_simulator(void) {
  static const Case cases[] = {
      {64, 1024, 1100, GCIM_CELL_NONLINEAR, 1, 0, 0, 0, 0},
      {128, 1024, 1100, GCIM_CELL_NONLINEAR, 1, 0, 0, 0, 0},
      {32, 1024, 1100, GCIM_CELL_LINEAR, 1, 0, 0, 0, 0},
      {64, 1024, 1100, GCIM_CELL_NONLINEAR, 1, 1, 0, 0, 0},
      {64, 1024, 1100, GCIM_CELL_NONLINEAR, 1, 0, 1, 1, 0},
      {128, 256, 600, GCIM_CELL_NONLINEAR, 1, 1, 1, 1, 0},
      {32, 100, 350, GCIM_CELL_NONLINEAR, 1, 0, 1, 0, 0},
      {80, 200, 450, GCIM_CELL_LINEAR, 1, 0, 0, 1, 0},
      {64, 256, 700, GCIM_CELL_NONLINEAR, 0, 0, 0, 0, 0},
      {128, 64, 200, GCIM_CELL_LINEAR, 0, 0, 1, 0, 0},
      {64, 128, 400, GCIM_CELL_NONLINEAR, 1, 0, 0, 0, 1},
      {64, 192, 500, GCIM_CELL_NONLINEAR, 1, 1, 1, 1, 1},
      {32, 1024, 300, GCIM_CELL_NONLINEAR, 1, 1, 0, 0, 0},
      {1, 64, 130, GCIM_CELL_NONLINEAR, 1, 0, 0, 0, 0},
      {200, 128, 260, GCIM_CELL_NONLINEAR, 1, 0, 1, 1, 0},
      {64, 10, 40, GCIM_CELL_NONLINEAR, 1, 0, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    int64_t differing = compareWithLegacy(&cases[i], i);
    if (differing != 0)
      fprintf(stderr,
              "case %zu (d %d, window %d, T %lld): %lld outputs differ (expected 0: "
              "bit identity, memcmp)\n",
              i, (int)cases[i].dim, (int)cases[i].window, (long long)cases[i].tokens,
              (long long)differing);
    EXPECT_EQ_INT(differing, 0);
  }
}

/* ---- the trace: a hand-derived command stream ---- */

/* The next line of `file` into `line` (without the newline); 0 at the end. */
static int readLine(FILE *file, char *line, size_t size) {
  if (!fgets(line, (int)size, file))
    return 0;
  line[strcspn(line, "\n")] = '\0';
  return 1;
}

/* "key=c,c,c" with `count` copies of `code`, appended to `text`. */
static void appendCodes(char *text, const char *key, int count, int code) {
  sprintf(text + strlen(text), " %s=", key);
  for (int i = 0; i < count; ++i)
    sprintf(text + strlen(text), i ? ",%d" : "%d", code);
}

/* Sum over the comma list after "z=" of step * code, per dimension, in group order (what the
 * adder tree computes), into sum[dims]; returns the number of codes. */
static int sumReadout(const char *line, int dims, float step, float *sum) {
  const char *p = strstr(line, " z=");
  int count = 0;
  for (int d = 0; d < dims; ++d)
    sum[d] = 0.0f;
  for (p = p ? p + 3 : NULL; p && *p; ++count) {
    char *end;
    long code = strtol(p, &end, 10);
    sum[count % dims] += step * (float)code;
    p = *end == ',' ? end + 1 : end;
    if (end == p && *end != '\0')
      break;
  }
  return count;
}

/* Arrays of 4 token slots, a window of 8 (two token tiles), d = 80 (two dimension tiles:
 * span 2), the head placed at sub-tile 2 of a 6-sub-tile chip; 10 tokens wrap the ring. By
 * hand: token t goes to slot t mod 8, group (t mod 8) / 4, so sub-tile 2 + 2 * group,
 * column (t mod 8) mod 4; the products read 1 group while t < 4, then 2. k = 0 is code 3
 * (0.45 V, the quantiser tie), v = 0.45 code 7 (0.9 V); q alternates codes 0 and 15. */
static void test_trace_of_a_few_tokens(void) {
  enum { DIM = 80, TOKENS = 10 };
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.arrayRows = 4;
  hw.window = 8;
  GcimChip *sim = NULL, *trace = NULL;
  FILE *file = tmpfile();
  EXPECT_TRUE(file != NULL);
  EXPECT_EQ_INT(gcimChipCreateSimulator(&hw, 6, 0, NULL, &sim, NULL, 0), GCIM_CHIP_OK);
  EXPECT_EQ_INT(gcimChipCreateTrace(sim, file, NULL, &trace, NULL, 0), GCIM_CHIP_OK);
  GcimSimHead *head = NULL, *plain = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreateOnChip(trace, 2, DIM, NULL, NULL, &head), GCIM_SIM_OK);
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, DIM, NULL, 0, NULL, &plain), GCIM_SIM_OK);
  if (!file || !head || !plain)
    return;
  float q[DIM], k[DIM], v[DIM], out[TOKENS][DIM], expected[DIM];
  for (int d = 0; d < DIM; ++d) {
    q[d] = d % 2 ? 1.0f : 0.0f;
    k[d] = 0.0f;
    v[d] = 0.45f;
  }
  for (int t = 0; t < TOKENS; ++t) {
    gcimSimHeadStep(head, q, k, v, out[t]);
    gcimSimHeadStep(plain, q, k, v, expected); /* the trace changes no result */
    EXPECT_TRUE(memcmp(out[t], expected, sizeof expected) == 0);
  }
  rewind(file);
  static char line[8192], want[8192];
  EXPECT_TRUE(readLine(file, line, sizeof line));
  EXPECT_STR_CONTAINS(line, "# gcim chip trace 1: sub_tiles=6 array_rows=4 array_cols=64");
  EXPECT_TRUE(readLine(file, line, sizeof line));
  EXPECT_TRUE(strcmp(line, "clear t=0 ns=0 tile=2 count=4") == 0);
  const float outputStep = (float)(2.0 / 31.0);
  for (int t = 0; t < TOKENS; ++t) {
    int slot = t % 8, groups = t < 4 ? 1 : 2;
    const char *ops[6] = {"kv_write",   "qk_product", "charge_to_pulse",
                          "pv_product", "readout",    "adder_tree"};
    for (int op = 0; op < 6; ++op) {
      EXPECT_TRUE(readLine(file, line, sizeof line));
      if (op == 0) {
        sprintf(want, "kv_write t=%d ns=%d tile=%d span=2 slot=%d", t, 65 * t, 2 + 2 * (slot / 4),
                slot % 4);
        appendCodes(want, "k", DIM, 3);
        appendCodes(want, "v", DIM, 7);
        EXPECT_TRUE(strcmp(line, want) == 0);
        continue;
      }
      sprintf(want, "%s t=%d ns=%d tile=2 groups=%d span=2", ops[op], t, 65 * t, groups);
      EXPECT_TRUE(strncmp(line, want, strlen(want)) == 0);
      if (op == 1)
        EXPECT_STR_CONTAINS(line, " q=0,15,0,15,");
      if (op == 4) { /* the readout codes are what the adder tree sums */
        float sum[DIM];
        EXPECT_EQ_INT(sumReadout(line, DIM, outputStep, sum), groups * DIM);
        EXPECT_TRUE(memcmp(sum, out[t], sizeof sum) == 0);
      }
    }
  }
  EXPECT_TRUE(!readLine(file, line, sizeof line));
  gcimSimHeadDestroy(head);
  gcimSimHeadDestroy(plain);
  gcimChipDestroy(trace);
  gcimChipDestroy(sim);
  fclose(file);
}

/* ---- the cost-only chip ---- */

/* Three heads (d 64, window 256: 4 token tiles each) on one chip, 300 tokens: the counters
 * of a cost-only chip equal the simulator's and the cost model's count by hand. */
static void test_cost_chip_counts_like_the_simulator(void) {
  enum { HEADS = 3, DIM = 64, TOKENS = 300 };
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.window = 256;
  GcimChip *chips[2] = {NULL, NULL};
  EXPECT_EQ_INT(gcimChipCreateSimulator(&hw, 4 * HEADS, 0, NULL, &chips[0], NULL, 0), GCIM_CHIP_OK);
  EXPECT_EQ_INT(gcimChipCreateCost(&hw, 4 * HEADS, NULL, &chips[1], NULL, 0), GCIM_CHIP_OK);
  GcimSimHead *heads[2][HEADS] = {{NULL}};
  for (int c = 0; c < 2; ++c)
    for (int h = 0; h < HEADS; ++h)
      EXPECT_EQ_INT(gcimSimHeadCreateOnChip(chips[c], 4 * h, DIM, NULL, NULL, &heads[c][h]),
                    GCIM_SIM_OK);
  if (!chips[0] || !chips[1])
    return;
  float q[DIM], k[DIM], v[DIM], out[DIM];
  int64_t reads = 0;
  for (int t = 0; t < TOKENS; ++t) {
    for (int d = 0; d < DIM; ++d) {
      q[d] = randomValue(1.0);
      k[d] = randomValue(0.5);
      v[d] = randomValue(0.5);
    }
    for (int c = 0; c < 2; ++c)
      for (int h = 0; h < HEADS; ++h) {
        gcimSimHeadStep(heads[c][h], q, k, v, out);
        if (c == 1)
          EXPECT_TRUE(out[0] == 0.0f && out[DIM - 1] == 0.0f); /* b_o: no readout */
      }
    int written = t + 1 < 256 ? t + 1 : 256;
    reads += HEADS * 2 * ((written + 63) / 64);
  }
  GcimSimStats sim, cost;
  gcimChipGetStats(chips[0], &sim);
  gcimChipGetStats(chips[1], &cost);
  EXPECT_TRUE(memcmp(&sim, &cost, sizeof sim) == 0);
  EXPECT_EQ_INT(cost.tokens, HEADS * TOKENS);
  EXPECT_EQ_INT(cost.attends, HEADS * TOKENS);
  EXPECT_EQ_INT(cost.arrayWrites, 2 * HEADS * TOKENS);
  EXPECT_EQ_INT(cost.arrayReads, reads);
  EXPECT_NEAR(cost.firstProductPJ, 70.0 * (double)reads / 2, 0.0);
  EXPECT_NEAR(cost.secondProductPJ, 43.75 * (double)reads / 2, 0.0);
  EXPECT_NEAR(cost.dacPJ, HEADS * TOKENS * 330.0, 0.0);        /* 2 x 64 values of 330/128 pJ */
  EXPECT_EQ_INT(gcimSimHeadGetSlot(heads[1][0], 0, k, v), -1); /* no voltages kept */
  EXPECT_EQ_INT(gcimSimHeadGetSlot(heads[0][0], 0, k, v), 256);
  for (int c = 0; c < 2; ++c) {
    for (int h = 0; h < HEADS; ++h)
      gcimSimHeadDestroy(heads[c][h]);
    gcimChipDestroy(chips[c]);
  }
}

/* ---- argument checks ---- */

static void test_bad_arguments_are_errors(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  char message[160];
  GcimChip *chip = NULL;
  hw.maxSubTiles = 8;
  EXPECT_EQ_INT(gcimChipCreateCost(&hw, 9, NULL, &chip, message, sizeof message),
                GCIM_CHIP_ERROR_INVALID);
  EXPECT_STR_CONTAINS(message, "a chip of 9 sub-tiles is not possible (1 .. 8)");
  EXPECT_TRUE(chip == NULL);
  hw.kv.levels = 1;
  EXPECT_EQ_INT(gcimChipCreateSimulator(&hw, 2, 0, NULL, &chip, message, sizeof message),
                GCIM_CHIP_ERROR_INVALID);
  EXPECT_STR_CONTAINS(message, "kv.levels");
  hw.kv.levels = 8;
  EXPECT_EQ_INT(gcimChipCreateSimulator(&hw, 2, 0, NULL, &chip, message, sizeof message),
                GCIM_CHIP_OK);
  if (!chip)
    return;
  int32_t codes[130] = {0};
  float sums[130];
  codes[5] = 8;
  EXPECT_EQ_INT(gcimChipWrite(chip, 0, 1, 0, 64, codes, codes), GCIM_CHIP_ERROR_INVALID);
  EXPECT_STR_CONTAINS(gcimChipGetError(chip),
                      "kv_write: k code 8 of dimension 5 is out of range 0 .. 7");
  codes[5] = 0;
  EXPECT_EQ_INT(gcimChipWrite(chip, 0, 1, 64, 64, codes, codes), GCIM_CHIP_ERROR_INVALID);
  EXPECT_STR_CONTAINS(gcimChipGetError(chip), "kv_write: slot 64 is out of range 0 .. 63");
  EXPECT_EQ_INT(gcimChipFirstProduct(chip, 1, 2, 1, 64, codes), GCIM_CHIP_ERROR_INVALID);
  EXPECT_STR_CONTAINS(gcimChipGetError(chip),
                      "qk_product: sub-tiles 1 + 2 x 1 are out of range (the chip has 2)");
  EXPECT_EQ_INT(gcimChipSecondProduct(chip, 0, 1, 2, 64), GCIM_CHIP_ERROR_INVALID);
  EXPECT_STR_CONTAINS(gcimChipGetError(chip), "pv_product: 64 dimensions do not fit");
  EXPECT_EQ_INT(gcimChipAdderTree(chip, 0, 1, 1, 65, sums), GCIM_CHIP_ERROR_INVALID);
  EXPECT_EQ_INT(gcimChipReadout(chip, -1, 1, 1, 64, NULL), GCIM_CHIP_ERROR_INVALID);
  codes[0] = 16;
  EXPECT_EQ_INT(gcimChipFirstProduct(chip, 0, 1, 2, 128, codes), GCIM_CHIP_ERROR_INVALID);
  EXPECT_STR_CONTAINS(gcimChipGetError(chip), "qk_product: q code 16 of dimension 0");
  codes[0] = 0;
  EXPECT_EQ_INT(gcimChipFirstProduct(chip, 0, 1, 2, 128, codes), GCIM_CHIP_OK);
  EXPECT_TRUE(gcimChipGetError(chip)[0] == '\0'); /* a success clears the reason */
  GcimSimHead *head = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreateOnChip(chip, 1, 64, NULL, NULL, &head), GCIM_SIM_ERROR_INVALID);
  EXPECT_TRUE(head == NULL); /* a window of 1024 needs 16 sub-tiles */
  gcimChipDestroy(chip);
  gcimChipDestroy(NULL);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_head_over_chip_equals_legacy_simulator),
    GCIM_TEST(test_trace_of_a_few_tokens),
    GCIM_TEST(test_cost_chip_counts_like_the_simulator),
    GCIM_TEST(test_bad_arguments_are_errors),
};
GCIM_TEST_MAIN
