/* KernelsAttention.c: exact (softmax) multi-head attention with causal and sliding-window
 * masks, the digital fallback of gcim.attention (--attention=digital).
 *
 * Prefill (at least TILE_MIN queries): tiles of up to QT queries against tiles of KT keys,
 * both products on the runtime's blocked matrix kernel, with the softmax computed online
 * (per query a running maximum and sum; the output, accumulated in place, is rescaled
 * when the maximum grows), so the only buffer is one tile of scores on the stack. Fewer
 * queries (the decode step, where a tile would be mostly padding): one query row at a
 * time, scores of the visible keys into the scratch row, a stable softmax, then the
 * weighted sum of value rows. Every exp is the branch-free polynomial of KernelsInternal.h
 * (not libm's expf, whose bits depend on the C library and the processor). */
/* No contraction of a * b + c into fused multiply-adds outside the matrix kernel: GCC never
 * contracts in the ISO C mode the generated Makefile uses, and clang would where the target
 * has FMAs, so the same source would round differently per compiler (docs/GeneratedC.md,
 * reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Kernels/Nn.h"

#include "KernelsInternal.h"
#include "KernelsMatMulIsa.h"

#include <assert.h>
#include <math.h>
#include <string.h>

enum {
  QT = GCIM_ATTENTION_QT, /* queries per tile: the columns of one panel of the score product */
  KT = 128,               /* keys per tile: the scores of a tile are KT x QT floats = 16 KiB */
  TILE_MIN = 8            /* fewer queries go one row at a time */
};

int64_t gcimKernelAttentionScratchSize(const GcimAttentionDesc *desc) { return desc->keyLen; }

// Keys [*first, *last) that query i (of tq, against tk keys) sees.
static void visibleKeys(const GcimAttentionDesc *desc, int64_t tq, int64_t tk, int64_t i,
                        int64_t *first, int64_t *last) {
  int64_t pos = tk - tq + i;
  *first = 0;
  *last = tk;
  if (desc->causal)
    *last = pos + 1 < tk ? pos + 1 : tk;
  if (desc->window > 0) {
    *first = pos - desc->window + 1 > 0 ? pos - desc->window + 1 : 0;
    if (!desc->causal && pos + desc->window < *last)
      *last = pos + desc->window;
  }
  if (*last < 0)
    *last = 0;
}

/* The decode row's softmax sums exp(s_j - max) in ROW_LANES float partial sums, key j in
 * lane j % ROW_LANES, whatever the vector width, so every set adds in the same order; each
 * block of ROW_BLOCK keys (the keys after the last whole ROW_LANES: a block of their own)
 * goes into double lanes, so a float partial sums at most 16 terms of at most 1. */
enum { ROW_LANES = 16, ROW_BLOCK = 256 };

// s[j] = exp(s[j] - max) for j in [from, to), to - from <= ROW_BLOCK, one key at a time,
// added to lanes[(j - from) % ROW_LANES]: the definition the vector blocks follow.
GCIM_KERNELS_VECTORISE static inline void rowExpBlock(float *restrict s, int64_t from, int64_t to,
                                                      float max, double *restrict lanes) {
  float part[ROW_LANES] = {0};
  for (int64_t j = from; j < to; ++j) {
    s[j] = gcimKernelsExpNonPositive(s[j] - max);
    part[(j - from) % ROW_LANES] += s[j];
  }
  for (int l = 0; l < ROW_LANES; ++l)
    lanes[l] += part[l];
}

// The exp pass of the decode row over s[0..n): whole blocks of ROW_LANES keys, then the
// rest. With vector extensions LANES keys per vector (the bits of rowExpBlock), for the
// compiler's target and, chosen at run time, for AVX2 and AVX-512; plain C key by key.
#if GCIM_KERNELS_LANES
#define DEFINE_ROW_EXP_SUM(name, LANES, ATTRIBUTES)                                                \
  typedef float name##F __attribute__((vector_size(LANES * sizeof(float))));                       \
  typedef int name##I __attribute__((vector_size(LANES * sizeof(int))));                           \
  ATTRIBUTES static inline void name(float *restrict s, int64_t n, float max,                      \
                                     double *restrict lanes) {                                     \
    enum { VECTORS = ROW_LANES / LANES };                                                          \
    int64_t whole = n - n % ROW_LANES;                                                             \
    for (int64_t j0 = 0; j0 < whole; j0 += ROW_BLOCK) {                                            \
      int64_t end = whole - j0 < ROW_BLOCK ? whole : j0 + ROW_BLOCK;                               \
      name##F total[VECTORS];                                                                      \
      memset(total, 0, sizeof total);                                                              \
      for (int64_t j = j0; j < end; j += ROW_LANES)                                                \
        for (int x = 0; x < VECTORS; ++x) {                                                        \
          name##F d, p;                                                                            \
          memcpy(&d, s + j + x * LANES, sizeof d);                                                 \
          d -= max;                                                                                \
          GCIM_EXP_NON_POSITIVE_LANES(name##F, name##I, d, p);                                     \
          memcpy(s + j + x * LANES, &p, sizeof p);                                                 \
          total[x] += p;                                                                           \
        }                                                                                          \
      float part[ROW_LANES];                                                                       \
      memcpy(part, total, sizeof part);                                                            \
      for (int l = 0; l < ROW_LANES; ++l)                                                          \
        lanes[l] += part[l];                                                                       \
    }                                                                                              \
    rowExpBlock(s, whole, n, max, lanes);                                                          \
  }
DEFINE_ROW_EXP_SUM(rowExpSumBase, 4, GCIM_KERNELS_VECTORISE)
#if GCIM_KERNELS_DISPATCH
DEFINE_ROW_EXP_SUM(rowExpSumAvx2, 8, GCIM_KERNELS_VECTORISE __attribute__((target("avx2"))))
DEFINE_ROW_EXP_SUM(rowExpSumAvx512, 16, GCIM_KERNELS_VECTORISE __attribute__((target("avx512f"))))
#endif
#else
static void rowExpSumBase(float *restrict s, int64_t n, float max, double *restrict lanes) {
  int64_t whole = n - n % ROW_LANES;
  for (int64_t j0 = 0; j0 < whole; j0 += ROW_BLOCK)
    rowExpBlock(s, j0, whole - j0 < ROW_BLOCK ? whole : j0 + ROW_BLOCK, max, lanes);
  rowExpBlock(s, whole, n, max, lanes);
}
#endif

// q . kj over d dimensions: 8 lanes of partial sums over the whole groups of 8, the other
// dimensions summed first, then the lanes in order (vectorisable, fixed order).
GCIM_KERNELS_VECTORISE static inline float rowDot(const float *restrict q, const float *restrict kj,
                                                  int64_t d) {
  float lanes[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= d; i += 8)
    for (int l = 0; l < 8; ++l)
      lanes[l] += q[i + l] * kj[i + l];
  float dot = 0.0f;
  for (; i < d; ++i)
    dot += q[i] * kj[i];
  for (int l = 0; l < 8; ++l)
    dot += lanes[l];
  return dot;
}

// dots[j] = rowDot(q, k + j d, d) for j in [first, last). With vector extensions four keys
// at a time (their lanes in registers, four independent sums of the lanes: the same
// operations per key), for the compiler's target and, chosen at run time, AVX2 and
// AVX-512; plain C key by key.
#if GCIM_KERNELS_LANES
typedef float RowDotLanes __attribute__((vector_size(8 * sizeof(float))));
#define DEFINE_ROW_DOTS(name, ATTRIBUTES)                                                          \
  ATTRIBUTES static inline void name(const float *restrict q, const float *restrict k, int64_t d,  \
                                     int64_t first, int64_t last, float *restrict dots) {          \
    int64_t j = first;                                                                             \
    for (; j + 4 <= last; j += 4) {                                                                \
      const float *restrict k0 = k + j * d;                                                        \
      const float *restrict k1 = k0 + d;                                                           \
      const float *restrict k2 = k1 + d;                                                           \
      const float *restrict k3 = k2 + d;                                                           \
      RowDotLanes a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, qv, x0, x1, x2, x3;                      \
      int64_t i = 0;                                                                               \
      for (; i + 8 <= d; i += 8) {                                                                 \
        memcpy(&qv, q + i, sizeof qv);                                                             \
        memcpy(&x0, k0 + i, sizeof x0);                                                            \
        memcpy(&x1, k1 + i, sizeof x1);                                                            \
        memcpy(&x2, k2 + i, sizeof x2);                                                            \
        memcpy(&x3, k3 + i, sizeof x3);                                                            \
        a0 += qv * x0;                                                                             \
        a1 += qv * x1;                                                                             \
        a2 += qv * x2;                                                                             \
        a3 += qv * x3;                                                                             \
      }                                                                                            \
      float d0 = 0.0f, d1 = 0.0f, d2 = 0.0f, d3 = 0.0f;                                            \
      for (; i < d; ++i) {                                                                         \
        d0 += q[i] * k0[i];                                                                        \
        d1 += q[i] * k1[i];                                                                        \
        d2 += q[i] * k2[i];                                                                        \
        d3 += q[i] * k3[i];                                                                        \
      }                                                                                            \
      for (int l = 0; l < 8; ++l) {                                                                \
        d0 += a0[l];                                                                               \
        d1 += a1[l];                                                                               \
        d2 += a2[l];                                                                               \
        d3 += a3[l];                                                                               \
      }                                                                                            \
      dots[j] = d0;                                                                                \
      dots[j + 1] = d1;                                                                            \
      dots[j + 2] = d2;                                                                            \
      dots[j + 3] = d3;                                                                            \
    }                                                                                              \
    for (; j < last; ++j)                                                                          \
      dots[j] = rowDot(q, k + j * d, d);                                                           \
  }
DEFINE_ROW_DOTS(rowDotsBase, GCIM_KERNELS_VECTORISE)
#if GCIM_KERNELS_DISPATCH
DEFINE_ROW_DOTS(rowDotsAvx2, GCIM_KERNELS_VECTORISE __attribute__((target("avx2"))))
DEFINE_ROW_DOTS(rowDotsAvx512, GCIM_KERNELS_VECTORISE __attribute__((target("avx512f"))))
#endif
#else
static void rowDotsBase(const float *restrict q, const float *restrict k, int64_t d, int64_t first,
                        int64_t last, float *restrict dots) {
  for (int64_t j = first; j < last; ++j)
    dots[j] = rowDot(q, k + j * d, d);
}
#endif

// One query row: out[0..dv) from keys and values [first, last) of one head; the dot
// products and the exp pass above, the value rows four keys at a time. Defined once per
// instruction set (the decode step's attention on the vector units the processor has,
// chosen at run time as the matrix kernel is): every operation is the same IEEE float
// operation in every definition (no contraction, no reassociation), so they give the same
// bits. Where expf would give NaN (a NaN score, an infinite maximum) the polynomial gives
// finite values, so the row is made NaN as before.
#define DEFINE_ATTEND_ROW(name, dots, expSum, ATTRIBUTES)                                          \
  ATTRIBUTES static void name(const float *restrict q, const float *restrict k,                    \
                              const float *restrict v, float *restrict out, int64_t first,         \
                              int64_t last, int64_t d, int64_t dv, float scale,                    \
                              float *restrict scores) {                                            \
    for (int64_t c = 0; c < dv; ++c)                                                               \
      out[c] = 0.0f;                                                                               \
    if (first >= last)                                                                             \
      return;                                                                                      \
    float max = -INFINITY;                                                                         \
    int nan = 0;                                                                                   \
    dots(q, k, d, first, last, scores);                                                            \
    for (int64_t j = first; j < last; ++j) {                                                       \
      float s = scale * scores[j];                                                                 \
      scores[j] = s;                                                                               \
      max = s > max ? s : max;                                                                     \
      nan |= isnan(s);                                                                             \
    }                                                                                              \
    double laneSums[ROW_LANES] = {0}, sum = 0.0;                                                   \
    expSum(scores + first, last - first, max, laneSums);                                           \
    for (int l = 0; l < ROW_LANES; ++l)                                                            \
      sum += laneSums[l];                                                                          \
    float inv = nan || !isfinite(max) ? NAN : (float)(1.0 / sum);                                  \
    int64_t j = first;                                                                             \
    for (; j + 4 <= last; j += 4) {                                                                \
      float p0 = scores[j] * inv, p1 = scores[j + 1] * inv;                                        \
      float p2 = scores[j + 2] * inv, p3 = scores[j + 3] * inv;                                    \
      const float *restrict v0 = v + j * dv;                                                       \
      const float *restrict v1 = v0 + dv;                                                          \
      const float *restrict v2 = v1 + dv;                                                          \
      const float *restrict v3 = v2 + dv;                                                          \
      for (int64_t c = 0; c < dv; ++c)                                                             \
        out[c] += p0 * v0[c] + p1 * v1[c] + p2 * v2[c] + p3 * v3[c];                               \
    }                                                                                              \
    for (; j < last; ++j) {                                                                        \
      float p = scores[j] * inv;                                                                   \
      const float *restrict vj = v + j * dv;                                                       \
      for (int64_t c = 0; c < dv; ++c)                                                             \
        out[c] += p * vj[c];                                                                       \
    }                                                                                              \
  }
DEFINE_ATTEND_ROW(attendRowBase, rowDotsBase, rowExpSumBase, GCIM_KERNELS_VECTORISE)
#if GCIM_KERNELS_DISPATCH
/* Without FMA: nothing can be contracted, whatever the build's flags. */
DEFINE_ATTEND_ROW(attendRowAvx2, rowDotsAvx2, rowExpSumAvx2,
                  GCIM_KERNELS_VECTORISE __attribute__((target("avx2"))))
DEFINE_ATTEND_ROW(attendRowAvx512, rowDotsAvx512, rowExpSumAvx512,
                  GCIM_KERNELS_VECTORISE __attribute__((target("avx512f"))))
#endif

GcimAttendRowKernel *gcimKernelsAttendRowKernel(GcimKernelIsa isa) {
  switch (isa) {
  case GCIM_ISA_BASE:
    return attendRowBase;
#if GCIM_KERNELS_DISPATCH
  case GCIM_ISA_AVX2:
    return __builtin_cpu_supports("avx2") ? attendRowAvx2 : NULL;
  case GCIM_ISA_AVX512:
    return __builtin_cpu_supports("avx512f") ? attendRowAvx512 : NULL;
#endif
  default:
    return NULL;
  }
}

// Running softmax state of the queries of a tile.
typedef struct TileState {
  int64_t qt, first[QT], last[QT]; /* queries, and the keys each sees */
  float max[QT];                   /* largest score so far (-inf: none visible yet) */
  double sum[QT];                  /* sum of exp(score - max) so far */
  float rescale[QT];               /* factor of the output rows for this key tile */
} TileState;

// The exp pass of onlineSoftmax (GcimSoftmaxExpKernel, KernelsMatMulIsa.h). With vector
// extensions LANES queries at a time (KernelsInternal.h: the bits of the scalar loop below),
// for the compiler's target and, chosen at run time, for AVX2 and AVX-512; an empty column's
// differences are zeroed before the exp (+inf has no integer exponent).
#if GCIM_KERNELS_LANES
#define DEFINE_SOFTMAX_EXP(name, LANES, ATTRIBUTES)                                                \
  typedef float name##F __attribute__((vector_size(LANES * sizeof(float))));                       \
  typedef int name##I __attribute__((vector_size(LANES * sizeof(int))));                           \
  ATTRIBUTES static void name(float *s, int64_t kt, const float *max, float *sum) {                \
    for (int64_t l = 0; l < QT; l += LANES) {                                                      \
      name##F m, total = {0};                                                                      \
      memcpy(&m, max + l, sizeof m);                                                               \
      name##I empty = m == -INFINITY;                                                              \
      for (int64_t j = 0; j < kt; ++j) {                                                           \
        name##F d, p;                                                                              \
        memcpy(&d, s + j * QT + l, sizeof d);                                                      \
        d = (name##F)((name##I)(d - m) & ~empty);                                                  \
        GCIM_EXP_NON_POSITIVE_LANES(name##F, name##I, d, p);                                       \
        p = (name##F)((name##I)p & ~empty);                                                        \
        memcpy(s + j * QT + l, &p, sizeof p);                                                      \
        total += p;                                                                                \
      }                                                                                            \
      memcpy(sum + l, &total, sizeof total);                                                       \
    }                                                                                              \
  }
DEFINE_SOFTMAX_EXP(softmaxExpBase, 4, )
#if GCIM_KERNELS_DISPATCH
DEFINE_SOFTMAX_EXP(softmaxExpAvx2, 8, __attribute__((target("avx2"))))
DEFINE_SOFTMAX_EXP(softmaxExpAvx512, 16, __attribute__((target("avx512f"))))
#endif
#else
// Plain C: one query at a time.
static void softmaxExpBase(float *restrict s, int64_t kt, const float *restrict max,
                           float *restrict sum) {
  for (int64_t i = 0; i < QT; ++i)
    sum[i] = 0.0f;
  for (int64_t j = 0; j < kt; ++j) {
    float *restrict row = s + j * QT;
    for (int64_t i = 0; i < QT; ++i) {
      // exp(-inf - m) = 0 drops an empty past; a query with nothing visible stays at 0.
      float p = max[i] == -INFINITY ? 0.0f : gcimKernelsExpNonPositive(row[i] - max[i]);
      row[i] = p;
      sum[i] += p; /* at most KT terms of at most 1 in float, then into the double sum */
    }
  }
}

#endif

GcimSoftmaxExpKernel *gcimKernelsSoftmaxExpKernel(GcimKernelIsa isa) {
  switch (isa) {
  case GCIM_ISA_BASE:
    return softmaxExpBase;
#if GCIM_KERNELS_DISPATCH
  case GCIM_ISA_AVX2:
    return __builtin_cpu_supports("avx2") ? softmaxExpAvx2 : NULL;
  case GCIM_ISA_AVX512:
    return __builtin_cpu_supports("avx512f") ? softmaxExpAvx512 : NULL;
#endif
  default:
    return NULL;
  }
}

// The kernels of the widest set the matrix kernel runs on, or the portable ones when this
// file was built without its dispatch (other flags than KernelsMatMul.c's).
static GcimAttendRowKernel *attendRowBest(void) {
  GcimAttendRowKernel *row = gcimKernelsAttendRowKernel(gcimKernelsIsaBest());
  return row ? row : attendRowBase;
}

static GcimSoftmaxExpKernel *softmaxExpBest(void) {
  GcimSoftmaxExpKernel *kernel = gcimKernelsSoftmaxExpKernel(gcimKernelsIsaBest());
  return kernel ? kernel : softmaxExpBase;
}

// Turns the scores s[j * QT + i] of keys j0 + j, j < kt, into exp(score - max) (0 for
// keys query i does not see) and updates the running maxima and sums. (This and attendTile
// ask GCC for its -O3 cost model: at -O2 their loops of runtime length stay scalar.)
GCIM_KERNELS_VECTORISE static void onlineSoftmax(float *restrict s, int64_t kt, int64_t j0,
                                                 TileState *t, GcimSoftmaxExpKernel *softmaxExp) {
  float tileMax[QT];
  int64_t qt = t->qt, lo = t->first[qt - 1], hi = t->last[0];
  int masked = j0 < lo || j0 + kt > hi; /* first and last grow with i */
  if (masked) /* query i sees the tile's keys [from, to): a test per key mispredicts */
    for (int64_t i = 0; i < qt; ++i) {
      int64_t from = t->first[i] - j0, to = t->last[i] - j0;
      for (int64_t j = 0; j < kt && j < from; ++j)
        s[j * QT + i] = -INFINITY;
      for (int64_t j = to > 0 ? to : 0; j < kt; ++j)
        s[j * QT + i] = -INFINITY;
    }
  for (int64_t i = 0; i < qt; ++i)
    tileMax[i] = -INFINITY;
  for (int64_t j = 0; j < kt; ++j) {
    float *restrict row = s + j * QT;
    for (int64_t i = 0; i < qt; ++i)
      tileMax[i] = row[i] > tileMax[i] ? row[i] : tileMax[i];
  }
  float sum[QT], max[QT];
  for (int64_t i = 0; i < QT; ++i)
    max[i] = -INFINITY; /* the columns past qt: empty */
  for (int64_t i = 0; i < qt; ++i) {
    max[i] = tileMax[i] > t->max[i] ? tileMax[i] : t->max[i];
    t->rescale[i] = max[i] == -INFINITY ? 1.0f : gcimKernelsExpNonPositive(t->max[i] - max[i]);
    t->max[i] = max[i];
  }
  softmaxExp(s, kt, max, sum);
  for (int64_t i = 0; i < qt; ++i)
    t->sum[i] = t->sum[i] * t->rescale[i] + sum[i];
}

// Queries [i0, i0 + qt) of one head (q, out at row i0; k, v at key 0).
GCIM_KERNELS_VECTORISE static void attendTile(const GcimAttentionDesc *desc, const float *q,
                                              const float *k, const float *v, float *out,
                                              int64_t i0, int64_t qt, int64_t tq, int64_t tk,
                                              int64_t d, int64_t dv) {
  float scores[KT * QT];
  GcimSoftmaxExpKernel *softmaxExp = softmaxExpBest();
  TileState t;
  t.qt = qt;
  for (int64_t i = 0; i < qt; ++i) {
    visibleKeys(desc, tq, tk, i0 + i, &t.first[i], &t.last[i]);
    t.max[i] = -INFINITY;
    t.sum[i] = 0.0;
  }
  for (int64_t x = 0; x < qt * dv; ++x)
    out[x] = 0.0f;
  int64_t lo = t.first[0], hi = t.last[qt - 1];
  for (int64_t j0 = lo; j0 < hi; j0 += KT) {
    int64_t kt = hi - j0 < KT ? hi - j0 : KT;
    for (int64_t x = 0; x < kt * QT; ++x)
      scores[x] = 0.0f;
    // Scores transposed (keys x queries): the queries are then the vector lanes of the
    // softmax, and the product packs one panel of queries per 256 keys.
    gcimKernelsGemmAccumulate(kt, qt, d, desc->scale, k + j0 * d, d, 1, q, d, 1, scores, QT);
    onlineSoftmax(scores, kt, j0, &t, softmaxExp);
    for (int64_t i = 0; i < qt; ++i)
      for (int64_t c = 0; c < dv; ++c)
        out[i * dv + c] *= t.rescale[i];
    gcimKernelsGemmAccumulate(qt, dv, kt, 1.0f, scores, 1, QT, v + j0 * dv, dv, 0, out, dv);
  }
  for (int64_t i = 0; i < qt; ++i) {
    float inv = t.sum[i] > 0.0 ? (float)(1.0 / t.sum[i]) : 0.0f;
    for (int64_t c = 0; c < dv; ++c)
      out[i * dv + c] *= inv;
  }
}

void gcimKernelAttentionF32(const GcimAttentionDesc *desc, const float *q, const float *k,
                            const float *v, float *out, float *scratch) {
  int64_t heads = desc->heads, kvHeads = desc->kvHeads ? desc->kvHeads : desc->heads;
  int64_t tq = desc->queryLen, tk = desc->keyLen, d = desc->headDim;
  int64_t dv = desc->valueDim ? desc->valueDim : desc->headDim;
  assert(heads % kvHeads == 0 && tk >= 1 && tq >= 0);
  int64_t group = heads / kvHeads;
  GcimAttendRowKernel *attendRow = attendRowBest();
  for (int64_t b = 0; b < desc->batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      int64_t g = b * kvHeads + h / group, head = (b * heads + h) * tq;
      const float *kh = k + g * tk * d, *vh = v + g * tk * dv;
      int64_t i = 0;
      for (int64_t qt; tq - i >= TILE_MIN; i += qt) {
        qt = tq - i < QT ? tq - i : QT;
        attendTile(desc, q + (head + i) * d, kh, vh, out + (head + i) * dv, i, qt, tq, tk, d, dv);
      }
      for (; i < tq; ++i) {
        int64_t first, last;
        visibleKeys(desc, tq, tk, i, &first, &last);
        attendRow(q + (head + i) * d, kh, vh, out + (head + i) * dv, first, last, d, dv,
                  desc->scale, scratch);
      }
    }
  }
}
