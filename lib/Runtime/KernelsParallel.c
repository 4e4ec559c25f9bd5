/* KernelsParallel.c: the kernels that split over a worker pool (Kernels/Parallel.h).
 *
 * Work is split where every output element is computed by the same code with or without
 * the split, so the bits do not depend on the number of threads: the packed product by
 * whole packed panels of columns (gcimKernelMatMulPackedColumnsF32), attention by (batch,
 * head). */
#include "gcim/Runtime/Kernels/Parallel.h"

#include "gcim/Runtime/Kernels/MatMul.h"

/* Parts per thread: a few, so that a thread that was descheduled does not hold the rest;
 * smaller products are not split (waking the workers costs microseconds). */
enum { PARTS_PER_THREAD = 2, MIN_PART_FLOPS = 1 << 17 };

typedef struct PackedWork {
  const float *a, *packedB, *bias;
  float *y;
  int64_t m, n, k;
  int64_t columnsPerPart; /* whole panels */
} PackedWork;

static void packedPart(void *ctx, int64_t part) {
  const PackedWork *w = ctx;
  int64_t j0 = part * w->columnsPerPart;
  int64_t j1 = w->n - j0 < w->columnsPerPart ? w->n : j0 + w->columnsPerPart;
  gcimKernelMatMulPackedColumnsF32(w->a, w->packedB, w->bias, w->y, w->m, w->n, w->k, j0, j1);
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

void gcimParallelMatMulPackedF32(GcimThreadPool *pool, const float *a, const float *packedB,
                                 const float *bias, float *y, int64_t m, int64_t n, int64_t k) {
  int64_t threads = gcimThreadPoolSize(pool);
  int64_t parts = threads * PARTS_PER_THREAD;
  if (threads == 1 || k == 0 || 2 * m * n * k < (int64_t)MIN_PART_FLOPS * parts) {
    gcimKernelMatMulPackedF32(a, packedB, bias, y, m, n, k);
    return;
  }
  /* Columns, not rows: each part then reads only its share of the weights, which is what
   * limits a decode step and a good part of a prefill. */
  int64_t panel = gcimKernelPackedBCount(k, 1) / k;
  PackedWork w = {a, packedB, bias, y, m, n, k, ceilDiv(ceilDiv(n, panel), parts) * panel};
  gcimThreadPoolRun(pool, ceilDiv(n, w.columnsPerPart), packedPart, &w);
}

typedef struct AttentionWork {
  GcimAttentionDesc head; /* the shape of one (batch, head) pair */
  int64_t heads, kvHeads, kHeadStride, vHeadStride, scratchFloats;
  const float *q, *k, *v;
  float *out, *scratch;
} AttentionWork;

static void attentionPart(void *ctx, int64_t task) {
  const AttentionWork *w = ctx;
  int64_t b = task / w->heads, h = task % w->heads;
  int64_t kv = b * w->kvHeads + h / (w->heads / w->kvHeads);
  const GcimAttentionDesc *d = &w->head;
  gcimKernelAttentionF32(d, w->q + task * d->queryLen * d->headDim, w->k + kv * w->kHeadStride,
                         w->v + kv * w->vHeadStride, w->out + task * d->queryLen * d->valueDim,
                         w->scratch + task * w->scratchFloats);
}

void gcimParallelAttentionF32(GcimThreadPool *pool, const GcimAttentionDesc *desc, const float *q,
                              const float *k, int64_t kHeadStride, const float *v,
                              int64_t vHeadStride, float *out, float *scratch) {
  AttentionWork w;
  w.head = *desc;
  w.head.batch = w.head.heads = w.head.kvHeads = 1;
  if (w.head.valueDim == 0)
    w.head.valueDim = desc->headDim;
  w.heads = desc->heads;
  w.kvHeads = desc->kvHeads ? desc->kvHeads : desc->heads;
  w.kHeadStride = kHeadStride;
  w.vHeadStride = vHeadStride;
  w.scratchFloats = gcimKernelAttentionScratchSize(&w.head);
  w.q = q;
  w.k = k;
  w.v = v;
  w.out = out;
  w.scratch = scratch;
  gcimThreadPoolRun(pool, desc->batch * desc->heads, attentionPart, &w);
}
