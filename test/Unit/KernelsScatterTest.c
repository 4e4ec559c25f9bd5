/* KernelsScatterTest.c: ScatterND against the ONNX operator documentation's examples and
 * hand-worked cases (a KV-cache position update, negative and out-of-range indices, in
 * place, the reductions over a repeated index). */
#include "GcimTest.h"

#include "gcim/Runtime/Kernels.h"

#include <stdint.h>

static void test_scatter_nd_elements(void) {
  // ONNX ScatterND example 1: data [1..8], indices [[4], [3], [1], [7]].
  const float data[8] = {1, 2, 3, 4, 5, 6, 7, 8}, updates[4] = {9, 10, 11, 12};
  const int64_t dataDims[1] = {8}, indices[4] = {4, 3, 1, 7}, idxDims[2] = {4, 1};
  const float want[8] = {1, 11, 3, 10, 9, 6, 7, 12};
  float y[8];
  EXPECT_EQ_INT(gcimKernelScatterND(GCIM_ELEM_F32, GCIM_SCATTER_NONE, data, dataDims, 1, indices,
                                    idxDims, 2, updates, y),
                0);
  for (int i = 0; i < 8; ++i)
    EXPECT_NEAR(y[i], want[i], 0);
}

static void test_scatter_nd_cache_rows(void) {
  // A cache (1, 2 heads, 3 positions, 2) with position 2 of each head written: index
  // tuples (0, h, 2) (the second with -1 for the last position), updates (2, 2).
  int32_t cache[12];
  for (int i = 0; i < 12; ++i)
    cache[i] = i;
  const int64_t dims[4] = {1, 2, 3, 2}, indices[6] = {0, 0, 2, 0, 1, -1}, idxDims[2] = {2, 3};
  const int32_t updates[4] = {100, 101, 200, 201};
  const int32_t want[12] = {0, 1, 2, 3, 100, 101, 6, 7, 8, 9, 200, 201};
  // In place: y is the data.
  EXPECT_EQ_INT(gcimKernelScatterND(GCIM_ELEM_I32, GCIM_SCATTER_NONE, cache, dims, 4, indices,
                                    idxDims, 2, updates, cache),
                0);
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ_INT(cache[i], want[i]);
}

static void test_scatter_nd_out_of_range(void) {
  const float data[4] = {1, 2, 3, 4}, updates[1] = {9};
  const int64_t dims[1] = {4}, idxDims[2] = {1, 1}, high[1] = {4}, low[1] = {-5};
  float y[4];
  EXPECT_EQ_INT(gcimKernelScatterND(GCIM_ELEM_F32, GCIM_SCATTER_NONE, data, dims, 1, high, idxDims,
                                    2, updates, y),
                -1);
  EXPECT_EQ_INT(gcimKernelScatterND(GCIM_ELEM_F32, GCIM_SCATTER_NONE, data, dims, 1, low, idxDims,
                                    2, updates, y),
                -1);
}

static void test_scatter_nd_reductions(void) {
  // A repeated index combines twice: add, mul, max, min over int64 data [1, 2, 3, 4].
  const int64_t data[4] = {1, 2, 3, 4}, dims[1] = {4}, idxDims[2] = {3, 1};
  const int64_t indices[3] = {1, 1, -1}, updates[3] = {5, -3, 2};
  const GcimScatterReduction kinds[4] = {GCIM_SCATTER_ADD, GCIM_SCATTER_MUL, GCIM_SCATTER_MAX,
                                         GCIM_SCATTER_MIN};
  const int64_t want[4][4] = {{1, 4, 3, 6}, {1, -30, 3, 8}, {1, 5, 3, 4}, {1, -3, 3, 2}};
  for (int r = 0; r < 4; ++r) {
    int64_t y[4];
    EXPECT_EQ_INT(gcimKernelScatterND(GCIM_ELEM_I64, kinds[r], data, dims, 1, indices, idxDims, 2,
                                      updates, y),
                  0);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ_INT(y[i], want[r][i]);
  }
}

GCIM_TEST_LIST{GCIM_TEST(test_scatter_nd_reductions), GCIM_TEST(test_scatter_nd_elements),
               GCIM_TEST(test_scatter_nd_cache_rows), GCIM_TEST(test_scatter_nd_out_of_range)};
GCIM_TEST_MAIN
