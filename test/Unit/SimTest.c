/* SimTest.c: the simulator against the rules of docs/HardwareModel.md §2 and §3. */
#include "GcimTest.h"

#include "gcim/Runtime/Sim.h"

#include <stdint.h>
#include <stdlib.h>

/* ---- helpers ---- */

static uint64_t rngState = 12345;

static double uniform(void) {
  rngState = rngState * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(rngState >> 11) * 0x1.0p-53;
}

static float randomValue(double scale) { return (float)((uniform() * 2.0 - 1.0) * scale); }

static GcimSimHead *makeHead(const GcimHardware *hw, int32_t dim, const float *scalers) {
  GcimSimHead *head = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreate(hw, dim, scalers, 0, NULL, &head), GCIM_SIM_OK);
  return head;
}

static double cellG(const GcimHardware *hw, double w) {
  const double *a = hw->cellCoeffs;
  return a[0] + a[1] * w + a[2] * w * w + a[3] * w * w * w;
}

static void fill(float *x, int n, float value) {
  for (int i = 0; i < n; ++i)
    x[i] = value;
}

/* ---- the direct formula of docs/HardwareModel.md §2, from the stored voltages ---- */

static float quantizeRef(float x, float step) { return step * nearbyintf(x / step); }
static float clampRef(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

static float bf16Ref(float x) {
  uint32_t bits;
  memcpy(&bits, &x, 4);
  bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
  memcpy(&x, &bits, 4);
  return x;
}

/* delta^(i*age) for i = 1..3 into p[1..3]: P1 = pow, then repeated products. */
static void powersRef(const GcimHardware *hw, int64_t age, int qkPath, float p[4]) {
  float delta = (float)exp(-hw->decayLambda);
  p[0] = 1.0f;
  p[1] = hw->decayEnabled ? powf(delta, (float)age) : 1.0f;
  int round = qkPath && hw->bf16Decay;
  if (round)
    p[1] = bf16Ref(p[1]);
  p[2] = p[1] * p[1];
  if (round)
    p[2] = bf16Ref(p[2]);
  p[3] = p[2] * p[1];
  if (round)
    p[3] = bf16Ref(p[3]);
}

static void coefficientsRef(const GcimHardware *hw, float a[4]) {
  for (int i = 0; i < 4; ++i)
    a[i] = hw->cell == GCIM_CELL_NONLINEAR ? (float)hw->cellCoeffs[i] : 0.0f;
  if (hw->cell == GCIM_CELL_LINEAR)
    a[1] = (float)hw->linearSlope;
}

static float powInt(float w, int i) {
  float r = 1.0f;
  for (int k = 0; k < i; ++k)
    r = k == 0 ? w : r * w;
  return r;
}

static void attendDirect(const GcimHardware *hw, const GcimSimHead *head, const float *sc,
                         const float *qRaw, float *out) {
  int dim = gcimSimHeadGetDim(head), M = hw->window, rows = hw->arrayRows;
  int64_t now = gcimSimHeadGetStep(head) - 1;
  float a[4], q[512], zsum[512] = {0}, *K = malloc((size_t)M * dim * 4),
                      *V = malloc((size_t)M * dim * 4), *phi = calloc((size_t)M, 4);
  int64_t *written = malloc((size_t)M * 8);
  coefficientsRef(hw, a);
  float stepQ = (float)(hw->query.max / (hw->query.levels - 1));
  float stepO = (float)(2 * hw->output.max / (hw->output.levels - 1));
  float sumQ = 0.0f;
  for (int d = 0; d < dim; ++d) {
    float x = sc[0] * qRaw[d];
    x = x + sc[1];
    q[d] = quantizeRef(clampRef(x, 0.0f, (float)hw->query.max), stepQ);
    sumQ += q[d];
  }
  for (int j = 0; j < M; ++j)
    written[j] = gcimSimHeadGetSlot(head, j, K + (size_t)j * dim, V + (size_t)j * dim);
  for (int j = 0; j < M; ++j) {
    if (written[j] < 0)
      continue;
    float p[4], S = a[0] * sumQ;
    powersRef(hw, now - written[j], 1, p);
    for (int i = 1; i < 4; ++i) {
      if (a[i] == 0.0f)
        continue;
      float dot = 0.0f;
      for (int d = 0; d < dim; ++d)
        dot += q[d] * powInt(K[(size_t)j * dim + d] - hw->midVoltage, i);
      S = S + (a[i] * p[i]) * dot;
    }
    phi[j] = clampRef(S * (1.0f / hw->firstProductSaturation), 0.0f, 1.0f);
  }
  for (int n = 0; n * rows < M; ++n)
    for (int d = 0; d < dim; ++d) {
      float sums[4] = {0, 0, 0, 0};
      for (int j = n * rows; j < (n + 1) * rows && j < M; ++j) {
        if (written[j] < 0)
          continue;
        float p[4];
        powersRef(hw, now - written[j], 0, p);
        sums[0] += phi[j];
        for (int i = 1; i < 4; ++i)
          sums[i] += (phi[j] * p[i]) * powInt(V[(size_t)j * dim + d] - hw->midVoltage, i);
      }
      float Y = a[0] * sums[0];
      for (int i = 1; i < 4; ++i)
        if (a[i] != 0.0f)
          Y = Y + a[i] * sums[i];
      float o = (float)hw->output.max;
      zsum[d] += quantizeRef(clampRef(Y * (1.0f / hw->outputSaturation), -o, o), stepO);
    }
  for (int d = 0; d < dim; ++d) {
    float y = sc[6] * zsum[d];
    out[d] = y + sc[7];
  }
  free(K);
  free(V);
  free(phi);
  free(written);
}

/* ---- tests ---- */

static void test_cell_g_values(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  EXPECT_NEAR(cellG(&hw, -0.45), -10.3315, 1e-4);
  EXPECT_NEAR(cellG(&hw, 0.0), 0.5214, 1e-4);
  EXPECT_NEAR(cellG(&hw, 0.45), 10.3130, 1e-4);
}

static void test_quantizer_tie_stores_code_3(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimSimHead *head = makeHead(&hw, 4, NULL);
  float zero[4] = {0, 0, 0, 0}, k[4], v[4];
  gcimSimHeadWrite(head, zero, zero); /* 0 * 1 + 0.45 = 0.45: a tie in float32 */
  EXPECT_EQ_INT(gcimSimHeadGetSlot(head, 0, k, v), 0);
  float step = (float)(0.9 / 7);
  EXPECT_TRUE(k[0] == 3.0f * step && v[3] == 3.0f * step);
  EXPECT_EQ_INT(gcimSimHeadGetSlot(head, 1, k, v), -1);
  gcimSimHeadDestroy(head);
}

/* One slot, q = 1, K = V = 0.9: S = 64 g(0.45) saturates phi, Y = g(0.45) = 10.313,
 * Y / 40 = 0.2578 is 3.996 output steps: 4 steps = 8/31. */
static void test_single_token_output(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimSimHead *head = makeHead(&hw, 64, NULL);
  float q[64], kv[64], out[64];
  fill(q, 64, 1.0f);
  fill(kv, 64, 0.45f);
  gcimSimHeadStep(head, q, kv, kv, out);
  EXPECT_NEAR(out[0], 8.0 / 31.0, 1e-6);
  EXPECT_NEAR(out[63], 8.0 / 31.0, 1e-6);
  gcimSimHeadDestroy(head);
}

/* 64 saturating tokens fill sub-tile 0: Y = 660 clips to 1, which rounds to 16 steps
 * (32/31); a 65th token adds sub-tile 1 with 4 steps (8/31). */
static void test_output_grid_saturates_at_32_over_31(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  float sc[8] = {1, 0, 1, 0.45f, 1, 0.45f, 2.0f, 0.5f};
  GcimSimHead *head = makeHead(&hw, 64, sc);
  float q[64], kv[64], out[64];
  fill(q, 64, 1.0f);
  fill(kv, 64, 0.45f);
  for (int t = 0; t < 64; ++t)
    gcimSimHeadStep(head, q, kv, kv, out);
  EXPECT_NEAR(out[5], 2.0 * 32.0 / 31.0 + 0.5, 1e-6);
  gcimSimHeadStep(head, q, kv, kv, out);
  EXPECT_NEAR(out[5], 2.0 * 40.0 / 31.0 + 0.5, 1e-6);
  gcimSimHeadDestroy(head);
}

/* A first token whose pulse is 0 leaves the output at exactly b_o: the 1023 unwritten
 * slots add nothing (an ungated slot at mid-rail would add a0 * sum(q) > 0). */
static void test_unwritten_slots_are_gated(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimSimHead *head = makeHead(&hw, 64, NULL);
  float q[64], k[64], v[64], out[64];
  fill(q, 64, 1.0f);
  fill(k, 64, -1.0f); /* K = 0: g(-0.45) < 0, phi = 0 */
  fill(v, 64, 0.45f);
  gcimSimHeadStep(head, q, k, v, out);
  for (int d = 0; d < 64; ++d)
    EXPECT_TRUE(out[d] == 0.0f);
  gcimSimHeadDestroy(head);
}

/* Linear cell, one dimension, fine output grid: token 0 (w = 0.45) is attended at ages 0
 * and 1023; later tokens have K = 0 and contribute nothing. Y scales by delta^(2 n): 0.849
 * of the weight is left after 1023 tokens on each side. At step 1024 slot 0 is
 * overwritten (ring wrap) and the output is 0. */
static void test_decay_after_1023_tokens_and_ring_wrap(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.cell = GCIM_CELL_LINEAR;
  hw.output.levels = (1 << 22) + 1;
  GcimSimHead *head = makeHead(&hw, 1, NULL);
  float q = 1.0f, kHigh = 0.45f, kLow = -1.0f, v = 0.45f, first, out;
  gcimSimHeadStep(head, &q, &kHigh, &v, &first);
  for (int t = 1; t < 1024; ++t)
    gcimSimHeadStep(head, &q, &kLow, &v, &out);
  double delta = exp(-1.6e-4), left = pow(delta, 1023);
  EXPECT_NEAR(left, 0.849, 5e-4);
  /* phi = 19.3 * 0.45 * d / 80, Y = phi * 19.3 * 0.45 * d, out = Y / 40. */
  double w = 0.45 * 19.3, expectFirst = w * w / 80 / 40;
  EXPECT_NEAR(first, expectFirst, 1e-5);
  EXPECT_NEAR(out, expectFirst * left * left, 1e-5);
  EXPECT_EQ_INT(gcimSimHeadGetStep(head), 1024);
  gcimSimHeadStep(head, &q, &kLow, &v, &out);
  EXPECT_TRUE(out == 0.0f);
  EXPECT_EQ_INT(gcimSimHeadGetSlot(head, 0, NULL, NULL), 1024);
  gcimSimHeadDestroy(head);
}

static void randomCase(GcimHardware *hw, int dim, int tokens, int checkDirect) {
  float sc[8];
  for (int i = 0; i < 8; ++i)
    sc[i] = gcimDefaultScalers[i] + randomValue(i % 2 ? 0.1 : 0.3);
  size_t n = (size_t)tokens * dim;
  float *q = malloc(n * 4), *k = malloc(n * 4), *v = malloc(n * 4), *seq = malloc(n * 4), out[512],
        direct[512];
  for (size_t i = 0; i < n; ++i) {
    q[i] = randomValue(1.0);
    k[i] = randomValue(0.5);
    v[i] = randomValue(0.5);
  }
  GcimSimHead *stepHead = makeHead(hw, dim, sc), *seqHead = makeHead(hw, dim, sc);
  gcimSimHeadRunSequence(seqHead, tokens, q, k, v, seq);
  int stepMismatch = 0, directMismatch = 0;
  for (int t = 0; t < tokens; ++t) {
    size_t o = (size_t)t * dim;
    gcimSimHeadStep(stepHead, q + o, k + o, v + o, out);
    if (checkDirect)
      attendDirect(hw, stepHead, sc, q + o, direct);
    for (int d = 0; d < dim; ++d) {
      stepMismatch += memcmp(&out[d], &seq[o + d], 4) != 0;
      directMismatch += checkDirect && out[d] != direct[d];
    }
  }
  EXPECT_EQ_INT(stepMismatch, 0);
  EXPECT_EQ_INT(directMismatch, 0);
  gcimSimHeadDestroy(stepHead);
  gcimSimHeadDestroy(seqHead);
  free(q);
  free(k);
  free(v);
  free(seq);
}

static void test_step_form_equals_sequence_form(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  randomCase(&hw, 64, 300, 0);
  hw.window = 100;
  randomCase(&hw, 48, 250, 0);
}

/* The fast form (precomputed powers, transposed products) equals the direct formula bit
 * for bit: nonlinear and linear, bf16 decay, no decay, d < 64 and d > 64, wrapping, small
 * arrays. */
static void test_fast_form_equals_direct_form(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.window = 150;
  randomCase(&hw, 64, 170, 1);
  hw.cell = GCIM_CELL_LINEAR;
  randomCase(&hw, 32, 160, 1);
  hw.cell = GCIM_CELL_NONLINEAR;
  hw.bf16Decay = 1;
  randomCase(&hw, 128, 155, 1);
  hw.decayEnabled = 0;
  hw.window = 70;
  randomCase(&hw, 80, 90, 1);
  /* More than 16 groups and rows and columns off the 16-lane blocks: the vector paths'
   * partial blocks (nonzero pulses and query dims, the groups' pulse sums). */
  gcimHardwareInitDefault(&hw);
  hw.arrayRows = 20;
  hw.arrayCols = 24;
  hw.window = 400;
  randomCase(&hw, 40, 430, 1);
}

static void test_counters_follow_cost_model(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimSimHead *head = makeHead(&hw, 64, NULL);
  float x[64], out[64];
  fill(x, 64, 0.1f);
  gcimSimHeadStep(head, x, x, x, out);
  GcimSimStats s;
  gcimSimHeadGetStats(head, &s);
  /* One token in use: one sub-tile read (K and V), one written. */
  EXPECT_EQ_INT(s.arrayReads, 2);
  EXPECT_EQ_INT(s.arrayWrites, 2);
  EXPECT_NEAR(s.firstProductPJ, 70.0, 1e-9);
  for (int t = 1; t < 1100; ++t)
    gcimSimHeadStep(head, x, x, x, out);
  gcimSimHeadClearStats(head);
  gcimSimHeadStep(head, x, x, x, out);
  gcimSimHeadGetStats(head, &s);
  EXPECT_EQ_INT(s.tokens, 1);
  EXPECT_EQ_INT(s.arrayReads, 32);
  EXPECT_NEAR(gcimSimStatsEnergyPJ(&s), 6150.0, 1e-9);
  EXPECT_NEAR(s.latencyNs, 65.0, 1e-12);
  GcimSimStats total = {0};
  gcimSimStatsAccumulate(&total, &s);
  gcimSimStatsAccumulate(&total, &s);
  EXPECT_NEAR(gcimSimStatsEnergyPJ(&total), 12300.0, 1e-9);
  gcimSimHeadDestroy(head);
  /* d = 128 spans two arrays per sub-tile. */
  GcimSimHead *wide = makeHead(&hw, 128, NULL);
  float y[128], o[128];
  fill(y, 128, 0.1f);
  for (int t = 0; t < 1024; ++t)
    gcimSimHeadStep(wide, y, y, y, o);
  gcimSimHeadClearStats(wide);
  gcimSimHeadStep(wide, y, y, y, o);
  gcimSimHeadGetStats(wide, &s);
  EXPECT_EQ_INT(s.arrayReads, 64);
  EXPECT_NEAR(gcimSimStatsEnergyPJ(&s), gcimHardwareHeadTokenEnergyPJ(&hw, 128), 1e-9);
  gcimSimHeadDestroy(wide);
}

static void test_validation_rejects_bad_values(void) {
  GcimHardware hw;
  char message[128];
  gcimHardwareInitDefault(&hw);
  EXPECT_TRUE(gcimHardwareValidate(&hw, message, sizeof message));
  hw.kv.levels = 1;
  EXPECT_TRUE(!gcimHardwareValidate(&hw, message, sizeof message));
  EXPECT_STR_CONTAINS(message, "kv.levels must be >= 2");
  gcimHardwareInitDefault(&hw);
  hw.window = -4;
  EXPECT_TRUE(!gcimHardwareValidate(&hw, message, sizeof message));
  EXPECT_STR_CONTAINS(message, "window");
  gcimHardwareInitDefault(&hw);
  hw.decayLambda = NAN;
  EXPECT_TRUE(!gcimHardwareValidate(&hw, message, sizeof message));
  EXPECT_STR_CONTAINS(message, "decayLambda must be a finite number");
  GcimSimHead *head = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, 64, NULL, 0, NULL, &head), GCIM_SIM_ERROR_INVALID);
  EXPECT_TRUE(head == NULL);
  gcimHardwareInitDefault(&hw);
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, 0, NULL, 0, NULL, &head), GCIM_SIM_ERROR_INVALID);
  hw.maxSubTiles = 16;
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, 65, NULL, 0, NULL, &head), GCIM_SIM_ERROR_INVALID);
}

static int allocations, failAfter;

static void *countingAlloc(void *ud, size_t size) {
  (void)ud;
  return allocations++ >= failAfter ? NULL : malloc(size);
}

static void countingFree(void *ud, void *ptr) {
  (void)ud;
  if (ptr)
    --allocations;
  free(ptr);
}

static void test_allocator_hook(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  GcimAllocator a = {countingAlloc, countingFree, NULL};
  GcimSimHead *head = NULL;
  for (failAfter = 0; failAfter < 2; ++failAfter) {
    allocations = 0;
    EXPECT_EQ_INT(gcimSimHeadCreate(&hw, 64, NULL, 0, &a, &head), GCIM_SIM_ERROR_MEMORY);
    EXPECT_TRUE(head == NULL);
  }
  failAfter = 1000;
  allocations = 0;
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, 64, NULL, 0, &a, &head), GCIM_SIM_OK);
  int afterCreate = allocations;
  float x[64], out[64];
  fill(x, 64, 0.2f);
  for (int t = 0; t < 100; ++t)
    gcimSimHeadStep(head, x, x, x, out);
  EXPECT_EQ_INT(allocations, afterCreate); /* no allocation after create */
  gcimSimHeadDestroy(head);
  EXPECT_EQ_INT(allocations, 0);
  gcimSimHeadDestroy(NULL);
}

/* Noise is off by default, seeded and reproducible, and changes results when on. */
static void runNoisy(const GcimHardware *hw, uint64_t stream, float *result) {
  GcimSimHead *head = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreate(hw, 16, NULL, stream, NULL, &head), GCIM_SIM_OK);
  rngState = 99;
  float q[16], k[16], v[16];
  for (int t = 0; t < 200; ++t) {
    for (int d = 0; d < 16; ++d) {
      q[d] = randomValue(1.0);
      k[d] = randomValue(0.5);
      v[d] = randomValue(0.5);
    }
    gcimSimHeadStep(head, q, k, v, result + 16 * t);
  }
  gcimSimHeadDestroy(head);
}

static int differ(const float *a, const float *b) { return memcmp(a, b, 200 * 16 * 4) != 0; }

static void test_noise_is_seeded_and_off_by_default(void) {
  static float clean[3200], again[3200], noisy[3200];
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.window = 64;
  runNoisy(&hw, 0, clean);
  hw.noise.seed = 7;
  runNoisy(&hw, 3, again);
  EXPECT_TRUE(!differ(clean, again)); /* a seed alone changes nothing */
  const double *fields[3] = {&hw.noise.readNoiseSnrDb, &hw.noise.writeNoiseStdV,
                             &hw.noise.retentionSpreadRel};
  const double values[3] = {20.0, 0.05, 0.5};
  for (int f = 0; f < 3; ++f) {
    GcimHardware noisyHw = hw;
    *(double *)((char *)&noisyHw + ((const char *)fields[f] - (const char *)&hw)) = values[f];
    if (f == 2)
      noisyHw.decayLambda = 0.01; /* make the retention spread visible */
    runNoisy(&noisyHw, 3, noisy);
    runNoisy(&noisyHw, 3, again);
    EXPECT_TRUE(!differ(noisy, again));
    if (f == 2) {
      GcimHardware plain = hw;
      plain.decayLambda = 0.01;
      runNoisy(&plain, 3, clean);
    }
    EXPECT_TRUE(differ(noisy, clean));
  }
}

GCIM_TEST_LIST{
    GCIM_TEST(test_cell_g_values),
    GCIM_TEST(test_quantizer_tie_stores_code_3),
    GCIM_TEST(test_single_token_output),
    GCIM_TEST(test_output_grid_saturates_at_32_over_31),
    GCIM_TEST(test_unwritten_slots_are_gated),
    GCIM_TEST(test_decay_after_1023_tokens_and_ring_wrap),
    GCIM_TEST(test_step_form_equals_sequence_form),
    GCIM_TEST(test_fast_form_equals_direct_form),
    GCIM_TEST(test_counters_follow_cost_model),
    GCIM_TEST(test_validation_rejects_bad_values),
    GCIM_TEST(test_allocator_hook),
    GCIM_TEST(test_noise_is_seeded_and_off_by_default),
};
GCIM_TEST_MAIN
