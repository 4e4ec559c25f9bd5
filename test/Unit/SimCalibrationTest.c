/* SimCalibrationTest.c: the calibration collector's moments and reference attention, one
 * update of the rule of docs/HardwareModel.md §4, and gcimSimCalibrate on a simulated head,
 * against values computed by hand. */
#include "GcimTest.h"

#include "gcim/Runtime/SimCalibration.h"

#include <stdlib.h>

static GcimSimCalibration *makeCollector(int32_t dim, int32_t window) {
  GcimSimCalibration *c = NULL;
  EXPECT_EQ_INT(gcimSimCalibrationCreate(dim, window, NULL, &c), GCIM_SIM_OK);
  return c;
}

/* k scaled 2x+0.5: {2.5, 6.5}; v x+0.45: {0.45, 1.45}; q 0.5x+0.25: {0.75, -0.25}; the out
 * passed through: {3, 5}. Population moments. */
static void test_moments_of_scaled_values(void) {
  GcimSimCalibration *c = makeCollector(2, 4);
  const float scalers[8] = {0.5f, 0.25f, 2.0f, 0.5f, 1.0f, 0.45f, 1.0f, 0.0f};
  float k[2] = {1, 3}, v[2] = {0, 1}, q[2] = {1, -1}, out[2] = {3, 5};
  gcimSimCalibrationObserveWrite(c, scalers, k, v, 1);
  gcimSimCalibrationObserveAttend(c, scalers, q, out, 1);
  GcimScalerMoments m;
  gcimSimCalibrationGetMoments(c, &m);
  EXPECT_NEAR(m.mean[GCIM_SCALER_Q], 0.25, 1e-7);
  EXPECT_NEAR(m.std[GCIM_SCALER_Q], 0.5, 1e-7);
  EXPECT_NEAR(m.mean[GCIM_SCALER_K], 4.5, 1e-7);
  EXPECT_NEAR(m.std[GCIM_SCALER_K], 2.0, 1e-7);
  EXPECT_NEAR(m.mean[GCIM_SCALER_V], 0.95, 1e-7);
  EXPECT_NEAR(m.std[GCIM_SCALER_V], 0.5, 1e-7);
  EXPECT_NEAR(m.mean[GCIM_SCALER_OUT], 4.0, 1e-12);
  EXPECT_NEAR(m.std[GCIM_SCALER_OUT], 1.0, 1e-12);
  EXPECT_TRUE(out[0] == 3.0f && out[1] == 5.0f); /* not in reference mode: untouched */
  gcimSimCalibrationClear(c);
  gcimSimCalibrationGetMoments(c, &m);
  EXPECT_TRUE(m.mean[GCIM_SCALER_K] == 0.0 && m.std[GCIM_SCALER_OUT] == 0.0);
  gcimSimCalibrationDestroy(c);
}

/* Scores ln3 * q.k = (ln 3, 0): weights 3/4, 1/4 of v {2, 4} and {6, 8} = {3, 5}. A third
 * write to a window of two replaces the first: equal scores, the mean of {10, 10} and
 * {6, 8}. */
static void test_reference_is_softmax_attention(void) {
  GcimSimCalibration *c = makeCollector(2, 2);
  gcimSimCalibrationSetReference(c, (float)log(3.0));
  const float *scalers = gcimDefaultScalers;
  float k1[2] = {1, 0}, v1[2] = {2, 4}, k2[2] = {0, 1}, v2[2] = {6, 8}, q[2] = {1, 0}, out[2];
  gcimSimCalibrationObserveWrite(c, scalers, k1, v1, 1);
  gcimSimCalibrationObserveWrite(c, scalers, k2, v2, 2);
  gcimSimCalibrationObserveAttend(c, scalers, q, out, 2);
  EXPECT_NEAR(out[0], 3.0, 1e-6);
  EXPECT_NEAR(out[1], 5.0, 1e-6);
  float k3[2] = {0, 0}, v3[2] = {10, 10};
  gcimSimCalibrationObserveWrite(c, scalers, k3, v3, 3);
  gcimSimCalibrationObserveAttend(c, scalers, q, out, 3);
  EXPECT_NEAR(out[0], 8.0, 1e-6);
  EXPECT_NEAR(out[1], 9.0, 1e-6);
  GcimScalerMoments m;
  gcimSimCalibrationGetMoments(c, &m); /* out moments of the replaced outputs {3, 5, 8, 9} */
  EXPECT_NEAR(m.mean[GCIM_SCALER_OUT], 6.25, 1e-6);
  gcimSimCalibrationDestroy(c);
}

static void test_alpha_schedule(void) {
  EXPECT_NEAR(gcimSimCalibrationAlpha(0), 1.0, 1e-15);
  EXPECT_NEAR(gcimSimCalibrationAlpha(25), 0.55, 1e-15);
  EXPECT_NEAR(gcimSimCalibrationAlpha(50), 0.1, 1e-15);
  EXPECT_NEAR(gcimSimCalibrationAlpha(99), 0.1, 1e-15);
}

/* alpha 0.5. q: a = 0.5 * 1 * 0.1 / 0.2 + 0.5 = 0.75, b = 0.5 * (0 + 0.3 - 0.1) = 0.1; k
 * within the tolerance: unchanged; v: sigma 0 keeps a, b = 0.5 * (0.45 + 1) + 0.5 * 0.45 =
 * 0.95; out: a = 0.5 * 2 + 0.5 = 1.5, b = 0.5 * (0 - 0.2) = -0.1. */
static void test_one_update_step(void) {
  float scalers[8] = {1, 0, 1, 0.45f, 1, 0.45f, 1, 0};
  GcimScalerMoments m = {{0.1, 0.4, 0.0, 0.0}, {0.2, 0.3, 0.0, 0.5}};
  GcimScalerMoments t = {{0.3, 0.40005, 1.0, -0.2}, {0.1, 0.30005, 0.2, 1.0}};
  EXPECT_NEAR(gcimSimCalibrationMismatch(&m, &t), 1.0, 1e-15);
  gcimSimCalibrationUpdate(scalers, &m, &t, 0.5, 1e-4);
  const float expected[8] = {0.75f, 0.1f, 1, 0.45f, 1, 0.95f, 1.5f, -0.1f};
  for (int i = 0; i < 8; ++i)
    EXPECT_NEAR(scalers[i], expected[i], 1e-7);
}

/* A head of dimension 64 (fewer give outputs below one readout step: sigma 0) fed a fixed sequence
 * by the run function. */
typedef struct Feed {
  GcimSimHead *head;
  int fail;
} Feed;

static int feed(void *context) {
  Feed *f = context;
  if (f->fail)
    return -1;
  gcimSimHeadReset(f->head);
  for (int t = 0; t < 48; ++t) {
    float q[64], k[64], v[64], out[64];
    for (int d = 0; d < 64; ++d) {
      q[d] = (float)sin(0.7 * t + d);
      k[d] = 0.3f * (float)cos(1.3 * t - d);
      v[d] = 0.3f * (float)sin(0.4 * t * (d + 1));
    }
    gcimSimHeadStep(f->head, q, k, v, out);
  }
  return 0;
}

/* One head: the reference sees the same q, k, v, so only the out scaler moves; the
 * calibrated head's out moments then agree with the softmax's within the tolerance. A
 * failing run leaves the first scalers. */
static void test_calibrate_matches_the_reference(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  const float first[8] = {0.5f, 0, 1, 0.45f, 1, 0.45f, 1, 0};
  Feed f = {NULL, 0};
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, 64, first, 0, NULL, &f.head), GCIM_SIM_OK);
  GcimScalerMoments target;
  GcimSimCalibrationResult result;
  EXPECT_EQ_INT(gcimSimCalibrate(&f.head, 1, feed, &f, 100, 1e-4, &target, &result), GCIM_SIM_OK);
  EXPECT_TRUE(result.converged);
  EXPECT_EQ_INT(result.historyCount, result.iterations + 1);
  EXPECT_TRUE(result.history[result.historyCount - 1] <= 1e-4 && result.history[0] > 1e-4);
  float sc[8];
  gcimSimHeadGetScalers(f.head, sc);
  EXPECT_TRUE(memcmp(sc, first, 6 * sizeof *sc) == 0);
  EXPECT_TRUE(sc[6] != 1.0f);
  /* Measure again with a plain collector: within the tolerance of the targets. */
  GcimSimCalibration *c = makeCollector(64, hw.window);
  gcimSimHeadSetCalibration(f.head, c);
  feed(&f);
  gcimSimHeadSetCalibration(f.head, NULL);
  GcimScalerMoments m;
  gcimSimCalibrationGetMoments(c, &m);
  EXPECT_TRUE(gcimSimCalibrationMismatch(&m, &target) <= 1e-4);
  gcimSimCalibrationDestroy(c);
  f.fail = 1;
  gcimSimHeadSetScalers(f.head, first);
  EXPECT_EQ_INT(gcimSimCalibrate(&f.head, 1, feed, &f, 100, 1e-4, &target, &result),
                GCIM_SIM_ERROR_INVALID);
  gcimSimHeadGetScalers(f.head, sc);
  EXPECT_TRUE(memcmp(sc, first, sizeof sc) == 0);
  gcimSimHeadDestroy(f.head);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_moments_of_scaled_values),
    GCIM_TEST(test_reference_is_softmax_attention),
    GCIM_TEST(test_alpha_schedule),
    GCIM_TEST(test_one_update_step),
    GCIM_TEST(test_calibrate_matches_the_reference),
};

GCIM_TEST_MAIN
