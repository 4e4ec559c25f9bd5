/* KernelsActivation.c: unary elementwise ops and activations (float32; float64 for
 * float64 models). */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Kernels/Elementwise.h"

#include "KernelsInternal.h"
#include "KernelsMatMulIsa.h"

#include <assert.h>
#include <math.h>
#include <string.h>

// 1/sqrt(2) and sqrt(2/pi), rounded to float32 (C99 has no M_SQRT1_2).
static const float kInvSqrt2 = 0.70710678118654752f;
static const float kSqrt2OverPi = 0.79788456080286536f;

static float sigmoid(float x) {
  // Both branches evaluate exp of a non-positive argument, so nothing overflows.
  if (x >= 0.0f)
    return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow for large x.
static float softplus(float x) { return (x > 0.0f ? x : 0.0f) + log1pf(expf(-fabsf(x))); }

// x/2 (1 + tanh u) = x / (1 + exp(-2u)) = x exp(2u) / (1 + exp(2u)): the same function
// without cancellation, through the exp of -2|u| <= 0 only (branch-free: GELU on a libm
// call per element was 4 % of a GPT-2 prefill).
static float geluTanh(float v) {
  float u = kSqrt2OverPi * (v + 0.044715f * v * v * v);
  float e = gcimKernelsExpNonPositive(-2.0f * fabsf(u));
  return v * (u >= 0.0f ? 1.0f : e) / (1.0f + e);
}

#if GCIM_KERNELS_LANES
// geluTanh on LANES floats at a time (KernelsInternal.h: the same bits), defined for the
// compiler's target and, chosen at run time as the matrix kernel is, for AVX2 and AVX-512.
#define DEFINE_GELU_TANH(name, LANES, ATTRIBUTES)                                                  \
  typedef float name##F __attribute__((vector_size(LANES * sizeof(float))));                       \
  typedef int name##I __attribute__((vector_size(LANES * sizeof(int))));                           \
  ATTRIBUTES static void name(const float *x, float *y, int64_t count) {                           \
    int64_t i = 0;                                                                                 \
    for (; i + LANES <= count; i += LANES) {                                                       \
      name##F v, e, out;                                                                           \
      memcpy(&v, x + i, sizeof v);                                                                 \
      name##F u = kSqrt2OverPi * (v + 0.044715f * v * v * v);                                      \
      name##F minus2Abs = -2.0f * (name##F)((name##I)u & 0x7fffffff);                              \
      GCIM_EXP_NON_POSITIVE_LANES(name##F, name##I, minus2Abs, e);                                 \
      name##I positive = u >= 0.0f;                                                                \
      const name##F zero = {0};                                                                    \
      name##F factor = (name##F)(((name##I)(zero + 1.0f) & positive) | ((name##I)e & ~positive));  \
      out = v * factor / (1.0f + e);                                                               \
      memcpy(y + i, &out, sizeof out);                                                             \
    }                                                                                              \
    for (; i < count; ++i)                                                                         \
      y[i] = geluTanh(x[i]);                                                                       \
  }
#else
#define DEFINE_GELU_TANH(name, LANES, ATTRIBUTES)                                                  \
  static void name(const float *x, float *y, int64_t count) {                                      \
    for (int64_t i = 0; i < count; ++i)                                                            \
      y[i] = geluTanh(x[i]);                                                                       \
  }
#endif
DEFINE_GELU_TANH(geluTanhBase, 4, )
#if GCIM_KERNELS_DISPATCH
DEFINE_GELU_TANH(geluTanhAvx2, 8, __attribute__((target("avx2"))))
DEFINE_GELU_TANH(geluTanhAvx512, 16, __attribute__((target("avx512f"))))
#endif

GcimGeluTanhKernel *gcimKernelsGeluTanhKernel(GcimKernelIsa isa) {
  switch (isa) {
  case GCIM_ISA_BASE:
    return geluTanhBase;
#if GCIM_KERNELS_DISPATCH
  case GCIM_ISA_AVX2:
    return __builtin_cpu_supports("avx2") ? geluTanhAvx2 : NULL;
  case GCIM_ISA_AVX512:
    return __builtin_cpu_supports("avx512f") ? geluTanhAvx512 : NULL;
#endif
  default:
    return NULL;
  }
}

// The kernel of the widest set the matrix kernel runs on, or the portable one when this file
// was built without the dispatch (other flags than KernelsMatMul.c's).
static GcimGeluTanhKernel *geluTanhBest(void) {
  GcimGeluTanhKernel *kernel = gcimKernelsGeluTanhKernel(gcimKernelsIsaBest());
  return kernel ? kernel : geluTanhBase;
}

#define MAP(EXPR)                                                                                  \
  do {                                                                                             \
    for (int64_t i = 0; i < count; ++i) {                                                          \
      float v = x[i];                                                                              \
      y[i] = (EXPR);                                                                               \
    }                                                                                              \
  } while (0)

void gcimKernelUnaryF32(GcimUnaryOp op, const float *x, float *y, int64_t count) {
  switch (op) {
  case GCIM_UNARY_IDENTITY:
    MAP(v);
    return;
  case GCIM_UNARY_NEG:
    MAP(-v);
    return;
  case GCIM_UNARY_ABS:
    MAP(fabsf(v));
    return;
  case GCIM_UNARY_SQRT:
    MAP(sqrtf(v));
    return;
  case GCIM_UNARY_RECIPROCAL:
    MAP(1.0f / v);
    return;
  case GCIM_UNARY_EXP:
    MAP(expf(v));
    return;
  case GCIM_UNARY_LOG:
    MAP(logf(v));
    return;
  case GCIM_UNARY_TANH:
    MAP(tanhf(v));
    return;
  case GCIM_UNARY_ERF:
    MAP(erff(v));
    return;
  case GCIM_UNARY_SIGMOID:
    MAP(sigmoid(v));
    return;
  case GCIM_UNARY_RELU:
    // Tested this way round so that NaN stays NaN, as in ONNX Runtime.
    MAP(v < 0.0f ? 0.0f : v);
    return;
  case GCIM_UNARY_GELU:
    MAP(0.5f * v * (1.0f + erff(v * kInvSqrt2)));
    return;
  case GCIM_UNARY_GELU_TANH:
    geluTanhBest()(x, y, count);
    return;
  case GCIM_UNARY_FLOOR:
    MAP(floorf(v));
    return;
  case GCIM_UNARY_CEIL:
    MAP(ceilf(v));
    return;
  case GCIM_UNARY_SIN:
    MAP(sinf(v));
    return;
  case GCIM_UNARY_COS:
    MAP(cosf(v));
    return;
  case GCIM_UNARY_SIGN:
    MAP(v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v));
    return;
  case GCIM_UNARY_SOFTPLUS:
    MAP(softplus(v));
    return;
  case GCIM_UNARY_MISH:
    MAP(v * tanhf(softplus(v)));
    return;
  }
  assert(0 && "unknown unary op");
}

#define MAP_F64(EXPR)                                                                              \
  do {                                                                                             \
    for (int64_t i = 0; i < count; ++i) {                                                          \
      double v = x[i];                                                                             \
      y[i] = (EXPR);                                                                               \
    }                                                                                              \
  } while (0)

static double sigmoidF64(double x) {
  if (x >= 0.0)
    return 1.0 / (1.0 + exp(-x));
  double e = exp(x);
  return e / (1.0 + e);
}

static double softplusF64(double x) { return (x > 0.0 ? x : 0.0) + log1p(exp(-fabs(x))); }

// The float32 kernel's definitions in double, for float64 models (ONNX Runtime computes
// float64 ops in double too).
void gcimKernelUnaryF64(GcimUnaryOp op, const double *x, double *y, int64_t count) {
  switch (op) {
  case GCIM_UNARY_IDENTITY:
    MAP_F64(v);
    return;
  case GCIM_UNARY_NEG:
    MAP_F64(-v);
    return;
  case GCIM_UNARY_ABS:
    MAP_F64(fabs(v));
    return;
  case GCIM_UNARY_SQRT:
    MAP_F64(sqrt(v));
    return;
  case GCIM_UNARY_RECIPROCAL:
    MAP_F64(1.0 / v);
    return;
  case GCIM_UNARY_EXP:
    MAP_F64(exp(v));
    return;
  case GCIM_UNARY_LOG:
    MAP_F64(log(v));
    return;
  case GCIM_UNARY_TANH:
    MAP_F64(tanh(v));
    return;
  case GCIM_UNARY_ERF:
    MAP_F64(erf(v));
    return;
  case GCIM_UNARY_SIGMOID:
    MAP_F64(sigmoidF64(v));
    return;
  case GCIM_UNARY_RELU:
    MAP_F64(v < 0.0 ? 0.0 : v);
    return;
  case GCIM_UNARY_GELU:
    MAP_F64(0.5 * v * (1.0 + erf(v * 0.70710678118654752440)));
    return;
  case GCIM_UNARY_GELU_TANH:
    MAP_F64(0.5 * v * (1.0 + tanh(0.79788456080286535588 * (v + 0.044715 * v * v * v))));
    return;
  case GCIM_UNARY_FLOOR:
    MAP_F64(floor(v));
    return;
  case GCIM_UNARY_CEIL:
    MAP_F64(ceil(v));
    return;
  case GCIM_UNARY_SIN:
    MAP_F64(sin(v));
    return;
  case GCIM_UNARY_COS:
    MAP_F64(cos(v));
    return;
  case GCIM_UNARY_SIGN:
    MAP_F64(v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : v));
    return;
  case GCIM_UNARY_SOFTPLUS:
    MAP_F64(softplusF64(v));
    return;
  case GCIM_UNARY_MISH:
    MAP_F64(v * tanh(softplusF64(v)));
    return;
  }
  assert(0 && "unknown unary op");
}

void gcimKernelHardSigmoidF32(const float *x, float alpha, float beta, float *y, int64_t count) {
  MAP(fmaxf(0.0f, fminf(1.0f, alpha * v + beta)));
}

void gcimKernelClipF32(const float *x, float lo, float hi, float *y, int64_t count) {
  // min(max(x, lo), hi), so that every element is hi when lo > hi (as ONNX says and ONNX
  // Runtime computes); comparisons rather than fminf/fmaxf so that NaN stays NaN.
  MAP(v < lo ? (lo > hi ? hi : lo) : (v > hi ? hi : v));
}

void gcimKernelLeakyReluF32(const float *x, float alpha, float *y, int64_t count) {
  MAP(v < 0.0f ? alpha * v : v);
}
