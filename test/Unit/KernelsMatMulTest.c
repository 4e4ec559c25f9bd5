/* KernelsMatMulTest.c: MatMul, Gemm and the packed product of the runtime kernels against
 * a naive triple loop in double, on odd shapes that exercise every path (row times
 * matrix, dot products, micro-tiles and their remainders, several K blocks).
 *
 * Tolerance: the kernels accumulate in float32 in a blocked order. Any summation order of
 * k products has an error of at most about k u sum_p |a_ip b_pj| (u = 2^-24, the float32
 * unit roundoff; products are exact in double). The check allows exactly
 * 2 k u sum |a||b| per element, and in addition requires the largest error, relative to
 * sum |a||b|, to stay below 1e-5 over the whole output: for k <= 4096 a rounding-error
 * random walk gives about sqrt(k) u = 4e-6 at k = 4096, so 1e-5 catches any systematic
 * error (a dropped or doubled term is a relative error of about 1/k, >= 2.4e-4). */
#include "GcimTest.h"

#include "gcim/Runtime/Kernels.h"

#include <stdint.h>
#include <stdlib.h>

static uint64_t rngState = 777;
static float uniform(float lo, float hi) {
  rngState = rngState * 6364136223846793005ULL + 1442695040888963407ULL;
  return lo + (hi - lo) * (float)((rngState >> 40) & 0xffffff) / 16777216.0f;
}

static float *randomMatrix(int64_t n) {
  float *x = malloc(sizeof(float) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; ++i)
    x[i] = uniform(-1.0f, 1.0f);
  return x;
}

// Checks y (m x n) against alpha op(A) op(B) + beta C computed in double. A(i, p) is
// a[i * ars + p * acs], B(p, j) is b[p * brs + j * bcs]; c is NULL or C(i, j) =
// c[i * crs + j * ccs]. Returns the largest error relative to sum |a||b|.
static double checkProduct(const float *y, int64_t m, int64_t n, int64_t k, const float *a,
                           int64_t ars, int64_t acs, const float *b, int64_t brs, int64_t bcs,
                           double alpha, const float *c, int64_t crs, int64_t ccs, double beta,
                           const char *what) {
  const double u = 1.0 / 16777216.0;
  double worst = 0.0;
  int bad = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0, mag = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        double t = (double)a[i * ars + p * acs] * b[p * brs + j * bcs];
        sum += t;
        mag += fabs(t);
      }
      double expected = alpha * sum + (c ? beta * c[i * crs + j * ccs] : 0.0);
      double err = fabs(y[i * n + j] - expected);
      // The k-term bound, plus the roundings of alpha, beta C and the final addition.
      double tol = 2.0 * (double)k * u * fabs(alpha) * mag + 4.0 * u * (fabs(expected) + 1.0);
      // Relative to the magnitude of every term, the added beta C included.
      double scale = fabs(alpha) * mag + (c ? fabs(beta * c[i * crs + j * ccs]) : 0.0);
      if (scale > 0 && err / scale > worst)
        worst = err / scale;
      if (!(err <= tol) && !bad++) {
        fprintf(stderr, "%s m=%lld n=%lld k=%lld at (%lld, %lld):\n", what, (long long)m,
                (long long)n, (long long)k, (long long)i, (long long)j);
        EXPECT_NEAR(y[i * n + j], expected, tol);
      }
    }
  }
  EXPECT_TRUE(worst < 1e-5);
  return worst;
}

static const int64_t ms[] = {1, 2, 3, 7, 13, 65};
static const int64_t ns[] = {1, 3, 17, 130};
static const int64_t ks[] = {0, 1, 7, 65, 300};

static void test_matmul2d_odd_shapes(void) {
  for (size_t x = 0; x < sizeof ms / sizeof ms[0]; ++x)
    for (size_t z = 0; z < sizeof ns / sizeof ns[0]; ++z)
      for (size_t w = 0; w < sizeof ks / sizeof ks[0]; ++w) {
        int64_t m = ms[x], n = ns[z], k = ks[w];
        float *a = randomMatrix(m * k), *b = randomMatrix(k * n), *y = randomMatrix(m * n);
        gcimKernelMatMul2dF32(a, b, y, m, n, k);
        checkProduct(y, m, n, k, a, k, 1, b, n, 1, 1.0, NULL, 0, 0, 0.0, "MatMul2d");
        free(a);
        free(b);
        free(y);
      }
}

static void test_decode_shapes(void) {
  // The M = 1 paths on wide outputs, with k over several blocks and n not a multiple of
  // the 32-column panels or the 256-column y blocks.
  int64_t m = 1, n = 1000, k = 777;
  float *a = randomMatrix(m * k), *b = randomMatrix(k * n), *y = randomMatrix(m * n);
  float *packed = malloc(sizeof(float) * (size_t)gcimKernelPackedBCount(k, n));
  gcimKernelMatMul2dF32(a, b, y, m, n, k);
  checkProduct(y, m, n, k, a, k, 1, b, n, 1, 1.0, NULL, 0, 0, 0.0, "decode row-major");
  gcimKernelGemmF32(a, b, NULL, NULL, 0, y, m, n, k, 0, 1, 1.0f, 0.0f);
  checkProduct(y, m, n, k, a, k, 1, b, 1, k, 1.0, NULL, 0, 0, 0.0, "decode transB");
  gcimKernelPackBF32(b, k, n, 0, packed);
  gcimKernelMatMulPackedF32(a, packed, NULL, y, m, n, k);
  checkProduct(y, m, n, k, a, k, 1, b, n, 1, 1.0, NULL, 0, 0, 0.0, "decode packed");
  free(a);
  free(b);
  free(y);
  free(packed);
}

static void test_gemm_transposes_alpha_beta(void) {
  int64_t m = 13, n = 17, k = 65;
  float *a = randomMatrix(m * k), *b = randomMatrix(k * n), *y = randomMatrix(m * n);
  float *c = randomMatrix(m * n);
  for (int transA = 0; transA <= 1; ++transA)
    for (int transB = 0; transB <= 1; ++transB) {
      int64_t ars = transA ? 1 : k, acs = transA ? m : 1;
      int64_t brs = transB ? 1 : n, bcs = transB ? k : 1;
      // C of shape (m, n), (n), (m, 1), scalar, and absent.
      int64_t full[2] = {m, n}, row[1] = {n}, col[2] = {m, 1};
      gcimKernelGemmF32(a, b, c, full, 2, y, m, n, k, transA, transB, 0.5f, 2.0f);
      checkProduct(y, m, n, k, a, ars, acs, b, brs, bcs, 0.5, c, n, 1, 2.0, "Gemm C full");
      gcimKernelGemmF32(a, b, c, row, 1, y, m, n, k, transA, transB, 1.0f, -1.0f);
      checkProduct(y, m, n, k, a, ars, acs, b, brs, bcs, 1.0, c, 0, 1, -1.0, "Gemm C row");
      gcimKernelGemmF32(a, b, c, col, 2, y, m, n, k, transA, transB, 1.0f, 1.0f);
      checkProduct(y, m, n, k, a, ars, acs, b, brs, bcs, 1.0, c, 1, 0, 1.0, "Gemm C col");
      gcimKernelGemmF32(a, b, c, NULL, 0, y, m, n, k, transA, transB, 1.0f, 3.0f);
      checkProduct(y, m, n, k, a, ars, acs, b, brs, bcs, 1.0, c, 0, 0, 3.0, "Gemm C scalar");
      gcimKernelGemmF32(a, b, NULL, NULL, 0, y, m, n, k, transA, transB, 1.0f, 1.0f);
      checkProduct(y, m, n, k, a, ars, acs, b, brs, bcs, 1.0, NULL, 0, 0, 0.0, "Gemm no C");
    }
  free(a);
  free(b);
  free(y);
  free(c);
}

static void test_packed_with_bias(void) {
  const int64_t shapes[][3] = {{1, 3, 5}, {2, 17, 65}, {7, 130, 300}, {65, 33, 7}};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
    int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
    float *a = randomMatrix(m * k), *b = randomMatrix(k * n), *y = randomMatrix(m * n);
    float *bias = randomMatrix(n);
    float *packed = malloc(sizeof(float) * (size_t)gcimKernelPackedBCount(k, n));
    for (int transB = 0; transB <= 1; ++transB) {
      gcimKernelPackBF32(b, k, n, transB, packed);
      gcimKernelMatMulPackedF32(a, packed, bias, y, m, n, k);
      checkProduct(y, m, n, k, a, k, 1, b, transB ? 1 : n, transB ? k : 1, 1.0, bias, 0, 1, 1.0,
                   "packed");
    }
    free(a);
    free(b);
    free(y);
    free(bias);
    free(packed);
  }
}

// The blocked product on packed weights: m around the tile heights (14, 4 and single
// rows), n below one 32-column panel, across panels and across the 256-column blocks, k
// of one step and over several 256-deep blocks; with and without a bias.
static void test_packed_blocked_shapes(void) {
  static const int64_t pms[] = {4, 5, 14, 21, 33};
  static const int64_t pns[] = {1, 31, 33, 600};
  static const int64_t pks[] = {1, 300, 513};
  for (size_t x = 0; x < sizeof pms / sizeof pms[0]; ++x)
    for (size_t z = 0; z < sizeof pns / sizeof pns[0]; ++z)
      for (size_t w = 0; w < sizeof pks / sizeof pks[0]; ++w) {
        int64_t m = pms[x], n = pns[z], k = pks[w];
        float *a = randomMatrix(m * k), *b = randomMatrix(k * n), *y = randomMatrix(m * n);
        float *bias = randomMatrix(n);
        float *packed = malloc(sizeof(float) * (size_t)gcimKernelPackedBCount(k, n));
        gcimKernelPackBF32(b, k, n, 0, packed);
        gcimKernelMatMulPackedF32(a, packed, bias, y, m, n, k);
        checkProduct(y, m, n, k, a, k, 1, b, n, 1, 1.0, bias, 0, 1, 1.0, "packed blocked");
        gcimKernelMatMulPackedF32(a, packed, NULL, y, m, n, k);
        checkProduct(y, m, n, k, a, k, 1, b, n, 1, 1.0, NULL, 0, 0, 0.0, "packed no bias");
        gcimKernelMatMul2dF32(a, b, y, m, n, k);
        checkProduct(y, m, n, k, a, k, 1, b, n, 1, 1.0, NULL, 0, 0, 0.0, "blocked 2d");
        free(a);
        free(b);
        free(y);
        free(bias);
        free(packed);
      }
}

// ONNX MatMul: batch broadcasting, the stacked-rows path, and rank-1 operands.
static void test_matmul_onnx_batching_and_vectors(void) {
  {
    // (2, 1, 3, 5) @ (4, 5, 7) -> (2, 4, 3, 7): both batch sides broadcast.
    int64_t aDims[4] = {2, 1, 3, 5}, bDims[3] = {4, 5, 7}, yDims[4] = {2, 4, 3, 7};
    float *a = randomMatrix(30), *b = randomMatrix(140), *y = randomMatrix(168);
    gcimKernelMatMulF32(a, aDims, 4, b, bDims, 3, y, yDims, 4);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 4; ++j)
        checkProduct(y + (i * 4 + j) * 21, 3, 7, 5, a + i * 15, 5, 1, b + j * 35, 7, 1, 1.0, NULL,
                     0, 0, 0.0, "MatMul batched");
    free(a);
    free(b);
    free(y);
  }
  {
    // (2, 3, 5) @ (5, 7): the stacked-rows path.
    int64_t aDims[3] = {2, 3, 5}, bDims[2] = {5, 7}, yDims[3] = {2, 3, 7};
    float *a = randomMatrix(30), *b = randomMatrix(35), *y = randomMatrix(42);
    gcimKernelMatMulF32(a, aDims, 3, b, bDims, 2, y, yDims, 3);
    checkProduct(y, 6, 7, 5, a, 5, 1, b, 7, 1, 1.0, NULL, 0, 0, 0.0, "MatMul stacked");
    // (5) @ (5, 7) -> (7); (2, 3, 5) @ (5) -> (2, 3); (5) @ (5) -> ().
    int64_t vDims[1] = {5}, v7[1] = {7}, y23[2] = {2, 3};
    gcimKernelMatMulF32(a, vDims, 1, b, bDims, 2, y, v7, 1);
    checkProduct(y, 1, 7, 5, a, 5, 1, b, 7, 1, 1.0, NULL, 0, 0, 0.0, "MatMul vector-matrix");
    gcimKernelMatMulF32(a, aDims, 3, b, vDims, 1, y, y23, 2);
    checkProduct(y, 6, 1, 5, a, 5, 1, b, 1, 1, 1.0, NULL, 0, 0, 0.0, "MatMul matrix-vector");
    gcimKernelMatMulF32(a, vDims, 1, b, vDims, 1, y, NULL, 0);
    checkProduct(y, 1, 1, 5, a, 5, 1, b, 1, 1, 1.0, NULL, 0, 0, 0.0, "MatMul dot");
    free(a);
    free(b);
    free(y);
  }
  {
    // (1, 5) @ (3, 5, 2) -> (3, 1, 2): a 2-D a against batched b; and an empty batch.
    int64_t aDims[2] = {1, 5}, bDims[3] = {3, 5, 2}, yDims[3] = {3, 1, 2};
    float *a = randomMatrix(5), *b = randomMatrix(30), *y = randomMatrix(6);
    gcimKernelMatMulF32(a, aDims, 2, b, bDims, 3, y, yDims, 3);
    for (int j = 0; j < 3; ++j)
      checkProduct(y + j * 2, 1, 2, 5, a, 5, 1, b + j * 10, 2, 1, 1.0, NULL, 0, 0, 0.0,
                   "MatMul 2-D @ batched");
    int64_t eDims[3] = {0, 5, 2}, eyDims[3] = {0, 1, 2};
    gcimKernelMatMulF32(a, aDims, 2, b, eDims, 3, y, eyDims, 3);
    free(a);
    free(b);
    free(y);
  }
}

GCIM_TEST_LIST{
    GCIM_TEST(test_matmul2d_odd_shapes),        GCIM_TEST(test_decode_shapes),
    GCIM_TEST(test_gemm_transposes_alpha_beta), GCIM_TEST(test_packed_with_bias),
    GCIM_TEST(test_packed_blocked_shapes),      GCIM_TEST(test_matmul_onnx_batching_and_vectors),
};
GCIM_TEST_MAIN
