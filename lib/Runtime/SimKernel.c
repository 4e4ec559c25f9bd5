/* SimKernel.c: the simulator's inner kernel (portable and AVX2) and its random numbers. */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "SimKernel.h"

#include <math.h>
#include <string.h>

enum { BLOCK = GCIM_SIM_BLOCK };

/* ---- random numbers: xoshiro256** seeded by splitmix64, Box-Muller normals ---- */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t nextRandom(uint64_t s[4]) {
  uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double gcimSimRandomNormal(uint64_t s[4]) {
  double u1 = ((double)(nextRandom(s) >> 11) + 1.0) * 0x1.0p-53; /* (0, 1] */
  double u2 = (double)(nextRandom(s) >> 11) * 0x1.0p-53;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void gcimSimRandomSeed(uint64_t state[4], uint64_t seed) {
  for (int i = 0; i < 4; ++i)
    state[i] = splitmix64(&seed);
}

/* Both products are one kernel (see SimKernel.h): the K side runs it with c = q over the
 * nonzero query dimensions, the V side with c_i = phi_s * delta^((i+1) age_s) over the pulsed
 * slots. GCIM_BLOCK_KERNEL defines it for a vector type VT of LANES floats (GCC and Clang
 * vector extensions: elementwise IEEE float operations, so exactly the scalar results, but
 * kept in registers). */
#define GCIM_BLOCK_KERNEL(name, VT, LANES, ATTRIBUTES)                                             \
  ATTRIBUTES static void name(int one, int32_t count, const int32_t *restrict index,               \
                              size_t stride, const float *restrict c1, const float *restrict c2,   \
                              const float *restrict c3, const float *restrict rows,                \
                              float *restrict o1, float *restrict o2, float *restrict o3) {        \
    VT a1[BLOCK / LANES], a2[BLOCK / LANES], a3[BLOCK / LANES];                                    \
    memcpy(a1, o1, sizeof a1);                                                                     \
    memcpy(a2, o2, sizeof a2);                                                                     \
    memcpy(a3, o3, sizeof a3);                                                                     \
    for (int32_t j = 0; j < count; ++j) {                                                          \
      const float *x = rows + (size_t)index[j] * stride;                                           \
      float k1 = c1[index[j]], k2 = c2[index[j]], k3 = c3[index[j]];                               \
      for (int l = 0; l < BLOCK / LANES; ++l) {                                                    \
        VT w;                                                                                      \
        memcpy(&w, x + LANES * l, sizeof w);                                                       \
        a1[l] += k1 * w;                                                                           \
        if (!one) {                                                                                \
          VT w2 = w * w;                                                                           \
          a2[l] += k2 * w2;                                                                        \
          a3[l] += k3 * (w2 * w);                                                                  \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
    memcpy(o1, a1, sizeof a1);                                                                     \
    memcpy(o2, a2, sizeof a2);                                                                     \
    memcpy(o3, a3, sizeof a3);                                                                     \
  }

#if defined(__GNUC__) || defined(__clang__)
typedef float Vec4 __attribute__((vector_size(16)));
GCIM_BLOCK_KERNEL(kernelBase, Vec4, 4, )
#if (defined(__x86_64__) || defined(__i386__)) && !defined(GCIM_NO_AVX2)
/* An AVX2 kernel chosen at create time when the CPU has it: the same IEEE operations per lane
 * (FP contraction is off), so identical results, twice the lanes. */
#define GCIM_HAVE_AVX2_KERNEL 1
typedef float Vec8 __attribute__((vector_size(32)));
GCIM_BLOCK_KERNEL(kernelAvx2, Vec8, 8, __attribute__((target("avx2"))))
#ifndef GCIM_NO_AVX512
/* AVX-512: one register per block of 16 lanes, again the same operations per lane. */
#define GCIM_HAVE_AVX512_KERNEL 1
typedef float Vec16 __attribute__((vector_size(64)));
GCIM_BLOCK_KERNEL(kernelAvx512, Vec16, 16, __attribute__((target("avx512f"))))
#endif
#endif
#else
/* Portable C: the same operations, one lane at a time. */
static void kernelBase(int one, int32_t count, const int32_t *restrict index, size_t stride,
                       const float *restrict c1, const float *restrict c2, const float *restrict c3,
                       const float *restrict rows, float *restrict o1, float *restrict o2,
                       float *restrict o3) {
  float a1[BLOCK], a2[BLOCK], a3[BLOCK];
  memcpy(a1, o1, sizeof a1);
  memcpy(a2, o2, sizeof a2);
  memcpy(a3, o3, sizeof a3);
  for (int32_t j = 0; j < count; ++j) {
    const float *x = rows + (size_t)index[j] * stride;
    for (int l = 0; l < BLOCK; ++l) {
      float w = x[l], w2 = w * w;
      a1[l] += c1[index[j]] * w;
      if (!one) {
        a2[l] += c2[index[j]] * w2;
        a3[l] += c3[index[j]] * (w2 * w);
      }
    }
  }
  memcpy(o1, a1, sizeof a1);
  memcpy(o2, a2, sizeof a2);
  memcpy(o3, a3, sizeof a3);
}
#endif

GcimSimKernel *gcimSimKernelSelect(void) {
#ifdef GCIM_HAVE_AVX512_KERNEL
  if (__builtin_cpu_supports("avx512f"))
    return kernelAvx512;
#endif
#ifdef GCIM_HAVE_AVX2_KERNEL
  if (__builtin_cpu_supports("avx2"))
    return kernelAvx2;
#endif
  return kernelBase;
}
