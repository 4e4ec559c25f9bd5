/* SimCompare.c: each simulated layer's output against its exact function
 * (gcim/Runtime/SimCompare.h).
 *
 * Per head: a window of cell responses by slot (what the head's arrays would hold without
 * quantiser, noise and decay), the exact output of the step, and the sums of the error in
 * double. Each head has its own sums, added up per layer in head order only when read, so
 * running the heads on any number of threads gives the same bits. */
#include "gcim/Runtime/SimCompare.h"

#include "gcim/Runtime/SimExact.h"

#include <assert.h>
#include <math.h>
#include <string.h>

typedef struct ShadowHead {
  GcimHardware hw;
  float scalers[GCIM_SCALER_COUNT];
  int32_t dim, layer;
  int64_t steps;          /* writes since the last reset */
  float *keys, *values;   /* [window][dim] cell responses by slot */
  float *exact, *scratch; /* [dim], [2 dim] */
  int64_t tokens;         /* steps compared */
  double squaredError, squaredExact, maxAbsError;
} ShadowHead;

struct GcimSimCompare {
  GcimAllocator allocator;
  int64_t count;
  ShadowHead *heads; /* [count], each with its buffers after the array */
};

/* The floats head `head` needs: its window of keys and values, the exact output, scratch. */
static size_t floatsOf(const GcimSimHead *head) {
  size_t dim = (size_t)gcimSimHeadGetDim(head);
  return 2 * (size_t)gcimSimHeadGetHardware(head)->window * dim + 3 * dim;
}

GcimSimStatus gcimSimCompareCreate(GcimSimHead *const *heads, const int32_t *layers, int64_t count,
                                   const GcimAllocator *allocator, GcimSimCompare **out) {
  *out = NULL;
  if (count < 1)
    return GCIM_SIM_ERROR_INVALID;
  GcimAllocator a = gcimAllocatorOrDefault(allocator);
  size_t floats = 0;
  for (int64_t i = 0; i < count; ++i)
    floats += floatsOf(heads[i]);
  size_t headBytes = (size_t)count * sizeof(ShadowHead);
  GcimSimCompare *c = a.alloc(a.ud, sizeof *c + headBytes + floats * sizeof(float));
  if (!c)
    return GCIM_SIM_ERROR_MEMORY;
  memset(c, 0, sizeof *c + headBytes);
  c->allocator = a;
  c->count = count;
  c->heads = (ShadowHead *)(c + 1);
  float *next = (float *)(c->heads + count);
  for (int64_t i = 0; i < count; ++i) {
    ShadowHead *h = &c->heads[i];
    h->hw = *gcimSimHeadGetHardware(heads[i]);
    gcimSimHeadGetScalers(heads[i], h->scalers);
    h->dim = gcimSimHeadGetDim(heads[i]);
    h->layer = layers ? layers[i] : 0;
    size_t cells = (size_t)h->hw.window * (size_t)h->dim;
    h->keys = next;
    h->values = h->keys + cells;
    h->exact = h->values + cells;
    h->scratch = h->exact + h->dim;
    next += floatsOf(heads[i]);
  }
  *out = c;
  return GCIM_SIM_OK;
}

void gcimSimCompareDestroy(GcimSimCompare *compare) {
  if (compare)
    compare->allocator.free(compare->allocator.ud, compare);
}

void gcimSimCompareReset(GcimSimCompare *compare) {
  for (int64_t i = 0; i < compare->count; ++i)
    compare->heads[i].steps = 0;
}

void gcimSimCompareClear(GcimSimCompare *compare) {
  for (int64_t i = 0; i < compare->count; ++i) {
    ShadowHead *h = &compare->heads[i];
    h->tokens = 0;
    h->squaredError = h->squaredExact = h->maxAbsError = 0.0;
  }
}

/* The operands of one step; a task is one head. */
typedef struct StepWork {
  ShadowHead *heads; /* the first compared */
  int64_t dim;
  const float *q, *k, *v, *out;
} StepWork;

/* Writes the step's key and value into the head's window, computes the exact output over
 * the written slots and adds its difference from the hardware's. */
static void compareHead(void *ctx, int64_t i) {
  const StepWork *w = ctx;
  ShadowHead *h = &w->heads[i];
  const GcimHardware *hw = &h->hw;
  const float *sc = h->scalers, *k = w->k + i * w->dim, *v = w->v + i * w->dim;
  int64_t slot = h->steps % hw->window, dim = h->dim;
  for (int64_t d = 0; d < dim; ++d) {
    h->keys[slot * dim + d] = gcimSimExactCellResponse(hw, sc[2], sc[3], k[d]);
    h->values[slot * dim + d] = gcimSimExactCellResponse(hw, sc[4], sc[5], v[d]);
  }
  h->steps += 1;
  int64_t written = h->steps < hw->window ? h->steps : hw->window;
  gcimSimExactGainCellRow(hw, dim, sc, w->q + i * dim, h->keys, h->values, 0, written, h->exact,
                          h->scratch);
  const float *out = w->out + i * dim;
  for (int64_t d = 0; d < dim; ++d) {
    double exact = h->exact[d], error = (double)out[d] - exact;
    h->squaredError += error * error;
    h->squaredExact += exact * exact;
    h->maxAbsError = fmax(h->maxAbsError, fabs(error));
  }
  h->tokens += 1;
}

void gcimSimCompareStep(GcimSimCompare *compare, GcimThreadPool *pool, int64_t first, int64_t count,
                        int64_t dim, const float *q, const float *k, const float *v,
                        const float *out) {
  assert(first >= 0 && first + count <= compare->count);
  for (int64_t i = 0; i < count; ++i)
    assert(compare->heads[first + i].dim == dim);
  StepWork work = {compare->heads + first, dim, q, k, v, out};
  gcimThreadPoolRun(pool, count, compareHead, &work);
}

/* The error of the layer whose first head is `first`, over its heads in order. */
static GcimLayerError layerFrom(const GcimSimCompare *c, int64_t first) {
  GcimLayerError e = {0};
  double squaredError = 0.0, squaredExact = 0.0;
  for (int64_t i = first; i < c->count; ++i) {
    const ShadowHead *h = &c->heads[i];
    if (h->layer != c->heads[first].layer)
      continue;
    e.heads += 1;
    e.tokens = h->tokens > e.tokens ? h->tokens : e.tokens;
    e.values += h->tokens * h->dim;
    squaredError += h->squaredError;
    squaredExact += h->squaredExact;
    e.maxAbsError = fmax(e.maxAbsError, h->maxAbsError);
  }
  double values = e.values > 0 ? (double)e.values : 1.0;
  e.rmsError = sqrt(squaredError / values);
  e.exactRms = sqrt(squaredExact / values);
  e.relativeRmsError =
      e.exactRms > 0.0 ? e.rmsError / e.exactRms : (e.rmsError > 0.0 ? INFINITY : 0.0);
  return e;
}

/* Whether head i is the first of its layer. */
static int firstOfLayer(const GcimSimCompare *c, int64_t i) {
  for (int64_t j = 0; j < i; ++j)
    if (c->heads[j].layer == c->heads[i].layer)
      return 0;
  return 1;
}

/* The next layer with a step compared, from head *cursor on: 1 and *e (its layer number
 * left to the caller), *cursor past its first head; 0 when there is none. */
static int nextLayer(const GcimSimCompare *c, int64_t *cursor, GcimLayerError *e) {
  for (; *cursor < c->count; ++*cursor)
    if (firstOfLayer(c, *cursor) && (*e = layerFrom(c, *cursor)).tokens > 0) {
      ++*cursor;
      return 1;
    }
  return 0;
}

int64_t gcimSimCompareGetLayers(const GcimSimCompare *compare, GcimLayerError *errors,
                                int64_t capacity) {
  int64_t found = 0, cursor = 0;
  GcimLayerError e;
  for (; nextLayer(compare, &cursor, &e); ++found)
    if (found < capacity) {
      e.layer = (int32_t)found;
      errors[found] = e;
    }
  return found;
}
