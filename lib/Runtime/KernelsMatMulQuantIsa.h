/* KernelsMatMulQuantIsa.h: the decode-step kernel of products on packed narrow weights
 * (Kernels/MatMulQuant.h), one per instruction set as the float32 kernel
 * (KernelsMatMulIsa.h): KernelsMatMulQuantBase.c for the compiler's target,
 * KernelsMatMulQuantAvx2.c and KernelsMatMulQuantAvx512.c with target attributes, chosen
 * at run time by KernelsMatMulQuant.c. Not installed. */
#ifndef GCIM_LIB_RUNTIME_KERNELSMATMULQUANTISA_H
#define GCIM_LIB_RUNTIME_KERNELSMATMULQUANTISA_H

#include "KernelsMatMulIsa.h"

#include "gcim/Runtime/Kernels/MatMulQuant.h"

enum { GCIM_QUANT_PANEL = 32 }; /* columns of a packed panel, as GCIM_MATMUL_NR */

/// One row of the decode step over a range of panels: y[0..n) = a[0..k) . W (+ bias), W's
/// panels from `codes` (int8, 4-bit or bfloat16 bits, k x 32 each), the Q8/Q4 scale and zero of
/// block b and column j at scales[b * scaleStride + j] and zeros[...] (zeros NULL: 0), j < n.
typedef struct GcimQuantRow {
  GcimPackedFormat format;
  const float *a;
  const void *codes;
  const float *scales, *zeros;
  int64_t scaleStride;
  const float *bias;
  float *y;
  int64_t n, k, block;
} GcimQuantRow;

typedef void GcimQuantRowKernel(const GcimQuantRow *r);

void gcimKernelsQuantRowBase(const GcimQuantRow *r);
#if GCIM_KERNELS_DISPATCH
void gcimKernelsQuantRowAvx2(const GcimQuantRow *r);
void gcimKernelsQuantRowAvx512(const GcimQuantRow *r);
#endif

/// The decode-step kernel of `isa`, or NULL where this build or processor has none.
GcimQuantRowKernel *gcimKernelsQuantRowKernel(GcimKernelIsa isa);

#endif /* GCIM_LIB_RUNTIME_KERNELSMATMULQUANTISA_H */
