/* KernelsIndex.c: ArgMax, ArgMin and TopK on any element type. Elements are compared as
 * int64 (integer and bool types) or double (float types), read through gcimKernelCast one
 * at a time: a reference path, not a fast one (a greedy LM head uses gcimKernelFirstMaxF32). */
#include "gcim/Runtime/Kernels/Index.h"

#include "gcim/Runtime/Kernels/Data.h"

#include "KernelsInternal.h"

#include <math.h>
#include <string.h>

/* A row of x along the axis: element i is at base + i * stride. */
typedef struct Row {
  GcimElemType type;
  const char *x;
  size_t size;
  int isFloat;
  int64_t base, stride;
  int largest;
} Row;

static size_t typeSize(GcimElemType type) {
  static const size_t sizes[] = {4, 8, 8, 4, 2, 1, 1, 1, 2, 2, 2, 4, 8};
  return sizes[type];
}

/* The rows of x along an axis whose elements are `stride` apart (base set per row). */
static Row rowOf(GcimElemType type, const void *x, int64_t stride, int largest) {
  int isFloat = type == GCIM_ELEM_F32 || type == GCIM_ELEM_F64 || type == GCIM_ELEM_F16 ||
                type == GCIM_ELEM_BF16;
  return (Row){type, x, typeSize(type), isFloat, 0, stride, largest};
}

/* -1, 0 or 1 as element a of the row is below, equal to or above element b; NaN above
 * every number and equal to NaN. */
static int compare(const Row *r, int64_t a, int64_t b) {
  const char *pa = r->x + (size_t)(r->base + a * r->stride) * r->size;
  const char *pb = r->x + (size_t)(r->base + b * r->stride) * r->size;
  if (r->isFloat) {
    double va, vb;
    gcimKernelCast(pa, r->type, &va, GCIM_ELEM_F64, 1);
    gcimKernelCast(pb, r->type, &vb, GCIM_ELEM_F64, 1);
    if (isnan(va) || isnan(vb))
      return isnan(va) - isnan(vb);
    return (va > vb) - (va < vb);
  }
  int64_t ia, ib;
  gcimKernelCast(pa, r->type, &ia, GCIM_ELEM_I64, 1);
  gcimKernelCast(pb, r->type, &ib, GCIM_ELEM_I64, 1);
  return (ia > ib) - (ia < ib);
}

/* Whether element a is NaN. */
static int isNanAt(const Row *r, int64_t a) {
  double v;
  if (!r->isFloat)
    return 0;
  gcimKernelCast(r->x + (size_t)(r->base + a * r->stride) * r->size, r->type, &v, GCIM_ELEM_F64, 1);
  return isnan(v);
}

/* Whether element a ranks after element b: a smaller value (a larger one for the smallest
 * k), or an equal value at a later index. */
static int ranksAfter(const Row *r, int64_t a, int64_t b) {
  int c = compare(r, a, b);
  return (r->largest ? c < 0 : c > 0) || (c == 0 && a > b);
}

void gcimKernelArgReduce(GcimElemType type, const void *x, const int64_t *dims, int rank,
                         int64_t axis, int largest, int selectLast, int64_t *y) {
  int64_t outer, inner,
      n = gcimKernelsAxisSplit(dims, rank, gcimKernelsAxis(axis, rank), &outer, &inner);
  Row r = rowOf(type, x, inner, largest);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      r.base = o * n * inner + in;
      int64_t best = 0;
      for (int64_t i = 1; i < n; ++i) {
        /* The plain scan's comparisons: a NaN never wins, and a NaN first is kept. */
        if (isNanAt(&r, i) || isNanAt(&r, best))
          continue;
        int c = compare(&r, i, best);
        if ((largest ? c > 0 : c < 0) || (selectLast && c == 0))
          best = i;
      }
      y[o * inner + in] = best;
    }
}

/* The heap of kept row indices lives in the output's strided slots: slot j is
 * heap[j * stride]. Its root is the kept element that ranks last. */
static void siftDown(const Row *r, int64_t *heap, int64_t stride, int64_t count, int64_t j) {
  for (;;) {
    int64_t last = j, left = 2 * j + 1, right = left + 1;
    if (left < count && ranksAfter(r, heap[left * stride], heap[last * stride]))
      last = left;
    if (right < count && ranksAfter(r, heap[right * stride], heap[last * stride]))
      last = right;
    if (last == j)
      return;
    int64_t t = heap[j * stride];
    heap[j * stride] = heap[last * stride];
    heap[last * stride] = t;
    j = last;
  }
}

/* The row's k best indices into heap's slots, best first. */
static void selectRow(const Row *r, int64_t n, int64_t k, int64_t *heap, int64_t stride) {
  for (int64_t i = 0; i < k; ++i)
    heap[i * stride] = i;
  for (int64_t j = k / 2 - 1; j >= 0; --j)
    siftDown(r, heap, stride, k, j);
  for (int64_t i = k; i < n; ++i)
    if (ranksAfter(r, heap[0], i)) {
      heap[0] = i;
      siftDown(r, heap, stride, k, 0);
    }
  /* Heap sort: the last-ranking kept element goes to the end, and so on. */
  for (int64_t m = k - 1; m > 0; --m) {
    int64_t t = heap[0];
    heap[0] = heap[m * stride];
    heap[m * stride] = t;
    siftDown(r, heap, stride, m, 0);
  }
}

void gcimKernelTopK(GcimElemType type, const void *x, const int64_t *dims, int rank, int64_t axis,
                    int64_t k, int largest, void *values, int64_t *indices) {
  int64_t outer, inner,
      n = gcimKernelsAxisSplit(dims, rank, gcimKernelsAxis(axis, rank), &outer, &inner);
  size_t size = typeSize(type);
  Row r = rowOf(type, x, inner, largest);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      r.base = o * n * inner + in;
      int64_t *slots = indices + o * k * inner + in;
      if (k == 0)
        continue;
      selectRow(&r, n, k, slots, inner);
      for (int64_t j = 0; j < k; ++j)
        memcpy((char *)values + (size_t)((o * k + j) * inner + in) * size,
               (const char *)x + (size_t)(r.base + slots[j * inner] * inner) * size, size);
    }
}
