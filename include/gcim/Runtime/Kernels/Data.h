/* gcim/Runtime/Kernels/Data.h: type-generic data movement (ONNX Reshape Flatten Squeeze
 * Unsqueeze Identity Dropout Transpose Concat Split Slice Gather Expand Where Trilu Range
 * ConstantOfShape Cast). Every kernel here takes the element size in bytes, last. */
#ifndef GCIM_RUNTIME_KERNELS_DATA_H
#define GCIM_RUNTIME_KERNELS_DATA_H

#include "gcim/Runtime/Kernels/Common.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Copies `count` elements (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout at
/// inference: the data does not change, only the shape). `x` and `y` may overlap.
void gcimKernelCopy(const void *x, void *y, int64_t count, size_t elemSize);

/// ONNX ConstantOfShape: writes `*value` (one element) to y[0..count).
void gcimKernelFill(const void *value, void *y, int64_t count, size_t elemSize);

/// ONNX Cast of `count` elements from type `from` to type `to` (no overlap unless x == y
/// and the types have the same size). Float to integer truncates toward zero, saturates
/// at the target's range and maps NaN to 0 (ONNX leaves these cases undefined); integer
/// to integer keeps the low bits (two's complement, as ONNX Runtime); to bool is x != 0;
/// to float16/bfloat16 rounds to nearest even.
void gcimKernelCast(const void *x, GcimElemType from, void *y, GcimElemType to, int64_t count);

/// ONNX Transpose: y = x permuted by `perm` (`rank` entries, y's axis i is x's axis
/// perm[i]; NULL reverses the axes, ONNX's default). No overlap.
void gcimKernelTranspose(const void *x, const int64_t *dims, int rank, const int64_t *perm, void *y,
                         size_t elemSize);

/// ONNX Concat along `axis` (negative allowed) of `count` inputs of rank `rank`: input i
/// has `outDims` except `axisSizes[i]` on the axis (sizes may be 0). No overlap.
void gcimKernelConcat(const void *const *inputs, const int64_t *axisSizes, int count,
                      const int64_t *outDims, int rank, int64_t axis, void *y, size_t elemSize);

/// ONNX Split of x `(dims, rank)` along `axis` into `count` outputs of `splitSizes[i]`
/// extents on the axis (summing to dims[axis]; the code generator resolves ONNX's equal
/// split). No overlap.
void gcimKernelSplit(const void *x, const int64_t *dims, int rank, int64_t axis,
                     const int64_t *splitSizes, int count, void *const *outputs, size_t elemSize);

/// ONNX Slice's output shape: fills outDims[0..rank) from x's `dims`. `starts`, `ends`
/// (`count` entries each) follow ONNX (negative from the end, clamped; INT64_MAX/MIN for
/// open ends); `axes` may be NULL (0..count-1) and contain negative axes; `steps` may be
/// NULL (all 1), no step is 0.
void gcimKernelSliceShape(const int64_t *dims, int rank, const int64_t *starts, const int64_t *ends,
                          const int64_t *axes, const int64_t *steps, int count, int64_t *outDims);

/// Checks Slice arguments known only at run time (ONNX starts/ends/axes/steps inputs):
/// returns 0 when every axis is in [-rank, rank) and distinct, no step is 0, and the
/// slice of x `(dims, rank)` has the shape `yDims` (rank `rank`); else -1 (the caller must
/// not run the slice).
int gcimKernelSliceCheck(const int64_t *dims, int rank, const int64_t *starts, const int64_t *ends,
                         const int64_t *axes, const int64_t *steps, int count,
                         const int64_t *yDims);

/// ONNX Slice (arguments as gcimKernelSliceShape); y has the shape that function returns.
/// No overlap.
void gcimKernelSlice(const void *x, const int64_t *dims, int rank, const int64_t *starts,
                     const int64_t *ends, const int64_t *axes, const int64_t *steps, int count,
                     void *y, size_t elemSize);

/// ONNX Gather along `axis`: y has shape dims[0..axis) ++ indices' shape ++
/// dims(axis..rank), with the `indexCount` int64 indices flattened in order; negative
/// indices count from the end. Returns 0, or -1 if an index is out of range (its slice of
/// y is then zero-filled). No overlap.
int gcimKernelGather(const void *x, const int64_t *dims, int rank, int64_t axis,
                     const int64_t *indices, int64_t indexCount, void *y, size_t elemSize);

/// ONNX Expand: y = x broadcast to `yDims` (the broadcast of x's shape and the Expand
/// shape, computed by the caller). No overlap.
void gcimKernelExpand(const void *x, const int64_t *xDims, int xRank, void *y, const int64_t *yDims,
                      int yRank, size_t elemSize);

/// ONNX Where: y = cond ? a : b, the three broadcast to `yDims`; cond is bool (uint8). `y`
/// may be `a` or `b` when that operand has y's shape; otherwise no overlap.
void gcimKernelWhere(const uint8_t *cond, const int64_t *condDims, int condRank, const void *a,
                     const int64_t *aDims, int aRank, const void *b, const int64_t *bDims,
                     int bRank, void *y, const int64_t *yDims, int yRank, size_t elemSize);

/// ONNX Trilu on the last two axes of x (rank >= 2): keeps the elements with j - i >= k
/// (`upper` != 0) or j - i <= k (lower) and zeroes the others (all-zero bytes). `y` may
/// equal `x`.
void gcimKernelTrilu(const void *x, const int64_t *dims, int rank, int64_t k, int upper, void *y,
                     size_t elemSize);

/// ONNX Range's element count: max(ceil((limit - start) / delta), 0); delta != 0.
int64_t gcimKernelRangeCount(double start, double limit, double delta);

/// Whether a floating-point Range known only at run time has the compiled length: 0 when
/// delta != 0 and max(ceil((limit - start) / delta), 0) == count, -1 otherwise (NaN too).
int gcimKernelRangeCheckF64(double start, double limit, double delta, int64_t count);

/// Whether an integer Range known only at run time has the compiled length: 0 when delta != 0
/// and the exact max(ceil((limit - start) / delta), 0) == count, -1 otherwise.
int gcimKernelRangeCheckI64(int64_t start, int64_t limit, int64_t delta, int64_t count);

/// ONNX Range on float32: y[i] = start + i * delta, for i < count.
void gcimKernelRangeF32(float start, float delta, float *y, int64_t count);

/// ONNX Range on int64: y[i] = start + i * delta, for i < count.
void gcimKernelRangeI64(int64_t start, int64_t delta, int64_t *y, int64_t count);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_DATA_H */
