/* KernelsNorm.c: LayerNormalization, Softmax and LogSoftmax (float32, statistics and sums
 * in double). */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Kernels/Nn.h"

#include "KernelsInternal.h"
#include "KernelsMatMulIsa.h"

#include <math.h>

GCIM_KERNELS_VECTORISE void gcimKernelLayerNormF32(const float *x, const int64_t *dims, int rank,
                                                   int64_t axis, const float *scale,
                                                   const float *bias, float epsilon, float *y,
                                                   float *mean, float *invStdDev) {
  int ax = gcimKernelsAxis(axis, rank);
  int64_t rows = gcimKernelNumElements(dims, ax);
  int64_t n = gcimKernelNumElements(dims + ax, rank - ax);
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = x + r * n;
    float *yr = y + r * n;
    // Two passes (mean, then squared deviations) in double: no cancellation.
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i)
      sum += xr[i];
    double mu = n > 0 ? sum / (double)n : 0.0;
    double squares = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      double d = xr[i] - mu;
      squares += d * d;
    }
    double variance = n > 0 ? squares / (double)n : 0.0;
    float inv = (float)(1.0 / sqrt(variance + (double)epsilon));
    float m = (float)mu;
    if (mean)
      mean[r] = m;
    if (invStdDev)
      invStdDev[r] = inv;
    // ((x - mean) * inv) * scale + bias in loops without branches (GCC at -O2 vectorises
    // these only): one pass in the usual case, else one per term.
    if (scale && bias) {
      for (int64_t i = 0; i < n; ++i)
        yr[i] = (xr[i] - m) * inv * scale[i] + bias[i];
      continue;
    }
    for (int64_t i = 0; i < n; ++i)
      yr[i] = (xr[i] - m) * inv;
    if (scale)
      for (int64_t i = 0; i < n; ++i)
        yr[i] *= scale[i];
    if (bias)
      for (int64_t i = 0; i < n; ++i)
        yr[i] += bias[i];
  }
}

// Softmax (logOutput = 0) or LogSoftmax (logOutput = 1) of the n elements x[i * stride], i < n.
static void softmaxLine(const float *x, float *y, int64_t n, int64_t stride, int logOutput) {
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i)
    max = x[i * stride] > max ? x[i * stride] : max;
  double sum = 0.0;
  if (logOutput) {
    for (int64_t i = 0; i < n; ++i)
      sum += expf(x[i * stride] - max);
    double shift = (double)max + log(sum);
    for (int64_t i = 0; i < n; ++i)
      y[i * stride] = (float)((double)x[i * stride] - shift);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    float e = expf(x[i * stride] - max);
    y[i * stride] = e;
    sum += e;
  }
  float inv = (float)(1.0 / sum);
  for (int64_t i = 0; i < n; ++i)
    y[i * stride] *= inv;
}

static void softmaxAxis(const float *x, const int64_t *dims, int rank, int64_t axis, float *y,
                        int logOutput) {
  if (rank == 0) {
    softmaxLine(x, y, 1, 1, logOutput);
    return;
  }
  int ax = gcimKernelsAxis(axis, rank);
  int64_t outer = gcimKernelNumElements(dims, ax), n = dims[ax];
  int64_t inner = gcimKernelNumElements(dims + ax + 1, rank - ax - 1);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      softmaxLine(x + o * n * inner + i, y + o * n * inner + i, n, inner, logOutput);
}

void gcimKernelSoftmaxF32(const float *x, const int64_t *dims, int rank, int64_t axis, float *y) {
  softmaxAxis(x, dims, rank, axis, y, 0);
}

void gcimKernelLogSoftmaxF32(const float *x, const int64_t *dims, int rank, int64_t axis,
                             float *y) {
  softmaxAxis(x, dims, rank, axis, y, 1);
}
