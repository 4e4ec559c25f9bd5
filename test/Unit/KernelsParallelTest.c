/* KernelsParallelTest.c: the kernels split over the worker pool give exactly (memcmp) the
 * bits of the serial kernels, for every thread count and for shapes around the split
 * points (micro-tile multiples, remainders, a single row, panel edges). */
#include "GcimTest.h"

#include "gcim/Runtime/Kernels.h"
#include "gcim/Runtime/Threads.h"

#include <stdlib.h>
#include <string.h>

static float *randomFloats(int64_t count, unsigned *seed) {
  float *x = malloc((size_t)(count ? count : 1) * sizeof *x);
  for (int64_t i = 0; i < count; ++i) {
    *seed = *seed * 1103515245u + 12345u;
    x[i] = (float)((*seed >> 8) & 0xffff) / 32768.0f - 1.0f;
  }
  return x;
}

static void test_packed_matmul_same_bits(void) {
  static const int64_t ms[] = {1, 3, 4, 13, 28, 29, 57, 128, 130};
  static const int64_t ns[] = {1, 31, 33, 100, 300, 1000}; /* 1 x 1000 x 300 is split */
  static const int64_t ks[] = {1, 64, 300};
  unsigned seed = 1;
  int mismatches = 0, cases = 0;
  for (int threads = 2; threads <= 4; ++threads) {
    GcimThreadPool *pool = NULL;
    EXPECT_EQ_INT(gcimThreadPoolCreate(threads, NULL, &pool), 0);
    for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; ++mi)
      for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ++ni)
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ++ki) {
          int64_t m = ms[mi], n = ns[ni], k = ks[ki];
          float *a = randomFloats(m * k, &seed), *b = randomFloats(k * n, &seed);
          float *bias = randomFloats(n, &seed);
          float *packed = malloc((size_t)gcimKernelPackedBCount(k, n) * sizeof *packed);
          float *serial = malloc((size_t)(m * n) * sizeof *serial);
          float *parallel = malloc((size_t)(m * n) * sizeof *parallel);
          gcimKernelPackBF32(b, k, n, 0, packed);
          gcimKernelMatMulPackedF32(a, packed, bias, serial, m, n, k);
          gcimParallelMatMulPackedF32(pool, a, packed, bias, parallel, m, n, k);
          if (memcmp(serial, parallel, (size_t)(m * n) * sizeof *serial) != 0) {
            ++mismatches;
            fprintf(stderr, "differs: %d threads, m %lld n %lld k %lld\n", threads, (long long)m,
                    (long long)n, (long long)k);
          }
          ++cases;
          free(a), free(b), free(bias), free(packed), free(serial), free(parallel);
        }
    gcimThreadPoolDestroy(pool);
  }
  EXPECT_EQ_INT(mismatches, 0);
  EXPECT_EQ_INT(cases, 3 * 9 * 6 * 3);
}

/* Attention per (batch, head) on the pool, including grouped-query heads and keys in a
 * cache with room for more tokens than are used (strides larger than keyLen * D). */
static void test_attention_same_bits(void) {
  enum { B = 2, H = 4, HKV = 2, D = 16, CAPACITY = 80 };
  static const int64_t shapes[][2] = {{37, 37}, {1, 50}, {9, 9}}; /* queries, keys */
  unsigned seed = 7;
  int mismatches = 0;
  GcimThreadPool *pool = NULL;
  EXPECT_EQ_INT(gcimThreadPoolCreate(3, NULL, &pool), 0);
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s)
    for (int causal = 0; causal <= 1; ++causal) {
      int64_t tq = shapes[s][0], tk = shapes[s][1];
      GcimAttentionDesc desc = {B, H, HKV, tq, tk, D, D, 0.25f, causal, causal ? 5 : 0};
      float *q = randomFloats(B * H * tq * D, &seed);
      float *cacheK = randomFloats(B * HKV * CAPACITY * D, &seed);
      float *cacheV = randomFloats(B * HKV * CAPACITY * D, &seed);
      float *k = malloc(B * HKV * tk * D * sizeof *k), *v = malloc(B * HKV * tk * D * sizeof *v);
      for (int64_t g = 0; g < B * HKV; ++g) { /* the dense copy the serial kernel reads */
        memcpy(k + g * tk * D, cacheK + g * CAPACITY * D, (size_t)(tk * D) * sizeof *k);
        memcpy(v + g * tk * D, cacheV + g * CAPACITY * D, (size_t)(tk * D) * sizeof *v);
      }
      float *serial = malloc(B * H * tq * D * sizeof *serial);
      float *parallel = malloc(B * H * tq * D * sizeof *parallel);
      float *scratch =
          malloc((size_t)(B * H * gcimKernelAttentionScratchSize(&desc)) * sizeof *scratch);
      gcimKernelAttentionF32(&desc, q, k, v, serial, scratch);
      gcimParallelAttentionF32(pool, &desc, q, cacheK, CAPACITY * D, cacheV, CAPACITY * D, parallel,
                               scratch);
      mismatches += memcmp(serial, parallel, (size_t)(B * H * tq * D) * sizeof *serial) != 0;
      free(q), free(cacheK), free(cacheV), free(k), free(v), free(serial), free(parallel);
      free(scratch);
    }
  gcimThreadPoolDestroy(pool);
  EXPECT_EQ_INT(mismatches, 0);
}

/* Unary ops, LayerNorm and Softmax by ranges: sizes below, at and above the split threshold
 * (16384 elements per part), odd remainders, every axis. */
static void test_rows_same_bits(void) {
  static const int64_t counts[] = {1, 16383, 16384 * 3 + 17, 100003};
  static const int64_t rowCounts[] = {1, 7, 64, 301};
  static const int64_t widths[] = {5, 768};
  static const GcimUnaryOp ops[] = {GCIM_UNARY_TANH, GCIM_UNARY_GELU, GCIM_UNARY_GELU_TANH};
  unsigned seed = 3;
  int mismatches = 0, split = 0;
  float *x = randomFloats(301 * 768, &seed), *scale = randomFloats(768, &seed);
  float *bias = randomFloats(768, &seed);
  float *serial = malloc(301 * 768 * sizeof *serial),
        *parallel = malloc(301 * 768 * sizeof *parallel);
  float stats[4][301];
  for (int threads = 2; threads <= 5; threads += 3) {
    GcimThreadPool *pool = NULL;
    EXPECT_EQ_INT(gcimThreadPoolCreate(threads, NULL, &pool), 0);
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; ++c)
      for (size_t o = 0; o < sizeof ops / sizeof ops[0]; ++o) {
        gcimKernelUnaryF32(ops[o], x, serial, counts[c]);
        gcimParallelUnaryF32(pool, ops[o], x, parallel, counts[c]);
        mismatches += memcmp(serial, parallel, (size_t)counts[c] * sizeof(float)) != 0;
      }
    for (size_t r = 0; r < sizeof rowCounts / sizeof rowCounts[0]; ++r)
      for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; ++wi) {
        int64_t rows = rowCounts[r], width = widths[wi], dims[3] = {rows, 1, width};
        size_t bytes = (size_t)(rows * width) * sizeof(float);
        split += rows * width >= 2 * 16384;
        gcimKernelLayerNormF32(x, dims, 3, -1, scale, bias, 1e-5f, serial, stats[0], stats[1]);
        gcimParallelLayerNormF32(pool, x, dims, 3, -1, scale, bias, 1e-5f, parallel, stats[2],
                                 stats[3]);
        mismatches += memcmp(serial, parallel, bytes) != 0;
        mismatches += memcmp(stats[0], stats[2], (size_t)rows * sizeof(float)) != 0;
        mismatches += memcmp(stats[1], stats[3], (size_t)rows * sizeof(float)) != 0;
        for (int axis = 0; axis < 3; ++axis)
          for (int logarithm = 0; logarithm < 2; ++logarithm) {
            if (logarithm)
              gcimKernelLogSoftmaxF32(x, dims, 3, axis, serial);
            else
              gcimKernelSoftmaxF32(x, dims, 3, axis, serial);
            gcimParallelSoftmaxF32(pool, x, dims, 3, axis, logarithm, parallel);
            mismatches += memcmp(serial, parallel, bytes) != 0;
          }
      }
    gcimThreadPoolDestroy(pool);
  }
  EXPECT_EQ_INT(mismatches, 0);
  EXPECT_TRUE(split > 0); /* some shapes were split */
  free(x);
  free(scale);
  free(bias);
  free(serial);
  free(parallel);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_packed_matmul_same_bits),
    GCIM_TEST(test_attention_same_bits),
    GCIM_TEST(test_rows_same_bits),
};
GCIM_TEST_MAIN
