/* KernelsNnTest.c: LayerNormalization, Softmax, LogSoftmax and exact attention of the
 * runtime kernels against naive references in double. */
#include "GcimTest.h"

#include "KernelsInternal.h"
#include "gcim/Runtime/Kernels.h"

#include <stdint.h>
#include <stdlib.h>

static uint64_t rngState = 4242;
static float uniform(float lo, float hi) {
  rngState = rngState * 6364136223846793005ULL + 1442695040888963407ULL;
  return lo + (hi - lo) * (float)((rngState >> 40) & 0xffffff) / 16777216.0f;
}

static float *randomArray(int64_t n, float lo, float hi) {
  float *x = malloc(sizeof(float) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; ++i)
    x[i] = uniform(lo, hi);
  return x;
}

static void test_layer_norm(void) {
  // (3, 7, 65) normalised over the last axis and over the last two (axis -2), with and
  // without bias; an offset of 100 checks that the variance does not cancel.
  int64_t dims[3] = {3, 7, 65};
  float *x = randomArray(3 * 7 * 65, 99.0f, 101.0f), *y = randomArray(3 * 7 * 65, 0, 1);
  float *scale = randomArray(7 * 65, 0.5f, 1.5f), *bias = randomArray(7 * 65, -1, 1);
  float mean[21], inv[21];
  for (int axis = -1; axis >= -2; --axis) {
    int64_t n = axis == -1 ? 65 : 7 * 65, rows = 3 * 7 * 65 / n;
    for (int withBias = 0; withBias <= 1; ++withBias) {
      gcimKernelLayerNormF32(x, dims, 3, axis, scale, withBias ? bias : NULL, 1e-5f, y, mean, inv);
      for (int64_t r = 0; r < rows; ++r) {
        double mu = 0, var = 0;
        for (int64_t i = 0; i < n; ++i)
          mu += x[r * n + i];
        mu /= (double)n;
        for (int64_t i = 0; i < n; ++i)
          var += (x[r * n + i] - mu) * (x[r * n + i] - mu);
        var /= (double)n;
        double is = 1.0 / sqrt(var + 1e-5);
        EXPECT_NEAR(mean[r], mu, 1e-5);
        EXPECT_NEAR(inv[r], is, 1e-6 * is);
        for (int64_t i = 0; i < n; ++i) {
          double e = (x[r * n + i] - mu) * is * scale[i] + (withBias ? bias[i] : 0.0);
          // (x - mean) loses about |x| u = 100 * 6e-8 absolute, times inv (about 1.7).
          EXPECT_NEAR(y[r * n + i], e, 3e-5);
        }
      }
    }
  }
  // In place, no scale effect checked: a constant row normalises to 0 (variance 0).
  float c[5] = {2, 2, 2, 2, 2};
  int64_t cDims[1] = {5};
  gcimKernelLayerNormF32(c, cDims, 1, 0, NULL, NULL, 1e-5f, c, NULL, NULL);
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(c[i], 0.0, 0);
  free(x);
  free(y);
  free(scale);
  free(bias);
}

static void test_softmax_and_log_softmax_axes(void) {
  int64_t dims[3] = {3, 7, 130};
  int64_t total = 3 * 7 * 130;
  float *x = randomArray(total, -20, 20), *y = randomArray(total, 0, 1);
  x[5] = 80.0f; /* exp overflows without the max shift */
  for (int useLog = 0; useLog <= 1; ++useLog) {
    for (int axis = -3; axis < 3; ++axis) {
      int ax = axis < 0 ? axis + 3 : axis;
      int64_t outer = 1, inner = 1, n = dims[ax];
      for (int d = 0; d < ax; ++d)
        outer *= dims[d];
      for (int d = ax + 1; d < 3; ++d)
        inner *= dims[d];
      if (useLog)
        gcimKernelLogSoftmaxF32(x, dims, 3, axis, y);
      else
        gcimKernelSoftmaxF32(x, dims, 3, axis, y);
      int bad = 0;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          const float *xl = x + o * n * inner + i;
          double max = -INFINITY, sum = 0;
          for (int64_t j = 0; j < n; ++j)
            max = xl[j * inner] > max ? xl[j * inner] : max;
          for (int64_t j = 0; j < n; ++j)
            sum += exp(xl[j * inner] - max);
          for (int64_t j = 0; j < n; ++j) {
            double z = xl[j * inner] - max;
            double e = useLog ? z - log(sum) : exp(z) / sum;
            // softmax: x - max rounds with an absolute error up to |z| u, which exp turns
            // into a relative one, plus expf's few ulp and the scaling; log-softmax:
            // absolute, the float32 rounding of values up to |100|.
            double tol = useLog ? 2e-5 : (8e-7 + 1.2e-7 * fabs(z)) * e + 1e-37;
            double got = y[o * n * inner + i + j * inner];
            if (!(fabs(got - e) <= tol) && !bad++)
              EXPECT_NEAR(got, e, tol);
          }
        }
    }
  }
  // In place, rank 0, and a row of -inf (NaN, as ONNX Runtime).
  float s = 3.0f;
  gcimKernelSoftmaxF32(&s, NULL, 0, 0, &s);
  EXPECT_NEAR(s, 1.0, 0);
  float r[3] = {-INFINITY, -INFINITY, -INFINITY};
  int64_t rDims[1] = {3};
  gcimKernelSoftmaxF32(r, rDims, 1, -1, r);
  EXPECT_TRUE(isnan(r[0]));
  free(x);
  free(y);
}

// Naive attention in double over all (b, h, i), masks applied per key (NaN when no key
// is visible).
static void refAttention(const GcimAttentionDesc *d, const float *q, const float *k, const float *v,
                         double *out) {
  int64_t kvh = d->kvHeads ? d->kvHeads : d->heads, dv = d->valueDim ? d->valueDim : d->headDim;
  for (int64_t b = 0; b < d->batch; ++b)
    for (int64_t h = 0; h < d->heads; ++h)
      for (int64_t i = 0; i < d->queryLen; ++i) {
        int64_t g = b * kvh + h / (d->heads / kvh), row = (b * d->heads + h) * d->queryLen + i;
        int64_t pos = d->keyLen - d->queryLen + i;
        double max = -INFINITY, sum = 0;
        double *s = malloc(sizeof(double) * (size_t)d->keyLen);
        for (int64_t j = 0; j < d->keyLen; ++j) {
          int visible = (!d->causal || j <= pos) &&
                        (d->window <= 0 || (pos - j < d->window && j - pos < d->window));
          s[j] = -INFINITY;
          if (!visible)
            continue;
          double dot = 0;
          for (int64_t c = 0; c < d->headDim; ++c)
            dot += (double)q[row * d->headDim + c] * k[(g * d->keyLen + j) * d->headDim + c];
          s[j] = d->scale * dot;
          max = s[j] > max ? s[j] : max;
        }
        for (int64_t j = 0; j < d->keyLen; ++j)
          if (s[j] > -INFINITY)
            sum += exp(s[j] - max);
        for (int64_t c = 0; c < dv; ++c) {
          double acc = 0;
          for (int64_t j = 0; j < d->keyLen; ++j)
            if (s[j] > -INFINITY)
              acc += exp(s[j] - max) / sum * v[(g * d->keyLen + j) * dv + c];
          out[row * dv + c] = acc;
        }
        free(s);
      }
}

static void test_attention_masks_and_shapes(void) {
  // batch, heads, kvHeads, Tq, Tk, D, Dv, causal, window.
  static const int64_t cases[][9] = {
      {1, 1, 0, 1, 1, 1, 0, 1, 0},
      {2, 3, 0, 7, 7, 65, 0, 1, 0},
      {1, 4, 2, 5, 13, 8, 3, 1, 0},
      {1, 2, 0, 1, 130, 64, 0, 1, 0},
      {1, 2, 0, 1, 130, 64, 0, 1, 32},
      {2, 2, 1, 13, 13, 7, 0, 1, 4},
      {1, 3, 0, 7, 9, 5, 0, 0, 0},
      {1, 1, 0, 9, 9, 5, 0, 0, 3},
      {1, 1, 0, 4, 2, 3, 0, 1, 0}, /* more queries than keys: the first see nothing */
      // Tiles of queries (8 or more; 32 a tile) and of keys (128 a tile): a tile and a
      // remainder tile, a remainder of rows (5), keys over two tiles with grouped heads
      // and Dv != D, windows, fewer queries than keys, more queries than keys.
      {1, 2, 0, 40, 40, 64, 0, 1, 0},
      {1, 1, 0, 37, 37, 16, 0, 1, 0},
      {1, 4, 2, 150, 150, 24, 20, 1, 0},
      {1, 1, 0, 70, 70, 8, 0, 1, 16},
      {1, 1, 0, 33, 40, 8, 0, 0, 5},
      {1, 1, 0, 33, 300, 8, 0, 1, 0},
      {1, 1, 0, 45, 20, 4, 0, 1, 0},
      {2, 1, 0, 9, 9, 1, 0, 0, 0},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; ++t) {
    const int64_t *c = cases[t];
    GcimAttentionDesc d = {c[0], c[1], c[2], c[3], c[4], c[5], c[6], 0.0f, (int)c[7], c[8]};
    d.scale = 1.0f / sqrtf((float)d.headDim);
    int64_t kvh = d.kvHeads ? d.kvHeads : d.heads, dv = d.valueDim ? d.valueDim : d.headDim;
    int64_t nq = d.batch * d.heads * d.queryLen * d.headDim;
    int64_t nk = d.batch * kvh * d.keyLen * d.headDim, nv = d.batch * kvh * d.keyLen * dv;
    int64_t no = d.batch * d.heads * d.queryLen * dv;
    float *q = randomArray(nq, -2, 2), *k = randomArray(nk, -2, 2), *v = randomArray(nv, -1, 1);
    float *out = randomArray(no, 0, 1);
    float *scratch = malloc(sizeof(float) * (size_t)gcimKernelAttentionScratchSize(&d));
    double *ref = malloc(sizeof(double) * (size_t)no);
    gcimKernelAttentionF32(&d, q, k, v, out, scratch);
    refAttention(&d, q, k, v, ref);
    int bad = 0;
    for (int64_t i = 0; i < no; ++i) {
      double e = ref[i] != ref[i] ? 0.0 : ref[i]; /* no visible key: zeros */
      // Scores carry about D u |q||k| of error, amplified by exp; outputs are averages of
      // values in [-1, 1]: 1e-5 absolute.
      if (!(fabs(out[i] - e) <= 1e-5) && !bad++) {
        fprintf(stderr, "attention case %zu, element %lld:\n", t, (long long)i);
        EXPECT_NEAR(out[i], e, 1e-5);
      }
    }
    free(q);
    free(k);
    free(v);
    free(out);
    free(scratch);
    free(ref);
  }
}

// The softmax's exp on x <= 0 against exp in double: 2 ulp relative (4 x 2^-24 checked),
// exactly 0 below -87 and at -inf, exactly 1 at 0.
static void test_exp_non_positive(void) {
  double worst = 0.0;
  for (int i = 0; i <= 200000; ++i) {
    float x = -87.0f * (float)i / 200000.0f;
    double e = exp((double)x), err = fabs(gcimKernelsExpNonPositive(x) - e) / e;
    worst = err > worst ? err : worst;
  }
  EXPECT_TRUE(worst <= 4.0 / 16777216.0);
  EXPECT_TRUE(gcimKernelsExpNonPositive(0.0f) == 1.0f);
  EXPECT_TRUE(gcimKernelsExpNonPositive(-87.5f) == 0.0f);
  EXPECT_TRUE(gcimKernelsExpNonPositive(-INFINITY) == 0.0f);
  if (!(worst <= 4.0 / 16777216.0))
    fprintf(stderr, "worst relative error %g\n", worst);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_layer_norm),
    GCIM_TEST(test_softmax_and_log_softmax_axes),
    GCIM_TEST(test_attention_masks_and_shapes),
    GCIM_TEST(test_exp_non_positive),
};
GCIM_TEST_MAIN
