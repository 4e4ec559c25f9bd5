/* kernel-variants.c: the products of one head (window 1024, d 64, nonlinear cell) with the
 * simulator's float kernel (w, w^2, w^3 formed in registers, AVX-512) against variants that
 * give the same bits another way: w^2, w^3 from tables of the cell's DAC code or stored float
 * arrays, and product tables (c * w^(i+1) of every code, formed once per step, looked up
 * with vpermps). Prints us per product and whether its bits equal the float kernel's; the
 * "floor" rows only add (different bits) to show what the adds alone cost. x86 with AVX-512
 * only. Usage: kernel-variants [repeats] (see bench/README.md). */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef float Vec16 __attribute__((vector_size(64)));
enum { N = 1024, D = 64, B = 16 };
/* K cells as [slot / 16][dim][slot % 16] (the simulator's layout), V cells as
 * [dim / 16][slot][dim % 16]; codes of both in the same layouts, and V's also [slot][dim]. */
static float cells[N * D], cells2[N * D], cells3[N * D], table[3][B], q[D], acc[3][N];
static float vcells[N * D], coef[3][N], inner[3][D];
static uint8_t codes[N * D];
static int32_t codes32[N * D], vcodes[N * D], active[N], pulsed;
static float ptab[3][D][B];

/* ---- the QK product ---- */

/* The simulator's kernel (SimKernel.c). */
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

/* The same float kernel over four blocks per pass: 12 sums in flight instead of 3, so the
 * adds' latency hides behind the multiplies. */
__attribute__((target("avx512f"), noinline)) static void inRegisters4(void) {
  for (int b = 0; b < N; b += 4 * B) {
    Vec16 a1[4] = {{0}}, a2[4] = {{0}}, a3[4] = {{0}};
    for (int d = 0; d < D; ++d)
      for (int k = 0; k < 4; ++k) {
        Vec16 w;
        memcpy(&w, cells + (size_t)(b + k * B) * D + d * B, sizeof w);
        a1[k] += q[d] * w;
        Vec16 w2 = w * w;
        a2[k] += q[d] * w2;
        a3[k] += q[d] * (w2 * w);
      }
    for (int k = 0; k < 4; ++k) {
      memcpy(acc[0] + b + k * B, &a1[k], sizeof a1[k]);
      memcpy(acc[1] + b + k * B, &a2[k], sizeof a2[k]);
      memcpy(acc[2] + b + k * B, &a3[k], sizeof a3[k]);
    }
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

/* Product tables ptab[i][d][code] = q[d] * w^(i+1): 3 x 64 vector multiplies per step. */
__attribute__((target("avx512f"))) static void productTables(void) {
  for (int d = 0; d < D; ++d)
    for (int i = 0; i < 3; ++i)
      _mm512_storeu_ps(ptab[i][d], _mm512_mul_ps(_mm512_set1_ps(q[d]), _mm512_loadu_ps(table[i])));
}

/* Product tables, int32 codes, one block of 16 slots at a time (tables as memory operands). */
__attribute__((target("avx512f"), noinline)) static void tables32(void) {
  productTables();
  for (int b = 0; b < N; b += B) {
    __m512 a1 = _mm512_setzero_ps(), a2 = a1, a3 = a1;
    for (int d = 0; d < D; ++d) {
      __m512i i = _mm512_loadu_si512(codes32 + (size_t)b * D + d * B);
      a1 = _mm512_add_ps(a1, _mm512_permutexvar_ps(i, _mm512_loadu_ps(ptab[0][d])));
      a2 = _mm512_add_ps(a2, _mm512_permutexvar_ps(i, _mm512_loadu_ps(ptab[1][d])));
      a3 = _mm512_add_ps(a3, _mm512_permutexvar_ps(i, _mm512_loadu_ps(ptab[2][d])));
    }
    _mm512_storeu_ps(acc[0] + b, a1), _mm512_storeu_ps(acc[1] + b, a2);
    _mm512_storeu_ps(acc[2] + b, a3);
  }
}

/* Product tables, byte codes (vpmovzxbd), one block at a time. */
__attribute__((target("avx512f"), noinline)) static void tables8(void) {
  productTables();
  for (int b = 0; b < N; b += B) {
    __m512 a1 = _mm512_setzero_ps(), a2 = a1, a3 = a1;
    for (int d = 0; d < D; ++d) {
      __m512i i =
          _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(codes + (size_t)b * D + d * B)));
      a1 = _mm512_add_ps(a1, _mm512_permutexvar_ps(i, _mm512_loadu_ps(ptab[0][d])));
      a2 = _mm512_add_ps(a2, _mm512_permutexvar_ps(i, _mm512_loadu_ps(ptab[1][d])));
      a3 = _mm512_add_ps(a3, _mm512_permutexvar_ps(i, _mm512_loadu_ps(ptab[2][d])));
    }
    _mm512_storeu_ps(acc[0] + b, a1), _mm512_storeu_ps(acc[1] + b, a2);
    _mm512_storeu_ps(acc[2] + b, a3);
  }
}

/* Product tables, int32 codes, four blocks per pass (tables loaded once per dimension). */
__attribute__((target("avx512f"), noinline)) static void tables32x4(void) {
  productTables();
  for (int b = 0; b < N; b += 4 * B) {
    __m512 a[4][3];
    for (int k = 0; k < 4; ++k)
      a[k][0] = a[k][1] = a[k][2] = _mm512_setzero_ps();
    for (int d = 0; d < D; ++d) {
      __m512 t1 = _mm512_loadu_ps(ptab[0][d]), t2 = _mm512_loadu_ps(ptab[1][d]);
      __m512 t3 = _mm512_loadu_ps(ptab[2][d]);
      for (int k = 0; k < 4; ++k) {
        __m512i i = _mm512_loadu_si512(codes32 + (size_t)(b + k * B) * D + d * B);
        a[k][0] = _mm512_add_ps(a[k][0], _mm512_permutexvar_ps(i, t1));
        a[k][1] = _mm512_add_ps(a[k][1], _mm512_permutexvar_ps(i, t2));
        a[k][2] = _mm512_add_ps(a[k][2], _mm512_permutexvar_ps(i, t3));
      }
    }
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 3; ++j)
        _mm512_storeu_ps(acc[j] + b + k * B, a[k][j]);
  }
}

/* Product tables formed in the kernel (three multiplies per dimension and four blocks),
 * int32 codes, four blocks per pass, as the table kernel tried in the simulator (bench/README.md).
 */
__attribute__((target("avx512f"), noinline)) static void tablesInKernel(void) {
  __m512 p1 = _mm512_loadu_ps(table[0]), p2 = _mm512_loadu_ps(table[1]);
  __m512 p3 = _mm512_loadu_ps(table[2]);
  for (int b = 0; b < N; b += 4 * B) {
    __m512 a[4][3];
    for (int k = 0; k < 4; ++k)
      a[k][0] = a[k][1] = a[k][2] = _mm512_setzero_ps();
    for (int d = 0; d < D; ++d) {
      __m512 k1 = _mm512_set1_ps(q[d]), t1 = _mm512_mul_ps(k1, p1);
      __m512 t2 = _mm512_mul_ps(k1, p2), t3 = _mm512_mul_ps(k1, p3);
      for (int k = 0; k < 4; ++k) {
        __m512i i = _mm512_loadu_si512(codes32 + (size_t)(b + k * B) * D + d * B);
        a[k][0] = _mm512_add_ps(a[k][0], _mm512_permutexvar_ps(i, t1));
        a[k][1] = _mm512_add_ps(a[k][1], _mm512_permutexvar_ps(i, t2));
        a[k][2] = _mm512_add_ps(a[k][2], _mm512_permutexvar_ps(i, t3));
      }
    }
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 3; ++j)
        _mm512_storeu_ps(acc[j] + b + k * B, a[k][j]);
  }
}

/* Product tables formed in the kernel, 8 entries (3-bit codes): two ymm vpermps per block. */
__attribute__((target("avx2"), noinline)) static void tablesYmm(void) {
  __m256 p1 = _mm256_loadu_ps(table[0]), p2 = _mm256_loadu_ps(table[1]);
  __m256 p3 = _mm256_loadu_ps(table[2]);
  for (int b = 0; b < N; b += 2 * B) {
    __m256 a[4][3];
    for (int k = 0; k < 4; ++k)
      a[k][0] = a[k][1] = a[k][2] = _mm256_setzero_ps();
    for (int d = 0; d < D; ++d) {
      __m256 k1 = _mm256_set1_ps(q[d]), t1 = _mm256_mul_ps(k1, p1);
      __m256 t2 = _mm256_mul_ps(k1, p2), t3 = _mm256_mul_ps(k1, p3);
      for (int k = 0; k < 4; ++k) {
        __m256i i = _mm256_loadu_si256(
            (const __m256i *)(codes32 + (size_t)(b + k / 2 * B) * D + d * B + k % 2 * 8));
        a[k][0] = _mm256_add_ps(a[k][0], _mm256_permutevar8x32_ps(t1, i));
        a[k][1] = _mm256_add_ps(a[k][1], _mm256_permutevar8x32_ps(t2, i));
        a[k][2] = _mm256_add_ps(a[k][2], _mm256_permutevar8x32_ps(t3, i));
      }
    }
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 3; ++j)
        _mm256_storeu_ps(acc[j] + b + k / 2 * B + k % 2 * 8, a[k][j]);
  }
}

/* Three multiplies (q * w, w * w, q * w^2) and q * w^3 from a product table. */
__attribute__((target("avx512f"), noinline)) static void threeMulsOnePerm(void) {
  productTables();
  for (int b = 0; b < N; b += B) {
    __m512 a1 = _mm512_setzero_ps(), a2 = a1, a3 = a1;
    for (int d = 0; d < D; ++d) {
      size_t o = (size_t)b * D + (size_t)d * B;
      __m512 k = _mm512_set1_ps(q[d]), w = _mm512_loadu_ps(cells + o);
      __m512i i = _mm512_loadu_si512(codes32 + o);
      a1 = _mm512_add_ps(a1, _mm512_mul_ps(k, w));
      a2 = _mm512_add_ps(a2, _mm512_mul_ps(k, _mm512_mul_ps(w, w)));
      a3 = _mm512_add_ps(a3, _mm512_permutexvar_ps(i, _mm512_loadu_ps(ptab[2][d])));
    }
    _mm512_storeu_ps(acc[0] + b, a1), _mm512_storeu_ps(acc[1] + b, a2);
    _mm512_storeu_ps(acc[2] + b, a3);
  }
}

/* w from a table of the codes' w (vpermps), q * w and q * (w * w) multiplied, q * w^3 from a
 * product table formed in the kernel: two lookups and four multiplies per cell, 4 blocks. */
__attribute__((target("avx512f"), noinline)) static void twoPerms(void) {
  __m512 p1 = _mm512_loadu_ps(table[0]), p3 = _mm512_loadu_ps(table[2]);
  for (int b = 0; b < N; b += 4 * B) {
    __m512 a[4][3];
    for (int k = 0; k < 4; ++k)
      a[k][0] = a[k][1] = a[k][2] = _mm512_setzero_ps();
    for (int d = 0; d < D; ++d) {
      __m512 k1 = _mm512_set1_ps(q[d]), t3 = _mm512_mul_ps(k1, p3);
      for (int k = 0; k < 4; ++k) {
        __m512i i = _mm512_loadu_si512(codes32 + (size_t)(b + k * B) * D + d * B);
        __m512 w = _mm512_permutexvar_ps(i, p1);
        a[k][0] = _mm512_add_ps(a[k][0], _mm512_mul_ps(k1, w));
        a[k][1] = _mm512_add_ps(a[k][1], _mm512_mul_ps(k1, _mm512_mul_ps(w, w)));
        a[k][2] = _mm512_add_ps(a[k][2], _mm512_permutexvar_ps(i, t3));
      }
    }
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 3; ++j)
        _mm512_storeu_ps(acc[j] + b + k * B, a[k][j]);
  }
}

/* q * w multiplied from the float cell, q * w^2 and q * w^3 from product tables. */
__attribute__((target("avx512f"), noinline)) static void mixed(void) {
  productTables();
  for (int b = 0; b < N; b += B) {
    __m512 a1 = _mm512_setzero_ps(), a2 = a1, a3 = a1;
    for (int d = 0; d < D; ++d) {
      size_t o = (size_t)b * D + (size_t)d * B;
      __m512i i = _mm512_loadu_si512(codes32 + o);
      a1 = _mm512_add_ps(a1, _mm512_mul_ps(_mm512_set1_ps(q[d]), _mm512_loadu_ps(cells + o)));
      a2 = _mm512_add_ps(a2, _mm512_permutexvar_ps(i, _mm512_loadu_ps(ptab[1][d])));
      a3 = _mm512_add_ps(a3, _mm512_permutexvar_ps(i, _mm512_loadu_ps(ptab[2][d])));
    }
    _mm512_storeu_ps(acc[0] + b, a1), _mm512_storeu_ps(acc[1] + b, a2);
    _mm512_storeu_ps(acc[2] + b, a3);
  }
}

/* The floor: only the three adds per cell, of values loaded from L1 (different bits), four
 * blocks per pass so that 12 independent sums hide the adds' latency. */
__attribute__((target("avx512f"), noinline)) static void addsOnly(void) {
  for (int b = 0; b < N; b += 4 * B) {
    __m512 a[4][3];
    for (int k = 0; k < 4; ++k)
      a[k][0] = a[k][1] = a[k][2] = _mm512_setzero_ps();
    for (int d = 0; d < D; ++d)
      for (int k = 0; k < 4; ++k)
        for (int j = 0; j < 3; ++j)
          a[k][j] = _mm512_add_ps(a[k][j], _mm512_loadu_ps(ptab[j][(d + k) % D]));
    for (int k = 0; k < 4; ++k)
      for (int j = 0; j < 3; ++j)
        _mm512_storeu_ps(acc[j] + b + k * B, a[k][j]);
  }
}

/* The same adds, one block per pass: three sums in flight, bound by the adds' latency. */
__attribute__((target("avx512f"), noinline)) static void addsOnlyChained(void) {
  for (int b = 0; b < N; b += B) {
    __m512 a1 = _mm512_setzero_ps(), a2 = a1, a3 = a1;
    for (int d = 0; d < D; ++d) {
      a1 = _mm512_add_ps(a1, _mm512_loadu_ps(ptab[0][d]));
      a2 = _mm512_add_ps(a2, _mm512_loadu_ps(ptab[1][d]));
      a3 = _mm512_add_ps(a3, _mm512_loadu_ps(ptab[2][d]));
    }
    _mm512_storeu_ps(acc[0] + b, a1), _mm512_storeu_ps(acc[1] + b, a2);
    _mm512_storeu_ps(acc[2] + b, a3);
  }
}

/* ---- the PV product over the pulsed slots (coefficients c_i per slot) ---- */

/* The simulator's kernel: one call per block of 16 dimensions. */
__attribute__((target("avx512f"), noinline)) static void pvInRegisters(void) {
  for (int d0 = 0; d0 < D; d0 += B) {
    Vec16 a1 = {0}, a2 = {0}, a3 = {0};
    for (int j = 0; j < pulsed; ++j) {
      int s = active[j];
      Vec16 w;
      memcpy(&w, vcells + (size_t)d0 * N + (size_t)s * B, sizeof w);
      a1 += coef[0][s] * w;
      Vec16 w2 = w * w;
      a2 += coef[1][s] * w2;
      a3 += coef[2][s] * (w2 * w);
    }
    memcpy(inner[0] + d0, &a1, sizeof a1), memcpy(inner[1] + d0, &a2, sizeof a2);
    memcpy(inner[2] + d0, &a3, sizeof a3);
  }
}

/* Product tables c_i * w^(i+1) formed per pulsed slot (3 multiplies), int32 codes as
 * [slot][dim], as the table kernel tried in the simulator. */
__attribute__((target("avx512f"), noinline)) static void pvTables(void) {
  __m512 p1 = _mm512_loadu_ps(table[0]), p2 = _mm512_loadu_ps(table[1]);
  __m512 p3 = _mm512_loadu_ps(table[2]), a[4][3];
  for (int k = 0; k < 4; ++k)
    a[k][0] = a[k][1] = a[k][2] = _mm512_setzero_ps();
  for (int j = 0; j < pulsed; ++j) {
    int s = active[j];
    __m512 t1 = _mm512_mul_ps(_mm512_set1_ps(coef[0][s]), p1);
    __m512 t2 = _mm512_mul_ps(_mm512_set1_ps(coef[1][s]), p2);
    __m512 t3 = _mm512_mul_ps(_mm512_set1_ps(coef[2][s]), p3);
    for (int k = 0; k < 4; ++k) {
      __m512i i = _mm512_loadu_si512(vcodes + (size_t)s * D + k * B);
      a[k][0] = _mm512_add_ps(a[k][0], _mm512_permutexvar_ps(i, t1));
      a[k][1] = _mm512_add_ps(a[k][1], _mm512_permutexvar_ps(i, t2));
      a[k][2] = _mm512_add_ps(a[k][2], _mm512_permutexvar_ps(i, t3));
    }
  }
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < 3; ++j)
      _mm512_storeu_ps(inner[j] + k * B, a[k][j]);
}

/* ---- timing ---- */

static double cpuTime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Median us CPU of 5 runs of `repeats` calls. */
static double timeIt(void (*kernel)(void), int repeats) {
  double times[5];
  for (int r = 0; r < 5; ++r) {
    double start = cpuTime();
    for (int i = 0; i < repeats; ++i)
      kernel();
    times[r] = (cpuTime() - start) / repeats * 1e6;
  }
  for (int i = 1; i < 5; ++i) /* insertion sort for the median */
    for (int j = i; j > 0 && times[j] < times[j - 1]; --j) {
      double t = times[j];
      times[j] = times[j - 1], times[j - 1] = t;
    }
  return times[2];
}

/* Cycles per second: a chain of dependent integer adds, one cycle each on every x86 core
 * (a float add's latency differs: 3 cycles on Zen 4, 2 on Zen 5). */
static double addChainGHz(void) {
  long n = 50000000, x = 1;
  double start = cpuTime();
  for (long i = 0; i < n; ++i)
    __asm__ volatile("add %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\t"
                     "add %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\tadd %0, %0"
                     : "+r"(x));
  return 8.0 * (double)n / (cpuTime() - start) * 1e-9;
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
    codes32[i] = codes[i];
    cells[i] = table[0][codes[i]], cells2[i] = table[1][codes[i]];
    cells3[i] = table[2][codes[i]];
    int s = i / D, d = i % D; /* V: [slot][dim] codes, [dim / 16][slot][dim % 16] cells */
    vcodes[i] = (int32_t)(((uint32_t)(i + 7) * 2246822519u) >> 29);
    vcells[(size_t)(d / B) * N * B + (size_t)s * B + d % B] = table[0][vcodes[i]];
  }
  for (int d = 0; d < D; ++d)
    q[d] = 0.3f * (float)(d % 7) - 1.0f;
  for (int s = 0; s < N; ++s) { /* about half the slots pulsed, as in bench-sim */
    float phi = (float)((s * 40503u) % 97u) / 97.0f, decay = 1.0f - 1e-4f * (float)s;
    active[pulsed] = s;
    pulsed += ((s * 2654435761u) >> 31) != 0;
    coef[0][s] = phi * decay, coef[1][s] = phi * (decay * decay);
    coef[2][s] = phi * ((decay * decay) * decay);
  }
  printf("estimated clock %.2f GHz (dependent integer adds); %d of %d slots pulsed\n",
         addChainGHz(), pulsed, N);
  static void (*const qk[])(void) = {inRegisters, inRegisters4,     codes512,   storedPowers,
                                     tables32,    tables8,          tables32x4, tablesInKernel,
                                     tablesYmm,   threeMulsOnePerm, mixed,      twoPerms,
                                     addsOnly,    addsOnlyChained};
  static const char *const qkNames[] = {"QK in registers (SimKernel.c)",
                                        "QK in registers, 4 blocks",
                                        "QK codes, w^i tables",
                                        "QK stored float powers",
                                        "QK product tables, int32 codes",
                                        "QK product tables, byte codes",
                                        "QK product tables, 4 blocks",
                                        "QK tables formed in kernel, 4 blocks",
                                        "QK 8-entry ymm tables, 2 x 2 halves",
                                        "QK 3 multiplies, w^3 product table",
                                        "QK q*w, 2 product tables",
                                        "QK 2 lookups (w, q*w^3), 4 multiplies",
                                        "QK floor: 3 adds per cell",
                                        "QK 3 adds per cell, 3 sums in flight"};
  static float reference[3][N];
  inRegisters();
  memcpy(reference, acc, sizeof reference);
  for (int k = 0; k < 14; ++k) {
    double t = timeIt(qk[k], repeats);
    printf("%-34s median %.2f us CPU (%s)\n", qkNames[k], t,
           memcmp(reference, acc, sizeof reference) == 0 ? "same bits" : "different bits");
  }
  static float pvReference[3][D];
  pvInRegisters();
  memcpy(pvReference, inner, sizeof pvReference);
  static void (*const pv[])(void) = {pvInRegisters, pvTables};
  static const char *const pvNames[] = {"PV in registers (SimKernel.c)",
                                        "PV tables formed in kernel, 4 blocks"};
  for (int k = 0; k < 2; ++k) {
    double t = timeIt(pv[k], repeats);
    printf("%-34s median %.2f us CPU (%s)\n", pvNames[k], t,
           memcmp(pvReference, inner, sizeof pvReference) == 0 ? "same bits" : "different bits");
  }
  return 0;
}
