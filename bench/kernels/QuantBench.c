/* QuantBench.c: the decode step's product (one row) on a weight stored as float32 (packed),
 * int8 (GCIM_PACKED_Q8), 4-bit (GCIM_PACKED_Q4) and bfloat16 codes, on transformer shapes.
 *
 * Not a test: prints, for each shape and format, the median of RUNS timed runs (each
 * repeating the product for at least 0.2 s of CPU time) in microseconds of the process's
 * CPU time per product (clock(), so that other work on a shared machine does not count),
 * and the weight bytes read per second at that time. Usage: gcim-quant-bench [runs [N K]...]
 * (default: GPT-2 small's decode shapes, 768 x 2304, 768 x 3072, 3072 x 768 and the
 * 768 x 50257 LM head). */
#include "gcim/Runtime/Kernels.h"
#include "gcim/Runtime/Kernels/MatMulQuant.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpuNow(void) { return (double)clock() / CLOCKS_PER_SEC; }

static int compareDoubles(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

enum { F32, Q8, Q4, BF16, FORMATS };
static const char *const formatNames[FORMATS] = {"float32", "int8", "4-bit", "bfloat16"};

static void product(int format, const float *a, const void *packed, const float *scales, float *y,
                    int64_t n, int64_t k) {
  static const GcimPackedFormat packedFormats[FORMATS] = {0, GCIM_PACKED_Q8, GCIM_PACKED_Q4,
                                                          GCIM_PACKED_BF16};
  if (format == F32) {
    gcimKernelMatMulPackedF32(a, packed, NULL, y, 1, n, k);
    return;
  }
  GcimPackedWeight w = {
      packedFormats[format], packed, format == BF16 ? NULL : scales, NULL, k, n, k};
  gcimKernelMatMulPackedWeightF32(a, &w, NULL, y, 1);
}

static int benchShape(int64_t k, int64_t n, int runs) {
  float *a = malloc((size_t)k * sizeof(float)), *b = malloc((size_t)(k * n) * sizeof(float));
  float *y = malloc((size_t)n * sizeof(float)), *scales = malloc((size_t)n * sizeof(float));
  signed char *codes = malloc((size_t)(k * n));
  uint16_t *halves = malloc((size_t)(k * n) * sizeof(uint16_t));
  void *packed[FORMATS] = {malloc((size_t)gcimKernelPackedBCount(k, n) * sizeof(float)),
                           malloc((size_t)gcimKernelPackedCodesBytes(GCIM_PACKED_Q8, k, n)),
                           malloc((size_t)gcimKernelPackedCodesBytes(GCIM_PACKED_Q4, k, n)),
                           malloc((size_t)gcimKernelPackedCodesBytes(GCIM_PACKED_BF16, k, n))};
  double bytes[FORMATS] = {4.0 * (double)(k * n), (double)(k * n), 0.5 * (double)(k * n),
                           2.0 * (double)(k * n)};
  double *times = malloc((size_t)runs * sizeof(double));
  if (!a || !b || !y || !scales || !codes || !halves || !packed[0] || !packed[1] || !packed[2] ||
      !packed[3] || !times) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  srand(1);
  for (int64_t i = 0; i < k; ++i)
    a[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  for (int64_t i = 0; i < k * n; ++i) {
    b[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    codes[i] = (signed char)(rand() % 16 - 8); /* 4-bit codes suit Q8 as well */
    halves[i] = (uint16_t)rand();
  }
  for (int64_t j = 0; j < n; ++j)
    scales[j] = 0.01f;
  gcimKernelPackBF32(b, k, n, 0, packed[F32]);
  gcimKernelPackCodes(GCIM_PACKED_Q8, codes, k, n, packed[Q8]);
  gcimKernelPackCodes(GCIM_PACKED_Q4, codes, k, n, packed[Q4]);
  gcimKernelPackCodes(GCIM_PACKED_BF16, halves, k, n, packed[BF16]);
  for (int format = 0; format < FORMATS; ++format) {
    product(format, a, packed[format], scales, y, n, k); /* warm-up */
    for (int r = 0; r < runs; ++r) {
      int64_t reps = 0;
      double start = cpuNow(), elapsed;
      do {
        product(format, a, packed[format], scales, y, n, k);
        ++reps;
        elapsed = cpuNow() - start;
      } while (elapsed < 0.2);
      times[r] = elapsed / (double)reps;
    }
    qsort(times, (size_t)runs, sizeof(double), compareDoubles);
    printf("1 x %5lld @ %5lld x %5lld  %-9s median %8.1f us (min %.1f, max %.1f)  %6.1f GB/s\n",
           (long long)k, (long long)k, (long long)n, formatNames[format], 1e6 * times[runs / 2],
           1e6 * times[0], 1e6 * times[runs - 1], bytes[format] / times[runs / 2] * 1e-9);
  }
  for (int format = 0; format < FORMATS; ++format)
    free(packed[format]);
  free(a), free(b), free(y), free(scales), free(codes), free(halves), free(times);
  return 0;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 7;
  if (runs < 1)
    runs = 7;
  if (argc > 2) { /* shapes given as K N pairs */
    for (int i = 2; i + 1 < argc; i += 2)
      if (benchShape(atoll(argv[i]), atoll(argv[i + 1]), runs))
        return 1;
    return 0;
  }
  static const int64_t shapes[][2] = {{768, 2304}, {768, 3072}, {3072, 768}, {768, 50257}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i)
    if (benchShape(shapes[i][0], shapes[i][1], runs))
      return 1;
  return 0;
}
