/* KernelsInternal.h: helpers shared by the kernel files (not installed, not public).
 *
 * The broadcast iterator reduces numpy broadcasting of up to three operands to an output
 * shape to a few coalesced axes with per-operand element strides (0 on broadcast axes),
 * so that kernels run a contiguous-or-constant inner loop over the last axis and an
 * odometer over the others. The blocked matrix product is shared with attention. */
#ifndef GCIM_LIB_RUNTIME_KERNELSINTERNAL_H
#define GCIM_LIB_RUNTIME_KERNELSINTERNAL_H

#include "gcim/Runtime/Kernels/Common.h"

#include <string.h>

/// Operands of one broadcast iterator at most.
enum { GCIM_BCAST_MAX_OPERANDS = 3 };

/// Coalesced broadcast of `count` operands to an output shape.
typedef struct GcimBcast {
  int rank;      /* coalesced axes, >= 1 */
  int count;     /* operands */
  int64_t total; /* output elements */
  int64_t dims[GCIM_MAX_RANK];
  int64_t strides[GCIM_BCAST_MAX_OPERANDS][GCIM_MAX_RANK];
} GcimBcast;

/// Fills *it for operands i < count of shapes `(dims[i], ranks[i])`, each broadcastable to
/// `(outDims, outRank)` (asserted).
void gcimKernelsBcastInit(GcimBcast *it, int count, const int64_t *const *dims, const int *ranks,
                          const int64_t *outDims, int outRank);

/// Advances the odometer `idx` over the axes 0..rank-2 of *it and the operands' offsets
/// `off` accordingly (one step = one inner row).
void gcimKernelsBcastNext(const GcimBcast *it, int64_t *idx, int64_t *off);

/// c[m, n] += alpha A B, the blocked matrix product of KernelsMatMul.c: A(i, p) is
/// a[i * rsa + p * csa], B(p, j) is b[p * ldb + j], or b[j * ldb + p] when `transB`; c's
/// rows are ldc apart. Keeps a 32 KiB panel of B on the stack. No overlap.
void gcimKernelsGemmAccumulate(int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                               int64_t rsa, int64_t csa, const float *b, int64_t ldb, int transB,
                               float *c, int64_t ldc);

/// exp(x) for x <= 0, 0 below -87 (where expf is 0 or subnormal); within 2 ulp of expf
/// above. Branch-free, so that loops over it vectorise (libm's expf is a call per
/// element): 2^n by the exponent bits, Cephes' polynomial on |r| <= ln 2 / 2. A NaN
/// gives some finite value (callers multiply by a term that carries it).
static inline float gcimKernelsExpNonPositive(float x) {
  const float log2e = 1.44269504089f, ln2Hi = 0.693359375f, ln2Lo = -2.12194440e-4f;
  const float roundMagic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
  float xc = x > -87.0f ? x : -87.0f;   /* NaN too: n stays a float an int holds */
  float n = (xc * log2e + roundMagic) - roundMagic;
  float r = (xc - n * ln2Hi) - n * ln2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = ((int32_t)n + 127) * (1 << 23);
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return x < -87.0f ? 0.0f : p * scale;
}

/// Normalises a possibly negative axis of a rank-`rank` tensor (asserted in range).
int gcimKernelsAxis(int64_t axis, int rank);

#endif /* GCIM_LIB_RUNTIME_KERNELSINTERNAL_H */
