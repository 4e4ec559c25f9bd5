/* SimHeadsTest.c: a KV-cache step replayed on the simulated heads (gcimSimHeadsRunCached)
 * against a whole sequence on the same heads, and one case by hand. */
#include "GcimTest.h"

#include "gcim/Runtime/SimHeads.h"

#include <stdint.h>
#include <stdlib.h>

static uint64_t rngState = 977;

static float randomValue(void) {
  rngState = rngState * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((double)(rngState >> 11) * 0x1.0p-53 * 2.0 - 1.0);
}

static float *randomArray(size_t n) {
  float *x = malloc(n * sizeof *x);
  for (size_t i = 0; x && i < n; ++i)
    x[i] = randomValue();
  return x;
}

/* `count` heads, `batch` sequences of `past` cached tokens and one new one: the replay's output
 * equals bit for bit the last row of the same heads run over the whole sequence (the earlier
 * queries' attends change no stored value), with and without a worker pool. */
static void replayCase(const GcimHardware *hw, int64_t count, int64_t batch, int64_t past,
                       int32_t dim) {
  int64_t tokens = past + 1, blocks = batch * count;
  size_t full = (size_t)(blocks * tokens * dim), rows = (size_t)(blocks * dim);
  float *q = randomArray(full), *k = randomArray(full), *v = randomArray(full);
  float *sequence = calloc(full, sizeof(float)), *lastQ = malloc(rows * sizeof(float));
  float *replayed = calloc(rows, sizeof(float)), *pooled = calloc(rows, sizeof(float));
  GcimSimHead **heads = calloc((size_t)count, sizeof *heads);
  GcimThreadPool *pool = NULL;
  EXPECT_EQ_INT(gcimThreadPoolCreate(2, NULL, &pool), 0);
  EXPECT_TRUE(q && k && v && sequence && lastQ && replayed && pooled && heads && pool);
  for (int64_t h = 0; h < count; ++h)
    EXPECT_EQ_INT(gcimSimHeadCreate(hw, dim, NULL, (uint64_t)h, NULL, &heads[h]), GCIM_SIM_OK);
  for (int64_t b = 0; b < blocks; ++b)
    memcpy(lastQ + b * dim, q + (b * tokens + past) * dim, (size_t)dim * sizeof(float));
  gcimSimHeadsRunSequences(NULL, heads, count, batch, tokens, dim, q, k, v, sequence);
  gcimSimHeadsRunCached(NULL, heads, count, batch, past, dim, lastQ, k, v, replayed);
  gcimSimHeadsRunCached(pool, heads, count, batch, past, dim, lastQ, k, v, pooled);
  int64_t differing = 0, nonzero = 0;
  for (int64_t b = 0; b < blocks; ++b)
    for (int32_t d = 0; d < dim; ++d) {
      float want = sequence[(b * tokens + past) * dim + d];
      differing += replayed[b * dim + d] != want || pooled[b * dim + d] != want;
      nonzero += want != 0.0f;
    }
  EXPECT_EQ_INT(differing, 0);
  EXPECT_TRUE(nonzero > 0); /* a case whose outputs are all zero would show nothing */
  EXPECT_EQ_INT(gcimSimHeadGetStep(heads[0]), tokens);
  for (int64_t h = 0; h < count; ++h)
    gcimSimHeadDestroy(heads[h]);
  gcimThreadPoolDestroy(pool);
  free(heads);
  free(pooled);
  free(replayed);
  free(lastQ);
  free(sequence);
  free(v);
  free(k);
  free(q);
}

/* With decay, across a sub-tile boundary (70 tokens), and past the ring (window 50); no
 * past at all in test_one_past_token_by_hand. */
static void test_replay_equals_whole_sequence(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.decayLambda = 0.01; /* ages show in the outputs */
  replayCase(&hw, 3, 2, 70, 64);
  hw.window = 50;
  replayCase(&hw, 2, 1, 70, 24);
}

/* By hand (docs/HardwareModel.md section 2), one dimension, linear cells g(w) = 19.3 w, no
 * decay, default scalers: q = 1 gives code 15 (pulse 1); k = v = 0.45 stores 0.9 V, w = 0.45,
 * g = 8.685. Each written slot adds S = 8.685, phi = S / 80 = 0.10856, and phi x 8.685 = 0.94287
 * to Y. One past token and the new one: Y / 40 = 0.047143 rounds to one output step 2/31. The
 * new token alone: 0.023572 rounds to 0. So the past token was written before the read. */
static void test_one_past_token_by_hand(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.cell = GCIM_CELL_LINEAR;
  hw.decayEnabled = 0;
  GcimSimHead *head = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, 1, NULL, 0, NULL, &head), GCIM_SIM_OK);
  const float q = 1.0f, kv[2] = {0.45f, 0.45f};
  float out = -1.0f;
  gcimSimHeadsRunCached(NULL, &head, 1, 1, 1, 1, &q, kv, kv, &out);
  EXPECT_NEAR(out, 2.0 / 31.0, 1e-6);
  gcimSimHeadsRunCached(NULL, &head, 1, 1, 0, 1, &q, kv, kv, &out);
  EXPECT_NEAR(out, 0.0, 0.0);
  gcimSimHeadDestroy(head);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_replay_equals_whole_sequence),
    GCIM_TEST(test_one_past_token_by_hand),
};
GCIM_TEST_MAIN
