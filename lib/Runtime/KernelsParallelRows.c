/* KernelsParallelRows.c: the elementwise and row-wise kernels split over a worker pool
 * (Kernels/Parallel.h): unary ops by ranges of elements, LayerNorm and Softmax by ranges of
 * rows. Each part calls the serial kernel on its range, and those kernels compute every
 * element (every row) on its own, in the same order whatever the range, so the bits do not
 * depend on the number of threads. What stays serial in a decode step is small (a row of
 * the residual stream); prefill's GELU, LayerNorm and Softmax on T rows are what this
 * splits. */
#include "gcim/Runtime/Kernels/Parallel.h"

#include "KernelsInternal.h"

/* Parts per thread, as KernelsParallel.c; a part gets at least MIN_PART_ELEMENTS elements
 * (waking the workers costs microseconds), element ranges start at multiples of ALIGN. */
enum { PARTS_PER_THREAD = 2, MIN_PART_ELEMENTS = 1 << 14, ALIGN = 64 };

/* Parts for `units` units of `unitElements` elements each on `pool`: 1 when not worth it. */
static int64_t partsFor(GcimThreadPool *pool, int64_t units, int64_t unitElements) {
  int64_t parts = gcimThreadPoolSize(pool) * PARTS_PER_THREAD;
  int64_t bySize = units * unitElements / MIN_PART_ELEMENTS;
  parts = parts < bySize ? parts : bySize;
  parts = parts < units ? parts : units;
  return parts > 1 ? parts : 1;
}

/* Units [begin, end) of part `part` of `parts` over `units`, starts at multiples of align. */
static void partRange(int64_t units, int64_t parts, int64_t align, int64_t part, int64_t *begin,
                      int64_t *end) {
  int64_t per = (units + parts - 1) / parts;
  per = (per + align - 1) / align * align;
  *begin = part * per < units ? part * per : units;
  *end = *begin + per < units ? *begin + per : units;
}

typedef struct UnaryWork {
  GcimUnaryOp op;
  const float *x;
  float *y;
  int64_t count, parts;
} UnaryWork;

static void unaryPart(void *ctx, int64_t part) {
  const UnaryWork *w = ctx;
  int64_t begin, end;
  partRange(w->count, w->parts, ALIGN, part, &begin, &end);
  gcimKernelUnaryF32(w->op, w->x + begin, w->y + begin, end - begin);
}

void gcimParallelUnaryF32(GcimThreadPool *pool, GcimUnaryOp op, const float *x, float *y,
                          int64_t count) {
  UnaryWork w = {op, x, y, count, partsFor(pool, count, 1)};
  if (w.parts == 1)
    gcimKernelUnaryF32(op, x, y, count);
  else
    gcimThreadPoolRun(pool, w.parts, unaryPart, &w);
}

/* A row-wise kernel over rows x rowElements (LayerNorm: the normalised axes flattened;
 * Softmax: the axis and the axes after it, `inner` elements apart). */
typedef struct RowWork {
  const float *x;
  float *y;
  int64_t rows, rowElements, inner, parts;
  /* LayerNorm */
  const float *scale, *bias;
  float epsilon;
  float *mean, *invStdDev;
  /* Softmax */
  int softmax, logarithm;
} RowWork;

static void rowPart(void *ctx, int64_t part) {
  const RowWork *w = ctx;
  int64_t begin, end;
  partRange(w->rows, w->parts, 1, part, &begin, &end);
  const float *x = w->x + begin * w->rowElements;
  float *y = w->y + begin * w->rowElements;
  if (w->softmax) {
    const int64_t dims[3] = {end - begin, w->rowElements / w->inner, w->inner};
    if (w->logarithm)
      gcimKernelLogSoftmaxF32(x, dims, 3, 1, y);
    else
      gcimKernelSoftmaxF32(x, dims, 3, 1, y);
    return;
  }
  const int64_t dims[2] = {end - begin, w->rowElements};
  gcimKernelLayerNormF32(x, dims, 2, 1, w->scale, w->bias, w->epsilon, y,
                         w->mean ? w->mean + begin : NULL,
                         w->invStdDev ? w->invStdDev + begin : NULL);
}

void gcimParallelLayerNormF32(GcimThreadPool *pool, const float *x, const int64_t *dims, int rank,
                              int64_t axis, const float *scale, const float *bias, float epsilon,
                              float *y, float *mean, float *invStdDev) {
  int ax = gcimKernelsAxis(axis, rank);
  RowWork w = {x,
               y,
               gcimKernelNumElements(dims, ax),
               gcimKernelNumElements(dims + ax, rank - ax),
               1,
               1,
               scale,
               bias,
               epsilon,
               mean,
               invStdDev,
               0,
               0};
  w.parts = partsFor(pool, w.rows, w.rowElements);
  if (w.parts == 1)
    gcimKernelLayerNormF32(x, dims, rank, axis, scale, bias, epsilon, y, mean, invStdDev);
  else
    gcimThreadPoolRun(pool, w.parts, rowPart, &w);
}

void gcimParallelSoftmaxF32(GcimThreadPool *pool, const float *x, const int64_t *dims, int rank,
                            int64_t axis, int logarithm, float *y) {
  int ax = gcimKernelsAxis(axis, rank);
  RowWork w = {x,
               y,
               gcimKernelNumElements(dims, ax),
               gcimKernelNumElements(dims + ax, rank - ax),
               gcimKernelNumElements(dims + ax + 1, rank - ax - 1),
               1,
               NULL,
               NULL,
               0.0f,
               NULL,
               NULL,
               1,
               logarithm};
  w.parts = partsFor(pool, w.rows, w.rowElements);
  if (w.parts > 1)
    gcimThreadPoolRun(pool, w.parts, rowPart, &w);
  else if (logarithm)
    gcimKernelLogSoftmaxF32(x, dims, rank, axis, y);
  else
    gcimKernelSoftmaxF32(x, dims, rank, axis, y);
}
