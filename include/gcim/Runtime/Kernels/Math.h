/* gcim/Runtime/Kernels/Math.h: elementwise ops on any element type (ONNX Mod, IsInf,
 * IsNaN) and the index kernels of position handling (ONNX Tile, CumSum, GatherElements). */
#ifndef GCIM_RUNTIME_KERNELS_MATH_H
#define GCIM_RUNTIME_KERNELS_MATH_H

#include "gcim/Runtime/Kernels/Common.h"

#ifdef __cplusplus
extern "C" {
#endif

/// ONNX Mod: out = a mod b, a and b of element type `type` broadcast to `outDims`. With
/// `fmod` the result has the sign of a (C fmod, required for float types); without it the
/// sign of b (Python's %, integers only). An integer divisor of 0 gives 0. No overlap.
void gcimKernelModAny(GcimElemType type, int fmod, const void *a, const int64_t *aDims, int aRank,
                      const void *b, const int64_t *bDims, int bRank, void *out,
                      const int64_t *outDims, int outRank);

/// ONNX IsInf (`nan` 0; `positive`/`negative` select the infinities detected) and IsNaN
/// (`nan` 1): y[i] (bool, 0 or 1) for the `count` elements of float type `type`.
void gcimKernelIsInfNaN(GcimElemType type, const void *x, int nan, int positive, int negative,
                        uint8_t *y, int64_t count);

/// ONNX Tile: y (shape `yDims`, each extent a multiple of x's) repeats x along every axis.
void gcimKernelTile(const void *x, const int64_t *xDims, int rank, void *y, const int64_t *yDims,
                    size_t elemSize);

/// ONNX CumSum along `axis` (negative allowed) of x (shape `dims`, float32, float64, int32
/// or int64 `type`): inclusive unless `exclusive`, from the end when `reverse`. No overlap.
void gcimKernelCumSum(GcimElemType type, const void *x, const int64_t *dims, int rank, int64_t axis,
                      int exclusive, int reverse, void *y);

/// ONNX GatherElements along `axis`: y[i] = x[i with i[axis] := indices[i]], indices (shape
/// `idxDims`, the output's, same rank as x; negative counted from the end). Returns 0, or
/// -1 (y unspecified) when an index is out of range.
int gcimKernelGatherElements(const void *x, const int64_t *xDims, int rank, int64_t axis,
                             const int64_t *indices, const int64_t *idxDims, void *y,
                             size_t elemSize);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_MATH_H */
