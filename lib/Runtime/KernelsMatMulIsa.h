/* KernelsMatMulIsa.h: the matrix-product kernel of each instruction set (not installed).
 *
 * KernelsMatMulBase.c builds it for the target the compiler was given (the generated
 * Makefile's portable default: SSE2 on x86-64); on x86-64 with GCC or clang,
 * KernelsMatMulAvx2.c and KernelsMatMulAvx512.c build it again for AVX2+FMA and AVX-512
 * (function target attributes), and KernelsMatMul.c calls the widest one the processor
 * runs (cpuid), as the simulator does (SimKernel.c). The packed layout is the same for
 * every set; the rounding is not (FMA, tile heights): docs/Runtime.md, "Numerics". */
#ifndef GCIM_LIB_RUNTIME_KERNELSMATMULISA_H
#define GCIM_LIB_RUNTIME_KERNELSMATMULISA_H

#include <stdint.h>
#include <string.h>

/* Run-time dispatch: GCC or clang on x86-64, unless the plain C99 kernels or the base
 * kernel's tile height (-DGCIM_KERNEL_MR=n: tuning, tests) were asked for. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(GCIM_KERNEL_PLAIN_C) &&                   \
    !defined(GCIM_KERNEL_MR)
#define GCIM_KERNELS_DISPATCH 1
#else
#define GCIM_KERNELS_DISPATCH 0
#endif

/* GCC's -O2 (the generated Makefile's) vectorises only loops without a remainder; the
 * kernels cloned per instruction set ask for its -O3 cost model. */
#if defined(__GNUC__) && !defined(__clang__)
#define GCIM_KERNELS_VECTORISE __attribute__((optimize("vect-cost-model=dynamic")))
#else
#define GCIM_KERNELS_VECTORISE
#endif

enum {
  GCIM_MATMUL_NR = 32, /* columns of a packed panel */
  GCIM_MATMUL_KC = 256 /* depth of a block: a KC x NR panel is 32 KiB, L1-resident */
};

/// The instruction sets with a kernel, narrowest first.
typedef enum GcimKernelIsa {
  GCIM_ISA_BASE,   /* the compiler's target (SSE2 on x86-64 by default) */
  GCIM_ISA_AVX2,   /* AVX2 + FMA */
  GCIM_ISA_AVX512, /* AVX-512F + FMA */
  GCIM_ISA_COUNT
} GcimKernelIsa;

/// One product: c[m, n] (+)= alpha A B. A(i, p) = a[i * rsa + p * csa]; B(p, j) =
/// b[p * ldb + j], or b[j * ldb + p] when transB, or, when `packed` is not NULL, B as
/// packed by gcimKernelPackBF32 (b, ldb and transB unused). Adds to c unless `overwrite`
/// (packed B only), which stores bias + alpha A B (bias: n floats or NULL for 0).
typedef struct GcimGemm {
  int64_t m, n, k;
  float alpha;
  const float *a;
  int64_t rsa, csa;
  const float *b;
  int64_t ldb;
  int transB;
  const float *packed;
  float *c;
  int64_t ldc;
  int overwrite;
  const float *bias;
} GcimGemm;

typedef void GcimGemmKernel(const GcimGemm *g);

void gcimKernelsGemmBase(const GcimGemm *g);
#if GCIM_KERNELS_DISPATCH
void gcimKernelsGemmAvx2(const GcimGemm *g);
void gcimKernelsGemmAvx512(const GcimGemm *g);
#endif

/// The kernel of `isa`, or NULL where this build has none or the processor lacks it.
GcimGemmKernel *gcimKernelsGemmKernel(GcimKernelIsa isa);

/// The decode step's attention row of KernelsAttention.c: out[0..dv) = softmax(scale q .
/// k_j, j in [first, last)) . v, `scores` a scratch row indexed by j; the exp is
/// gcimKernelsExpNonPositive's, summed in 16 lanes. The same bits in every instruction set
/// (no FMA, no reassociation).
typedef void GcimAttendRowKernel(const float *restrict q, const float *restrict k,
                                 const float *restrict v, float *restrict out, int64_t first,
                                 int64_t last, int64_t d, int64_t dv, float scale,
                                 float *restrict scores);

/// The attention row of `isa`, or NULL as gcimKernelsGemmKernel.
GcimAttendRowKernel *gcimKernelsAttendRowKernel(GcimKernelIsa isa);

/// GELU with the tanh approximation of KernelsActivation.c on count floats (y may be x),
/// of `isa`, or NULL as gcimKernelsGemmKernel; the same bits in every set.
typedef void GcimGeluTanhKernel(const float *x, float *y, int64_t count);
GcimGeluTanhKernel *gcimKernelsGeluTanhKernel(GcimKernelIsa isa);

enum { GCIM_ATTENTION_QT = 32 }; /* queries of a prefill attention tile: one panel's columns */

/// The exp pass of prefill attention's online softmax (KernelsAttention.c) on a tile of
/// scores s[j * QT + i], keys j < kt, queries i < QT: s = exp(s - max[i]) by
/// gcimKernelsExpNonPositive, 0 in the columns whose max[i] is -inf, and sum[i] = the
/// column's sum in float, in key order. Of `isa`, or NULL as gcimKernelsGemmKernel; the
/// same bits in every set.
typedef void GcimSoftmaxExpKernel(float *s, int64_t kt, const float *max, float *sum);
GcimSoftmaxExpKernel *gcimKernelsSoftmaxExpKernel(GcimKernelIsa isa);

/// The widest instruction set with a kernel that this processor runs.
GcimKernelIsa gcimKernelsIsaBest(void);

/// Copies B(k0 + p, j0 + j), p < kc, j < nr, into bp[p * NR + j], zero-padding j >= nr.
/// B(p, j) is b[p * ldb + j], or b[j * ldb + p] when transB.
static inline void gcimKernelsPackPanel(const float *restrict b, int64_t ldb, int transB,
                                        int64_t k0, int64_t kc, int64_t j0, int64_t nr,
                                        float *restrict bp) {
  for (int64_t p = 0; p < kc; ++p) {
    float *restrict row = bp + p * GCIM_MATMUL_NR;
    if (transB)
      for (int64_t j = 0; j < nr; ++j)
        row[j] = b[(j0 + j) * ldb + k0 + p];
    else if (nr == GCIM_MATMUL_NR) /* a constant size: a few vector moves, not a call */
      memcpy(row, b + (k0 + p) * ldb + j0, GCIM_MATMUL_NR * sizeof(float));
    else
      memcpy(row, b + (k0 + p) * ldb + j0, (size_t)nr * sizeof(float));
    for (int64_t j = nr; j < GCIM_MATMUL_NR; ++j)
      row[j] = 0.0f;
  }
}

#endif /* GCIM_LIB_RUNTIME_KERNELSMATMULISA_H */
