/* KernelsParallel.c: the kernels that split over a worker pool (Kernels/Parallel.h).
 *
 * Work is split where every output element is computed by the same code with or without
 * the split, so the bits do not depend on the number of threads: rows of the packed
 * product in blocks of gcimKernelMatMulPackedRowBlock() rows (the last part keeps the
 * remainder, as without a split), whole packed panels of columns for a single row
 * (decode), and attention by (batch, head). */
#include "gcim/Runtime/Kernels/Parallel.h"

#include "gcim/Runtime/Kernels/MatMul.h"


/* Parts per thread: a few, so that a thread that was descheduled does not hold the rest. */
enum { PARTS_PER_THREAD = 2, MIN_PART_FLOPS = 1 << 17 };

typedef struct PackedWork {
  const float *a, *packedB, *bias;
  float *y;
  int64_t m, n, k;
  int64_t rowsPerPart;   /* > 0: parts are row ranges */
  int64_t panelsPerPart; /* else: parts are ranges of packed panels (m = 1) */
  int64_t panel;         /* columns per packed panel */
  int64_t parts;
} PackedWork;

static void packedPart(void *ctx, int64_t part) {
  const PackedWork *w = ctx;
  if (w->rowsPerPart > 0) {
    int64_t r0 = part * w->rowsPerPart;
    int64_t rows = part == w->parts - 1 ? w->m - r0 : w->rowsPerPart;
    gcimKernelMatMulPackedF32(w->a + r0 * w->k, w->packedB, w->bias, w->y + r0 * w->n, rows,
                              w->n, w->k);
    return;
  }
  int64_t j0 = part * w->panelsPerPart * w->panel;
  int64_t cols = w->n - j0 < w->panelsPerPart * w->panel ? w->n - j0
                                                          : w->panelsPerPart * w->panel;
  gcimKernelMatMulPackedF32(w->a, w->packedB + j0 * w->k, w->bias ? w->bias + j0 : NULL,
                            w->y + j0, 1, cols, w->k);
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

void gcimParallelMatMulPackedF32(GcimThreadPool *pool, const float *a, const float *packedB,
                                 const float *bias, float *y, int64_t m, int64_t n,
                                 int64_t k) {
  int64_t threads = gcimThreadPoolSize(pool);
  int64_t parts = threads * PARTS_PER_THREAD;
  if (threads == 1 || k == 0 || 2 * m * n * k < (int64_t)MIN_PART_FLOPS * parts) {
    gcimKernelMatMulPackedF32(a, packedB, bias, y, m, n, k);
    return;
  }
  PackedWork w = {a, packedB, bias, y, m, n, k, 0, 0, 0, 0};
  int64_t block = gcimKernelMatMulPackedRowBlock();
  if (m >= 2 * block) {
    w.rowsPerPart = ceilDiv(ceilDiv(m, parts), block) * block;
    w.parts = m / w.rowsPerPart; /* the last part also takes the rows left over */
  } else if (m == 1) {
    w.panel = gcimKernelPackedBCount(k, 1) / k;
    w.panelsPerPart = ceilDiv(ceilDiv(n, w.panel), parts);
    w.parts = ceilDiv(n, w.panelsPerPart * w.panel);
  } else { /* a few rows: the serial kernel's decode path, which a row split would change */
    gcimKernelMatMulPackedF32(a, packedB, bias, y, m, n, k);
    return;
  }
  gcimThreadPoolRun(pool, w.parts, packedPart, &w);
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

void gcimParallelAttentionF32(GcimThreadPool *pool, const GcimAttentionDesc *desc,
                              const float *q, const float *k, int64_t kHeadStride,
                              const float *v, int64_t vHeadStride, float *out,
                              float *scratch) {
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
