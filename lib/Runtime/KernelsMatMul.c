/* KernelsMatMul.c: MatMul, Gemm and the packed-weight product, on the kernel of the widest
 * instruction set the processor runs (KernelsMatMulIsa.h), chosen at every call by cpuid:
 * a few instructions against the microseconds of a product, and no state to set up. */
#include "gcim/Runtime/Kernels/MatMul.h"

#include "gcim/Runtime/Kernels/Elementwise.h"

#include "KernelsInternal.h"
#include "KernelsMatMulIsa.h"

#include <assert.h>
#include <stddef.h>

enum { NR = GCIM_MATMUL_NR };

GcimGemmKernel *gcimKernelsGemmKernel(GcimKernelIsa isa) {
  switch (isa) {
  case GCIM_ISA_BASE:
    return gcimKernelsGemmBase;
#if GCIM_KERNELS_DISPATCH
  case GCIM_ISA_AVX2:
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? gcimKernelsGemmAvx2
                                                                           : NULL;
  case GCIM_ISA_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")
               ? gcimKernelsGemmAvx512
               : NULL;
#endif
  default:
    return NULL;
  }
}

GcimKernelIsa gcimKernelsIsaBest(void) {
  int isa = GCIM_ISA_COUNT - 1;
  while (isa > GCIM_ISA_BASE && !gcimKernelsGemmKernel((GcimKernelIsa)isa))
    --isa;
  return (GcimKernelIsa)isa;
}

static void gemm(const GcimGemm *g) { gcimKernelsGemmKernel(gcimKernelsIsaBest())(g); }

// c[m, n] += alpha A B, B as in gcimKernelsPackPanel.
static void gemmAccumulate(int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                           int64_t rsa, int64_t csa, const float *b, int64_t ldb, int transB,
                           float *c, int64_t ldc) {
  const GcimGemm g = {.m = m,
                      .n = n,
                      .k = k,
                      .alpha = alpha,
                      .a = a,
                      .rsa = rsa,
                      .csa = csa,
                      .b = b,
                      .ldb = ldb,
                      .transB = transB,
                      .c = c,
                      .ldc = ldc};
  gemm(&g);
}

void gcimKernelsGemmAccumulate(int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                               int64_t rsa, int64_t csa, const float *b, int64_t ldb, int transB,
                               float *c, int64_t ldc) {
  gemmAccumulate(m, n, k, alpha, a, rsa, csa, b, ldb, transB, c, ldc);
}

void gcimKernelMatMul2dF32(const float *a, const float *b, float *y, int64_t m, int64_t n,
                           int64_t k) {
  for (int64_t i = 0; i < m * n; ++i)
    y[i] = 0.0f;
  gemmAccumulate(m, n, k, 1.0f, a, k, 1, b, n, 0, y, n);
}

void gcimKernelMatMulF32(const float *a, const int64_t *aDims, int aRank, const float *b,
                         const int64_t *bDims, int bRank, float *y, const int64_t *yDims,
                         int yRank) {
  assert(aRank >= 1 && bRank >= 1);
  int64_t m = aRank >= 2 ? aDims[aRank - 2] : 1, k = aDims[aRank - 1];
  int64_t n = bRank >= 2 ? bDims[bRank - 1] : 1;
  assert((bRank >= 2 ? bDims[bRank - 2] : bDims[0]) == k);
  // A vector b is a k x 1 matrix, i.e. a transposed 1 x k one: the dot-product path.
  int transB = bRank == 1;
  int64_t ldb = transB ? k : n;
  int aBatchRank = aRank > 2 ? aRank - 2 : 0, bBatchRank = bRank > 2 ? bRank - 2 : 0;
  int yBatchRank = aBatchRank > bBatchRank ? aBatchRank : bBatchRank;
  assert(yRank == yBatchRank + (aRank >= 2) + (bRank >= 2));
  (void)yRank;
  int64_t total = gcimKernelNumElements(yDims, yBatchRank) * m * n;
  for (int64_t i = 0; i < total; ++i)
    y[i] = 0.0f;
  if (bBatchRank == 0) {
    // Every batch of a uses the same b: one product with the batches stacked as rows.
    int64_t rows = gcimKernelNumElements(aDims, aBatchRank) * m;
    gemmAccumulate(rows, n, k, 1.0f, a, k, 1, b, ldb, transB, y, n);
    return;
  }
  const int64_t *batchDims[2] = {aDims, bDims};
  const int batchRanks[2] = {aBatchRank, bBatchRank};
  GcimBcast it;
  gcimKernelsBcastInit(&it, 2, batchDims, batchRanks, yDims, yBatchRank);
  int64_t inner = it.dims[it.rank - 1];
  int64_t idx[GCIM_MAX_RANK] = {0}, off[3] = {0, 0, 0};
  for (int64_t batch = 0; batch < it.total; batch += inner) {
    for (int64_t t = 0; t < inner; ++t) {
      const float *at = a + (off[0] + t * it.strides[0][it.rank - 1]) * m * k;
      const float *bt = b + (off[1] + t * it.strides[1][it.rank - 1]) * k * n;
      gemmAccumulate(m, n, k, 1.0f, at, k, 1, bt, ldb, transB, y + (batch + t) * m * n, n);
    }
    gcimKernelsBcastNext(&it, idx, off);
  }
}

void gcimKernelGemmF32(const float *a, const float *b, const float *c, const int64_t *cDims,
                       int cRank, float *y, int64_t m, int64_t n, int64_t k, int transA, int transB,
                       float alpha, float beta) {
  assert(cRank >= 0 && cRank <= 2);
  if (c && beta != 0.0f) {
    const int64_t yDims[2] = {m, n};
    const float betaValue = beta;
    gcimKernelBinaryF32(GCIM_BINARY_MUL, c, cDims, cRank, &betaValue, NULL, 0, y, yDims, 2);
  } else {
    for (int64_t i = 0; i < m * n; ++i)
      y[i] = 0.0f;
  }
  gemmAccumulate(m, n, k, alpha, a, transA ? 1 : k, transA ? m : 1, b, transB ? k : n, transB, y,
                 n);
}

int64_t gcimKernelPackedBCount(int64_t k, int64_t n) { return (n + NR - 1) / NR * NR * k; }

void gcimKernelPackBF32(const float *b, int64_t k, int64_t n, int transB, float *packed) {
  for (int64_t j0 = 0; j0 < n; j0 += NR)
    gcimKernelsPackPanel(b, transB ? k : n, transB, 0, k, j0, n - j0 < NR ? n - j0 : NR,
                         packed + (j0 / NR) * k * NR);
}

void gcimKernelMatMulPackedColumnsF32(const float *a, const float *packedB, const float *bias,
                                      float *y, int64_t m, int64_t n, int64_t k, int64_t j0,
                                      int64_t j1) {
  assert(j0 % NR == 0 && j0 <= j1 && j1 <= n);
  const GcimGemm g = {.m = m,
                      .n = j1 - j0,
                      .k = k,
                      .alpha = 1.0f,
                      .a = a,
                      .rsa = k,
                      .csa = 1,
                      .packed = packedB + j0 * k, /* panel j0 / NR: k x NR floats each */
                      .c = y + j0,
                      .ldc = n,
                      .overwrite = 1,
                      .bias = bias ? bias + j0 : NULL};
  gemm(&g);
}

void gcimKernelMatMulPackedF32(const float *a, const float *packedB, const float *bias, float *y,
                               int64_t m, int64_t n, int64_t k) {
  gcimKernelMatMulPackedColumnsF32(a, packedB, bias, y, m, n, k, 0, n);
}
