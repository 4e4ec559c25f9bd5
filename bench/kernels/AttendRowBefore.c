/* AttendRowBefore.c: a frozen copy of the decode step's attention row of KernelsAttention.c
 * at 99b874f (before issue 16's vector exp), dispatched as it was (AVX2 where the processor
 * has it, also on AVX-512 machines), for interleaved before/after timing. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "AttendRowBefore.h"

#include "KernelsMatMulIsa.h"

#include <assert.h>
#include <math.h>

#define DEFINE_ATTEND_ROW_BEFORE(name, ATTRIBUTES)                                                 \
  ATTRIBUTES static void name(const float *restrict q, const float *restrict k,                    \
                              const float *restrict v, float *restrict out, int64_t first,         \
                              int64_t last, int64_t d, int64_t dv, float scale,                    \
                              float *restrict scores) {                                            \
    for (int64_t c = 0; c < dv; ++c)                                                               \
      out[c] = 0.0f;                                                                               \
    if (first >= last)                                                                             \
      return;                                                                                      \
    float max = -INFINITY;                                                                         \
    for (int64_t j = first; j < last; ++j) {                                                       \
      const float *restrict kj = k + j * d;                                                        \
      float lanes[8] = {0};                                                                        \
      int64_t i = 0;                                                                               \
      for (; i + 8 <= d; i += 8)                                                                   \
        for (int l = 0; l < 8; ++l)                                                                \
          lanes[l] += q[i + l] * kj[i + l];                                                        \
      float dot = 0.0f;                                                                            \
      for (; i < d; ++i)                                                                           \
        dot += q[i] * kj[i];                                                                       \
      for (int l = 0; l < 8; ++l)                                                                  \
        dot += lanes[l];                                                                           \
      float s = scale * dot;                                                                       \
      scores[j] = s;                                                                               \
      max = s > max ? s : max;                                                                     \
    }                                                                                              \
    double sum = 0.0;                                                                              \
    for (int64_t j = first; j < last; ++j) {                                                       \
      scores[j] = expf(scores[j] - max);                                                           \
      sum += scores[j];                                                                            \
    }                                                                                              \
    float inv = (float)(1.0 / sum);                                                                \
    for (int64_t j = first; j < last; ++j) {                                                       \
      float p = scores[j] * inv;                                                                   \
      const float *restrict vj = v + j * dv;                                                       \
      for (int64_t c = 0; c < dv; ++c)                                                             \
        out[c] += p * vj[c];                                                                       \
    }                                                                                              \
  }
DEFINE_ATTEND_ROW_BEFORE(attendRowBeforeBase, GCIM_KERNELS_VECTORISE)
#if GCIM_KERNELS_DISPATCH
DEFINE_ATTEND_ROW_BEFORE(attendRowBeforeAvx2,
                         GCIM_KERNELS_VECTORISE __attribute__((target("avx2"))))
#endif

void benchAttendDecodeBefore(const GcimAttentionDesc *desc, const float *q, const float *k,
                             const float *v, float *out, float *scratch) {
  int64_t tk = desc->keyLen, d = desc->headDim;
  assert(desc->queryLen == 1 && desc->window == 0 && !desc->kvHeads && !desc->valueDim);
  for (int64_t h = 0; h < desc->batch * desc->heads; ++h) {
#if GCIM_KERNELS_DISPATCH
    if (__builtin_cpu_supports("avx2")) {
      attendRowBeforeAvx2(q + h * d, k + h * tk * d, v + h * tk * d, out + h * d, 0, tk, d, d,
                          desc->scale, scratch);
      continue;
    }
#endif
    attendRowBeforeBase(q + h * d, k + h * tk * d, v + h * tk * d, out + h * d, 0, tk, d, d,
                        desc->scale, scratch);
  }
}
