/* SimKernel.h: internal to the runtime: the simulator's product kernel, its float32
 * arithmetic of the reference (docs/HardwareModel.md §2) and random numbers. */
#ifndef GCIM_LIB_RUNTIME_SIMKERNEL_H
#define GCIM_LIB_RUNTIME_SIMKERNEL_H

#include "gcim/Runtime/Bf16.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Marks a function that GCC compiles twice, for the baseline and for x86-64-v4 (AVX-512),
 * with the static helpers it calls flattened in, the copy picked at load time by the CPU (an
 * ifunc: glibc only). Elementwise IEEE float operations, no contraction (-ffp-contract=off):
 * both copies give the same bits. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) &&         \
    defined(__GLIBC__) && !defined(GCIM_NO_AVX2) && !defined(GCIM_NO_AVX512)
#define GCIM_SIM_WIDE __attribute__((target_clones("arch=x86-64-v4", "default"), flatten))
#else
#define GCIM_SIM_WIDE
#endif

/* Lanes per kernel block: cells are stored in blocks of this many floats. */
#define GCIM_SIM_BLOCK 16

/* For each block b < blocks: out_i[b * GCIM_SIM_BLOCK + l] += sum over j < count of
 * c_i[x] * w[b * blockStride + x * stride + l]^(i+1), x = index[j], l < GCIM_SIM_BLOCK, for
 * i < 3 (only i = 0 when `one`; the other outputs are then unchanged), each lane summed in
 * order of j starting from its value in out_i (so a sum split over calls equals one call),
 * powers as repeated float32 products. One call covers a product's blocks: the per-call
 * setup is paid once, not per block. */
typedef void GcimSimKernel(int one, int32_t blocks, size_t blockStride, int32_t count,
                           const int32_t *restrict index, size_t stride, const float *restrict c1,
                           const float *restrict c2, const float *restrict c3,
                           const float *restrict rows, float *restrict o1, float *restrict o2,
                           float *restrict o3);

/* The fastest kernel this CPU runs; every kernel gives bit-identical results. */
GcimSimKernel *gcimSimKernelSelect(void);

/* The indices i < n with x[i] != 0 (NaN included), in order, into list[0 .. count);
 * returns count. list has room for n (entries from count on may be overwritten). */
typedef int32_t GcimSimNonzero(int32_t n, const float *restrict x, int32_t *restrict list);

/* sums[g] = x[g * stride] + x[g * stride + 1] + ... + x[g * stride + n - 1], summed in that
 * order from +0, for g < count. */
typedef void GcimSimRowSums(int32_t count, int32_t n, size_t stride, const float *restrict x,
                            float *restrict sums);

/* The fastest of each this CPU runs (the same results on every CPU). */
GcimSimNonzero *gcimSimNonzeroSelect(void);
GcimSimRowSums *gcimSimRowSumsSelect(void);

/* Seeds a xoshiro256** state from a 64-bit seed (splitmix64). */
void gcimSimRandomSeed(uint64_t state[4], uint64_t seed);

/* A standard normal draw (Box-Muller) advancing `state`. */
double gcimSimRandomNormal(uint64_t state[4]);

static inline float gcimSimClamp(float x, float lo, float hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* Round half to even (the default rounding mode), inline: adding and removing 2^23 leaves
 * the nearest integer when floats are evaluated in float precision. */
static inline float gcimSimRoundHalfEven(float x) {
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
  const float big = 8388608.0f, a = fabsf(x), r = (a + big) - big;
  return copysignf(a < big ? r : a, x); /* |x| >= 2^23 is an integer already (or NaN) */
#else
  return nearbyintf(x);
#endif
}

/* The code of Q(clip(x, lo, hi)): round_half_even(clip(x) / step) in float32, Q = step *
 * code. NaN clips to lo (a DAC cannot hold it); -0 and +0 both give code 0. `small`: the
 * codes are below 2^22, where adding and removing 1.5 * 2^23 rounds half to even without a
 * branch (so loops of it vectorise); the caller decides it once (FLT_EVAL_METHOD 0 too). */
static inline int32_t gcimSimCode(float x, float lo, float hi, float step, int small) {
  const float magic = 12582912.0f;
  float clipped = x > lo ? x : lo;
  clipped = clipped < hi ? clipped : hi;
  float z = clipped / step;
  if (small)
    return (int32_t)((z + magic) - magic);
  /* |z| <= levels - 1 < 2^31, but it may round up to 2^31: keep it inside int32. */
  z = gcimSimRoundHalfEven(z);
  return (int32_t)(z < 2147483520.0f ? (z > -2147483520.0f ? z : -2147483520.0f) : 2147483520.0f);
}

/* Codes of `levels` levels take the branch-free rounding of gcimSimCode. */
static inline int gcimSimSmallCodes(int32_t levels) {
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
  return levels < (1 << 22);
#else
  (void)levels;
  return 0;
#endif
}

/* Round to bfloat16, nearest even. */
static inline float gcimSimBf16(float x) { return gcimBf16ToFloat(gcimBf16FromFloat(x)); }

/* P1 = delta^age (float32 pow), P2 = P1 * P1, P3 = P2 * P1; optionally each in bfloat16. */
static inline void gcimSimDecayPowers(float delta, int64_t age, int roundBf16, float out[3]) {
  float p1 = powf(delta, (float)age);
  if (roundBf16) {
    p1 = gcimSimBf16(p1);
    out[0] = p1;
    out[1] = gcimSimBf16(p1 * p1);
    out[2] = gcimSimBf16(out[1] * p1);
  } else {
    out[0] = p1;
    out[1] = p1 * p1;
    out[2] = out[1] * p1;
  }
}

/* w^(i+1) as repeated float32 products: w, w * w, (w * w) * w. */
static inline float gcimSimCellPower(float w, int i) {
  float w2 = w * w;
  return i == 0 ? w : i == 1 ? w2 : w2 * w;
}

#endif /* GCIM_LIB_RUNTIME_SIMKERNEL_H */
