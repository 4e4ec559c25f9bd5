/* KernelsGatherND.c: ONNX GatherND, type-generic (slices are copied bytes). */
#include "gcim/Runtime/Kernels/GatherND.h"

#include <string.h>

int gcimKernelGatherND(const void *data, const int64_t *dataDims, int rank, const int64_t *indices,
                       const int64_t *idxDims, int idxRank, int batchDims, void *y,
                       size_t elemSize) {
  int k = (int)idxDims[idxRank - 1];
  const int64_t *tupleDims = dataDims + batchDims;
  int64_t batches = gcimKernelNumElements(dataDims, batchDims);
  int64_t batchSize = gcimKernelNumElements(tupleDims, rank - batchDims);
  int64_t tuples = gcimKernelNumElements(idxDims, idxRank - 1);
  int64_t slice = gcimKernelNumElements(tupleDims + k, rank - batchDims - k);
  int64_t perBatch = batches ? tuples / batches : 0;
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t offset = 0;
    for (int d = 0; d < k; ++d) {
      int64_t i = indices[t * k + d], n = tupleDims[d];
      if (i < -n || i >= n)
        return -1;
      offset = offset * n + (i < 0 ? i + n : i);
    }
    int64_t from = (t / perBatch) * batchSize + offset * slice;
    memcpy((char *)y + (size_t)(t * slice) * elemSize, (const char *)data + (size_t)from * elemSize,
           (size_t)slice * elemSize);
  }
  return 0;
}
