/* SimHeads.c: the heads of one layer on a worker pool (gcim/Runtime/SimHeads.h). */
#include "gcim/Runtime/SimHeads.h"

/* The operands of one call; a task is one head. */
typedef struct HeadsWork {
  GcimSimHead *const *heads;
  int64_t count, batch, tokens, dim;
  const float *q, *k, *v;
  float *out;
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

void gcimSimHeadsStep(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t count, int64_t dim,
                      const float *q, const float *k, const float *v, float *out) {
  HeadsWork work = {heads, count, 1, 1, dim, q, k, v, out};
  gcimThreadPoolRun(pool, count, stepHead, &work);
}

void gcimSimHeadsRunSequences(GcimThreadPool *pool, GcimSimHead *const *heads, int64_t count,
                              int64_t batch, int64_t tokens, int64_t dim, const float *q,
                              const float *k, const float *v, float *out) {
  HeadsWork work = {heads, count, batch, tokens, dim, q, k, v, out};
  gcimThreadPoolRun(pool, count, runHead, &work);
}
