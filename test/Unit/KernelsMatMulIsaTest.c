/* KernelsMatMulIsaTest.c ISA: the matrix-product kernel of one instruction set (base, avx2,
 * avx512; KernelsMatMulIsa.h) against a product in double and against the portable base
 * kernel, on every path (row times matrix or its transpose, the blocked product with
 * strided A, packed B adding or storing bias + A B, several K blocks, every tile height's
 * remainder). Exits 77 (ctest: not run) when this processor or build has no such kernel.
 *
 * Tolerance (as KernelsMatMulTest.c): any order of summing k float32 products is within
 * k u sum |a||b| (u = 2^-24) of the exact sum; each kernel may use 2 k u sum |a||b| plus
 * 4 u (|expected| + |c| + 1) for the roundings of alpha, the bias and the final store, and
 * two kernels (FMA or not, other tile heights) may differ by the sum of their allowances.
 * Where this kernel is the one the dispatcher picks, the public entry must give its bits
 * exactly (memcmp): the dispatch is wired. The decode step's attention row of the set, its
 * GELU and prefill attention's softmax exp pass must give the bits of their scalar
 * definitions exactly (the same IEEE operations, no FMA), and the attention row those of
 * the base row too. */
#include "KernelsMatMulIsa.h"
#include "KernelsInternal.h"
#include "gcim/Runtime/Kernels/MatMul.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rngState = 12345;
static float uniform(void) {
  rngState = rngState * 6364136223846793005ULL + 1442695040888963407ULL;
  return -1.0f + 2.0f * (float)((rngState >> 40) & 0xffffff) / 16777216.0f;
}

static float *randomFloats(int64_t n) {
  float *x = malloc(sizeof(float) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; ++i)
    x[i] = uniform();
  return x;
}

enum { KEYS = 600, DV_MAX = 70 }; /* keys and value widths of the attention row checks */

enum { PLAIN, TRANS_B, STRIDED_A, PACKED_ADD, PACKED_BIAS, MODES };
static const char *const modeNames[MODES] = {"plain", "transB", "strided A",
                                             "packed +=", "packed bias"};

// Runs `kernel` in `mode` on a (m x k, or k x m for STRIDED_A), b (k x n, or n x k for
// TRANS_B) and its packed form; c starts as c0.
static void run(GcimGemmKernel *kernel, int mode, int64_t m, int64_t n, int64_t k, float alpha,
                const float *a, const float *b, const float *packed, const float *bias,
                const float *c0, float *c) {
  memcpy(c, c0, sizeof(float) * (size_t)(m * n));
  GcimGemm g = {.m = m,
                .n = n,
                .k = k,
                .alpha = alpha,
                .a = a,
                .rsa = k,
                .csa = 1,
                .b = b,
                .ldb = n,
                .c = c,
                .ldc = n};
  if (mode == TRANS_B) {
    g.transB = 1;
    g.ldb = k;
  } else if (mode == STRIDED_A) {
    g.rsa = 1;
    g.csa = m;
  } else if (mode == PACKED_ADD || mode == PACKED_BIAS) {
    g.packed = packed;
    g.overwrite = mode == PACKED_BIAS;
    g.bias = mode == PACKED_BIAS ? bias : NULL;
  }
  kernel(&g);
}

static int64_t failures;

static void checkShape(GcimGemmKernel *kernel, int64_t m, int64_t n, int64_t k) {
  const double u = 1.0 / 16777216.0;
  float *a = randomFloats(m * k), *b = randomFloats(k * n), *bias = randomFloats(n);
  float *c0 = randomFloats(m * n), *c = randomFloats(m * n), *cBase = randomFloats(m * n);
  float *packed = malloc(sizeof(float) * (size_t)(gcimKernelPackedBCount(k, n) + 1));
  gcimKernelPackBF32(b, k, n, 0, packed);
  for (int mode = 0; mode < MODES; ++mode) {
    float alpha = mode == PACKED_ADD || mode == PACKED_BIAS ? 1.0f : 0.75f;
    run(kernel, mode, m, n, k, alpha, a, b, packed, bias, c0, c);
    run(gcimKernelsGemmBase, mode, m, n, k, alpha, a, b, packed, bias, c0, cBase);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0.0, mag = 0.0;
        for (int64_t p = 0; p < k; ++p) {
          double ai = mode == STRIDED_A ? a[p * m + i] : a[i * k + p];
          double t = ai * (mode == TRANS_B ? b[j * k + p] : b[p * n + j]);
          sum += t;
          mag += fabs(t);
        }
        double start = mode == PACKED_BIAS ? bias[j] : c0[i * n + j];
        double expected = start + alpha * sum;
        double tol =
            2.0 * (double)k * u * alpha * mag + 4.0 * u * (fabs(expected) + fabs(start) + 1);
        double got = c[i * n + j], base = cBase[i * n + j];
        if (!(fabs(got - expected) <= tol) || !(fabs(got - base) <= 2.0 * tol)) {
          if (failures++ < 5)
            fprintf(stderr,
                    "%s m=%lld n=%lld k=%lld at (%lld, %lld): %.9g, base %.9g, exact %.9g, "
                    "tolerance %.3g\n",
                    modeNames[mode], (long long)m, (long long)n, (long long)k, (long long)i,
                    (long long)j, got, base, expected, tol);
        }
      }
  }
  free(a);
  free(b);
  free(bias);
  free(c0);
  free(c);
  free(cBase);
  free(packed);
}

// The public packed product gives the bits of the dispatched kernel.
static void checkDispatch(GcimGemmKernel *kernel) {
  const int64_t m = 5, n = 70, k = 300;
  float *a = randomFloats(m * k), *b = randomFloats(k * n), *bias = randomFloats(n);
  float *packed = malloc(sizeof(float) * (size_t)gcimKernelPackedBCount(k, n));
  float *y = randomFloats(m * n), *c = randomFloats(m * n);
  gcimKernelPackBF32(b, k, n, 0, packed);
  gcimKernelMatMulPackedF32(a, packed, bias, y, m, n, k);
  run(kernel, PACKED_BIAS, m, n, k, 1.0f, a, b, packed, bias, c, c);
  if (memcmp(y, c, sizeof(float) * (size_t)(m * n)) != 0 && failures++ < 5)
    fprintf(stderr, "gcimKernelMatMulPackedF32 does not give the dispatched kernel's bits\n");
  free(a);
  free(b);
  free(bias);
  free(packed);
  free(y);
  free(c);
}

// The decode step's attention row as KernelsAttention.c defines it, one key and one lane
// at a time: dot products in 8 lanes, exp(s - max) by gcimKernelsExpNonPositive summed in
// 16 float lanes per block (256 keys, or the keys after the last whole 16) and the blocks
// in double, NaN where a score is NaN or the maximum infinite, value rows four keys at a
// time. The bits every set's row must give.
static void attendRowReference(const float *q, const float *k, const float *v, float *out,
                               int64_t first, int64_t last, int64_t d, int64_t dv, float scale,
                               float *scores) {
  for (int64_t c = 0; c < dv; ++c)
    out[c] = 0.0f;
  if (first >= last)
    return;
  float max = -INFINITY;
  int nan = 0;
  for (int64_t j = first; j < last; ++j) {
    float lanes[8] = {0}, dot = 0.0f;
    int64_t i = 0;
    for (; i + 8 <= d; i += 8)
      for (int l = 0; l < 8; ++l)
        lanes[l] += q[i + l] * k[j * d + i + l];
    for (; i < d; ++i)
      dot += q[i] * k[j * d + i];
    for (int l = 0; l < 8; ++l)
      dot += lanes[l];
    scores[j] = scale * dot;
    max = scores[j] > max ? scores[j] : max;
    nan |= isnan(scores[j]);
  }
  int64_t n = last - first, whole = n - n % 16;
  double laneSums[16] = {0}, sum = 0.0;
  for (int64_t j0 = 0, end; j0 < n; j0 = end) {
    end = j0 < whole ? (whole - j0 < 256 ? whole : j0 + 256) : n; /* the rest: a block */
    float part[16] = {0};
    for (int64_t j = j0; j < end; ++j) {
      float *s = &scores[first + j];
      *s = gcimKernelsExpNonPositive(*s - max);
      part[(j - j0) % 16] += *s;
    }
    for (int l = 0; l < 16; ++l)
      laneSums[l] += part[l];
  }
  for (int l = 0; l < 16; ++l)
    sum += laneSums[l];
  float inv = nan || !isfinite(max) ? NAN : (float)(1.0 / sum);
  int64_t j = first;
  for (; j + 4 <= last; j += 4)
    for (int64_t c = 0; c < dv; ++c)
      out[c] += scores[j] * inv * v[j * dv + c] + scores[j + 1] * inv * v[(j + 1) * dv + c] +
                scores[j + 2] * inv * v[(j + 2) * dv + c] +
                scores[j + 3] * inv * v[(j + 3) * dv + c];
  for (; j < last; ++j)
    for (int64_t c = 0; c < dv; ++c)
      out[c] += scores[j] * inv * v[j * dv + c];
}

// Runs `row`, the base row and the reference on keys [first, last), d and dv as given;
// counts a failure unless all three give the same bits or, when `nan`, NaN everywhere.
static void compareRows(GcimAttendRowKernel *row, const float *q, const float *k, const float *v,
                        int64_t first, int64_t last, int64_t d, int64_t dv, int nan,
                        const char *what) {
  float scores[KEYS], got[DV_MAX], fromBase[DV_MAX], want[DV_MAX];
  row(q, k, v, got, first, last, d, dv, 0.125f, scores);
  gcimKernelsAttendRowKernel(GCIM_ISA_BASE)(q, k, v, fromBase, first, last, d, dv, 0.125f, scores);
  attendRowReference(q, k, v, want, first, last, d, dv, 0.125f, scores);
  int bad = 0;
  if (nan) /* NaN only: which NaN's bits an operation keeps depends on the operand order */
    for (int64_t c = 0; c < dv; ++c)
      bad |= !isnan(got[c]) || !isnan(fromBase[c]) || !isnan(want[c]);
  else
    bad = memcmp(got, want, sizeof(float) * (size_t)dv) != 0 ||
          memcmp(fromBase, want, sizeof(float) * (size_t)dv) != 0;
  if (bad && failures++ < 5)
    fprintf(stderr, "attention row d=%lld dv=%lld keys [%lld, %lld)%s: not the reference bits\n",
            (long long)d, (long long)dv, (long long)first, (long long)last, what);
}

// The decode step's attention row of this set gives the reference bits and the base row's
// (memcmp), over head dimensions around the 8 lanes, value widths around the 4 keys and the
// vector widths, and runs of keys around the 16 lanes and the 256-key blocks, from key 0
// and ending at the last; a NaN in a key, or a score of +inf, makes the whole row NaN (as
// expf's NaN did).
static void checkAttendRow(GcimKernelIsa isa) {
  GcimAttendRowKernel *row = gcimKernelsAttendRowKernel(isa);
  if (!row) {
    if (failures++ < 5)
      fprintf(stderr, "no attention row where the matrix kernel exists\n");
    return;
  }
  static const int64_t dims[] = {1, 7, 8, 64, 67};
  static const int64_t runs[] = {0, 1, 3, 4, 15, 16, 17, 255, 256, 257, 271, 512, 513, KEYS};
  for (size_t di = 0; di < sizeof dims / sizeof dims[0]; ++di)
    for (int64_t dv = dims[di]; dv <= dims[di] + 3; dv += 3) {
      int64_t d = dims[di];
      float *q = randomFloats(d), *k = randomFloats(KEYS * d), *v = randomFloats(KEYS * dv);
      for (int64_t x = 0; x < d; ++x)
        q[x] *= 8.0f; /* scores up to about +-20: exps from 1 down to below 1e-8 */
      for (size_t r = 0; r < sizeof runs / sizeof runs[0]; ++r) {
        compareRows(row, q, k, v, 0, runs[r], d, dv, 0, "");
        compareRows(row, q, k, v, KEYS - runs[r], KEYS, d, dv, 0, "");
      }
      k[300 * d] = NAN;
      compareRows(row, q, k, v, 0, KEYS, d, dv, 1, " with a NaN key");
      k[300 * d] = q[0] > 0.0f ? INFINITY : -INFINITY;
      compareRows(row, q, k, v, 0, KEYS, d, dv, 1, " with a score of +inf");
      free(q);
      free(k);
      free(v);
    }
}

// GELU (tanh form) as KernelsActivation.c defines it, one element at a time: the bits every
// set's kernel must give.
static float geluTanhReference(float v) {
  float u = 0.79788456080286536f * (v + 0.044715f * v * v * v);
  float e = gcimKernelsExpNonPositive(-2.0f * fabsf(u));
  return v * (u >= 0.0f ? 1.0f : e) / (1.0f + e);
}

// GELU (tanh form) of this set gives the reference bits (memcmp, NaN included), in place
// and not, for every count up to 40 (each lane count's remainders) and on a sweep of
// [-12, 12] that takes the exp from 1 down past its clamp at -87, plus signed zeros,
// infinities, NaN and the extremes of float.
static void checkGeluTanh(GcimKernelIsa isa) {
  GcimGeluTanhKernel *gelu = gcimKernelsGeluTanhKernel(isa);
  if (!gelu) {
    if (failures++ < 5)
      fprintf(stderr, "no GELU (tanh) where the matrix kernel exists\n");
    return;
  }
  enum { SWEEP = 100000, SPECIALS = 9, COUNT = SWEEP + SPECIALS };
  static const float specials[SPECIALS] = {0.0f,    -0.0f,    INFINITY, -INFINITY, NAN,
                                           3.4e38f, -3.4e38f, 1e-40f,   -1e-40f};
  float *x = malloc(sizeof(float) * COUNT), *got = malloc(sizeof(float) * COUNT);
  float *want = malloc(sizeof(float) * COUNT);
  for (int64_t i = 0; i < SWEEP; ++i)
    x[i] = -12.0f + 24.0f * (float)i / (float)SWEEP;
  memcpy(x + SWEEP, specials, sizeof specials);
  for (int64_t i = 0; i < COUNT; ++i)
    want[i] = geluTanhReference(x[i]);
  for (int64_t count = 0; count <= 40; ++count) {
    memset(got, 0, sizeof(float) * COUNT);
    gelu(x + COUNT - count, got, count); /* the last sweep values, then the specials */
    if (memcmp(got, want + COUNT - count, sizeof(float) * (size_t)count) != 0 && failures++ < 5)
      fprintf(stderr, "GELU (tanh) on %lld floats: not the reference bits\n", (long long)count);
  }
  gelu(x, got, COUNT);
  for (int64_t i = 0; i < COUNT; ++i)
    if (memcmp(&got[i], &want[i], sizeof(float)) != 0 && failures++ < 5)
      fprintf(stderr, "GELU (tanh) of %.9g: %.9g, reference %.9g\n", x[i], got[i], want[i]);
  memcpy(got, x, sizeof(float) * COUNT);
  gelu(got, got, COUNT);
  if (memcmp(got, want, sizeof(float) * COUNT) != 0 && failures++ < 5)
    fprintf(stderr, "GELU (tanh) in place: not the reference bits\n");
  free(x);
  free(got);
  free(want);
}

// Prefill attention's softmax exp pass as KernelsAttention.c defines it (one query at a
// time): the bits every set's kernel must give.
static void softmaxExpReference(float *s, int64_t kt, const float *max, float *sum) {
  for (int64_t i = 0; i < GCIM_ATTENTION_QT; ++i)
    sum[i] = 0.0f;
  for (int64_t j = 0; j < kt; ++j)
    for (int64_t i = 0; i < GCIM_ATTENTION_QT; ++i) {
      float *x = &s[j * GCIM_ATTENTION_QT + i];
      *x = max[i] == -INFINITY ? 0.0f : gcimKernelsExpNonPositive(*x - max[i]);
      sum[i] += *x;
    }
}

// The softmax exp pass of this set gives the reference bits (memcmp) on tiles of 1, 7 and
// 128 keys whose columns are empty (maximum -inf), hold masked keys (-inf), scores below the
// exp's clamp, or a NaN.
static void checkSoftmaxExp(GcimKernelIsa isa) {
  enum { QT = GCIM_ATTENTION_QT, KT = 128 };
  GcimSoftmaxExpKernel *kernel = gcimKernelsSoftmaxExpKernel(isa);
  if (!kernel) {
    if (failures++ < 5)
      fprintf(stderr, "no softmax exp where the matrix kernel exists\n");
    return;
  }
  static const int64_t kts[] = {1, 7, KT};
  for (size_t c = 0; c < sizeof kts / sizeof kts[0]; ++c) {
    int64_t kt = kts[c];
    float got[KT * QT], want[KT * QT], max[QT], sumGot[QT], sumWant[QT];
    for (int64_t i = 0; i < QT; ++i)
      max[i] = -INFINITY;
    for (int64_t j = 0; j < kt; ++j)
      for (int64_t i = 0; i < QT; ++i) {
        float x = 8.0f * uniform() * (float)(1 + i % 20); /* up to 160 below the maximum */
        if (i % 5 == 1 && j % 3 == 0)
          x = -INFINITY;
        if (i == 9 && j == kt / 2)
          x = NAN;
        got[j * QT + i] = x;
        max[i] = x > max[i] ? x : max[i];
      }
    for (int64_t i = 0; i < QT; ++i)
      if (i % 11 == 3) /* an empty column */
        max[i] = -INFINITY;
    memcpy(want, got, sizeof(float) * (size_t)(kt * QT));
    kernel(got, kt, max, sumGot);
    softmaxExpReference(want, kt, max, sumWant);
    if ((memcmp(got, want, sizeof(float) * (size_t)(kt * QT)) != 0 ||
         memcmp(sumGot, sumWant, sizeof sumGot) != 0) &&
        failures++ < 5)
      fprintf(stderr, "softmax exp of %lld keys: not the reference bits\n", (long long)kt);
  }
}

int main(int argc, char **argv) {
  static const char *const names[GCIM_ISA_COUNT] = {"base", "avx2", "avx512"};
  int isa = 0;
  while (argc == 2 && isa < GCIM_ISA_COUNT && strcmp(argv[1], names[isa]) != 0)
    ++isa;
  if (argc != 2 || isa == GCIM_ISA_COUNT) {
    fprintf(stderr, "usage: KernelsMatMulIsaTest base|avx2|avx512\n");
    return 2;
  }
  GcimGemmKernel *kernel = gcimKernelsGemmKernel((GcimKernelIsa)isa);
  if (!kernel) {
    printf("NOT RUN: no %s kernel on this processor or in this build\n", names[isa]);
    return 77;
  }
  static const int64_t ms[] = {1, 2, 3, 4, 5, 7, 13, 14, 15, 29, 65};
  static const int64_t ns[] = {1, 17, 32, 33, 130, 300};
  static const int64_t ks[] = {0, 1, 7, 65, 300};
  for (size_t x = 0; x < sizeof ms / sizeof ms[0]; ++x)
    for (size_t y = 0; y < sizeof ns / sizeof ns[0]; ++y)
      for (size_t z = 0; z < sizeof ks / sizeof ks[0]; ++z)
        checkShape(kernel, ms[x], ns[y], ks[z]);
  checkAttendRow((GcimKernelIsa)isa);
  checkGeluTanh((GcimKernelIsa)isa);
  checkSoftmaxExp((GcimKernelIsa)isa);
  int dispatched = (int)gcimKernelsIsaBest() == isa;
  if (dispatched)
    checkDispatch(kernel);
  printf("%s: %s kernel%s, %lld failures\n", failures ? "FAIL" : "PASS", names[isa],
         dispatched ? " (the dispatched one)" : "", (long long)failures);
  return failures ? 1 : 0;
}
