/* KernelsBench.c: GFLOP/s of the runtime's matrix products on transformer shapes.
 *
 * Not a test: prints, for each shape and layout, the median of RUNS timed runs (each
 * repeating the product for at least 0.2 s of CPU time). GFLOP/s are per second of the
 * process's CPU time (clock()), so that other work on a shared machine does not count;
 * the wall-clock median is printed beside it. Usage: gcim-kernels-bench [runs [M N K]...]
 * (default: the decode shapes and one 128-row product). */
#include "gcim/Runtime/Kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpuNow(void) { return (double)clock() / CLOCKS_PER_SEC; }

static double now(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compareDoubles(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

typedef enum Layout { PLAIN, TRANSPOSED, PACKED } Layout;
static const char *const layoutNames[] = {"row-major B (MatMul)", "transposed B (Gemm transB)",
                                          "packed B"};

// One product y = a . B in the given layout.
static void product(Layout layout, const float *a, const float *b, float *y, int64_t m, int64_t n,
                    int64_t k) {
  switch (layout) {
  case PLAIN:
    gcimKernelMatMul2dF32(a, b, y, m, n, k);
    break;
  case TRANSPOSED:
    gcimKernelGemmF32(a, b, NULL, NULL, 0, y, m, n, k, 0, 1, 1.0f, 0.0f);
    break;
  case PACKED:
    gcimKernelMatMulPackedF32(a, b, NULL, y, m, n, k);
    break;
  }
}

static int benchShape(int64_t m, int64_t n, int64_t k, int runs) {
  float *a = malloc((size_t)(m * k) * sizeof(float));
  float *b = malloc((size_t)(k * n) * sizeof(float));
  float *packed = malloc((size_t)gcimKernelPackedBCount(k, n) * sizeof(float));
  float *y = malloc((size_t)(m * n) * sizeof(float));
  double *gflops = malloc((size_t)runs * sizeof(double));
  double *wall = malloc((size_t)runs * sizeof(double));
  if (!a || !b || !packed || !y || !gflops || !wall) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  srand(1);
  for (int64_t i = 0; i < m * k; ++i)
    a[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  for (int64_t i = 0; i < k * n; ++i)
    b[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  gcimKernelPackBF32(b, k, n, 0, packed);
  for (int layout = PLAIN; layout <= PACKED; ++layout) {
    const float *bl = layout == PACKED ? packed : b;
    product((Layout)layout, a, bl, y, m, n, k); // warm-up
    for (int r = 0; r < runs; ++r) {
      int64_t reps = 0;
      double start = now(), cpuStart = cpuNow(), elapsed;
      do {
        product((Layout)layout, a, bl, y, m, n, k);
        ++reps;
        elapsed = cpuNow() - cpuStart;
      } while (elapsed < 0.2);
      double flops = 2.0 * (double)m * (double)n * (double)k * (double)reps;
      gflops[r] = flops / elapsed * 1e-9;
      wall[r] = flops / (now() - start) * 1e-9;
    }
    qsort(gflops, (size_t)runs, sizeof(double), compareDoubles);
    qsort(wall, (size_t)runs, sizeof(double), compareDoubles);
    printf("%4lld x %5lld @ %5lld x %5lld  %-27s median %7.2f GFLOP/s (min %.2f, max %.2f; "
           "wall %.2f)\n",
           (long long)m, (long long)k, (long long)k, (long long)n, layoutNames[layout],
           gflops[runs / 2], gflops[0], gflops[runs - 1], wall[runs / 2]);
  }
  free(a);
  free(b);
  free(packed);
  free(y);
  free(gflops);
  free(wall);
  return 0;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 7;
  if (runs < 1)
    runs = 7;
  if (argc > 2) { /* shapes given as M N K triples */
    for (int i = 2; i + 2 < argc; i += 3)
      if (benchShape(atoll(argv[i]), atoll(argv[i + 1]), atoll(argv[i + 2]), runs))
        return 1;
    return 0;
  }
  static const int64_t shapes[][3] = {{1, 2304, 768}, {1, 50257, 768}, {128, 768, 768}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i)
    if (benchShape(shapes[i][0], shapes[i][1], shapes[i][2], runs))
      return 1;
  return 0;
}
