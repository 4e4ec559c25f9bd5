/* gcim/Runtime/Kernels/Scatter.h: ONNX ScatterND, as KV-cache exports write a position
 * update: the data with the slices the indices name replaced (or combined) by updates. */
#ifndef GCIM_RUNTIME_KERNELS_SCATTER_H
#define GCIM_RUNTIME_KERNELS_SCATTER_H

#include "gcim/Runtime/Kernels/Common.h"

#ifdef __cplusplus
extern "C" {
#endif

/// ScatterND's `reduction`: none (replace), add, mul, max, min.
typedef enum GcimScatterReduction {
  GCIM_SCATTER_NONE,
  GCIM_SCATTER_ADD,
  GCIM_SCATTER_MUL,
  GCIM_SCATTER_MAX,
  GCIM_SCATTER_MIN
} GcimScatterReduction;

/// ONNX ScatterND: y = data (element type `type`, shape `dataDims`, rank `rank`), then for
/// each index tuple t of `indices` in order (shape `idxDims`, rank `idxRank`, last extent
/// k <= rank; negative entries counted from the end), the slice y[t] (the data's trailing
/// rank - k dimensions) := the matching slice of `updates` (shape idxDims[:-1] +
/// dataDims[k:]), or combined with it by `reduction` (float32, float64, int32 and int64
/// only). y may be data (in place). Returns 0, or -1 (y partly written) when an index is
/// out of range.
int gcimKernelScatterND(GcimElemType type, GcimScatterReduction reduction, const void *data,
                        const int64_t *dataDims, int rank, const int64_t *indices,
                        const int64_t *idxDims, int idxRank, const void *updates, void *y);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_SCATTER_H */
