/* SimCompareTest.c: the per-layer output error of simulated heads against their exact
 * function (gcim/Runtime/SimCompare.h). */
#include "GcimTest.h"

#include "gcim/Runtime/SimCompare.h"
#include "gcim/Runtime/SimExact.h"

#include <math.h>

enum { T = 100, D = 8 }; /* T > 64: two sub-tiles */

static float uniform(unsigned *state) {
  *state = *state * 1103515245u + 12345u;
  return (float)((*state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* Linear cells (g(w) = 19.3 w) and scalers that keep every value inside the arrays' ranges,
 * so that a case can be worked by hand. */
static GcimHardware linearHardware(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.cell = GCIM_CELL_LINEAR;
  return hw;
}

/* One head of dimension 1, two steps, worked by hand. With a = 1 and b = 0.45 for k and v,
 * a stored x is the weight w = x, the response 19.3 x; the query's pulse is q (b_q = 0).
 * Step 0: k = 0.2, v = 0.1, q = 0.5: S = 0.5 * 3.86 = 1.93, phi = 1.93 / 80, Y = phi * 1.93,
 * out = Y / 40 = 1.93^2 / 3200 = 0.00116403125. Step 1: k = 0.4, v = -0.2, q = 1: S_0 =
 * 3.86, S_1 = 7.72, Y = (3.86 * 1.93 - 7.72 * 3.86) / 80, out = Y / 40 = -22.3494 / 3200 =
 * -0.00698418750. Hardware outputs 0.00216403125 (error +0.001) and -0.00998418750 (error
 * -0.003): RMS error sqrt((1e-6 + 9e-6) / 2) = sqrt(5e-6), max 0.003. */
static void test_one_head_by_hand(void) {
  GcimHardware hw = linearHardware();
  const float scalers[8] = {1.0f, 0.0f, 1.0f, 0.45f, 1.0f, 0.45f, 1.0f, 0.0f};
  GcimSimHead *head = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, 1, scalers, 0, NULL, &head), GCIM_SIM_OK);
  GcimSimCompare *compare = NULL;
  EXPECT_EQ_INT(gcimSimCompareCreate(&head, NULL, 1, NULL, &compare), GCIM_SIM_OK);
  if (!head || !compare)
    return;
  const float q[2] = {0.5f, 1.0f}, k[2] = {0.2f, 0.4f}, v[2] = {0.1f, -0.2f};
  const float hardware[2] = {0.00216403125f, -0.00998418750f};
  const double exact[2] = {0.00116403125, -0.00698418750};
  for (int t = 0; t < 2; ++t)
    gcimSimCompareStep(compare, NULL, 0, 1, 1, &q[t], &k[t], &v[t], &hardware[t]);
  GcimLayerError e;
  EXPECT_EQ_INT(gcimSimCompareGetLayers(compare, &e, 1), 1);
  EXPECT_EQ_INT(e.layer, 0);
  EXPECT_EQ_INT(e.heads, 1);
  EXPECT_EQ_INT(e.tokens, 2);
  EXPECT_EQ_INT(e.values, 2);
  /* Outputs below 1e-2 computed and given in float32 (6e-8 relative, a few roundings):
   * 1e-8 absolute is ten times what they can be off; 1e-5 relative for the ratio. */
  EXPECT_NEAR(e.rmsError, sqrt(5e-6), 1e-8);
  EXPECT_NEAR(e.maxAbsError, 0.003, 1e-8);
  double exactRms = sqrt((exact[0] * exact[0] + exact[1] * exact[1]) / 2);
  EXPECT_NEAR(e.exactRms, exactRms, 1e-8);
  EXPECT_NEAR(e.relativeRmsError, sqrt(5e-6) / exactRms, 1e-5 * sqrt(5e-6) / exactRms);
  /* A new sequence forgets the window, not the sums; clearing zeroes them. */
  gcimSimCompareReset(compare);
  const float alone = 0.00116403125f; /* step 0 again: the exact output, no error */
  gcimSimCompareStep(compare, NULL, 0, 1, 1, &q[0], &k[0], &v[0], &alone);
  EXPECT_EQ_INT(gcimSimCompareGetLayers(compare, &e, 1), 1);
  EXPECT_EQ_INT(e.tokens, 3);
  EXPECT_NEAR(e.rmsError, sqrt(1e-5 / 3), 1e-8);
  gcimSimCompareClear(compare);
  EXPECT_EQ_INT(gcimSimCompareGetLayers(compare, &e, 1), 0);
  gcimSimCompareDestroy(compare);
  gcimSimHeadDestroy(head);
}

/* The exact output is gcimSimExactAttentionF32's on the causal prefix (the nonlinear cell,
 * the readout clipped per 64 slots): handing those outputs in as the hardware's gives an
 * error of exactly 0. Two layers of one head each; the second gets each output + 0.5. */
static void test_exact_outputs_have_no_error(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.window = 128;
  static float q[2 * T * D], k[2 * T * D], v[2 * T * D], exact[T * D], stepped[2 * D];
  unsigned seed = 11;
  for (int i = 0; i < 2 * T * D; ++i) {
    q[i] = uniform(&seed);
    k[i] = 0.5f * uniform(&seed);
    v[i] = 0.5f * uniform(&seed);
  }
  const float scalers[8] = {2.0f, 0.1f, 1.0f, 0.45f, 1.0f, 0.45f, 3.0f, 0.25f};
  GcimAttentionDesc desc = {1, 1, 1, T, T, D, D, 1.0f, 1, 0};
  float scratch[2 * D];
  gcimSimExactAttentionF32(GCIM_EXACT_GAINCELL, &hw, &desc, scalers, 1, q, k, T * D, v, T * D,
                           exact, scratch);
  GcimSimHead *heads[2] = {NULL, NULL};
  for (int h = 0; h < 2; ++h)
    EXPECT_EQ_INT(gcimSimHeadCreate(&hw, D, scalers, (uint64_t)h, NULL, &heads[h]), GCIM_SIM_OK);
  const int32_t layers[2] = {7, 9}; /* any ids: numbered 0 and 1 */
  GcimSimCompare *compare = NULL;
  EXPECT_EQ_INT(gcimSimCompareCreate(heads, layers, 2, NULL, &compare), GCIM_SIM_OK);
  if (!heads[0] || !heads[1] || !compare)
    return;
  for (int t = 0; t < T; ++t) {
    float qs[2 * D], ks[2 * D], vs[2 * D];
    for (int h = 0; h < 2; ++h)
      for (int d = 0; d < D; ++d) { /* both heads see the same q, k, v */
        qs[h * D + d] = q[t * D + d];
        ks[h * D + d] = k[t * D + d];
        vs[h * D + d] = v[t * D + d];
        stepped[h * D + d] = exact[t * D + d] + (h ? 0.5f : 0.0f);
      }
    gcimSimCompareStep(compare, NULL, 0, 2, D, qs, ks, vs, stepped);
  }
  GcimLayerError e[2];
  EXPECT_EQ_INT(gcimSimCompareGetLayers(compare, e, 2), 2);
  EXPECT_EQ_INT(e[0].layer, 0);
  EXPECT_EQ_INT(e[1].layer, 1);
  EXPECT_EQ_INT(e[0].values, T * D);
  EXPECT_TRUE(e[0].rmsError == 0.0 && e[0].maxAbsError == 0.0 && e[0].relativeRmsError == 0.0);
  EXPECT_TRUE(e[0].exactRms > 0.1); /* the outputs are not all 0 */
  /* +0.5 in float32 on outputs below 4 in magnitude: exact to 2^-22 */
  EXPECT_NEAR(e[1].rmsError, 0.5, 1e-6);
  EXPECT_NEAR(e[1].maxAbsError, 0.5, 1e-6);
  EXPECT_NEAR(e[1].exactRms, e[0].exactRms, 0.0);
  gcimSimCompareDestroy(compare);
  for (int h = 0; h < 2; ++h)
    gcimSimHeadDestroy(heads[h]);
}

/* Past the window the oldest slot is overwritten, as on the hardware: with a window of 2,
 * step 2 sees steps 1 and 2 only. Against a fresh comparison fed steps 1 and 2 the outputs
 * then agree (both see the same two slots, in other slots of their windows), so a head
 * reporting the second one's exact output has no error. */
static void test_window_slides(void) {
  GcimHardware hw = linearHardware();
  hw.window = 2;
  const float scalers[8] = {1.0f, 0.0f, 1.0f, 0.45f, 1.0f, 0.45f, 1.0f, 0.0f};
  GcimSimHead *head = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, 1, scalers, 0, NULL, &head), GCIM_SIM_OK);
  GcimSimCompare *sliding = NULL, *fresh = NULL;
  EXPECT_EQ_INT(gcimSimCompareCreate(&head, NULL, 1, NULL, &sliding), GCIM_SIM_OK);
  EXPECT_EQ_INT(gcimSimCompareCreate(&head, NULL, 1, NULL, &fresh), GCIM_SIM_OK);
  if (!head || !sliding || !fresh)
    return;
  const float q[3] = {1.0f, 1.0f, 1.0f}, k[3] = {0.4f, 0.1f, 0.3f}, v[3] = {0.4f, 0.2f, -0.1f};
  const float zero = 0.0f;
  /* Step 1 then 2 on the fresh one: its error at step 2 is |0 - exact|, the exact output. */
  gcimSimCompareStep(fresh, NULL, 0, 1, 1, &q[1], &k[1], &v[1], &zero);
  gcimSimCompareClear(fresh);
  gcimSimCompareStep(fresh, NULL, 0, 1, 1, &q[2], &k[2], &v[2], &zero);
  GcimLayerError e;
  gcimSimCompareGetLayers(fresh, &e, 1);
  float exact = (float)e.maxAbsError;
  /* By hand: S_1 = 1.93, S_2 = 5.79; Y = (1.93 * 3.86 - 5.79 * 1.93) / 80; out = Y / 40. */
  EXPECT_NEAR(exact, (5.79 * 1.93 - 1.93 * 3.86) / 3200.0, 1e-8);
  gcimSimCompareStep(sliding, NULL, 0, 1, 1, &q[0], &k[0], &v[0], &zero);
  gcimSimCompareStep(sliding, NULL, 0, 1, 1, &q[1], &k[1], &v[1], &zero);
  gcimSimCompareClear(sliding);
  float output = -exact; /* the exact output is negative */
  gcimSimCompareStep(sliding, NULL, 0, 1, 1, &q[2], &k[2], &v[2], &output);
  gcimSimCompareGetLayers(sliding, &e, 1);
  EXPECT_NEAR(e.maxAbsError, 0.0, 0.0);
  gcimSimCompareDestroy(sliding);
  gcimSimCompareDestroy(fresh);
  gcimSimHeadDestroy(head);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_one_head_by_hand),
    GCIM_TEST(test_exact_outputs_have_no_error),
    GCIM_TEST(test_window_slides),
};
GCIM_TEST_MAIN
