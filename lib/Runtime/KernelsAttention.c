/* KernelsAttention.c: exact (softmax) multi-head attention with causal and sliding-window
 * masks, the digital fallback of gcim.attention (--attention=digital). One query row at a
 * time: scores of the visible keys into the scratch row, a stable softmax, then the
 * weighted sum of value rows (contiguous, vectorisable). */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Kernels/Nn.h"

#include <assert.h>
#include <math.h>

int64_t gcimKernelAttentionScratchSize(const GcimAttentionDesc *desc) {
  return desc->keyLen;
}

// Dot product of two float vectors with 8 independent partial sums (vectorisable).
static float dotProduct(const float *restrict a, const float *restrict b, int64_t n) {
  float lanes[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l)
      lanes[l] += a[i + l] * b[i + l];
  float s = 0.0f;
  for (; i < n; ++i)
    s += a[i] * b[i];
  for (int l = 0; l < 8; ++l)
    s += lanes[l];
  return s;
}

// One query row: out[0..dv) from keys and values [first, last) of one head.
static void attendRow(const float *restrict q, const float *restrict k,
                      const float *restrict v, float *restrict out, int64_t first,
                      int64_t last, int64_t d, int64_t dv, float scale,
                      float *restrict scores) {
  for (int64_t c = 0; c < dv; ++c)
    out[c] = 0.0f;
  if (first >= last)
    return;
  float max = -INFINITY;
  for (int64_t j = first; j < last; ++j) {
    float s = scale * dotProduct(q, k + j * d, d);
    scores[j] = s;
    max = s > max ? s : max;
  }
  double sum = 0.0;
  for (int64_t j = first; j < last; ++j) {
    scores[j] = expf(scores[j] - max);
    sum += scores[j];
  }
  float inv = (float)(1.0 / sum);
  for (int64_t j = first; j < last; ++j) {
    float p = scores[j] * inv;
    const float *restrict vj = v + j * dv;
    for (int64_t c = 0; c < dv; ++c)
      out[c] += p * vj[c];
  }
}

void gcimKernelAttentionF32(const GcimAttentionDesc *desc, const float *q, const float *k,
                            const float *v, float *out, float *scratch) {
  int64_t heads = desc->heads, kvHeads = desc->kvHeads ? desc->kvHeads : desc->heads;
  int64_t tq = desc->queryLen, tk = desc->keyLen, d = desc->headDim;
  int64_t dv = desc->valueDim ? desc->valueDim : desc->headDim;
  assert(heads % kvHeads == 0 && tk >= 1 && tq >= 0);
  int64_t group = heads / kvHeads;
  for (int64_t b = 0; b < desc->batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      int64_t g = b * kvHeads + h / group;
      const float *kh = k + g * tk * d, *vh = v + g * tk * dv;
      for (int64_t i = 0; i < tq; ++i) {
        int64_t pos = tk - tq + i, first = 0, last = tk;
        if (desc->causal)
          last = pos + 1 < tk ? pos + 1 : tk;
        if (desc->window > 0) {
          first = pos - desc->window + 1 > 0 ? pos - desc->window + 1 : 0;
          if (!desc->causal && pos + desc->window < last)
            last = pos + desc->window;
        }
        if (last < 0)
          last = 0;
        int64_t row = (b * heads + h) * tq + i;
        attendRow(q + row * d, kh, vh, out + row * dv, first, last, d, dv, desc->scale,
                  scratch);
      }
    }
  }
}
