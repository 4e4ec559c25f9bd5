/* KernelsReduceTest.c: ReduceSum/Mean/Max/Min/Prod over axis sets against a naive
 * reference in double. */
#include "GcimTest.h"

#include "gcim/Runtime/Kernels.h"

#include <stdint.h>
#include <stdlib.h>

static uint64_t rngState = 99;
static float uniform(float lo, float hi) {
  rngState = rngState * 6364136223846793005ULL + 1442695040888963407ULL;
  return lo + (hi - lo) * (float)((rngState >> 40) & 0xffffff) / 16777216.0f;
}

// Reduces x over the axes flagged in `reduced` into y (kept axes in order), in double.
static void refReduce(GcimReduceOp op, const float *x, const int64_t *dims, int rank,
                      const int *reduced, double *y, int64_t outputs) {
  double init = op == GCIM_REDUCE_MAX    ? -INFINITY
                : op == GCIM_REDUCE_MIN  ? INFINITY
                : op == GCIM_REDUCE_PROD ? 1.0
                                         : 0.0;
  for (int64_t o = 0; o < outputs; ++o)
    y[o] = init;
  int64_t total = gcimKernelNumElements(dims, rank), group = 1;
  for (int d = 0; d < rank; ++d)
    if (reduced[d])
      group *= dims[d];
  for (int64_t i = 0; i < total; ++i) {
    int64_t rest = i, o = 0, stride = 1;
    for (int d = rank - 1; d >= 0; --d) {
      int64_t id = rest % dims[d];
      rest /= dims[d];
      if (!reduced[d]) {
        o += id * stride;
        stride *= dims[d];
      }
    }
    double v = x[i];
    switch (op) {
    case GCIM_REDUCE_SUM:
    case GCIM_REDUCE_MEAN:
      y[o] += v;
      break;
    case GCIM_REDUCE_MAX:
      y[o] = v > y[o] ? v : y[o];
      break;
    case GCIM_REDUCE_MIN:
      y[o] = v < y[o] ? v : y[o];
      break;
    case GCIM_REDUCE_PROD:
      y[o] *= v;
      break;
    }
  }
  if (op == GCIM_REDUCE_MEAN)
    for (int64_t o = 0; o < outputs; ++o)
      y[o] /= (double)group;
}

static void test_reduce_axis_sets(void) {
  int64_t dims[4] = {3, 7, 1, 65};
  enum { N = 3 * 7 * 65 };
  float x[N], y[N];
  double ref[N];
  for (int i = 0; i < N; ++i)
    x[i] = uniform(0.9f, 1.1f); /* near 1 so products stay finite */
  // Axis sets (as given to the kernel; -1 ends a list): last axis, negative axes, the
  // middle, non-adjacent, a unit axis, all (empty list).
  static const int64_t sets[][4] = {{3, -1},    {-1, -3, -1}, {1, -1},      {0, 3, -1},
                                    {0, 2, -1}, {-1},         {1, 2, 3, -1}};
  static const int counts[] = {1, 2, 1, 2, 2, 0, 3};
  for (size_t s = 0; s < sizeof counts / sizeof counts[0]; ++s) {
    int reduced[4] = {0, 0, 0, 0};
    int64_t axes[4];
    for (int i = 0; i < counts[s]; ++i) {
      axes[i] = sets[s][i];
      reduced[axes[i] < 0 ? axes[i] + 4 : axes[i]] = 1;
    }
    if (counts[s] == 0)
      reduced[0] = reduced[1] = reduced[2] = reduced[3] = 1;
    int64_t outputs = 1;
    for (int d = 0; d < 4; ++d)
      if (!reduced[d])
        outputs *= dims[d];
    for (int op = GCIM_REDUCE_SUM; op <= GCIM_REDUCE_PROD; ++op) {
      gcimKernelReduceF32((GcimReduceOp)op, x, dims, 4, axes, counts[s], y);
      refReduce((GcimReduceOp)op, x, dims, 4, reduced, ref, outputs);
      for (int64_t o = 0; o < outputs; ++o) {
        // Sums of up to 1365 values near 1: float32 accumulation across runs, about
        // (runs) u relative; max/min exact; products of up to 1365 factors near 1.
        double tol = (op == GCIM_REDUCE_MAX || op == GCIM_REDUCE_MIN) ? 0 : 1e-5 * fabs(ref[o]);
        EXPECT_NEAR(y[o], ref[o], tol);
      }
    }
  }
}

static void test_reduce_edge_cases(void) {
  // Empty reduced axis: identities (mean NaN); empty kept axis: nothing written.
  int64_t dims[2] = {0, 3}, axis0 = 0, axis1 = 1;
  float y[3] = {7, 7, 7};
  gcimKernelReduceF32(GCIM_REDUCE_SUM, NULL, dims, 2, &axis0, 1, y);
  EXPECT_TRUE(y[0] == 0 && y[2] == 0);
  gcimKernelReduceF32(GCIM_REDUCE_MEAN, NULL, dims, 2, &axis0, 1, y);
  EXPECT_TRUE(isnan(y[1]));
  gcimKernelReduceF32(GCIM_REDUCE_MAX, NULL, dims, 2, &axis0, 1, y);
  EXPECT_TRUE(isinf(y[0]) && y[0] < 0);
  gcimKernelReduceF32(GCIM_REDUCE_PROD, NULL, dims, 2, &axis0, 1, y);
  EXPECT_NEAR(y[0], 1, 0);
  y[0] = 7;
  gcimKernelReduceF32(GCIM_REDUCE_SUM, NULL, dims, 2, &axis1, 1, y);
  EXPECT_NEAR(y[0], 7, 0);
  // Rank 0 and NaN propagation.
  float s = 2.5f, out = 0;
  gcimKernelReduceF32(GCIM_REDUCE_MEAN, &s, NULL, 0, NULL, 0, &out);
  EXPECT_NEAR(out, 2.5, 0);
  float n[3] = {1, NAN, 3};
  int64_t nd[1] = {3};
  gcimKernelReduceF32(GCIM_REDUCE_MAX, n, nd, 1, NULL, 0, &out);
  EXPECT_TRUE(isnan(out));
  gcimKernelReduceF32(GCIM_REDUCE_MIN, n, nd, 1, NULL, 0, &out);
  EXPECT_TRUE(isnan(out));
}

static void test_reduce_i64(void) {
  int64_t x[6] = {1, -2, 3, 4, 5, -7}, dims[2] = {2, 3}, last = -1, y[3];
  gcimKernelReduceI64(GCIM_REDUCE_SUM, x, dims, 2, &last, 1, y);
  EXPECT_TRUE(y[0] == 2 && y[1] == 2);
  gcimKernelReduceI64(GCIM_REDUCE_MEAN, x, dims, 2, &last, 1, y);
  EXPECT_TRUE(y[0] == 0 && y[1] == 0);
  int64_t first = 0;
  gcimKernelReduceI64(GCIM_REDUCE_MAX, x, dims, 2, &first, 1, y);
  EXPECT_TRUE(y[0] == 4 && y[1] == 5 && y[2] == 3);
  gcimKernelReduceI64(GCIM_REDUCE_MIN, x, dims, 2, &first, 1, y);
  EXPECT_TRUE(y[0] == 1 && y[1] == -2 && y[2] == -7);
  gcimKernelReduceI64(GCIM_REDUCE_PROD, x, dims, 2, NULL, 0, y);
  EXPECT_EQ_INT(y[0], 1 * -2 * 3 * 4 * 5 * -7);
}

/* Runtime axes: in range, distinct, and giving the compiled shape with or without
 * keepdims; no axes reduce everything. */
static void test_reduce_check(void) {
  int64_t dims[3] = {2, 3, 4}, axes[2] = {-1, 0}, keep[3] = {1, 3, 1}, drop[1] = {3};
  EXPECT_EQ_INT(gcimKernelReduceCheck(dims, 3, axes, 2, 1, keep, 3), 0);
  EXPECT_EQ_INT(gcimKernelReduceCheck(dims, 3, axes, 2, 0, drop, 1), 0);
  EXPECT_EQ_INT(gcimKernelReduceCheck(dims, 3, axes, 2, 0, keep, 3), -1);
  EXPECT_EQ_INT(gcimKernelReduceCheck(dims, 3, axes, 1, 1, keep, 3), -1);
  int64_t twice[2] = {2, -1}, outside[2] = {3, 0};
  EXPECT_EQ_INT(gcimKernelReduceCheck(dims, 3, twice, 2, 1, keep, 3), -1);
  EXPECT_EQ_INT(gcimKernelReduceCheck(dims, 3, outside, 2, 1, keep, 3), -1);
  int64_t all[3] = {1, 1, 1};
  EXPECT_EQ_INT(gcimKernelReduceCheck(dims, 3, NULL, 0, 1, all, 3), 0);
  EXPECT_EQ_INT(gcimKernelReduceCheck(dims, 3, NULL, 0, 0, NULL, 0), 0);
}

static int64_t scanFirstMax(const float *x, int64_t count) {
  int64_t best = 0;
  for (int64_t i = 1; i < count; ++i)
    if (x[i] > x[best])
      best = i;
  return best;
}

/* The first maximum, as the plain scan gives it: ties to the lowest index, NaN never wins
 * (but a NaN first element stays), -0 and +0 tie; every length around the 16 lanes, the
 * maximum at every position, and 1000 random vectors with repeated values. */
static void test_first_max(void) {
  float x[70];
  int wrong = 0;
  for (int64_t n = 1; n <= 70; ++n)
    for (int64_t at = 0; at < n; ++at) {
      for (int64_t i = 0; i < n; ++i)
        x[i] = (float)((i * 7) % 5) - 10.0f;
      x[at] = 3.0f;
      wrong += gcimKernelFirstMaxF32(x, n) != at;
      if (at + 1 < n) { /* a tie later, and a NaN before */
        x[n - 1] = 3.0f;
        x[at / 2] = at / 2 == at ? x[at] : NAN;
        wrong += gcimKernelFirstMaxF32(x, n) != scanFirstMax(x, n);
      }
    }
  EXPECT_EQ_INT(wrong, 0);
  unsigned state = 12345u;
  for (int trial = 0; trial < 1000; ++trial) {
    int64_t n = 1 + trial % 70;
    for (int64_t i = 0; i < n; ++i) {
      state = state * 1103515245u + 12345u;
      x[i] = (float)((state >> 16) % 9) - 4.0f;
    }
    wrong += gcimKernelFirstMaxF32(x, n) != scanFirstMax(x, n);
  }
  EXPECT_EQ_INT(wrong, 0);
  float nanFirst[20] = {NAN, 1.0f, 5.0f}, zeros[20] = {-0.0f, 0.0f, -1.0f};
  EXPECT_EQ_INT(gcimKernelFirstMaxF32(nanFirst, 20), 0);
  EXPECT_EQ_INT(gcimKernelFirstMaxF32(zeros, 20), 0);
  zeros[0] = -1.0f;
  EXPECT_EQ_INT(gcimKernelFirstMaxF32(zeros, 20), 1);
  float minusInf[3] = {-INFINITY, NAN, -INFINITY};
  EXPECT_EQ_INT(gcimKernelFirstMaxF32(minusInf, 3), 0);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_reduce_axis_sets), GCIM_TEST(test_reduce_edge_cases), GCIM_TEST(test_reduce_i64),
    GCIM_TEST(test_reduce_check),     GCIM_TEST(test_first_max),
};
GCIM_TEST_MAIN
