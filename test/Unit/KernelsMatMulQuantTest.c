/* KernelsMatMulQuantTest.c ISA: products on packed narrow weights (Kernels/MatMulQuant.h),
 * the decode-step kernel of one instruction set (base, avx2, avx512) against a product in
 * double on the dequantized weight and against the base kernel; the public entry (decode
 * and prefill paths) against double; column ranges and the pool against the whole call by
 * memcmp. Exits 77 (ctest: not run) when this processor or build has no such kernel.
 *
 * Tolerance: the kernels sum k float32 products a c in some order (decode: then scale the
 * block's sum, zero point times the block's sum of a subtracted; prefill: products with the
 * dequantized float32 weight), so each result is within 2 (k + 4) u sum |a| (|c| + |zero|)
 * scale of the exact one (u = 2^-24), plus 4 u (|exact| + |bias|) for the bias; two kernels
 * may differ by twice that. bfloat16: c the weight, zero 0, scale 1. Q4 (codes in [-8, 7])
 * sums the stored c + 8 and subtracts zero + 8, so |c + 8| + |zero + 8| takes the place of
 * |c| + |zero|. */
#include "KernelsMatMulQuantIsa.h"

#include "gcim/Runtime/Bf16.h"
#include "gcim/Runtime/Kernels/MatMulQuant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rngState = 16;
static double uniform(void) { /* in [0, 1) */
  rngState = rngState * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(rngState >> 11) / 9007199254740992.0;
}

typedef struct Case {
  GcimPackedFormat format;
  int64_t m, k, n, block;
  int zeros, bias;
} Case;

static int failures;

static void expect(int ok, const char *what, const Case *c) {
  if (!ok) {
    ++failures;
    printf("FAIL %s: format %d m %lld k %lld n %lld block %lld zeros %d bias %d\n", what,
           (int)c->format, (long long)c->m, (long long)c->k, (long long)c->n, (long long)c->block,
           c->zeros, c->bias);
  }
}

/* Runs one case; kernel is the set's decode-step kernel (checked against the base one). */
static void runCase(const Case *c, GcimQuantRowKernel *kernel, GcimThreadPool *pool) {
  int q = c->format != GCIM_PACKED_BF16, q4 = c->format == GCIM_PACKED_Q4;
  int64_t m = c->m, k = c->k, n = c->n, block = q ? c->block : k;
  int64_t blocks = (k + block - 1) / block;
  float *a = malloc(sizeof(float) * (size_t)(m * k + 1));
  float *wf = malloc(sizeof(float) * (size_t)(k * n + 1)); /* the dequantized weight */
  int8_t *codes = malloc((size_t)(k * n + 1));
  uint16_t *bf16 = malloc(sizeof(uint16_t) * (size_t)(k * n + 1));
  float *scales = malloc(sizeof(float) * (size_t)(blocks * n + 1));
  float *zeros = malloc(sizeof(float) * (size_t)(blocks * n + 1));
  float *bias = malloc(sizeof(float) * (size_t)(n + 1));
  for (int64_t i = 0; i < m * k; ++i)
    a[i] = (float)(2.0 * uniform() - 1.0);
  for (int64_t i = 0; i < blocks * n; ++i) {
    scales[i] = (float)(0.001 + 0.02 * uniform());
    zeros[i] = c->zeros ? (float)(int)(40.0 * uniform() - 20.0) : 0.0f;
  }
  for (int64_t j = 0; j < n; ++j)
    bias[j] = (float)(uniform() - 0.5);
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) {
      codes[p * n + j] =
          q4 ? (int8_t)(int)(16.0 * uniform() - 8.0) : (int8_t)(int)(256.0 * uniform() - 128.0);
      int64_t s = p / block * n + j;
      bf16[p * n + j] = gcimBf16FromFloat((float)(2.0 * uniform() - 1.0));
      wf[p * n + j] = c->format == GCIM_PACKED_BF16
                          ? gcimBf16ToFloat(bf16[p * n + j])
                          : ((float)codes[p * n + j] - zeros[s]) * scales[s];
    }
  int64_t bytes = gcimKernelPackedCodesBytes(c->format, k, n);
  void *packed = aligned_alloc(64, (size_t)(bytes + 63) / 64 * 64);
  gcimKernelPackCodes(c->format, q ? (const void *)codes : (const void *)bf16, k, n, packed);
  const float *zerosOrNull = q && c->zeros ? zeros : NULL;
  GcimPackedWeight w = {c->format, packed, q ? scales : NULL, zerosOrNull, k, n, block};
  const float *b = c->bias ? bias : NULL;
  float *y = malloc(sizeof(float) * (size_t)(m * n + 1));
  float *yBase = malloc(sizeof(float) * (size_t)(m * n + 1));
  float *ySplit = malloc(sizeof(float) * (size_t)(m * n + 1));
  gcimKernelMatMulPackedWeightF32(a, &w, b, y, m);
  /* The set's decode-step kernel and the base one, a row at a time, when m is a decode. */
  float *yKernel = malloc(sizeof(float) * (size_t)(n + 1));
  const double u = 1.0 / 16777216.0;
  GcimQuantRow r = {c->format, NULL, packed, w.scales, zerosOrNull, n, b, NULL, n, k, block};
  int ok = 1, kernelOk = 1, baseOk = 1;
  for (int64_t i = 0; i < m; ++i) {
    r.a = a + i * k;
    r.y = yKernel;
    kernel(&r);
    r.y = yBase + i * n;
    gcimKernelsQuantRowBase(&r);
    for (int64_t j = 0; j < n; ++j) {
      double exact = b ? b[j] : 0.0, magnitude = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        int64_t s = p / block * n + j;
        double stored = (double)codes[p * n + j] + (q4 ? 8.0 : 0.0);
        exact += (double)a[i * k + p] * wf[p * n + j];
        magnitude +=
            fabs(a[i * k + p]) * (q ? (fabs(stored) + fabs(zeros[s] + (q4 ? 8.0 : 0.0))) * scales[s]
                                    : fabs(wf[p * n + j]));
      }
      double bound =
          2.0 * (double)(k + 4) * u * magnitude + 4.0 * u * (fabs(exact) + (b ? fabs(b[j]) : 0.0));
      ok = ok && fabs(y[i * n + j] - exact) <= bound;
      kernelOk = kernelOk && fabs(yKernel[j] - exact) <= bound &&
                 fabs(yKernel[j] - yBase[i * n + j]) <= 2.0 * bound;
      baseOk = baseOk && fabs(yBase[i * n + j] - exact) <= bound;
    }
  }
  expect(ok, "public entry against double", c);
  expect(kernelOk, "the set's decode kernel against double and the base kernel", c);
  expect(baseOk, "the base decode kernel against double", c);
  /* Column ranges of whole panels and the pool: the same bits. */
  for (int64_t j0 = 0; j0 < n; j0 += 64)
    gcimKernelMatMulPackedWeightColumnsF32(a, &w, b, ySplit, m, j0, n - j0 < 64 ? n : j0 + 64);
  expect(memcmp(y, ySplit, sizeof(float) * (size_t)(m * n)) == 0, "column ranges", c);
  memset(ySplit, 0, sizeof(float) * (size_t)(m * n));
  gcimParallelMatMulPackedWeightF32(pool, a, &w, b, ySplit, m);
  expect(memcmp(y, ySplit, sizeof(float) * (size_t)(m * n)) == 0, "thread pool", c);
  free(a), free(wf), free(codes), free(bf16), free(scales), free(zeros), free(bias), free(packed);
  free(y), free(yBase), free(ySplit), free(yKernel);
}

int main(int argc, char **argv) {
  static const char *const names[GCIM_ISA_COUNT] = {"base", "avx2", "avx512"};
  int isa = 0;
  while (argc == 2 && isa < GCIM_ISA_COUNT && strcmp(argv[1], names[isa]) != 0)
    ++isa;
  if (argc != 2 || isa == GCIM_ISA_COUNT) {
    fprintf(stderr, "usage: KernelsMatMulQuantTest base|avx2|avx512\n");
    return 2;
  }
  GcimQuantRowKernel *kernel = gcimKernelsQuantRowKernel((GcimKernelIsa)isa);
  if (!kernel) {
    printf("NOT RUN: no %s kernel on this processor or in this build\n", names[isa]);
    return 77;
  }
  GcimThreadPool *pool = NULL;
  if (gcimThreadPoolCreate(3, NULL, &pool) != 0)
    return 1;
  static const int64_t ms[] = {1, 2, 3, 4, 17};
  static const int64_t shapes[][3] = {{1, 1, 1},    {24, 8, 24},    {40, 33, 16},
                                      {64, 97, 32}, {300, 70, 300}, {513, 130, 128}};
  int cases = 0;
  static const GcimPackedFormat formats[] = {GCIM_PACKED_Q8, GCIM_PACKED_BF16, GCIM_PACKED_Q4};
  for (int f = 0; f < 3; ++f)
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s)
      for (size_t i = 0; i < sizeof ms / sizeof ms[0]; ++i)
        for (int variant = 0; variant < 4; ++variant) {
          Case c = {formats[f],
                    ms[i],
                    shapes[s][0],
                    shapes[s][1],
                    variant & 1 ? shapes[s][2] : shapes[s][0],
                    variant & 2,
                    variant & 1};
          runCase(&c, kernel, pool);
          ++cases;
        }
  gcimThreadPoolDestroy(pool);
  printf("%s: %d cases, %d failures\n", names[isa], cases, failures);
  return failures ? 1 : 0;
}
