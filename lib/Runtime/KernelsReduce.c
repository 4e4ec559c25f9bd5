/* KernelsReduce.c: reductions over a set of axes. Adjacent axes that are both reduced or
 * both kept are merged; x is then read once, in order, with the output offset following
 * an odometer (0 stride on reduced axes). A reduced innermost run is folded in a local
 * (double for sums) before it meets the output. */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Kernels/Reduce.h"

#include "KernelsInternal.h"

#include <assert.h>
#include <math.h>
#include <string.h>

// The merged shape of x: dims, whether each axis is reduced, and the output strides.
typedef struct Plan {
  int rank;
  int64_t dims[GCIM_MAX_RANK];
  int reduced[GCIM_MAX_RANK];
  int64_t yStrides[GCIM_MAX_RANK];
  int64_t total, outputs, group; /* x elements, y elements, elements per output */
} Plan;

static void makePlan(Plan *plan, const int64_t *dims, int rank, const int64_t *axes,
                     int axisCount) {
  assert(rank >= 0 && rank <= GCIM_MAX_RANK);
  int flags[GCIM_MAX_RANK] = {0};
  for (int i = 0; i < axisCount; ++i)
    flags[gcimKernelsAxis(axes[i], rank)] = 1;
  memset(plan, 0, sizeof *plan);
  plan->total = gcimKernelNumElements(dims, rank);
  plan->outputs = 1;
  int r = 0;
  for (int d = 0; d < rank; ++d) {
    int red = axisCount == 0 || flags[d];
    if (dims[d] == 1)
      continue;
    if (r > 0 && plan->reduced[r - 1] == red) {
      plan->dims[r - 1] *= dims[d];
      continue;
    }
    plan->dims[r] = dims[d];
    plan->reduced[r] = red;
    ++r;
  }
  if (r == 0) {
    plan->dims[0] = 1;
    plan->reduced[0] = 1;
    r = 1;
  }
  plan->rank = r;
  plan->group = 1;
  int64_t stride = 1;
  for (int d = r - 1; d >= 0; --d) {
    plan->yStrides[d] = plan->reduced[d] ? 0 : stride;
    if (plan->reduced[d])
      plan->group *= plan->dims[d];
    else
      stride *= plan->dims[d];
  }
  plan->outputs = stride;
}

// Advances the odometer over axes 0..rank-2 and the output offset.
static void planNext(const Plan *plan, int64_t *idx, int64_t *yOff) {
  for (int d = plan->rank - 2; d >= 0; --d) {
    *yOff += plan->yStrides[d];
    if (++idx[d] < plan->dims[d])
      return;
    *yOff -= plan->yStrides[d] * plan->dims[d];
    idx[d] = 0;
  }
}

// NaN-propagating max and min (x wins when it is NaN).
#define RMAX(acc, x) acc = ((x) > (acc) || (x) != (x)) ? (x) : (acc)
#define RMIN(acc, x) acc = ((x) < (acc) || (x) != (x)) ? (x) : (acc)
#define RSUM(acc, x) acc += (x)
#define RPROD(acc, x) acc *= (x)

// Runs the reduction with FOLD(acc, x), run accumulators of type ACC starting at INIT.
#define REDUCE(T, ACC, INIT, FOLD)                                                                 \
  do {                                                                                             \
    for (int64_t o = 0; o < plan.outputs; ++o)                                                     \
      y[o] = (T)(INIT);                                                                            \
    if (plan.total == 0)                                                                           \
      break;                                                                                       \
    int64_t inner = plan.dims[plan.rank - 1];                                                      \
    int innerReduced = plan.reduced[plan.rank - 1];                                                \
    int64_t idx[GCIM_MAX_RANK] = {0}, yOff = 0;                                                    \
    for (int64_t at = 0; at < plan.total; at += inner) {                                           \
      const T *xr = x + at;                                                                        \
      if (innerReduced) {                                                                          \
        ACC acc = (ACC)(INIT);                                                                     \
        for (int64_t i = 0; i < inner; ++i)                                                        \
          FOLD(acc, (ACC)xr[i]);                                                                   \
        T run = (T)acc;                                                                            \
        FOLD(y[yOff], run);                                                                        \
      } else {                                                                                     \
        T *yr = y + yOff;                                                                          \
        for (int64_t i = 0; i < inner; ++i)                                                        \
          FOLD(yr[i], xr[i]);                                                                      \
      }                                                                                            \
      planNext(&plan, idx, &yOff);                                                                 \
    }                                                                                              \
  } while (0)

void gcimKernelReduceF32(GcimReduceOp op, const float *x, const int64_t *dims, int rank,
                         const int64_t *axes, int axisCount, float *y) {
  Plan plan;
  makePlan(&plan, dims, rank, axes, axisCount);
  switch (op) {
  case GCIM_REDUCE_SUM:
  case GCIM_REDUCE_MEAN:
    REDUCE(float, double, 0.0, RSUM);
    if (op == GCIM_REDUCE_MEAN) {
      // An empty group gives 0/0 = NaN, as ONNX Runtime.
      float n = (float)plan.group;
      for (int64_t o = 0; o < plan.outputs; ++o)
        y[o] = plan.group ? y[o] / n : NAN;
    }
    return;
  case GCIM_REDUCE_MAX:
    REDUCE(float, float, -INFINITY, RMAX);
    return;
  case GCIM_REDUCE_MIN:
    REDUCE(float, float, INFINITY, RMIN);
    return;
  case GCIM_REDUCE_PROD:
    REDUCE(float, double, 1.0, RPROD);
    return;
  }
  assert(0 && "unknown reduce op");
}

void gcimKernelReduceF64(GcimReduceOp op, const double *x, const int64_t *dims, int rank,
                         const int64_t *axes, int axisCount, double *y) {
  Plan plan;
  makePlan(&plan, dims, rank, axes, axisCount);
  switch (op) {
  case GCIM_REDUCE_SUM:
  case GCIM_REDUCE_MEAN:
    REDUCE(double, double, 0.0, RSUM);
    if (op == GCIM_REDUCE_MEAN)
      for (int64_t o = 0; o < plan.outputs; ++o)
        y[o] = plan.group ? y[o] / (double)plan.group : NAN;
    return;
  case GCIM_REDUCE_MAX:
    REDUCE(double, double, -INFINITY, RMAX);
    return;
  case GCIM_REDUCE_MIN:
    REDUCE(double, double, INFINITY, RMIN);
    return;
  case GCIM_REDUCE_PROD:
    REDUCE(double, double, 1.0, RPROD);
    return;
  }
  assert(0 && "unknown reduce op");
}

void gcimKernelReduceI64(GcimReduceOp op, const int64_t *x, const int64_t *dims, int rank,
                         const int64_t *axes, int axisCount, int64_t *y) {
  Plan plan;
  makePlan(&plan, dims, rank, axes, axisCount);
  switch (op) {
  case GCIM_REDUCE_SUM:
  case GCIM_REDUCE_MEAN:
    REDUCE(int64_t, int64_t, 0, RSUM);
    if (op == GCIM_REDUCE_MEAN)
      for (int64_t o = 0; o < plan.outputs; ++o)
        y[o] = plan.group ? y[o] / plan.group : 0;
    return;
  case GCIM_REDUCE_MAX:
    REDUCE(int64_t, int64_t, INT64_MIN, RMAX);
    return;
  case GCIM_REDUCE_MIN:
    REDUCE(int64_t, int64_t, INT64_MAX, RMIN);
    return;
  case GCIM_REDUCE_PROD:
    REDUCE(int64_t, int64_t, 1, RPROD);
    return;
  }
  assert(0 && "unknown reduce op");
}

int gcimKernelReduceCheck(const int64_t *dims, int rank, const int64_t *axes, int axisCount,
                          int keepdims, const int64_t *yDims, int yRank) {
  int flags[GCIM_MAX_RANK] = {0};
  for (int i = 0; i < axisCount; ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank || flags[axis])
      return -1;
    flags[axis] = 1;
  }
  int r = 0;
  for (int d = 0; d < rank; ++d) {
    int reduced = axisCount == 0 || flags[d];
    if (reduced && !keepdims)
      continue;
    if (r >= yRank || yDims[r] != (reduced ? 1 : dims[d]))
      return -1;
    ++r;
  }
  return r == yRank ? 0 : -1;
}

int64_t gcimKernelFirstMaxF32(const float *x, int64_t count) {
  if (count <= 1 || x[0] != x[0])
    return 0;
  /* Lanes of the maximum over the non-NaN elements: `v > m ? v : m` keeps m on NaN, and
   * is exact in any order (a maximum, not a sum), so the lanes vectorise. */
  enum { LANES = 16 };
  float lanes[LANES];
  for (int l = 0; l < LANES; ++l)
    lanes[l] = x[0];
  int64_t i = 0;
  for (; i + LANES <= count; i += LANES)
    for (int l = 0; l < LANES; ++l)
      lanes[l] = x[i + l] > lanes[l] ? x[i + l] : lanes[l];
  float max = x[0];
  for (; i < count; ++i)
    max = x[i] > max ? x[i] : max;
  for (int l = 0; l < LANES; ++l)
    max = lanes[l] > max ? lanes[l] : max;
  int64_t first = 0;
  while (!(x[first] == max))
    ++first;
  return first;
}
