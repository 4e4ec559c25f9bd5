/* KernelsElementwiseTest.c: broadcasting arithmetic, activations, comparisons and logic of
 * the runtime kernels against naive references computed here in double. */
#include "GcimTest.h"

#include "gcim/Runtime/Kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

// A deterministic pseudo-random float in [lo, hi) (64-bit LCG).
static uint64_t rngState = 12345;
static float uniform(float lo, float hi) {
  rngState = rngState * 6364136223846793005ULL + 1442695040888963407ULL;
  return lo + (hi - lo) * (float)((rngState >> 40) & 0xffffff) / 16777216.0f;
}

static void fillUniform(float *x, int64_t n, float lo, float hi) {
  for (int64_t i = 0; i < n; ++i)
    x[i] = uniform(lo, hi);
}

// Offset in an operand of shape (dims, rank) of output element o of shape
// (outDims, outRank), numpy broadcasting (right-aligned, extent-1 axes repeat).
static int64_t bcastOffset(int64_t o, const int64_t *outDims, int outRank, const int64_t *dims,
                           int rank) {
  int64_t off = 0, stride = 1;
  for (int d = outRank - 1; d >= 0; --d) {
    int64_t i = o % outDims[d];
    o /= outDims[d];
    int od = d - (outRank - rank);
    if (od >= 0) {
      if (dims[od] != 1)
        off += i * stride;
      stride *= dims[od];
    }
  }
  return off;
}

static double refBinary(GcimBinaryOp op, double x, double y) {
  switch (op) {
  case GCIM_BINARY_ADD:
    return x + y;
  case GCIM_BINARY_SUB:
    return x - y;
  case GCIM_BINARY_MUL:
    return x * y;
  case GCIM_BINARY_DIV:
    return x / y;
  case GCIM_BINARY_POW:
    return pow(x, y);
  case GCIM_BINARY_MIN:
    return x < y ? x : y;
  case GCIM_BINARY_MAX:
    return x > y ? x : y;
  }
  return 0.0;
}

typedef struct BinaryCase {
  int aRank, bRank, outRank;
  int64_t a[4], b[4], out[4];
} BinaryCase;

// Shapes covering: equal, scalar, row and column vectors, both sides broadcasting,
// rank-0, odd extents (1, 3, 7, 65, 130) and an empty output.
static const BinaryCase binaryCases[] = {
    {2, 2, 2, {7, 65}, {7, 65}, {7, 65}},
    {2, 0, 2, {3, 130}, {0}, {3, 130}},
    {0, 2, 2, {0}, {3, 130}, {3, 130}},
    {3, 1, 3, {2, 7, 65}, {65}, {2, 7, 65}},
    {3, 2, 3, {2, 7, 65}, {7, 1}, {2, 7, 65}},
    {3, 3, 3, {3, 1, 7}, {1, 5, 1}, {3, 5, 7}},
    {4, 2, 4, {2, 1, 3, 1}, {1, 130}, {2, 1, 3, 130}},
    {1, 1, 1, {1}, {130}, {130}},
    {0, 0, 0, {0}, {0}, {0}},
    {2, 1, 2, {0, 7}, {7}, {0, 7}},
    {4, 4, 4, {1, 12, 1, 9}, {2, 1, 9, 1}, {2, 12, 9, 9}},
};

static void test_binary_f32_broadcasting(void) {
  for (size_t c = 0; c < sizeof binaryCases / sizeof binaryCases[0]; ++c) {
    const BinaryCase *bc = &binaryCases[c];
    int64_t na = gcimKernelNumElements(bc->a, bc->aRank);
    int64_t nb = gcimKernelNumElements(bc->b, bc->bRank);
    int64_t no = gcimKernelNumElements(bc->out, bc->outRank);
    float *a = malloc(sizeof(float) * (size_t)(na + 1));
    float *b = malloc(sizeof(float) * (size_t)(nb + 1));
    float *out = malloc(sizeof(float) * (size_t)(no + 1));
    fillUniform(a, na, 0.5f, 2.0f);
    fillUniform(b, nb, -2.0f, 2.0f);
    for (int op = GCIM_BINARY_ADD; op <= GCIM_BINARY_MAX; ++op) {
      gcimKernelBinaryF32((GcimBinaryOp)op, a, bc->a, bc->aRank, b, bc->b, bc->bRank, out, bc->out,
                          bc->outRank);
      int bad = 0;
      for (int64_t o = 0; o < no; ++o) {
        double x = a[bcastOffset(o, bc->out, bc->outRank, bc->a, bc->aRank)];
        double y = b[bcastOffset(o, bc->out, bc->outRank, bc->b, bc->bRank)];
        double expected = refBinary((GcimBinaryOp)op, x, y);
        // One float32 rounding of the result (powf: a few ulp).
        if (!(fabs(out[o] - expected) <= 4e-7 * fabs(expected) + 1e-30) && !bad++)
          EXPECT_NEAR(out[o], expected, 4e-7 * fabs(expected));
      }
      if (bad)
        fprintf(stderr, "  case %zu op %d: %d mismatches\n", c, op, bad);
    }
    free(a);
    free(b);
    free(out);
  }
}

static void test_binary_in_place_and_pow_fast_paths(void) {
  int64_t dims[2] = {3, 7}, one[1] = {1};
  float x[21], y[21], e2 = 2.0f, e3 = 3.0f, e05 = 0.5f;
  fillUniform(x, 21, -3.0f, 3.0f);
  for (int i = 0; i < 21; ++i)
    y[i] = x[i];
  gcimKernelBinaryF32(GCIM_BINARY_POW, y, dims, 2, &e2, one, 1, y, dims, 2);
  for (int i = 0; i < 21; ++i)
    EXPECT_NEAR(y[i], (double)x[i] * x[i], 3e-7 * x[i] * x[i]);
  gcimKernelBinaryF32(GCIM_BINARY_POW, x, dims, 2, &e3, NULL, 0, y, dims, 2);
  for (int i = 0; i < 21; ++i)
    EXPECT_NEAR(y[i], pow(x[i], 3), 3e-7 * fabs(pow(x[i], 3)));
  gcimKernelBinaryF32(GCIM_BINARY_POW, x, dims, 2, &e05, NULL, 0, y, dims, 2);
  for (int i = 0; i < 21; ++i)
    EXPECT_TRUE(x[i] < 0 ? isnan(y[i]) : fabs(y[i] - sqrt(x[i])) <= 3e-7 * sqrt(x[i]));
  // In place on a: a = a - b with b a row vector.
  float row[7];
  fillUniform(row, 7, -1.0f, 1.0f);
  for (int i = 0; i < 21; ++i)
    y[i] = x[i];
  int64_t rowDims[1] = {7};
  gcimKernelBinaryF32(GCIM_BINARY_SUB, y, dims, 2, row, rowDims, 1, y, dims, 2);
  for (int i = 0; i < 21; ++i)
    EXPECT_NEAR(y[i], (double)x[i] - row[i % 7], 3e-7 * (fabs(x[i]) + 1));
}

static void test_min_max_propagate_nan(void) {
  int64_t dims[1] = {4};
  float a[4] = {1.0f, NAN, 3.0f, -INFINITY}, b[4] = {NAN, 2.0f, 1.0f, 0.0f}, out[4];
  gcimKernelBinaryF32(GCIM_BINARY_MAX, a, dims, 1, b, dims, 1, out, dims, 1);
  EXPECT_TRUE(isnan(out[0]) && isnan(out[1]));
  EXPECT_NEAR(out[2], 3.0, 0);
  EXPECT_NEAR(out[3], 0.0, 0);
  gcimKernelBinaryF32(GCIM_BINARY_MIN, a, dims, 1, b, dims, 1, out, dims, 1);
  EXPECT_TRUE(isnan(out[0]) && isnan(out[1]));
  EXPECT_NEAR(out[2], 1.0, 0);
  EXPECT_TRUE(isinf(out[3]) && out[3] < 0);
}

static void test_binary_i64(void) {
  int64_t aDims[2] = {2, 3}, bDims[1] = {3};
  int64_t a[6] = {7, -7, 9, 100, -5, 0}, b[3] = {2, 2, 0}, out[6];
  gcimKernelBinaryI64(GCIM_BINARY_DIV, a, aDims, 2, b, bDims, 1, out, aDims, 2);
  EXPECT_EQ_INT(out[0], 3);
  EXPECT_EQ_INT(out[1], -3); /* truncation toward zero */
  EXPECT_EQ_INT(out[2], 0);  /* zero divisor */
  EXPECT_EQ_INT(out[3], 50);
  gcimKernelBinaryI64(GCIM_BINARY_MUL, a, aDims, 2, b, bDims, 1, out, aDims, 2);
  EXPECT_EQ_INT(out[4], -10);
  gcimKernelBinaryI64(GCIM_BINARY_ADD, a, aDims, 2, b, bDims, 1, out, aDims, 2);
  EXPECT_EQ_INT(out[5], 0);
  EXPECT_EQ_INT(out[3], 102);
  gcimKernelBinaryI64(GCIM_BINARY_SUB, a, aDims, 2, b, bDims, 1, out, aDims, 2);
  EXPECT_EQ_INT(out[1], -9);
  gcimKernelBinaryI64(GCIM_BINARY_MIN, a, aDims, 2, b, bDims, 1, out, aDims, 2);
  EXPECT_EQ_INT(out[0], 2);
  EXPECT_EQ_INT(out[1], -7);
  gcimKernelBinaryI64(GCIM_BINARY_MAX, a, aDims, 2, b, bDims, 1, out, aDims, 2);
  EXPECT_EQ_INT(out[4], 2);
}

static void test_variadic(void) {
  int64_t d0[2] = {3, 1}, d1[1] = {5}, d2[2] = {3, 5}, outDims[2] = {3, 5};
  float x0[3], x1[5], x2[15], out[15];
  fillUniform(x0, 3, -1, 1);
  fillUniform(x1, 5, -1, 1);
  fillUniform(x2, 15, -1, 1);
  const float *inputs[3] = {x0, x1, x2};
  const int64_t *dims[3] = {d0, d1, d2};
  int ranks[3] = {2, 1, 2};
  gcimKernelVariadicF32(GCIM_BINARY_MAX, 3, inputs, dims, ranks, out, outDims, 2);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 5; ++j) {
      float m = x0[i] > x1[j] ? x0[i] : x1[j];
      m = m > x2[i * 5 + j] ? m : x2[i * 5 + j];
      EXPECT_NEAR(out[i * 5 + j], m, 0);
    }
  gcimKernelVariadicF32(GCIM_BINARY_ADD, 3, inputs, dims, ranks, out, outDims, 2);
  for (int i = 0; i < 15; ++i)
    EXPECT_NEAR(out[i], (double)x0[i / 5] + x1[i % 5] + x2[i], 1e-6);
  // One input: broadcast copy (Sum of one tensor), -0 kept.
  x0[1] = -0.0f;
  gcimKernelVariadicF32(GCIM_BINARY_ADD, 1, inputs, dims, ranks, out, outDims, 2);
  for (int i = 0; i < 15; ++i)
    EXPECT_TRUE(out[i] == x0[i / 5] && signbit(out[i]) == signbit(x0[i / 5]));
}

static double refUnary(GcimUnaryOp op, double x) {
  switch (op) {
  case GCIM_UNARY_IDENTITY:
    return x;
  case GCIM_UNARY_NEG:
    return -x;
  case GCIM_UNARY_ABS:
    return fabs(x);
  case GCIM_UNARY_SQRT:
    return sqrt(x);
  case GCIM_UNARY_RECIPROCAL:
    return 1.0 / x;
  case GCIM_UNARY_EXP:
    return exp(x);
  case GCIM_UNARY_LOG:
    return log(x);
  case GCIM_UNARY_TANH:
    return tanh(x);
  case GCIM_UNARY_ERF:
    return erf(x);
  case GCIM_UNARY_SIGMOID:
    return 1.0 / (1.0 + exp(-x));
  case GCIM_UNARY_RELU:
    return x > 0 ? x : 0;
  case GCIM_UNARY_GELU:
    return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
  case GCIM_UNARY_GELU_TANH:
    return 0.5 * x * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)));
  case GCIM_UNARY_FLOOR:
    return floor(x);
  case GCIM_UNARY_CEIL:
    return ceil(x);
  case GCIM_UNARY_SIN:
    return sin(x);
  case GCIM_UNARY_COS:
    return cos(x);
  case GCIM_UNARY_SIGN:
    return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
  case GCIM_UNARY_SOFTPLUS:
    return log(1.0 + exp(x));
  case GCIM_UNARY_MISH:
    return x * tanh(log(1.0 + exp(x)));
  }
  return 0.0;
}

static void test_unary_against_double(void) {
  enum { N = 1031 };
  float x[N], y[N];
  for (int op = GCIM_UNARY_IDENTITY; op <= GCIM_UNARY_MISH; ++op) {
    int positive = op == GCIM_UNARY_SQRT || op == GCIM_UNARY_LOG;
    fillUniform(x, N, positive ? 0.01f : -9.0f, 9.0f);
    x[0] = 0.5f; /* away from 0 for the reciprocal */
    gcimKernelUnaryF32((GcimUnaryOp)op, x, y, N);
    int bad = 0;
    for (int i = 0; i < N; ++i) {
      if (op == GCIM_UNARY_RECIPROCAL && fabsf(x[i]) < 1e-3f)
        continue;
      double expected = refUnary((GcimUnaryOp)op, x[i]);
      // libm float functions are within a few ulp; the composed GELUs and the sigmoid
      // add a few float32 roundings: 2e-6 relative plus 1e-6 absolute (near zeros).
      double tol = 2e-6 * fabs(expected) + 1e-6;
      if (!(fabs(y[i] - expected) <= tol) && !bad++)
        EXPECT_NEAR(y[i], expected, tol);
    }
    if (bad)
      fprintf(stderr, "  unary op %d: %d mismatches\n", op, bad);
  }
  // In place, and the extremes of the sigmoid do not overflow.
  float z[4] = {-200.0f, 200.0f, 0.0f, NAN};
  gcimKernelUnaryF32(GCIM_UNARY_SIGMOID, z, z, 4);
  EXPECT_NEAR(z[0], 0.0, 1e-30);
  EXPECT_NEAR(z[1], 1.0, 0);
  EXPECT_NEAR(z[2], 0.5, 0);
  EXPECT_TRUE(isnan(z[3]));
  float g[3] = {-100.0f, 100.0f, NAN};
  gcimKernelUnaryF32(GCIM_UNARY_GELU_TANH, g, g, 3);
  EXPECT_NEAR(g[0], 0.0, 0);
  EXPECT_NEAR(g[1], 100.0, 0);
  EXPECT_TRUE(isnan(g[2]));
  float r[2] = {NAN, -1.0f};
  gcimKernelUnaryF32(GCIM_UNARY_RELU, r, r, 2);
  EXPECT_TRUE(isnan(r[0]));
  EXPECT_NEAR(r[1], 0.0, 0);
}

static void test_hard_sigmoid_clip_leaky(void) {
  enum { N = 65 };
  float x[N], y[N];
  fillUniform(x, N, -8.0f, 8.0f);
  gcimKernelHardSigmoidF32(x, 0.2f, 0.5f, y, N);
  for (int i = 0; i < N; ++i) {
    double e = 0.2 * x[i] + 0.5;
    e = e < 0 ? 0 : (e > 1 ? 1 : e);
    EXPECT_NEAR(y[i], e, 1e-6);
  }
  gcimKernelClipF32(x, -1.5f, 2.0f, y, N);
  for (int i = 0; i < N; ++i)
    EXPECT_NEAR(y[i], x[i] < -1.5f ? -1.5f : (x[i] > 2.0f ? 2.0f : x[i]), 0);
  gcimKernelClipF32(x, -INFINITY, 0.0f, y, N); /* absent min */
  for (int i = 0; i < N; ++i)
    EXPECT_NEAR(y[i], x[i] > 0 ? 0 : x[i], 0);
  gcimKernelClipF32(x, 1.0f, -1.0f, y, N); /* min above max: every element is max (ONNX) */
  for (int i = 0; i < N; ++i)
    EXPECT_NEAR(y[i], -1.0f, 0);
  float nan = NAN;
  gcimKernelClipF32(&nan, 0.0f, 1.0f, &nan, 1);
  EXPECT_TRUE(isnan(nan));
  gcimKernelLeakyReluF32(x, 0.01f, y, N);
  for (int i = 0; i < N; ++i)
    EXPECT_NEAR(y[i], x[i] < 0 ? 0.01 * x[i] : x[i], 1e-7);
}

static void test_compare_and_logic(void) {
  int64_t aDims[2] = {3, 4}, bDims[1] = {4};
  float a[12], b[4];
  fillUniform(a, 12, -1, 1);
  fillUniform(b, 4, -1, 1);
  a[5] = b[1];
  a[6] = NAN;
  uint8_t out[12];
  for (int op = GCIM_COMPARE_EQUAL; op <= GCIM_COMPARE_GREATER_EQUAL; ++op) {
    gcimKernelCompareF32((GcimCompareOp)op, a, aDims, 2, b, bDims, 1, out, aDims, 2);
    for (int i = 0; i < 12; ++i) {
      float x = a[i], y = b[i % 4];
      int e = op == GCIM_COMPARE_EQUAL        ? x == y
              : op == GCIM_COMPARE_LESS       ? x < y
              : op == GCIM_COMPARE_GREATER    ? x > y
              : op == GCIM_COMPARE_LESS_EQUAL ? x <= y
                                              : x >= y;
      EXPECT_EQ_INT(out[i], e);
    }
    EXPECT_EQ_INT(out[6], 0); /* NaN compares false */
  }
  int64_t ia[3] = {-1, 5, 7}, ib = 5, one[1] = {1}, three[1] = {3};
  gcimKernelCompareI64(GCIM_COMPARE_EQUAL, ia, three, 1, &ib, one, 1, out, three, 1);
  EXPECT_EQ_INT(out[0] * 100 + out[1] * 10 + out[2], 10);
  gcimKernelCompareI64(GCIM_COMPARE_LESS, ia, three, 1, &ib, NULL, 0, out, three, 1);
  EXPECT_EQ_INT(out[0] * 100 + out[1] * 10 + out[2], 100);
  gcimKernelCompareI64(GCIM_COMPARE_GREATER, &ib, NULL, 0, ia, three, 1, out, three, 1);
  EXPECT_EQ_INT(out[0] * 100 + out[1] * 10 + out[2], 100);

  uint8_t ba[3] = {0, 1, 1}, bb[3] = {0, 0, 1};
  gcimKernelCompareU8(GCIM_COMPARE_EQUAL, ba, three, 1, bb, three, 1, out, three, 1);
  EXPECT_EQ_INT(out[0] * 100 + out[1] * 10 + out[2], 101);

  // Logic: (2, 1) with (3) broadcast to (2, 3); any non-zero byte is true.
  int64_t lDims[2] = {2, 1}, rDims[1] = {3}, oDims[2] = {2, 3};
  uint8_t l[2] = {0, 2}, r[3] = {0, 1, 5}, lo[6];
  gcimKernelLogical(GCIM_LOGICAL_AND, l, lDims, 2, r, rDims, 1, lo, oDims, 2);
  EXPECT_TRUE(!lo[0] && !lo[1] && !lo[2] && !lo[3] && lo[4] == 1 && lo[5] == 1);
  gcimKernelLogical(GCIM_LOGICAL_OR, l, lDims, 2, r, rDims, 1, lo, oDims, 2);
  EXPECT_TRUE(!lo[0] && lo[1] == 1 && lo[2] == 1 && lo[3] == 1 && lo[4] == 1 && lo[5] == 1);
  gcimKernelLogical(GCIM_LOGICAL_XOR, l, lDims, 2, r, rDims, 1, lo, oDims, 2);
  EXPECT_TRUE(!lo[0] && lo[1] == 1 && lo[2] == 1 && lo[3] == 1 && !lo[4] && !lo[5]);
  gcimKernelNot(lo, lo, 6);
  EXPECT_TRUE(lo[0] == 1 && !lo[1] && lo[4] == 1);
}

/* The generic path: wrap-around and truncation of narrow integers, broadcasting, Pow
 * across types, NaN in float16, comparisons and Clip on other types. */
static void test_binary_any(void) {
  int64_t d3[1] = {3}, d23[2] = {2, 3};
  uint8_t ua[3] = {200, 3, 9}, ub[3] = {100, 5, 2}, uo[3];
  gcimKernelBinaryAny(GCIM_BINARY_ADD, ua, GCIM_ELEM_U8, d3, 1, ub, GCIM_ELEM_U8, d3, 1, uo,
                      GCIM_ELEM_U8, d3, 1);
  EXPECT_TRUE(uo[0] == 44 && uo[1] == 8 && uo[2] == 11);
  gcimKernelBinaryAny(GCIM_BINARY_SUB, ua, GCIM_ELEM_U8, d3, 1, ub, GCIM_ELEM_U8, d3, 1, uo,
                      GCIM_ELEM_U8, d3, 1);
  EXPECT_TRUE(uo[0] == 100 && uo[1] == 254 && uo[2] == 7);
  int32_t ia[6] = {-7, 7, 9, 10, -10, 5}, ib[3] = {2, 0, -4}, io[6];
  gcimKernelBinaryAny(GCIM_BINARY_DIV, ia, GCIM_ELEM_I32, d23, 2, ib, GCIM_ELEM_I32, d3, 1, io,
                      GCIM_ELEM_I32, d23, 2);
  EXPECT_TRUE(io[0] == -3 && io[1] == 0 && io[2] == -2 && io[3] == 5 && io[4] == 0 && io[5] == -1);
  int8_t ca[3] = {100, -128, 3}, cb[3] = {2, -1, -3}, co[3];
  gcimKernelBinaryAny(GCIM_BINARY_MUL, ca, GCIM_ELEM_I8, d3, 1, cb, GCIM_ELEM_I8, d3, 1, co,
                      GCIM_ELEM_I8, d3, 1);
  EXPECT_TRUE(co[0] == -56 && co[1] == -128 && co[2] == -9);
  // Pow: float base, int exponent; int base, float exponent (truncated); exact integers.
  float fa[3] = {2, -2, 0.5f}, fo[3];
  int32_t e32[3] = {3, 3, -2};
  gcimKernelBinaryAny(GCIM_BINARY_POW, fa, GCIM_ELEM_F32, d3, 1, e32, GCIM_ELEM_I32, d3, 1, fo,
                      GCIM_ELEM_F32, d3, 1);
  EXPECT_TRUE(fo[0] == 8 && fo[1] == -8 && fo[2] == 4);
  int32_t base[3] = {3, 2, 4}, po[3];
  float fe[3] = {1.5f, 0.5f, 2};
  gcimKernelBinaryAny(GCIM_BINARY_POW, base, GCIM_ELEM_I32, d3, 1, fe, GCIM_ELEM_F32, d3, 1, po,
                      GCIM_ELEM_I32, d3, 1);
  EXPECT_TRUE(po[0] == 5 && po[1] == 1 && po[2] == 16);
  int64_t la[4] = {3, 2, -1, 7}, lb[4] = {4, -1, -3, 0}, lo[4], d4[1] = {4};
  gcimKernelBinaryAny(GCIM_BINARY_POW, la, GCIM_ELEM_I64, d4, 1, lb, GCIM_ELEM_I64, d4, 1, lo,
                      GCIM_ELEM_I64, d4, 1);
  EXPECT_TRUE(lo[0] == 81 && lo[1] == 0 && lo[2] == -1 && lo[3] == 1);
  // float16 Max propagates NaN (0x7E00); 1.5 (0x3E00) vs -2 (0xC000); float64 Min.
  uint16_t ha[3] = {0x7E00, 0x3E00, 0x3C00}, hb[3] = {0x3C00, 0xC000, 0x7E00}, ho[3];
  gcimKernelBinaryAny(GCIM_BINARY_MAX, ha, GCIM_ELEM_F16, d3, 1, hb, GCIM_ELEM_F16, d3, 1, ho,
                      GCIM_ELEM_F16, d3, 1);
  EXPECT_TRUE((ho[0] & 0x7C00) == 0x7C00 && (ho[0] & 0x3FF) && ho[1] == 0x3E00 &&
              (ho[2] & 0x7C00) == 0x7C00);
  double da[3] = {1.25, -3, 1e300}, db = 0.5, dout[3];
  gcimKernelBinaryAny(GCIM_BINARY_MIN, da, GCIM_ELEM_F64, d3, 1, &db, GCIM_ELEM_F64, NULL, 0, dout,
                      GCIM_ELEM_F64, d3, 1);
  EXPECT_TRUE(dout[0] == 0.5 && dout[1] == -3 && dout[2] == 0.5);
  // uint32 beyond int32 and uint16 compare as unsigned values.
  uint32_t wa[3] = {4000000000u, 1, 7}, wb[3] = {5, 3000000000u, 7}, wo[3];
  gcimKernelBinaryAny(GCIM_BINARY_MAX, wa, GCIM_ELEM_U32, d3, 1, wb, GCIM_ELEM_U32, d3, 1, wo,
                      GCIM_ELEM_U32, d3, 1);
  EXPECT_TRUE(wo[0] == 4000000000u && wo[1] == 3000000000u && wo[2] == 7);
  uint16_t sa[3] = {65535, 1, 0}, sb[3] = {2, 2, 2}, so[3];
  gcimKernelBinaryAny(GCIM_BINARY_MIN, sa, GCIM_ELEM_U16, d3, 1, sb, GCIM_ELEM_U16, d3, 1, so,
                      GCIM_ELEM_U16, d3, 1);
  EXPECT_TRUE(so[0] == 2 && so[1] == 1 && so[2] == 0);
  // uint64 beyond int64: Max, Div and comparisons are unsigned; Add wraps.
  uint64_t qa[3] = {UINT64_MAX, 10, 1}, qb[3] = {1, 3, UINT64_MAX}, qo[3];
  gcimKernelBinaryAny(GCIM_BINARY_MAX, qa, GCIM_ELEM_U64, d3, 1, qb, GCIM_ELEM_U64, d3, 1, qo,
                      GCIM_ELEM_U64, d3, 1);
  EXPECT_TRUE(qo[0] == UINT64_MAX && qo[1] == 10 && qo[2] == UINT64_MAX);
  gcimKernelBinaryAny(GCIM_BINARY_DIV, qa, GCIM_ELEM_U64, d3, 1, qb, GCIM_ELEM_U64, d3, 1, qo,
                      GCIM_ELEM_U64, d3, 1);
  EXPECT_TRUE(qo[0] == UINT64_MAX && qo[1] == 3 && qo[2] == 0);
  gcimKernelBinaryAny(GCIM_BINARY_ADD, qa, GCIM_ELEM_U64, d3, 1, qb, GCIM_ELEM_U64, d3, 1, qo,
                      GCIM_ELEM_U64, d3, 1);
  EXPECT_TRUE(qo[0] == 0 && qo[1] == 13 && qo[2] == 0);
  uint8_t qc[3];
  gcimKernelCompareAny(GCIM_COMPARE_GREATER, GCIM_ELEM_U64, qa, d3, 1, qb, d3, 1, qc, d3, 1);
  EXPECT_TRUE(qc[0] && qc[1] && !qc[2]);
  uint64_t qhi = 5;
  gcimKernelClipAny(GCIM_ELEM_U64, qa, NULL, &qhi, qo, 3);
  EXPECT_TRUE(qo[0] == 5 && qo[1] == 5 && qo[2] == 1);
}

static void test_compare_and_clip_any(void) {
  int64_t d3[1] = {3}, d23[2] = {2, 3};
  int32_t a[6] = {1, 2, 3, 4, 2, 6}, b[3] = {1, 2, 4};
  uint8_t out[6];
  gcimKernelCompareAny(GCIM_COMPARE_EQUAL, GCIM_ELEM_I32, a, d23, 2, b, d3, 1, out, d23, 2);
  EXPECT_TRUE(out[0] && out[1] && !out[2] && !out[3] && out[4] && !out[5]);
  gcimKernelCompareAny(GCIM_COMPARE_GREATER_EQUAL, GCIM_ELEM_I32, a, d23, 2, b, d3, 1, out, d23, 2);
  EXPECT_TRUE(out[0] && out[1] && !out[2] && out[3] && out[4] && out[5]);
  uint16_t h[3] = {0x3C00, 0x7E00, 0xC000}, one = 0x3C00;
  gcimKernelCompareAny(GCIM_COMPARE_LESS, GCIM_ELEM_F16, h, d3, 1, &one, NULL, 0, out, d3, 1);
  EXPECT_TRUE(!out[0] && !out[1] && out[2]); /* NaN compares false */
  int8_t x[4] = {-100, 0, 5, 120}, hi = 5, y[4];
  gcimKernelClipAny(GCIM_ELEM_I8, x, NULL, &hi, y, 4);
  EXPECT_TRUE(y[0] == -100 && y[1] == 0 && y[2] == 5 && y[3] == 5);
  int8_t lo = -1;
  gcimKernelClipAny(GCIM_ELEM_I8, x, &lo, NULL, x, 4); /* in place */
  EXPECT_TRUE(x[0] == -1 && x[3] == 120);
  double f[3] = {-2, 0.25, NAN}, flo = -1, fhi = 0.125;
  gcimKernelClipAny(GCIM_ELEM_F64, f, &flo, &fhi, f, 3);
  EXPECT_TRUE(f[0] == -1 && f[1] == 0.125 && f[2] != f[2]);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_binary_f32_broadcasting),
    GCIM_TEST(test_binary_in_place_and_pow_fast_paths),
    GCIM_TEST(test_min_max_propagate_nan),
    GCIM_TEST(test_binary_i64),
    GCIM_TEST(test_variadic),
    GCIM_TEST(test_unary_against_double),
    GCIM_TEST(test_hard_sigmoid_clip_leaky),
    GCIM_TEST(test_compare_and_logic),
    GCIM_TEST(test_binary_any),
    GCIM_TEST(test_compare_and_clip_any),
};
GCIM_TEST_MAIN
