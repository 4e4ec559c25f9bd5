/* gcim/Runtime/Kernels/Index.h: kernels with an index result (ONNX ArgMax, ArgMin, TopK). */
#ifndef GCIM_RUNTIME_KERNELS_INDEX_H
#define GCIM_RUNTIME_KERNELS_INDEX_H

#include "gcim/Runtime/Kernels/Common.h"

#ifdef __cplusplus
extern "C" {
#endif

/// ONNX ArgMax (`largest` 1) or ArgMin (0) along `axis` (negative allowed, extent >= 1) of
/// x (shape `dims`, element type `type`): y (int64, x's shape without the axis; keepdims
/// only changes the declared shape) holds the index of the largest (smallest) element of
/// each row. Ties give the first index, the last with `selectLast` (as ONNX says). A NaN
/// never wins unless it is first (the plain scan `if (x[i] > x[best])`, as ONNX Runtime
/// answers). No overlap.
void gcimKernelArgReduce(GcimElemType type, const void *x, const int64_t *dims, int rank,
                         int64_t axis, int largest, int selectLast, int64_t *y);

/// ONNX TopK along `axis` (negative allowed) of x: for each row the `k` largest (`largest`
/// 1) or smallest (0) elements, into `values` (x's type) and `indices` (int64), both of x's
/// shape with the axis of extent k. The k are sorted, largest (smallest) first, equal
/// values by ascending index, as ONNX Runtime orders them (ONNX's `sorted` 0 leaves the
/// order open: the same order is given). NaN counts as larger than every number here;
/// ONNX Runtime's order of NaNs is not a consistent one. Uses no
/// memory beyond the outputs; O(n log k) per row. No overlap.
void gcimKernelTopK(GcimElemType type, const void *x, const int64_t *dims, int rank, int64_t axis,
                    int64_t k, int largest, void *values, int64_t *indices);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_INDEX_H */
