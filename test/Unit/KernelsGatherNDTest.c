/* KernelsGatherNDTest.c: GatherND against the ONNX operator documentation's five examples,
 * a negative index and out-of-range indices. */
#include "GcimTest.h"

#include "gcim/Runtime/Kernels.h"

#include <stdint.h>

// The documentation's data: [[0, 1], [2, 3]] and [[[0, 1], [2, 3]], [[4, 5], [6, 7]]].
static const int32_t square[4] = {0, 1, 2, 3}, cube[8] = {0, 1, 2, 3, 4, 5, 6, 7};
static const int64_t squareDims[2] = {2, 2}, cubeDims[3] = {2, 2, 2};

static void expectGather(const int32_t *data, const int64_t *dataDims, int rank,
                         const int64_t *indices, const int64_t *idxDims, int idxRank, int batchDims,
                         const int32_t *want, int count) {
  int32_t y[8] = {0};
  EXPECT_EQ_INT(
      gcimKernelGatherND(data, dataDims, rank, indices, idxDims, idxRank, batchDims, y, sizeof *y),
      0);
  for (int i = 0; i < count; ++i)
    EXPECT_EQ_INT(y[i], want[i]);
}

static void test_gather_nd_elements(void) {
  // Example 1: indices [[0, 0], [1, 1]] -> [0, 3].
  const int64_t indices[4] = {0, 0, 1, 1}, idxDims[2] = {2, 2};
  const int32_t want[2] = {0, 3};
  expectGather(square, squareDims, 2, indices, idxDims, 2, 0, want, 2);
}

static void test_gather_nd_rows(void) {
  // Example 2: indices [[1], [0]] -> [[2, 3], [0, 1]].
  const int64_t indices[2] = {1, 0}, idxDims[2] = {2, 1};
  const int32_t want[4] = {2, 3, 0, 1};
  expectGather(square, squareDims, 2, indices, idxDims, 2, 0, want, 4);
}

static void test_gather_nd_rank3(void) {
  // Example 3: indices [[0, 1], [1, 0]] -> [[2, 3], [4, 5]]; example 4, the same tuples
  // as [[[0, 1]], [[1, 0]]], gives [[[2, 3]], [[4, 5]]] (the same values).
  const int64_t indices[4] = {0, 1, 1, 0}, idxDims[2] = {2, 2}, idxDims3[3] = {2, 1, 2};
  const int32_t want[4] = {2, 3, 4, 5};
  expectGather(cube, cubeDims, 3, indices, idxDims, 2, 0, want, 4);
  expectGather(cube, cubeDims, 3, indices, idxDims3, 3, 0, want, 4);
}

static void test_gather_nd_batch_dims(void) {
  // Example 5, batch_dims 1: indices [[1], [0]] -> [[2, 3], [4, 5]] (row 1 of batch 0, row 0
  // of batch 1); with [[-1], [-2]] the same rows counted from the end.
  const int64_t indices[2] = {1, 0}, negative[2] = {-1, -2}, idxDims[2] = {2, 1};
  const int32_t want[4] = {2, 3, 4, 5};
  expectGather(cube, cubeDims, 3, indices, idxDims, 2, 1, want, 4);
  expectGather(cube, cubeDims, 3, negative, idxDims, 2, 1, want, 4);
}

static void test_gather_nd_out_of_range(void) {
  const int64_t high[2] = {0, 2}, low[2] = {-3, 0}, idxDims[2] = {1, 2};
  int32_t y[2];
  EXPECT_EQ_INT(gcimKernelGatherND(square, squareDims, 2, high, idxDims, 2, 0, y, sizeof *y), -1);
  EXPECT_EQ_INT(gcimKernelGatherND(square, squareDims, 2, low, idxDims, 2, 0, y, sizeof *y), -1);
}

GCIM_TEST_LIST{GCIM_TEST(test_gather_nd_elements), GCIM_TEST(test_gather_nd_rows),
               GCIM_TEST(test_gather_nd_rank3), GCIM_TEST(test_gather_nd_batch_dims),
               GCIM_TEST(test_gather_nd_out_of_range)};
GCIM_TEST_MAIN
