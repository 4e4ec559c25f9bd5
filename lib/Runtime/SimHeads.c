/* SimHeads.c: the heads of one layer on a worker pool (gcim/Runtime/SimHeads.h), one per
 * query head or shared by a group of query heads (--gqa=share); also a KV-cache step replayed
 * on freshly reset heads. */
#include "gcim/Runtime/SimHeads.h"

/* The operands of one call; a task is one head. */
typedef struct HeadsWork {
  GcimSimHead *const *heads;
  int64_t count, batch, tokens, dim;
  const float *q, *k, *v;
  float *out;
  int64_t group;        /* query heads per head (1: one head per query head) */
  const float *scalers; /* shared heads: each query head's 8 scalers */
} HeadsWork;

static void stepHead(void *ctx, int64_t h) {
  const HeadsWork *w = ctx;
  int64_t at = h * w->dim;
  gcimSimHeadStep(w->heads[h], w->q + at, w->k + at, w->v + at, w->out + at);
}

static void runHead(void *ctx, int64_t h) {
  const HeadsWork *w = ctx;
  for (int64_t b = 0; b < w->batch; ++b) {
    int64_t at = (b * w->count + h) * w->tokens * w->dim;
    gcimSimHeadReset(w->heads[h]);
    gcimSimHeadRunSequence(w->heads[h], w->tokens, w->q + at, w->k + at, w->v + at, w->out + at);
  }
}

/* Token t of batch b on shared head j: one write (the group's first query head's k, v and
 * scalers), then each query head's attend with its scalers. */
static void sharedToken(const HeadsWork *w, int64_t j, int64_t b, int64_t t) {
  int64_t queries = w->count * w->group;
  for (int64_t i = 0; i < w->group; ++i) {
    int64_t query = j * w->group + i, at = ((b * queries + query) * w->tokens + t) * w->dim;
    gcimSimHeadSetScalers(w->heads[j], w->scalers + 8 * query);
    if (i == 0)
      gcimSimHeadWrite(w->heads[j], w->k + at, w->v + at);
    gcimSimHeadAttend(w->heads[j], w->q + at, w->out + at);
  }
}

static void stepShared(void *ctx, int64_t j) { sharedToken(ctx, j, 0, 0); }

static void runShared(void *ctx, int64_t j) {
  const HeadsWork *w = ctx;
  for (int64_t b = 0; b < w->batch; ++b) {
    gcimSimHeadReset(w->heads[j]);
    for (int64_t t = 0; t < w->tokens; ++t)
      sharedToken(w, j, b, t);
  }
}

void gcimSimHeadsStepShared(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t kvHeads,
                            int64_t group, int64_t dim, const float *scalers, const float *q,
                            const float *k, const float *v, float *out) {
  HeadsWork work = {heads, kvHeads, 1, 1, dim, q, k, v, out, group, scalers};
  gcimThreadPoolRun(pool, kvHeads, stepShared, &work);
}

void gcimSimHeadsRunShared(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t kvHeads,
                           int64_t group, int64_t batch, int64_t tokens, int64_t dim,
                           const float *scalers, const float *q, const float *k, const float *v,
                           float *out) {
  HeadsWork work = {heads, kvHeads, batch, tokens, dim, q, k, v, out, group, scalers};
  gcimThreadPoolRun(pool, kvHeads, runShared, &work);
}

void gcimSimHeadsStep(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t count, int64_t dim,
                      const float *q, const float *k, const float *v, float *out) {
  HeadsWork work = {heads, count, 1, 1, dim, q, k, v, out, 1, NULL};
  gcimThreadPoolRun(pool, count, stepHead, &work);
}

void gcimSimHeadsRunSequences(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t count,
                              int64_t batch, int64_t tokens, int64_t dim, const float *q,
                              const float *k, const float *v, float *out) {
  HeadsWork work = {heads, count, batch, tokens, dim, q, k, v, out, 1, NULL};
  gcimThreadPoolRun(pool, count, runHead, &work);
}

/* Batch b of head h: the cached tokens written at steps 0 .. past - 1, then the new token
 * written and attended at step `past` (w->tokens = past + 1 rows of k and v, one of q). */
static void cachedHead(void *ctx, int64_t h) {
  const HeadsWork *w = ctx;
  for (int64_t b = 0; b < w->batch; ++b) {
    int64_t block = b * w->count + h, at = block * w->tokens * w->dim, past = w->tokens - 1;
    gcimSimHeadReset(w->heads[h]);
    for (int64_t t = 0; t < past; ++t)
      gcimSimHeadWrite(w->heads[h], w->k + at + t * w->dim, w->v + at + t * w->dim);
    gcimSimHeadStep(w->heads[h], w->q + block * w->dim, w->k + at + past * w->dim,
                    w->v + at + past * w->dim, w->out + block * w->dim);
  }
}

void gcimSimHeadsRunCached(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t count,
                           int64_t batch, int64_t past, int64_t dim, const float *q, const float *k,
                           const float *v, float *out) {
  HeadsWork work = {heads, count, batch, past + 1, dim, q, k, v, out, 1, NULL};
  gcimThreadPoolRun(pool, count, cachedHead, &work);
}
