/* gcim/Runtime/Kernels/Reduce.h: reductions over a set of axes (ONNX ReduceSum,
 * ReduceMean, ReduceMax, ReduceMin, ReduceProd). */
#ifndef GCIM_RUNTIME_KERNELS_REDUCE_H
#define GCIM_RUNTIME_KERNELS_REDUCE_H

#include "gcim/Runtime/Kernels/Common.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Reduction ops. MAX/MIN propagate NaN; over an empty set SUM gives 0, MEAN NaN, PROD 1,
/// MAX -INFINITY and MIN INFINITY (ONNX's identities).
typedef enum GcimReduceOp {
  GCIM_REDUCE_SUM = 0,
  GCIM_REDUCE_MEAN,
  GCIM_REDUCE_MAX,
  GCIM_REDUCE_MIN,
  GCIM_REDUCE_PROD
} GcimReduceOp;

/// Reduces x `(dims, rank)` over `axes` (`axisCount` distinct entries, negative allowed;
/// axisCount 0 reduces every axis, ONNX's default; ONNX's noop_with_empty_axes is a copy
/// the caller emits). y holds the product of the kept extents, in order: keepdims only
/// changes y's declared shape, not its data. A reduced run of contiguous elements is
/// summed in double (int64 for I64), then added to its output in float32. No overlap.
void gcimKernelReduceF32(GcimReduceOp op, const float *x, const int64_t *dims, int rank,
                         const int64_t *axes, int axisCount, float *y);

/// gcimKernelReduceF32 on float64 (sums in double).
void gcimKernelReduceF64(GcimReduceOp op, const double *x, const int64_t *dims, int rank,
                         const int64_t *axes, int axisCount, double *y);

/// gcimKernelReduceF32 on int64 (SUM, MAX, MIN, PROD; MEAN truncates toward zero).
void gcimKernelReduceI64(GcimReduceOp op, const int64_t *x, const int64_t *dims, int rank,
                         const int64_t *axes, int axisCount, int64_t *y);

/// The index the scan `best = 0; for i: if (x[i] > x[best]) best = i` gives over x[0..count)
/// (count >= 1): the first maximum; NaN never wins, but a NaN x[0] is kept; -0 equals +0.
/// A language model's greedy next token. Vectorised: a pass for the maximum, one for its
/// first index (the plain scan is about 3.4 ns per element, 0.17 ms per GPT-2 token).
int64_t gcimKernelFirstMaxF32(const float *x, int64_t count);

/// Checks reduction axes known only at run time (an ONNX axes input): returns 0 when the
/// `axisCount` axes are in [-rank, rank) and distinct, and reducing them (axisCount 0:
/// every axis) gives the shape `(yDims, yRank)` with `keepdims` or without; else -1 (the
/// caller must not run the reduction).
int gcimKernelReduceCheck(const int64_t *dims, int rank, const int64_t *axes, int axisCount,
                          int keepdims, const int64_t *yDims, int yRank);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_REDUCE_H */
