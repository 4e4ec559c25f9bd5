/* KernelsData.c: type-generic data movement (copy, fill, transpose, concat, split, slice,
 * gather, expand, where, trilu, range). Elements are moved with memcpy of elemSize bytes;
 * runs of contiguous elements are moved with one memcpy. */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Kernels/Data.h"

#include "KernelsInternal.h"

#include <assert.h>
#include <math.h>
#include <string.h>

typedef unsigned char Byte;

void gcimKernelCopy(const void *x, void *y, int64_t count, size_t elemSize) {
  if (count > 0 && x != y)
    memmove(y, x, (size_t)count * elemSize);
}

void gcimKernelFill(const void *value, void *y, int64_t count, size_t elemSize) {
  Byte *out = y;
  for (int64_t i = 0; i < count; ++i)
    memcpy(out + (size_t)i * elemSize, value, elemSize);
}

void gcimKernelTranspose(const void *x, const int64_t *dims, int rank, const int64_t *perm, void *y,
                         size_t elemSize) {
  assert(rank >= 0 && rank <= GCIM_MAX_RANK);
  int64_t total = gcimKernelNumElements(dims, rank);
  if (total == 0)
    return;
  // y's axes with the matching strides of x, then the shared broadcast iterator with
  // one operand walks x in y's order (it also merges axes that stay contiguous).
  int64_t xStrides[GCIM_MAX_RANK], yDims[GCIM_MAX_RANK];
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    xStrides[d] = stride;
    stride *= dims[d];
  }
  GcimBcast it;
  memset(&it, 0, sizeof it);
  it.count = 1;
  it.total = total;
  int r = 0;
  for (int d = 0; d < rank; ++d) {
    int src = perm ? (int)perm[d] : rank - 1 - d;
    assert(src >= 0 && src < rank);
    yDims[d] = dims[src];
    if (yDims[d] == 1)
      continue;
    if (r > 0 && it.strides[0][r - 1] == xStrides[src] * yDims[d]) {
      it.dims[r - 1] *= yDims[d];
      it.strides[0][r - 1] = xStrides[src];
      continue;
    }
    it.dims[r] = yDims[d];
    it.strides[0][r] = xStrides[src];
    ++r;
  }
  if (r == 0)
    it.dims[r++] = 1;
  it.rank = r;
  const Byte *in = x;
  Byte *out = y;
  int64_t inner = it.dims[r - 1], innerStride = it.strides[0][r - 1];
  int64_t idx[GCIM_MAX_RANK] = {0}, off[3] = {0, 0, 0};
  for (int64_t o = 0; o < total; o += inner) {
    if (innerStride == 1)
      memcpy(out + (size_t)o * elemSize, in + (size_t)off[0] * elemSize, (size_t)inner * elemSize);
    else if (elemSize == 4)
      for (int64_t i = 0; i < inner; ++i)
        memcpy(out + (size_t)(o + i) * 4, in + (size_t)(off[0] + i * innerStride) * 4, 4);
    else
      for (int64_t i = 0; i < inner; ++i)
        memcpy(out + (size_t)(o + i) * elemSize, in + (size_t)(off[0] + i * innerStride) * elemSize,
               elemSize);
    gcimKernelsBcastNext(&it, idx, off);
  }
}

// Splits a shape at `axis` into outer (product before), the axis extent and inner
// (product after, in bytes).
static void splitAt(const int64_t *dims, int rank, int axis, int64_t *outer, size_t *innerBytes,
                    size_t elemSize) {
  *outer = gcimKernelNumElements(dims, axis);
  *innerBytes = (size_t)gcimKernelNumElements(dims + axis + 1, rank - axis - 1) * elemSize;
}

void gcimKernelConcat(const void *const *inputs, const int64_t *axisSizes, int count,
                      const int64_t *outDims, int rank, int64_t axis, void *y, size_t elemSize) {
  int ax = gcimKernelsAxis(axis, rank);
  int64_t outer;
  size_t inner;
  splitAt(outDims, rank, ax, &outer, &inner, elemSize);
  Byte *out = y;
  size_t outRow = (size_t)outDims[ax] * inner;
  size_t at = 0;
  for (int i = 0; i < count; ++i) {
    size_t chunk = (size_t)axisSizes[i] * inner;
    const Byte *in = inputs[i];
    for (int64_t o = 0; o < outer && chunk > 0; ++o)
      memcpy(out + (size_t)o * outRow + at, in + (size_t)o * chunk, chunk);
    at += chunk;
  }
  assert(at == outRow);
}

void gcimKernelSplit(const void *x, const int64_t *dims, int rank, int64_t axis,
                     const int64_t *splitSizes, int count, void *const *outputs, size_t elemSize) {
  int ax = gcimKernelsAxis(axis, rank);
  int64_t outer;
  size_t inner;
  splitAt(dims, rank, ax, &outer, &inner, elemSize);
  const Byte *in = x;
  size_t inRow = (size_t)dims[ax] * inner;
  size_t at = 0;
  for (int i = 0; i < count; ++i) {
    size_t chunk = (size_t)splitSizes[i] * inner;
    Byte *out = outputs[i];
    for (int64_t o = 0; o < outer && chunk > 0; ++o)
      memcpy(out + (size_t)o * chunk, in + (size_t)o * inRow + at, chunk);
    at += chunk;
  }
  assert(at == inRow);
}

// One axis of a slice: first index, step and extent, after ONNX's clamping.
static void sliceAxis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first,
                      int64_t *extent) {
  assert(step != 0);
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  if (step > 0) {
    start = start < 0 ? 0 : (start > dim ? dim : start);
    end = end < 0 ? 0 : (end > dim ? dim : end);
    *extent = end > start ? (end - start + step - 1) / step : 0;
  } else {
    start = start < 0 ? 0 : (start > dim - 1 ? dim - 1 : start);
    end = end < -1 ? -1 : (end > dim - 1 ? dim - 1 : end);
    *extent = start > end ? (start - end + (-step) - 1) / (-step) : 0;
  }
  *first = start;
}

// Per-axis first index, step and extent of a slice of every axis of x.
static void sliceAll(const int64_t *dims, int rank, const int64_t *starts, const int64_t *ends,
                     const int64_t *axes, const int64_t *steps, int count, int64_t *first,
                     int64_t *step, int64_t *extent) {
  for (int d = 0; d < rank; ++d) {
    first[d] = 0;
    step[d] = 1;
    extent[d] = dims[d];
  }
  for (int i = 0; i < count; ++i) {
    int d = gcimKernelsAxis(axes ? axes[i] : i, rank);
    step[d] = steps ? steps[i] : 1;
    // A step beyond the axis takes one element at most: clamping it (a runtime step may
    // be anything) keeps the extent's rounding and the strides from overflowing.
    int64_t most = dims[d] + 1;
    step[d] = step[d] > most ? most : (step[d] < -most ? -most : step[d]);
    sliceAxis(dims[d], starts[i], ends[i], step[d], &first[d], &extent[d]);
  }
}

void gcimKernelSliceShape(const int64_t *dims, int rank, const int64_t *starts, const int64_t *ends,
                          const int64_t *axes, const int64_t *steps, int count, int64_t *outDims) {
  int64_t first[GCIM_MAX_RANK], step[GCIM_MAX_RANK];
  sliceAll(dims, rank, starts, ends, axes, steps, count, first, step, outDims);
}

int gcimKernelSliceCheck(const int64_t *dims, int rank, const int64_t *starts, const int64_t *ends,
                         const int64_t *axes, const int64_t *steps, int count,
                         const int64_t *yDims) {
  int seen[GCIM_MAX_RANK] = {0};
  if (count > rank)
    return -1;
  for (int i = 0; i < count; ++i) {
    int64_t axis = axes ? axes[i] : i;
    axis = axis < 0 ? axis + rank : axis;
    if (axis < 0 || axis >= rank || seen[axis] || (steps && steps[i] == 0))
      return -1;
    seen[axis] = 1;
  }
  int64_t first[GCIM_MAX_RANK], step[GCIM_MAX_RANK];
  int64_t extent[GCIM_MAX_RANK];
  sliceAll(dims, rank, starts, ends, axes, steps, count, first, step, extent);
  for (int d = 0; d < rank; ++d)
    if (extent[d] != yDims[d])
      return -1;
  return 0;
}

void gcimKernelSlice(const void *x, const int64_t *dims, int rank, const int64_t *starts,
                     const int64_t *ends, const int64_t *axes, const int64_t *steps, int count,
                     void *y, size_t elemSize) {
  assert(rank >= 1 && rank <= GCIM_MAX_RANK);
  int64_t first[GCIM_MAX_RANK], step[GCIM_MAX_RANK];
  int64_t extent[GCIM_MAX_RANK];
  sliceAll(dims, rank, starts, ends, axes, steps, count, first, step, extent);
  int64_t total = gcimKernelNumElements(extent, rank);
  if (total == 0)
    return;
  // A one-operand iterator over y's axes with x's strides times the steps.
  GcimBcast it;
  memset(&it, 0, sizeof it);
  it.count = 1;
  it.total = total;
  it.rank = rank;
  int64_t stride = 1, base = 0;
  for (int d = rank - 1; d >= 0; --d) {
    it.dims[d] = extent[d];
    it.strides[0][d] = stride * step[d];
    base += first[d] * stride;
    stride *= dims[d];
  }
  const Byte *in = x;
  Byte *out = y;
  int64_t inner = extent[rank - 1], innerStride = it.strides[0][rank - 1];
  int64_t idx[GCIM_MAX_RANK] = {0}, off[3] = {base, 0, 0};
  for (int64_t o = 0; o < total; o += inner) {
    if (innerStride == 1)
      memcpy(out + (size_t)o * elemSize, in + (size_t)off[0] * elemSize, (size_t)inner * elemSize);
    else
      for (int64_t i = 0; i < inner; ++i)
        memcpy(out + (size_t)(o + i) * elemSize, in + (size_t)(off[0] + i * innerStride) * elemSize,
               elemSize);
    gcimKernelsBcastNext(&it, idx, off);
  }
}

int gcimKernelGather(const void *x, const int64_t *dims, int rank, int64_t axis,
                     const int64_t *indices, int64_t indexCount, void *y, size_t elemSize) {
  int ax = gcimKernelsAxis(axis, rank);
  int64_t outer;
  size_t inner;
  splitAt(dims, rank, ax, &outer, &inner, elemSize);
  const Byte *in = x;
  Byte *out = y;
  int64_t extent = dims[ax];
  int rc = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < indexCount; ++i) {
      int64_t index = indices[i] < 0 ? indices[i] + extent : indices[i];
      Byte *dst = out + (size_t)(o * indexCount + i) * inner;
      if (index < 0 || index >= extent) {
        memset(dst, 0, inner);
        rc = -1;
        continue;
      }
      memcpy(dst, in + ((size_t)(o * extent + index)) * inner, inner);
    }
  }
  return rc;
}

void gcimKernelExpand(const void *x, const int64_t *xDims, int xRank, void *y, const int64_t *yDims,
                      int yRank, size_t elemSize) {
  const int64_t *dimsList[1] = {xDims};
  const int rankList[1] = {xRank};
  GcimBcast it;
  gcimKernelsBcastInit(&it, 1, dimsList, rankList, yDims, yRank);
  if (it.total == 0)
    return;
  const Byte *in = x;
  Byte *out = y;
  int64_t inner = it.dims[it.rank - 1], innerStride = it.strides[0][it.rank - 1];
  int64_t idx[GCIM_MAX_RANK] = {0}, off[3] = {0, 0, 0};
  for (int64_t o = 0; o < it.total; o += inner) {
    if (innerStride == 1)
      memcpy(out + (size_t)o * elemSize, in + (size_t)off[0] * elemSize, (size_t)inner * elemSize);
    else
      gcimKernelFill(in + (size_t)off[0] * elemSize, out + (size_t)o * elemSize, inner, elemSize);
    gcimKernelsBcastNext(&it, idx, off);
  }
}

void gcimKernelWhere(const uint8_t *cond, const int64_t *condDims, int condRank, const void *a,
                     const int64_t *aDims, int aRank, const void *b, const int64_t *bDims,
                     int bRank, void *y, const int64_t *yDims, int yRank, size_t elemSize) {
  const int64_t *dimsList[3] = {condDims, aDims, bDims};
  const int rankList[3] = {condRank, aRank, bRank};
  GcimBcast it;
  gcimKernelsBcastInit(&it, 3, dimsList, rankList, yDims, yRank);
  if (it.total == 0)
    return;
  const Byte *pa = a, *pb = b;
  Byte *out = y;
  int64_t inner = it.dims[it.rank - 1];
  int64_t sc = it.strides[0][it.rank - 1], sa = it.strides[1][it.rank - 1];
  int64_t sb = it.strides[2][it.rank - 1];
  int64_t idx[GCIM_MAX_RANK] = {0}, off[3] = {0, 0, 0};
  for (int64_t o = 0; o < it.total; o += inner) {
    for (int64_t i = 0; i < inner; ++i) {
      const Byte *src = cond[off[0] + i * sc] ? pa + (size_t)(off[1] + i * sa) * elemSize
                                              : pb + (size_t)(off[2] + i * sb) * elemSize;
      Byte *dst = out + (size_t)(o + i) * elemSize;
      if (dst != src)
        memcpy(dst, src, elemSize);
    }
    gcimKernelsBcastNext(&it, idx, off);
  }
}

void gcimKernelTrilu(const void *x, const int64_t *dims, int rank, int64_t k, int upper, void *y,
                     size_t elemSize) {
  assert(rank >= 2);
  int64_t rows = dims[rank - 2], cols = dims[rank - 1];
  int64_t matrices = gcimKernelNumElements(dims, rank - 2);
  // A runtime k may be anything: beyond [-rows - 1, cols + 1] nothing changes, and i + k
  // cannot overflow.
  k = k < -rows - 1 ? -rows - 1 : (k > cols + 1 ? cols + 1 : k);
  const Byte *in = x;
  Byte *out = y;
  for (int64_t mat = 0; mat < matrices; ++mat) {
    for (int64_t i = 0; i < rows; ++i) {
      size_t row = (size_t)((mat * rows + i) * cols) * elemSize;
      // Kept columns: j >= i + k (upper) or j <= i + k (lower), clamped to [0, cols].
      int64_t edge = upper ? i + k : i + k + 1;
      edge = edge < 0 ? 0 : (edge > cols ? cols : edge);
      int64_t keepFrom = upper ? edge : 0, keepTo = upper ? cols : edge;
      if (in != out)
        memmove(out + row + (size_t)keepFrom * elemSize, in + row + (size_t)keepFrom * elemSize,
                (size_t)(keepTo - keepFrom) * elemSize);
      if (upper)
        memset(out + row, 0, (size_t)keepFrom * elemSize);
      else
        memset(out + row + (size_t)keepTo * elemSize, 0, (size_t)(cols - keepTo) * elemSize);
    }
  }
}

int64_t gcimKernelRangeCount(double start, double limit, double delta) {
  assert(delta != 0.0);
  double n = ceil((limit - start) / delta);
  return n > 0.0 ? (int64_t)n : 0;
}

int gcimKernelRangeCheckF64(double start, double limit, double delta, int64_t count) {
  double n = ceil((limit - start) / delta); /* NaN for a NaN bound or 0 / 0 */
  if (delta == 0.0 || isnan(n))
    return -1;
  return (n > 0.0 ? n : 0.0) == (double)count ? 0 : -1;
}

int gcimKernelRangeCheckI64(int64_t start, int64_t limit, int64_t delta, int64_t count) {
  if (delta == 0)
    return -1;
  if (delta > 0 ? limit <= start : limit >= start)
    return count == 0 ? 0 : -1;
  // The span and step as magnitudes in uint64: exact where limit - start overflows int64.
  uint64_t span = delta > 0 ? (uint64_t)limit - (uint64_t)start : (uint64_t)start - (uint64_t)limit;
  uint64_t step = delta > 0 ? (uint64_t)delta : 0 - (uint64_t)delta;
  uint64_t n = span / step + (span % step != 0);
  return count >= 0 && n == (uint64_t)count ? 0 : -1;
}

void gcimKernelRangeF32(float start, float delta, float *y, int64_t count) {
  // start + i * delta, as ONNX's reference (not a running sum, which drifts).
  for (int64_t i = 0; i < count; ++i)
    y[i] = start + (float)i * delta;
}

void gcimKernelRangeI64(int64_t start, int64_t delta, int64_t *y, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    y[i] = start + i * delta;
}
