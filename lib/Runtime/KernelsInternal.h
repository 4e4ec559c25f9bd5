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
/// gives some finite value (callers multiply by a term that carries it). Its constants:
#define GCIM_EXP_MIN (-87.0f)
#define GCIM_EXP_LOG2E 1.44269504089f
#define GCIM_EXP_LN2_HI 0.693359375f
#define GCIM_EXP_LN2_LO (-2.12194440e-4f)
#define GCIM_EXP_ROUND 12582912.0f /* 1.5 * 2^23: adding it rounds to an integer */
#define GCIM_EXP_P0 1.9875691500e-4f
#define GCIM_EXP_P1 1.3981999507e-3f
#define GCIM_EXP_P2 8.3334519073e-3f
#define GCIM_EXP_P3 4.1665795894e-2f
#define GCIM_EXP_P4 1.6666665459e-1f
#define GCIM_EXP_P5 5.0000001201e-1f
static inline float gcimKernelsExpNonPositive(float x) {
  float xc = x > GCIM_EXP_MIN ? x : GCIM_EXP_MIN; /* NaN too: n stays a float an int holds */
  float n = (xc * GCIM_EXP_LOG2E + GCIM_EXP_ROUND) - GCIM_EXP_ROUND;
  float r = (xc - n * GCIM_EXP_LN2_HI) - n * GCIM_EXP_LN2_LO;
  float p = GCIM_EXP_P0;
  p = p * r + GCIM_EXP_P1;
  p = p * r + GCIM_EXP_P2;
  p = p * r + GCIM_EXP_P3;
  p = p * r + GCIM_EXP_P4;
  p = p * r + GCIM_EXP_P5;
  p = p * r * r + r + 1.0f;
  int32_t bits = ((int32_t)n + 127) * (1 << 23);
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return x < GCIM_EXP_MIN ? 0.0f : p * scale;
}

/* GCC's and clang's generic vectors (not with -DGCIM_KERNEL_PLAIN_C): lane-wise IEEE float
 * operations, so each lane gets the scalar code's bits, and vector instructions at any
 * optimisation level (GCC 12 at -O2 leaves the loops below scalar: their selects become
 * branches around operations that may trap). */
#if defined(__GNUC__) && !defined(GCIM_KERNEL_PLAIN_C)
#define GCIM_KERNELS_LANES 1
#else
#define GCIM_KERNELS_LANES 0
#endif

/// `y = gcimKernelsExpNonPositive(x)` on every lane of x, a generic vector of floats (type
/// VF; VI: a vector of as many ints): the same operations in the same order, so the same
/// bits; selects are bit masks (0 is +0.0f's bits).
#define GCIM_EXP_NON_POSITIVE_LANES(VF, VI, x, y)                                                  \
  do {                                                                                             \
    const VF zero_ = {0};                                                                          \
    VI inRange_ = (x) > GCIM_EXP_MIN;                                                              \
    VF xc_ = (VF)(((VI)(x)&inRange_) | ((VI)(zero_ + GCIM_EXP_MIN) & ~inRange_));                  \
    VF n_ = (xc_ * GCIM_EXP_LOG2E + GCIM_EXP_ROUND) - GCIM_EXP_ROUND;                              \
    VF r_ = (xc_ - n_ * GCIM_EXP_LN2_HI) - n_ * GCIM_EXP_LN2_LO;                                   \
    VF p_ = zero_ + GCIM_EXP_P0;                                                                   \
    p_ = p_ * r_ + GCIM_EXP_P1;                                                                    \
    p_ = p_ * r_ + GCIM_EXP_P2;                                                                    \
    p_ = p_ * r_ + GCIM_EXP_P3;                                                                    \
    p_ = p_ * r_ + GCIM_EXP_P4;                                                                    \
    p_ = p_ * r_ + GCIM_EXP_P5;                                                                    \
    p_ = p_ * r_ * r_ + r_ + 1.0f;                                                                 \
    VF scale_ = (VF)((__builtin_convertvector(n_, VI) + 127) * (1 << 23));                         \
    (y) = (VF)((VI)(p_ * scale_) & ~((x) < GCIM_EXP_MIN));                                         \
  } while (0)

/// Normalises a possibly negative axis of a rank-`rank` tensor (asserted in range).
int gcimKernelsAxis(int64_t axis, int rank);

/// The rows along `axis` (normalised, gcimKernelsAxis) of a tensor of `dims`: *outer
/// blocks before the axis, *inner elements after it; returns the axis' length.
int64_t gcimKernelsAxisSplit(const int64_t *dims, int rank, int axis, int64_t *outer,
                             int64_t *inner);

#endif /* GCIM_LIB_RUNTIME_KERNELSINTERNAL_H */
