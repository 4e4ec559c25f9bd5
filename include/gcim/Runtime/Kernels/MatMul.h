/* gcim/Runtime/Kernels/MatMul.h: matrix products (ONNX MatMul, Gemm), the cost of a
 * transformer step. Blocked, auto-vectorisable C99 with a matrix-vector path for M = 1
 * (decode) and an optional packed-B layout for constant weights. The products keep a
 * 32 KiB panel of B on the stack (blocked path); they allocate nothing. */
#ifndef GCIM_RUNTIME_KERNELS_MATMUL_H
#define GCIM_RUNTIME_KERNELS_MATMUL_H

#include "gcim/Runtime/Kernels/Common.h"

#ifdef __cplusplus
extern "C" {
#endif

/// y[m,n] = a[m,k] . b[k,n], all three dense row-major (the core of the other kernels).
/// k may be 0 (y = 0). Accumulates in float32 in an order that differs from the naive
/// loop: results agree with it to about k * 2^-24 relative to sum |a||b|. No overlap.
void gcimKernelMatMul2dF32(const float *a, const float *b, float *y, int64_t m, int64_t n,
                           int64_t k);

/// ONNX MatMul (numpy matmul): a `(aDims, aRank)` and b `(bDims, bRank)`, ranks >= 1; a
/// rank-1 a is a row, a rank-1 b a column (and that axis is absent from y); the batch axes
/// (all but the last two) broadcast to y's. `yDims`/`yRank` is the output shape (rank 0
/// when both are vectors). No overlap.
void gcimKernelMatMulF32(const float *a, const int64_t *aDims, int aRank, const float *b,
                         const int64_t *bDims, int bRank, float *y, const int64_t *yDims,
                         int yRank);

/// ONNX Gemm: y[m,n] = alpha op(a) op(b) + beta c, op(a) = a (m x k, or k x m stored when
/// transA), op(b) = b (k x n, or n x k stored when transB); c is NULL or broadcasts to
/// (m, n) from `(cDims, cRank)`, rank <= 2. No overlap.
void gcimKernelGemmF32(const float *a, const float *b, const float *c, const int64_t *cDims,
                       int cRank, float *y, int64_t m, int64_t n, int64_t k, int transA, int transB,
                       float alpha, float beta);

/// Floats needed by gcimKernelPackBF32 for a k x n right operand (panels of 32 columns,
/// the last one zero-padded).
int64_t gcimKernelPackedBCount(int64_t k, int64_t n);

/// Packs a constant right operand once (at model load): b is k x n row-major, or n x k
/// (a weight stored as in PyTorch's Linear, or Gemm's transB) when `transB`. `packed`
/// holds gcimKernelPackedBCount(k, n) floats. No overlap.
void gcimKernelPackBF32(const float *b, int64_t k, int64_t n, int transB, float *packed);

/// y[m,n] = a[m,k] . B + bias, with B packed by gcimKernelPackBF32 and `bias` NULL or n
/// floats (the Linear / MatMul+Add pattern). No overlap.
void gcimKernelMatMulPackedF32(const float *a, const float *packedB, const float *bias, float *y,
                               int64_t m, int64_t n, int64_t k);

/// Columns [j0, j1) of gcimKernelMatMulPackedF32's y, the same bits as the whole call
/// writes there: a, packedB, bias, y, m, n and k are the whole call's, j0 is a multiple of
/// the packed panel width (gcimKernelPackedBCount(k, 1) / k) and j0 <= j1 <= n. Disjoint
/// ranges may run at the same time (gcimParallelMatMulPackedF32).
void gcimKernelMatMulPackedColumnsF32(const float *a, const float *packedB, const float *bias,
                                      float *y, int64_t m, int64_t n, int64_t k, int64_t j0,
                                      int64_t j1);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_MATMUL_H */
