/* SimExactTest.c: the exact hardsigmoid and gain-cell attention functions. */
#include "GcimTest.h"

#include "gcim/Runtime/Sim.h"
#include "gcim/Runtime/SimExact.h"

#include <math.h>
#include <stdlib.h>

enum { T = 100, D = 16 };

static float uniform(unsigned *state) {
  *state = *state * 1103515245u + 12345u;
  return (float)((*state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* The float function equals the simulator with the decay off and quantisers so fine
 * that their steps (about 1e-6) vanish: tolerance 1e-3, far above those steps summed over
 * 64 slots and 2 sub-tiles, far below the outputs' spread (about 1). */
static void test_gain_cell_equals_simulator_without_quantisers(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  hw.decayEnabled = 0;
  hw.query.levels = hw.kv.levels = hw.output.levels = (1 << 20) + 1;
  static float q[T * D], k[T * D], v[T * D], exact[T * D], simulated[T * D];
  unsigned seed = 7;
  for (int i = 0; i < T * D; ++i) {
    q[i] = uniform(&seed);
    k[i] = 0.5f * uniform(&seed);
    v[i] = 0.5f * uniform(&seed);
  }
  const float scalers[8] = {2.0f, 0.1f, 1.0f, 0.45f, 1.0f, 0.45f, 3.0f, 0.25f};
  GcimAttentionDesc desc = {1, 1, 1, T, T, D, D, 1.0f, 1, 0};
  float scratch[2 * D];
  gcimSimExactAttentionF32(GCIM_EXACT_GAINCELL, &hw, &desc, scalers, 1, q, k, T * D, v, T * D,
                           exact, scratch);
  GcimSimHead *head = NULL;
  EXPECT_EQ_INT(gcimSimHeadCreate(&hw, D, scalers, 0, NULL, &head), GCIM_SIM_OK);
  if (!head)
    return;
  gcimSimHeadRunSequence(head, T, q, k, v, simulated);
  gcimSimHeadDestroy(head);
  double worst = 0.0, spread = 0.0;
  for (int i = 0; i < T * D; ++i) {
    worst = fmax(worst, fabs((double)exact[i] - simulated[i]));
    spread = fmax(spread, fabs((double)exact[i] - 0.25));
  }
  EXPECT_NEAR(worst, 0.0, 1e-3);
  EXPECT_TRUE(spread > 0.1); /* the outputs are not all b_o */
}

/* p_j = clip(scale q.k_j, 0, 1): one query against 3 keys, worked by hand. */
static void test_hardsigmoid_by_hand(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  const float q[2] = {1.0f, 2.0f};
  const float k[6] = {0.1f, 0.1f, 1.0f, 1.0f, -1.0f, 0.0f}; /* q.k = 0.3, 3, -1 */
  const float v[6] = {1.0f, 0.0f, 0.0f, 1.0f, 5.0f, 5.0f};
  float out[2];
  GcimAttentionDesc desc = {1, 1, 1, 1, 3, 2, 2, 0.5f, 0, 0};
  gcimSimExactAttentionF32(GCIM_EXACT_HARDSIGMOID, &hw, &desc, NULL, 1, q, k, 6, v, 6, out, NULL);
  EXPECT_NEAR(out[0], 0.15, 1e-6); /* 0.15 * v0 + 1 * v1 + 0 * v2 */
  EXPECT_NEAR(out[1], 1.0, 1e-6);
}

/* A causal window of 2: the last query sees the last two keys only. */
static void test_window_limits_the_keys(void) {
  GcimHardware hw;
  gcimHardwareInitDefault(&hw);
  const float q[3] = {1.0f, 1.0f, 1.0f}, k[3] = {1.0f, 1.0f, 1.0f};
  const float v[3] = {100.0f, 1.0f, 2.0f};
  float out[3];
  GcimAttentionDesc desc = {1, 1, 1, 3, 3, 1, 1, 1.0f, 1, 2};
  gcimSimExactAttentionF32(GCIM_EXACT_HARDSIGMOID, &hw, &desc, NULL, 1, q, k, 3, v, 3, out, NULL);
  EXPECT_NEAR(out[0], 100.0, 1e-6);
  EXPECT_NEAR(out[1], 101.0, 1e-6);
  EXPECT_NEAR(out[2], 3.0, 1e-6);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_gain_cell_equals_simulator_without_quantisers),
    GCIM_TEST(test_hardsigmoid_by_hand),
    GCIM_TEST(test_window_limits_the_keys),
};
GCIM_TEST_MAIN
