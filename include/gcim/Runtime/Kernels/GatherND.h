/* gcim/Runtime/Kernels/GatherND.h: ONNX GatherND (opset 13, with batch_dims): the slices of
 * the data that index tuples name, gathered. */
#ifndef GCIM_RUNTIME_KERNELS_GATHERND_H
#define GCIM_RUNTIME_KERNELS_GATHERND_H

#include "gcim/Runtime/Kernels/Common.h"

#ifdef __cplusplus
extern "C" {
#endif

/// ONNX GatherND: data (shape `dataDims`, rank `rank`, elements of `elemSize` bytes),
/// indices (shape `idxDims`, rank `idxRank`, last extent k, 1 <= k <= rank - batchDims;
/// negative entries counted from the end), the first `batchDims` extents shared by both.
/// Index tuple t of batch n gives y's slice t (data's trailing rank - batchDims - k
/// dimensions) = data[n][t's indices]; y has shape idxDims[:-1] + dataDims[batchDims + k:].
/// Returns 0, or -1 (y partly written) when an index is out of range.
int gcimKernelGatherND(const void *data, const int64_t *dataDims, int rank, const int64_t *indices,
                       const int64_t *idxDims, int idxRank, int batchDims, void *y,
                       size_t elemSize);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_GATHERND_H */
