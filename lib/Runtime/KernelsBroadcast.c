/* KernelsBroadcast.c: the broadcast iterator and small helpers shared by the kernels. */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "KernelsInternal.h"

#include <assert.h>
#include <string.h>

int64_t gcimKernelNumElements(const int64_t *dims, int rank) {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i)
    n *= dims[i];
  return n;
}

int gcimKernelsAxis(int64_t axis, int rank) {
  if (axis < 0)
    axis += rank;
  assert(axis >= 0 && axis < (rank > 0 ? rank : 1));
  return (int)axis;
}

int64_t gcimKernelsAxisSplit(const int64_t *dims, int rank, int axis, int64_t *outer,
                             int64_t *inner) {
  *outer = *inner = 1;
  for (int d = 0; d < axis; ++d)
    *outer *= dims[d];
  for (int d = axis + 1; d < rank; ++d)
    *inner *= dims[d];
  return dims[axis];
}

void gcimKernelsBcastInit(GcimBcast *it, int count, const int64_t *const *dims, const int *ranks,
                          const int64_t *outDims, int outRank) {
  assert(count >= 1 && count <= GCIM_BCAST_MAX_OPERANDS);
  assert(outRank >= 0 && outRank <= GCIM_MAX_RANK);
  memset(it, 0, sizeof *it);
  it->count = count;
  it->total = gcimKernelNumElements(outDims, outRank);
  // Contiguous strides of each operand on the output's axes (0 where it broadcasts),
  // walking from the innermost axis; the operands' shapes are right-aligned.
  int64_t full[GCIM_BCAST_MAX_OPERANDS][GCIM_MAX_RANK];
  for (int op = 0; op < count; ++op) {
    assert(ranks[op] >= 0 && ranks[op] <= outRank);
    int64_t stride = 1;
    for (int d = outRank - 1; d >= 0; --d) {
      int od = d - (outRank - ranks[op]);
      int64_t extent = od >= 0 ? dims[op][od] : 1;
      assert(extent == outDims[d] || extent == 1);
      full[op][d] = (extent == 1 && outDims[d] != 1) ? 0 : stride;
      stride *= extent;
    }
  }
  // Drop unit axes, then merge an axis into the previous kept one when every operand's
  // strides are contiguous across the two.
  int r = 0;
  for (int d = 0; d < outRank; ++d) {
    if (outDims[d] == 1)
      continue;
    int merge = r > 0;
    for (int op = 0; op < count && merge; ++op)
      merge = it->strides[op][r - 1] == full[op][d] * outDims[d];
    if (merge) {
      it->dims[r - 1] *= outDims[d];
      for (int op = 0; op < count; ++op)
        it->strides[op][r - 1] = full[op][d];
      continue;
    }
    it->dims[r] = outDims[d];
    for (int op = 0; op < count; ++op)
      it->strides[op][r] = full[op][d];
    ++r;
  }
  if (r == 0) {
    it->dims[0] = 1;
    r = 1;
  }
  it->rank = r;
}

void gcimKernelsBcastNext(const GcimBcast *it, int64_t *idx, int64_t *off) {
  for (int d = it->rank - 2; d >= 0; --d) {
    for (int op = 0; op < it->count; ++op)
      off[op] += it->strides[op][d];
    if (++idx[d] < it->dims[d])
      return;
    for (int op = 0; op < it->count; ++op)
      off[op] -= it->strides[op][d] * it->dims[d];
    idx[d] = 0;
  }
}
