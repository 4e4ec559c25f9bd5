/* KernelsIndexTest.c: ArgMax, ArgMin and TopK against cases worked out by hand (the ONNX
 * operator documentation's examples) and TopK against a stable insertion sort on rows
 * full of ties. */
#include "GcimTest.h"

#include "gcim/Runtime/Kernels.h"

#include <math.h>
#include <stdint.h>

static void test_arg_max_min_examples(void) {
  // ONNX ArgMax's examples: [[2, 1], [3, 10]] along axis 0 and axis 1.
  const float x[4] = {2, 1, 3, 10};
  const int64_t dims[2] = {2, 2};
  int64_t y[2];
  gcimKernelArgReduce(GCIM_ELEM_F32, x, dims, 2, 0, 1, 0, y);
  EXPECT_EQ_INT(y[0], 1);
  EXPECT_EQ_INT(y[1], 1);
  gcimKernelArgReduce(GCIM_ELEM_F32, x, dims, 2, -1, 1, 0, y);
  EXPECT_EQ_INT(y[0], 0);
  EXPECT_EQ_INT(y[1], 1);
  gcimKernelArgReduce(GCIM_ELEM_F32, x, dims, 2, 1, 0, 0, y); // ArgMin
  EXPECT_EQ_INT(y[0], 1);
  EXPECT_EQ_INT(y[1], 0);
}

static void test_arg_ties_and_nan(void) {
  // Ties: the first index, the last with select_last_index (ONNX's [[2, 2], [3, 10]]).
  const int64_t x[4] = {2, 2, 3, 10}, dims[2] = {2, 2};
  int64_t y[2];
  gcimKernelArgReduce(GCIM_ELEM_I64, x, dims, 2, 1, 1, 0, y);
  EXPECT_EQ_INT(y[0], 0);
  gcimKernelArgReduce(GCIM_ELEM_I64, x, dims, 2, 1, 1, 1, y);
  EXPECT_EQ_INT(y[0], 1);
  EXPECT_EQ_INT(y[1], 1);
  gcimKernelArgReduce(GCIM_ELEM_I64, x, dims, 2, 1, 0, 1, y);
  EXPECT_EQ_INT(y[0], 1);
  // A NaN never wins unless it is first, as ONNX Runtime answers.
  const float f[6] = {1.0f, NAN, 3.0f, NAN, 1.0f, 3.0f};
  const int64_t fDims[2] = {2, 3};
  gcimKernelArgReduce(GCIM_ELEM_F32, f, fDims, 2, 1, 1, 0, y);
  EXPECT_EQ_INT(y[0], 2);
  EXPECT_EQ_INT(y[1], 0);
  gcimKernelArgReduce(GCIM_ELEM_F32, f, fDims, 2, 1, 0, 0, y);
  EXPECT_EQ_INT(y[0], 0);
  EXPECT_EQ_INT(y[1], 0);
}

static void test_top_k_example(void) {
  // ONNX TopK's example: the 3 largest of each row of arange(12).reshape(3, 4).
  float x[12], values[9];
  int64_t indices[9];
  for (int i = 0; i < 12; ++i)
    x[i] = (float)i;
  const int64_t dims[2] = {3, 4};
  gcimKernelTopK(GCIM_ELEM_F32, x, dims, 2, 1, 3, 1, values, indices);
  for (int r = 0; r < 3; ++r)
    for (int j = 0; j < 3; ++j) {
      EXPECT_EQ_INT(indices[r * 3 + j], 3 - j);
      EXPECT_NEAR(values[r * 3 + j], (float)(4 * r + 3 - j), 0);
    }
}

static void test_top_k_ties_and_axis(void) {
  // Equal values by ascending index, largest and smallest.
  const int64_t x[5] = {1, 3, 3, 2, 3}, dims[1] = {5};
  int64_t values[3], indices[3];
  gcimKernelTopK(GCIM_ELEM_I64, x, dims, 1, 0, 3, 1, values, indices);
  EXPECT_EQ_INT(indices[0], 1);
  EXPECT_EQ_INT(indices[1], 2);
  EXPECT_EQ_INT(indices[2], 4);
  EXPECT_EQ_INT(values[2], 3);
  gcimKernelTopK(GCIM_ELEM_I64, x, dims, 1, 0, 2, 0, values, indices);
  EXPECT_EQ_INT(indices[0], 0);
  EXPECT_EQ_INT(indices[1], 3);
  EXPECT_EQ_INT(values[1], 2);
  // Along axis 0 of [[1, 6], [5, 2], [3, 4]]: strided rows.
  const float y[6] = {1, 6, 5, 2, 3, 4};
  const int64_t yDims[2] = {3, 2};
  float v[4];
  int64_t idx[4];
  gcimKernelTopK(GCIM_ELEM_F32, y, yDims, 2, -2, 2, 1, v, idx);
  const int64_t wantIdx[4] = {1, 0, 2, 2};
  const float wantV[4] = {5, 6, 3, 4};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ_INT(idx[i], wantIdx[i]);
    EXPECT_NEAR(v[i], wantV[i], 0);
  }
}

/* The k first of a stable insertion sort of the row (largest or smallest first). */
static void referenceTopK(const int32_t *x, int n, int k, int largest, int64_t *indices) {
  int64_t order[64];
  for (int i = 0; i < n; ++i) {
    int j = i;
    while (j > 0 && (largest ? x[order[j - 1]] < x[i] : x[order[j - 1]] > x[i])) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = i;
  }
  for (int j = 0; j < k; ++j)
    indices[j] = order[j];
}

static void test_top_k_against_stable_sort(void) {
  // Rows of 37 values in 0..4 (many ties), every k, both directions.
  int32_t x[37], values[37];
  int64_t indices[37], want[37];
  uint32_t state = 12345;
  for (int i = 0; i < 37; ++i) {
    state = state * 1664525u + 1013904223u;
    x[i] = (int32_t)((state >> 16) % 5);
  }
  const int64_t dims[1] = {37};
  for (int largest = 0; largest < 2; ++largest)
    for (int k = 0; k <= 37; ++k) {
      gcimKernelTopK(GCIM_ELEM_I32, x, dims, 1, 0, k, largest, values, indices);
      referenceTopK(x, 37, k, largest, want);
      for (int j = 0; j < k; ++j) {
        EXPECT_EQ_INT(indices[j], want[j]);
        EXPECT_EQ_INT(values[j], x[want[j]]);
      }
    }
}

GCIM_TEST_LIST{GCIM_TEST(test_arg_max_min_examples), GCIM_TEST(test_arg_ties_and_nan),
               GCIM_TEST(test_top_k_example), GCIM_TEST(test_top_k_ties_and_axis),
               GCIM_TEST(test_top_k_against_stable_sort)};
GCIM_TEST_MAIN
