/* KernelsMathTest.c: Mod, IsInf/IsNaN, Tile, CumSum and GatherElements against cases
 * worked out by hand (the ONNX operator documentation's examples where it has them). */
#include "GcimTest.h"

#include "gcim/Runtime/Kernels.h"

#include <math.h>
#include <stdint.h>

static void test_mod_integer_takes_divisor_sign(void) {
  // ONNX Mod's example (fmod = 0): the result has the sign of the divisor.
  const int64_t a[6] = {-4, 7, 5, 4, -7, 8}, b[6] = {2, -3, 8, -2, 3, 5}, dims[1] = {6};
  const int64_t want[6] = {0, -2, 5, 0, 2, 3};
  int64_t y[6];
  gcimKernelModAny(GCIM_ELEM_I64, 0, a, dims, 1, b, dims, 1, y, dims, 1);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ_INT(y[i], want[i]);
  // fmod = 1: the sign of the dividend; a zero divisor gives 0 instead of a trap.
  const int32_t c[3] = {-7, 7, 5}, d[3] = {3, -3, 0}, want2[3] = {-1, 1, 0};
  const int64_t dims3[1] = {3};
  int32_t z[3];
  gcimKernelModAny(GCIM_ELEM_I32, 1, c, dims3, 1, d, dims3, 1, z, dims3, 1);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ_INT(z[i], want2[i]);
}

static void test_mod_float_broadcast(void) {
  const float a[4] = {-4.5f, 7.25f, 5.0f, -0.5f}, b[1] = {2.0f};
  const int64_t aDims[2] = {2, 2};
  float y[4];
  gcimKernelModAny(GCIM_ELEM_F32, 1, a, aDims, 2, b, NULL, 0, y, aDims, 2);
  const float want[4] = {-0.5f, 1.25f, 1.0f, -0.5f}; // fmodf of exact binary values
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(y[i], want[i], 0);
}

static void test_is_inf_nan(void) {
  const float x[5] = {1.0f, INFINITY, -INFINITY, NAN, 0.0f};
  uint8_t y[5];
  gcimKernelIsInfNaN(GCIM_ELEM_F32, x, 0, 1, 1, y, 5);
  EXPECT_TRUE(!y[0] && y[1] && y[2] && !y[3] && !y[4]);
  gcimKernelIsInfNaN(GCIM_ELEM_F32, x, 0, 0, 1, y, 5); // negative infinity only
  EXPECT_TRUE(!y[1] && y[2]);
  gcimKernelIsInfNaN(GCIM_ELEM_F32, x, 1, 0, 0, y, 5);
  EXPECT_TRUE(!y[0] && !y[1] && !y[2] && y[3] && !y[4]);
}

static void test_tile(void) {
  const float x[6] = {0, 1, 2, 3, 4, 5};
  const int64_t xDims[2] = {2, 3}, yDims[2] = {4, 6};
  float y[24];
  gcimKernelTile(x, xDims, 2, y, yDims, sizeof(float));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 6; ++j)
      EXPECT_NEAR(y[i * 6 + j], x[(i % 2) * 3 + j % 3], 0);
}

static void test_cumsum_modes(void) {
  // ONNX CumSum's examples on [1, 2, 3, 4, 5]: plain, exclusive, reverse, both.
  const int64_t x[5] = {1, 2, 3, 4, 5}, dims[1] = {5};
  const int64_t want[4][5] = {
      {1, 3, 6, 10, 15}, {0, 1, 3, 6, 10}, {15, 14, 12, 9, 5}, {14, 12, 9, 5, 0}};
  for (int mode = 0; mode < 4; ++mode) {
    int64_t y[5];
    gcimKernelCumSum(GCIM_ELEM_I64, x, dims, 1, 0, mode == 1 || mode == 3, mode >= 2, y);
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ_INT(y[i], want[mode][i]);
  }
  // Along the last axis (-1) of a 2x3 float tensor.
  const float m[6] = {1, 2, 3, 4, 5, 6};
  const int64_t mDims[2] = {2, 3};
  float s[6];
  gcimKernelCumSum(GCIM_ELEM_F32, m, mDims, 2, -1, 0, 0, s);
  const float wantS[6] = {1, 3, 6, 4, 9, 15};
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(s[i], wantS[i], 0);
}

static void test_gather_elements(void) {
  // ONNX GatherElements' example 2 (axis 0), with a negative index.
  const int32_t x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const int64_t xDims[2] = {3, 3}, idxDims[2] = {2, 3};
  const int64_t indices[6] = {1, 2, 0, 2, 0, -3};
  const int32_t want[6] = {4, 8, 3, 7, 2, 3};
  int32_t y[6];
  EXPECT_EQ_INT(gcimKernelGatherElements(x, xDims, 2, 0, indices, idxDims, y, 4), 0);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ_INT(y[i], want[i]);
  const int64_t bad[6] = {1, 2, 0, 2, 0, 3};
  EXPECT_EQ_INT(gcimKernelGatherElements(x, xDims, 2, 0, bad, idxDims, y, 4), -1);
}

GCIM_TEST_LIST{GCIM_TEST(test_mod_integer_takes_divisor_sign),
               GCIM_TEST(test_mod_float_broadcast),
               GCIM_TEST(test_is_inf_nan),
               GCIM_TEST(test_tile),
               GCIM_TEST(test_cumsum_modes),
               GCIM_TEST(test_gather_elements)};
GCIM_TEST_MAIN
