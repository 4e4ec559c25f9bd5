/* gcim/Runtime/Kernels/Nn.h: normalisation, softmax and exact attention (ONNX
 * LayerNormalization, Softmax, LogSoftmax; gcim.attention with kind = softmax). */
#ifndef GCIM_RUNTIME_KERNELS_NN_H
#define GCIM_RUNTIME_KERNELS_NN_H

#include "gcim/Runtime/Kernels/Common.h"

#ifdef __cplusplus
extern "C" {
#endif

/// ONNX LayerNormalization: x `(dims, rank)` is normalised over the axes axis..rank-1
/// (axis may be negative): y = (x - mean) / sqrt(var + epsilon) * scale + bias, with
/// `scale` and `bias` (NULL: none) of the normalised axes' shape. `mean` and `invStdDev`
/// are NULL or receive one float per normalised row (ONNX's optional outputs). Statistics
/// are accumulated in double. `y` may equal `x`.
void gcimKernelLayerNormF32(const float *x, const int64_t *dims, int rank, int64_t axis,
                            const float *scale, const float *bias, float epsilon, float *y,
                            float *mean, float *invStdDev);

/// ONNX Softmax (opset 13) along `axis` (negative allowed) of x `(dims, rank)`:
/// y = exp(x - max) / sum exp(x - max). A row of all -INFINITY gives NaN, as in ONNX
/// Runtime. `y` may equal `x`.
void gcimKernelSoftmaxF32(const float *x, const int64_t *dims, int rank, int64_t axis, float *y);

/// ONNX LogSoftmax (opset 13): y = x - max - log(sum exp(x - max)). `y` may equal `x`.
void gcimKernelLogSoftmaxF32(const float *x, const int64_t *dims, int rank, int64_t axis, float *y);

/// Shape and options of gcimKernelAttentionF32.
typedef struct GcimAttentionDesc {
  int64_t batch;
  int64_t heads;    /* query heads */
  int64_t kvHeads;  /* key/value heads, dividing `heads` (grouped-query); 0 means heads */
  int64_t queryLen; /* Tq */
  int64_t keyLen;   /* Tk >= 1 */
  int64_t headDim;  /* D of q and k */
  int64_t valueDim; /* D of v and out; 0 means headDim */
  float scale;      /* multiplies q.k before the softmax (usually 1/sqrt(D)) */
  int causal;       /* 1: query i only sees keys j <= its position */
  int64_t window;   /* > 0: query at position p sees keys with |p - j| < window */
} GcimAttentionDesc;

/// Floats of scratch gcimKernelAttentionF32 needs: keyLen.
int64_t gcimKernelAttentionScratchSize(const GcimAttentionDesc *desc);

/// Exact softmax attention: out[b,h,i,:] = sum_j p_j v[b,g,j,:], p = softmax_j(scale
/// q[b,h,i,:].k[b,g,j,:]) over the visible keys, g = h / (heads / kvHeads). Layouts:
/// q (B, H, Tq, D), k (B, Hkv, Tk, D), v (B, Hkv, Tk, Dv), out (B, H, Tq, Dv), row-major.
/// Query i has the absolute position p = Tk - Tq + i (the queries are the last Tq tokens,
/// as in a decode step with a KV cache); with `causal` it sees keys j <= p, with `window`
/// w > 0 keys with |p - j| < w (docs/HardwareModel.md's 0 <= p - j < M when also causal). A
/// query that sees no key gets zeros. `scratch` holds
/// gcimKernelAttentionScratchSize(desc) floats. No overlap.
void gcimKernelAttentionF32(const GcimAttentionDesc *desc, const float *q, const float *k,
                            const float *v, float *out, float *scratch);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_NN_H */
