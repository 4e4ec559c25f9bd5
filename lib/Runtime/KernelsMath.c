/* KernelsMath.c: Mod, IsInf/IsNaN on any element type, and the index kernels of position
 * handling (Tile, CumSum, GatherElements). Elements of other types than float32 go
 * through gcimKernelCast one at a time: a reference path, not a fast one. */
#include "gcim/Runtime/Kernels/Math.h"

#include "gcim/Runtime/Kernels/Data.h"

#include "KernelsInternal.h"

#include <assert.h>
#include <math.h>
#include <string.h>

static int isFloatType(GcimElemType type) {
  return type == GCIM_ELEM_F32 || type == GCIM_ELEM_F64 || type == GCIM_ELEM_F16 ||
         type == GCIM_ELEM_BF16;
}

static size_t typeSize(GcimElemType type) {
  static const size_t sizes[] = {4, 8, 8, 4, 2, 1, 1, 1, 2, 2, 2, 4, 8};
  return sizes[type];
}

static double loadDouble(const void *x, GcimElemType type, int64_t i) {
  double value;
  gcimKernelCast((const char *)x + (size_t)i * typeSize(type), type, &value, GCIM_ELEM_F64, 1);
  return value;
}

static int64_t loadInt(const void *x, GcimElemType type, int64_t i) {
  int64_t value;
  gcimKernelCast((const char *)x + (size_t)i * typeSize(type), type, &value, GCIM_ELEM_I64, 1);
  return value;
}

/* Python's a % b on integers: the result takes the divisor's sign. */
static int64_t modInt(int64_t a, int64_t b, int fmodSign) {
  if (b == 0 || (b == -1 && a == INT64_MIN))
    return 0;
  int64_t r = a % b;
  if (!fmodSign && r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

void gcimKernelModAny(GcimElemType type, int fmodSign, const void *a, const int64_t *aDims,
                      int aRank, const void *b, const int64_t *bDims, int bRank, void *out,
                      const int64_t *outDims, int outRank) {
  const int64_t *dimsList[2] = {aDims, bDims};
  const int ranks[2] = {aRank, bRank};
  GcimBcast it;
  gcimKernelsBcastInit(&it, 2, dimsList, ranks, outDims, outRank);
  if (it.total == 0)
    return;
  int64_t inner = it.dims[it.rank - 1], idx[GCIM_MAX_RANK] = {0}, off[3] = {0};
  int64_t sa = it.strides[0][it.rank - 1], sb = it.strides[1][it.rank - 1];
  char *y = out;
  size_t size = typeSize(type);
  for (int64_t o0 = 0; o0 < it.total; o0 += inner) {
    for (int64_t i = 0; i < inner; ++i) {
      void *dst = y + (size_t)(o0 + i) * size;
      if (isFloatType(type)) {
        double x = loadDouble(a, type, off[0] + i * sa), d = loadDouble(b, type, off[1] + i * sb);
        double r = fmodSign ? fmod(x, d) : x - d * floor(x / d);
        gcimKernelCast(&r, GCIM_ELEM_F64, dst, type, 1);
      } else {
        int64_t r =
            modInt(loadInt(a, type, off[0] + i * sa), loadInt(b, type, off[1] + i * sb), fmodSign);
        gcimKernelCast(&r, GCIM_ELEM_I64, dst, type, 1);
      }
    }
    gcimKernelsBcastNext(&it, idx, off);
  }
}

void gcimKernelIsInfNaN(GcimElemType type, const void *x, int nan, int positive, int negative,
                        uint8_t *y, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    double v = loadDouble(x, type, i);
    y[i] =
        (uint8_t)(nan ? isnan(v) != 0 : isinf(v) && ((v > 0 && positive) || (v < 0 && negative)));
  }
}

void gcimKernelTile(const void *x, const int64_t *xDims, int rank, void *y, const int64_t *yDims,
                    size_t elemSize) {
  int64_t total = gcimKernelNumElements(yDims, rank), idx[GCIM_MAX_RANK] = {0};
  const char *src = x;
  char *dst = y;
  if (total == 0)
    return;
  for (int64_t o = 0; o < total; ++o) {
    int64_t flat = 0;
    for (int d = 0; d < rank; ++d)
      flat = flat * xDims[d] + idx[d] % xDims[d];
    memcpy(dst + (size_t)o * elemSize, src + (size_t)flat * elemSize, elemSize);
    for (int d = rank - 1; d >= 0 && ++idx[d] == yDims[d]; --d)
      idx[d] = 0;
  }
}

void gcimKernelCumSum(GcimElemType type, const void *x, const int64_t *dims, int rank, int64_t axis,
                      int exclusive, int reverse, void *y) {
  int64_t outer, inner,
      n = gcimKernelsAxisSplit(dims, rank, gcimKernelsAxis(axis, rank), &outer, &inner);
  size_t size = typeSize(type);
  int isFloat = isFloatType(type);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      double sum = 0.0;
      int64_t isum = 0;
      for (int64_t k = 0; k < n; ++k) {
        int64_t pos = (o * n + (reverse ? n - 1 - k : k)) * inner + in;
        double v = isFloat ? loadDouble(x, type, pos) : 0.0;
        int64_t iv = isFloat ? 0 : loadInt(x, type, pos);
        if (!exclusive) {
          sum += v;
          isum = (int64_t)((uint64_t)isum + (uint64_t)iv);
        }
        void *dst = (char *)y + (size_t)pos * size;
        if (isFloat)
          gcimKernelCast(&sum, GCIM_ELEM_F64, dst, type, 1);
        else
          gcimKernelCast(&isum, GCIM_ELEM_I64, dst, type, 1);
        if (exclusive) {
          sum += v;
          isum = (int64_t)((uint64_t)isum + (uint64_t)iv);
        }
      }
    }
}

int gcimKernelGatherElements(const void *x, const int64_t *xDims, int rank, int64_t axis,
                             const int64_t *indices, const int64_t *idxDims, void *y,
                             size_t elemSize) {
  int a = gcimKernelsAxis(axis, rank);
  int64_t total = gcimKernelNumElements(idxDims, rank), idx[GCIM_MAX_RANK] = {0};
  for (int64_t o = 0; o < total; ++o) {
    int64_t j = indices[o];
    if (j < -xDims[a] || j >= xDims[a])
      return -1;
    int64_t flat = 0;
    for (int d = 0; d < rank; ++d)
      flat = flat * xDims[d] + (d == a ? (j < 0 ? j + xDims[a] : j) : idx[d]);
    memcpy((char *)y + (size_t)o * elemSize, (const char *)x + (size_t)flat * elemSize, elemSize);
    for (int d = rank - 1; d >= 0 && ++idx[d] == idxDims[d]; --d)
      idx[d] = 0;
  }
  return 0;
}
