/* gcim/Runtime/Kernels/MatMulQuant.h: products on constant weights kept narrower than float32
 * (quantized models, gcim-compile --weights=int8|bf16): 8- or 4-bit codes with float32 scales
 * and zero points, or bfloat16, packed once like gcimKernelPackBF32 (panels of 32 columns)
 * and expanded to float32 inside the product, so the weights are read from memory at 1/2,
 * 1 or 2 bytes each.
 * The decode step (m < 4) multiplies the codes directly and applies a block's scale to its
 * partial sums; more rows dequantize a 256 x 32 tile at a time into the float32 kernel.
 * C99; allocates nothing (the tile is on the stack). */
#ifndef GCIM_RUNTIME_KERNELS_MATMULQUANT_H
#define GCIM_RUNTIME_KERNELS_MATMULQUANT_H

#include "gcim/Runtime/Kernels/Common.h"
#include "gcim/Runtime/Threads.h"

#ifdef __cplusplus
extern "C" {
#endif

/// How a packed weight stores its elements.
typedef enum GcimPackedFormat {
  GCIM_PACKED_Q8 = 1,   ///< int8 codes c; element (p, j) = (c - zero[b, j]) * scale[b, j]
  GCIM_PACKED_BF16 = 2, ///< bfloat16 bits, the element exactly
  GCIM_PACKED_Q4 = 3    ///< 4-bit codes c in [-8, 7], two a byte; element as GCIM_PACKED_Q8's
} GcimPackedFormat;

/// A k x n weight: its codes packed by gcimKernelPackCodes (64-byte aligned) and, for Q8 and Q4,
/// ceil(k / block) x n float32 `scales` and `zeros` (row-major; zeros NULL for 0), row p of
/// the weight in block p / block (1 <= block <= k; block = k: one scale per column).
typedef struct GcimPackedWeight {
  GcimPackedFormat format;
  const void *codes;
  const float *scales, *zeros;
  int64_t k, n, block;
} GcimPackedWeight;

/// Bytes of packed codes: panels of 32 columns, k x 32 each (the last zero-padded), of 1
/// (Q8) or 2 (bfloat16) bytes an element, or half a byte (Q4: a panel row is 16 bytes, byte
/// i holding column i in its low nibble and column i + 16 in its high one, as c + 8).
int64_t gcimKernelPackedCodesBytes(GcimPackedFormat format, int64_t k, int64_t n);

/// Packs the k x n codes (row-major int8 or bfloat16 bits; Q4: int8 codes, one a byte, of
/// which only the low 4 bits are read as a two's complement nibble) into `packed`
/// (gcimKernelPackedCodesBytes bytes). No overlap.
void gcimKernelPackCodes(GcimPackedFormat format, const void *codes, int64_t k, int64_t n,
                         void *packed);

/// y[m, n] = a[m, k] . W + bias (bias NULL or n floats). Accumulates in float32; with Q8
/// and Q4 the scale multiplies the sum of a block's products (decode) or each element
/// (m >= 4), so results differ from the product on the dequantized float32 weight by
/// rounding only: within 2 (k + 4) u sum |a| (|c| + |zero|) scale (u = 2^-24; Q4 sums the
/// stored c + 8 and subtracts zero + 8: |c + 8| + |zero + 8| in place of |c| + |zero|). No
/// overlap.
void gcimKernelMatMulPackedWeightF32(const float *a, const GcimPackedWeight *w, const float *bias,
                                     float *y, int64_t m);

/// Columns [j0, j1) of gcimKernelMatMulPackedWeightF32's y, with the same bits as the whole
/// call; j0 a multiple of 32 and j0 <= j1 <= n.
void gcimKernelMatMulPackedWeightColumnsF32(const float *a, const GcimPackedWeight *w,
                                            const float *bias, float *y, int64_t m, int64_t j0,
                                            int64_t j1);

/// gcimKernelMatMulPackedWeightF32 on `pool` (NULL: the calling thread), by ranges of whole
/// panels of columns: the same bits for any number of threads.
void gcimParallelMatMulPackedWeightF32(GcimThreadPool *pool, const float *a,
                                       const GcimPackedWeight *w, const float *bias, float *y,
                                       int64_t m);

#ifdef __cplusplus
}
#endif

#endif /* GCIM_RUNTIME_KERNELS_MATMULQUANT_H */
