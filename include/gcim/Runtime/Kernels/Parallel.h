/* gcim/Runtime/Kernels/Parallel.h: kernels split over the runtime's worker pool.
 *
 * Each splits its work where every output element is still computed by the same code as
 * in one call of the serial kernel, so the results are the same bits for any number of
 * threads (and with a NULL pool, which calls the serial kernel). Small problems are not
 * split. C99. */
#ifndef GCIM_RUNTIME_KERNELS_PARALLEL_H
#define GCIM_RUNTIME_KERNELS_PARALLEL_H

#include "gcim/Runtime/Kernels/Common.h"
#include "gcim/Runtime/Kernels/Elementwise.h"
#include "gcim/Runtime/Kernels/Nn.h"
#include "gcim/Runtime/Threads.h"

#ifdef __cplusplus
extern "C" {
#endif

/// gcimKernelMatMulPackedF32 on `pool`, by ranges of whole packed panels of columns (each
/// thread reads only its share of the weights).
void gcimParallelMatMulPackedF32(GcimThreadPool *pool, const float *a, const float *packedB,
                                 const float *bias, float *y, int64_t m, int64_t n, int64_t k);

/// gcimKernelAttentionF32 on `pool`, one task per (batch, query head). Key and value head
/// (b, g) starts at k + (b * kvHeads + g) * kHeadStride and v + ... * vHeadStride (a cache
/// of capacity C has strides C * D, more than keyLen * D). `scratch` holds
/// batch * heads * gcimKernelAttentionScratchSize(desc) floats.
void gcimParallelAttentionF32(GcimThreadPool *pool, const GcimAttentionDesc *desc, const float *q,
                              const float *k, int64_t kHeadStride, const float *v,
                              int64_t vHeadStride, float *out, float *scratch);

/// gcimKernelUnaryF32 on `pool`, by ranges of elements (each element is computed alone).
void gcimParallelUnaryF32(GcimThreadPool *pool, GcimUnaryOp op, const float *x, float *y,
                          int64_t count);

/// gcimKernelLayerNormF32 on `pool`, by ranges of rows (the axes before `axis`).
void gcimParallelLayerNormF32(GcimThreadPool *pool, const float *x, const int64_t *dims, int rank,
                              int64_t axis, const float *scale, const float *bias, float epsilon,
                              float *y, float *mean, float *invStdDev);

/// gcimKernelSoftmaxF32 (`logarithm`: gcimKernelLogSoftmaxF32) on `pool`, by ranges of the
/// axes before `axis`.
void gcimParallelSoftmaxF32(GcimThreadPool *pool, const float *x, const int64_t *dims, int rank,
                            int64_t axis, int logarithm, float *y);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_PARALLEL_H */
