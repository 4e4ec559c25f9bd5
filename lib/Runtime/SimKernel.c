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
  ATTRIBUTES static void name(                                                                     \
      int one, int32_t blocks, size_t blockStride, int32_t count, const int32_t *restrict index,   \
      size_t stride, const float *restrict c1, const float *restrict c2, const float *restrict c3, \
      const float *restrict rows, float *restrict o1, float *restrict o2, float *restrict o3) {    \
    for (int32_t b = 0; b < blocks; ++b) {                                                         \
      const float *block = rows + (size_t)b * blockStride;                                         \
      float *b1 = o1 + (size_t)b * BLOCK, *b2 = o2 + (size_t)b * BLOCK;                            \
      float *b3 = o3 + (size_t)b * BLOCK;                                                          \
      VT a1[BLOCK / LANES], a2[BLOCK / LANES], a3[BLOCK / LANES];                                  \
      memcpy(a1, b1, sizeof a1);                                                                   \
      memcpy(a2, b2, sizeof a2);                                                                   \
      memcpy(a3, b3, sizeof a3);                                                                   \
      for (int32_t j = 0; j < count; ++j) {                                                        \
        const float *x = block + (size_t)index[j] * stride;                                        \
        float k1 = c1[index[j]], k2 = c2[index[j]], k3 = c3[index[j]];                             \
        for (int l = 0; l < BLOCK / LANES; ++l) {                                                  \
          VT w;                                                                                    \
          memcpy(&w, x + LANES * l, sizeof w);                                                     \
          a1[l] += k1 * w;                                                                         \
          if (!one) {                                                                              \
            VT w2 = w * w;                                                                         \
            a2[l] += k2 * w2;                                                                      \
            a3[l] += k3 * (w2 * w);                                                                \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
      memcpy(b1, a1, sizeof a1);                                                                   \
      memcpy(b2, a2, sizeof a2);                                                                   \
      memcpy(b3, a3, sizeof a3);                                                                   \
    }                                                                                              \
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
static void kernelBase(int one, int32_t blocks, size_t blockStride, int32_t count,
                       const int32_t *restrict index, size_t stride, const float *restrict c1,
                       const float *restrict c2, const float *restrict c3,
                       const float *restrict rows, float *restrict o1, float *restrict o2,
                       float *restrict o3) {
  for (int32_t b = 0; b < blocks; ++b) {
    const float *block = rows + (size_t)b * blockStride;
    float *b1 = o1 + (size_t)b * BLOCK, *b2 = o2 + (size_t)b * BLOCK, *b3 = o3 + (size_t)b * BLOCK;
    for (int32_t j = 0; j < count; ++j) {
      const float *x = block + (size_t)index[j] * stride;
      for (int l = 0; l < BLOCK; ++l) {
        float w = x[l], w2 = w * w;
        b1[l] += c1[index[j]] * w;
        if (!one) {
          b2[l] += c2[index[j]] * w2;
          b3[l] += c3[index[j]] * (w2 * w);
        }
      }
    }
  }
}
#endif

/* ---- the nonzero entries of a vector, sums of rows ---- */

/* Branch-free, as zeros (pulses) fall at random. */
static int32_t nonzeroBase(int32_t n, const float *restrict x, int32_t *restrict list) {
  int32_t count = 0;
  for (int32_t i = 0; i < n; ++i) {
    list[count] = i;
    count += x[i] != 0.0f;
  }
  return count;
}

/* The rows are interleaved, so that `count` independent adds are in flight rather than one
 * chain per row. */
static void rowSumsBase(int32_t count, int32_t n, size_t stride, const float *restrict x,
                        float *restrict sums) {
  for (int32_t g = 0; g < count; ++g)
    sums[g] = 0.0f;
  for (int32_t i = 0; i < n; ++i)
    for (int32_t g = 0; g < count; ++g)
      sums[g] += x[(size_t)g * stride + (size_t)i];
}

#ifdef GCIM_HAVE_AVX512_KERNEL
#include <immintrin.h>

/* The indices of 16 lanes at a time, packed by vpcompressd (one instruction instead of a
 * compare, a store and an add per entry). */
__attribute__((target("avx512f,popcnt"))) static int32_t
nonzeroAvx512(int32_t n, const float *restrict x, int32_t *restrict list) {
  __m512i at = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int32_t count = 0;
  for (int32_t i = 0; i < n; i += 16) {
    __mmask16 in = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
    __m512 v = _mm512_maskz_loadu_ps(in, x + i);
    __mmask16 on = _mm512_mask_cmp_ps_mask(in, v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    int found = __builtin_popcount(on);
    _mm512_mask_storeu_epi32(list + count, (__mmask16)((1u << found) - 1u),
                             _mm512_maskz_compress_epi32(on, at));
    count += found;
    at = _mm512_add_epi32(at, _mm512_set1_epi32(16));
  }
  return count;
}

/* r[i] becomes column i of the 16 x 16 matrix whose row g is r[g]: lane g of r[i] = the old
 * lane i of r[g]. Pairs of lanes, then of pairs, then of 128- and 256-bit quarters. */
__attribute__((target("avx512f"))) static inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4)
    for (int h = 0; h < 2; ++h) {
      __m512d a = _mm512_castps_pd(t[i + h]), b = _mm512_castps_pd(t[i + h + 2]);
      r[i + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      r[i + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
  for (int i = 0; i < 16; i += 8)
    for (int k = 0; k < 4; ++k) {
      t[i + k] = _mm512_shuffle_f32x4(r[i + k], r[i + k + 4], 0x88);
      t[i + k + 4] = _mm512_shuffle_f32x4(r[i + k], r[i + k + 4], 0xdd);
    }
  for (int k = 0; k < 8; ++k) {
    r[k] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0x88);
    r[k + 8] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0xdd);
  }
}

/* Sixteen rows per register, one lane each: 16 entries of each row loaded, transposed in
 * registers (no gathers), then added in order of i, so every lane adds in the order of
 * rowSumsBase. Rows past `count` load as zeros and are not stored. */
__attribute__((target("avx512f"))) static void rowSumsAvx512(int32_t count, int32_t n,
                                                             size_t stride, const float *restrict x,
                                                             float *restrict sums) {
  for (int32_t g = 0; g < count; g += 16) {
    int32_t rows = count - g < 16 ? count - g : 16;
    const float *row = x + (size_t)g * stride;
    __m512 acc = _mm512_setzero_ps();
    for (int32_t i = 0; i < n; i += 16) {
      __mmask16 in = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
      __m512 r[16];
      for (int32_t k = 0; k < 16; ++k)
        r[k] = k < rows ? _mm512_maskz_loadu_ps(in, row + (size_t)k * stride + i)
                        : _mm512_setzero_ps();
      transpose16(r);
      /* Columns past n hold zeros: not added. */
      for (int32_t k = 0; k < 16 && i + k < n; ++k)
        acc = _mm512_add_ps(acc, r[k]);
    }
    _mm512_mask_storeu_ps(sums + g, (__mmask16)((1u << rows) - 1u), acc);
  }
}
#endif

GcimSimNonzero *gcimSimNonzeroSelect(void) {
#ifdef GCIM_HAVE_AVX512_KERNEL
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt"))
    return nonzeroAvx512;
#endif
  return nonzeroBase;
}

GcimSimRowSums *gcimSimRowSumsSelect(void) {
#ifdef GCIM_HAVE_AVX512_KERNEL
  if (__builtin_cpu_supports("avx512f"))
    return rowSumsAvx512;
#endif
  return rowSumsBase;
}

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
