/* KernelsScatter.c: ONNX ScatterND; replacing is type-generic, the reductions are written
 * per element type. */
#include "gcim/Runtime/Kernels/Scatter.h"

#include <assert.h>
#include <string.h>

#define COMBINE(T)                                                                                 \
  do {                                                                                             \
    T *out = (T *)y + offset;                                                                      \
    const T *in = (const T *)updates + offset2;                                                    \
    for (int64_t i = 0; i < count; ++i)                                                            \
      out[i] = reduction == GCIM_SCATTER_ADD   ? out[i] + in[i]                                    \
               : reduction == GCIM_SCATTER_MUL ? out[i] * in[i]                                    \
               : reduction == GCIM_SCATTER_MAX ? (in[i] > out[i] ? in[i] : out[i])                 \
                                               : (in[i] < out[i] ? in[i] : out[i]);                \
  } while (0)

/* y[offset + i] op= updates[offset2 + i] for i < count. */
static void combine(GcimElemType type, GcimScatterReduction reduction, void *y, int64_t offset,
                    const void *updates, int64_t offset2, int64_t count) {
  switch (type) {
  case GCIM_ELEM_F32:
    COMBINE(float);
    break;
  case GCIM_ELEM_F64:
    COMBINE(double);
    break;
  case GCIM_ELEM_I32:
    COMBINE(int32_t);
    break;
  case GCIM_ELEM_I64:
    COMBINE(int64_t);
    break;
  default:
    assert(!"ScatterND reductions take float32, float64, int32 or int64");
  }
}

int gcimKernelScatterND(GcimElemType type, GcimScatterReduction reduction, const void *data,
                        const int64_t *dataDims, int rank, const int64_t *indices,
                        const int64_t *idxDims, int idxRank, const void *updates, void *y) {
  size_t size = gcimElemTypeSize(type);
  if (y != data)
    memcpy(y, data, (size_t)gcimKernelNumElements(dataDims, rank) * size);
  int k = (int)idxDims[idxRank - 1];
  int64_t tuples = gcimKernelNumElements(idxDims, idxRank - 1);
  int64_t slice = gcimKernelNumElements(dataDims + k, rank - k);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t offset = 0;
    for (int d = 0; d < k; ++d) {
      int64_t i = indices[t * k + d];
      if (i < -dataDims[d] || i >= dataDims[d])
        return -1;
      offset = offset * dataDims[d] + (i < 0 ? i + dataDims[d] : i);
    }
    if (reduction == GCIM_SCATTER_NONE)
      memcpy((char *)y + (size_t)(offset * slice) * size,
             (const char *)updates + (size_t)(t * slice) * size, (size_t)slice * size);
    else
      combine(type, reduction, y, offset * slice, updates, t * slice, slice);
  }
  return 0;
}
