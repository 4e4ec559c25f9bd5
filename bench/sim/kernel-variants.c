/* kernel-variants.c: the QK product of one head (window 1024, d 64, nonlinear cell) with the
 * simulator's kernel (w, w^2, w^3 formed in registers, AVX-512) against variants that take
 * w^2 and w^3 from a table of the cell's DAC code (3-bit codes, AVX-512 or AVX2 lookups) or
 * from stored float arrays. All give the same bits (checked); it prints us per product.
 * x86 with AVX-512 only. Usage: kernel-variants [repeats] (see bench/README.md). */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef float Vec16 __attribute__((vector_size(64)));
enum { N = 1024, D = 64, B = 16 };
static float cells[N * D], cells2[N * D], cells3[N * D], table[3][B], q[D], acc[3][N];
static uint8_t codes[N * D];

/* The simulator's kernel (SimKernel.c), cells as [slot / 16][dim][slot % 16]. */
__attribute__((target("avx512f"), noinline)) static void inRegisters(void) {
  for (int b = 0; b < N; b += B) {
    Vec16 a1 = {0}, a2 = {0}, a3 = {0};
    for (int d = 0; d < D; ++d) {
      Vec16 w;
      memcpy(&w, cells + (size_t)b * D + d * B, sizeof w);
      a1 += q[d] * w;
      Vec16 w2 = w * w;
      a2 += q[d] * w2;
      a3 += q[d] * (w2 * w);
    }
    memcpy(acc[0] + b, &a1, sizeof a1), memcpy(acc[1] + b, &a2, sizeof a2);
    memcpy(acc[2] + b, &a3, sizeof a3);
  }
}

/* Codes, one byte per cell; w, w^2, w^3 from 16-entry tables (vpermps zmm). */
__attribute__((target("avx512f"), noinline)) static void codes512(void) {
  __m512 t1 = _mm512_loadu_ps(table[0]), t2 = _mm512_loadu_ps(table[1]);
  __m512 t3 = _mm512_loadu_ps(table[2]);
  for (int b = 0; b < N; b += B) {
    __m512 a1 = _mm512_setzero_ps(), a2 = a1, a3 = a1;
    for (int d = 0; d < D; ++d) {
      __m512i i =
          _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(codes + (size_t)b * D + d * B)));
      __m512 k = _mm512_set1_ps(q[d]);
      a1 = _mm512_add_ps(a1, _mm512_mul_ps(k, _mm512_permutexvar_ps(i, t1)));
      a2 = _mm512_add_ps(a2, _mm512_mul_ps(k, _mm512_permutexvar_ps(i, t2)));
      a3 = _mm512_add_ps(a3, _mm512_mul_ps(k, _mm512_permutexvar_ps(i, t3)));
    }
    _mm512_storeu_ps(acc[0] + b, a1), _mm512_storeu_ps(acc[1] + b, a2);
    _mm512_storeu_ps(acc[2] + b, a3);
  }
}

/* Codes with 8-entry tables (vpermps ymm), two halves per block. */
__attribute__((target("avx2"), noinline)) static void codes256(void) {
  __m256 t1 = _mm256_loadu_ps(table[0]), t2 = _mm256_loadu_ps(table[1]);
  __m256 t3 = _mm256_loadu_ps(table[2]);
  for (int b = 0; b < N; b += B)
    for (int h = 0; h < B; h += 8) {
      __m256 a1 = _mm256_setzero_ps(), a2 = a1, a3 = a1;
      for (int d = 0; d < D; ++d) {
        __m256i i = _mm256_cvtepu8_epi32(
            _mm_loadl_epi64((const __m128i *)(codes + (size_t)b * D + d * B + h)));
        __m256 k = _mm256_set1_ps(q[d]);
        a1 = _mm256_add_ps(a1, _mm256_mul_ps(k, _mm256_permutevar8x32_ps(t1, i)));
        a2 = _mm256_add_ps(a2, _mm256_mul_ps(k, _mm256_permutevar8x32_ps(t2, i)));
        a3 = _mm256_add_ps(a3, _mm256_mul_ps(k, _mm256_permutevar8x32_ps(t3, i)));
      }
      _mm256_storeu_ps(acc[0] + b + h, a1), _mm256_storeu_ps(acc[1] + b + h, a2);
      _mm256_storeu_ps(acc[2] + b + h, a3);
    }
}

/* w, w^2, w^3 stored as floats (three times the memory of the cells). */
__attribute__((target("avx512f"), noinline)) static void storedPowers(void) {
  for (int b = 0; b < N; b += B) {
    __m512 a1 = _mm512_setzero_ps(), a2 = a1, a3 = a1;
    for (int d = 0; d < D; ++d) {
      size_t o = (size_t)b * D + (size_t)d * B;
      __m512 k = _mm512_set1_ps(q[d]);
      a1 = _mm512_add_ps(a1, _mm512_mul_ps(k, _mm512_loadu_ps(cells + o)));
      a2 = _mm512_add_ps(a2, _mm512_mul_ps(k, _mm512_loadu_ps(cells2 + o)));
      a3 = _mm512_add_ps(a3, _mm512_mul_ps(k, _mm512_loadu_ps(cells3 + o)));
    }
    _mm512_storeu_ps(acc[0] + b, a1), _mm512_storeu_ps(acc[1] + b, a2);
    _mm512_storeu_ps(acc[2] + b, a3);
  }
}

static double cpuTime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  int repeats = argc > 1 ? atoi(argv[1]) : 2000;
  if (repeats < 1 || !__builtin_cpu_supports("avx512f"))
    return 1;
  for (int i = 0; i < B; ++i) { /* a cell's w = code * step - mid, 3-bit codes */
    float w = 0.1f * (float)(i & 7) - 0.35f;
    table[0][i] = w, table[1][i] = w * w, table[2][i] = table[1][i] * w;
  }
  for (int i = 0; i < N * D; ++i) {
    codes[i] = (uint8_t)(((uint32_t)i * 2654435761u) >> 29);
    cells[i] = table[0][codes[i]], cells2[i] = table[1][codes[i]];
    cells3[i] = table[2][codes[i]];
  }
  for (int d = 0; d < D; ++d)
    q[d] = 0.3f * (float)(d % 7) - 1.0f;
  static void (*const kernels[])(void) = {inRegisters, codes512, codes256, storedPowers};
  static const char *const names[] = {"in registers (SimKernel.c)", "codes, AVX-512 tables",
                                      "codes, AVX2 tables", "stored float powers"};
  static float reference[3][N];
  inRegisters();
  memcpy(reference, acc, sizeof reference);
  for (int k = 0; k < 4; ++k) {
    double times[5];
    for (int r = 0; r < 5; ++r) {
      double start = cpuTime();
      for (int i = 0; i < repeats; ++i)
        kernels[k]();
      times[r] = (cpuTime() - start) / repeats * 1e6;
    }
    for (int i = 1; i < 5; ++i) /* insertion sort for the median */
      for (int j = i; j > 0 && times[j] < times[j - 1]; --j) {
        double t = times[j];
        times[j] = times[j - 1], times[j - 1] = t;
      }
    printf("%-28s median %.2f us CPU per QK product (%s)\n", names[k], times[2],
           memcmp(reference, acc, sizeof reference) == 0 ? "same bits" : "DIFFERENT BITS");
  }
  return 0;
}
