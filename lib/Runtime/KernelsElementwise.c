/* KernelsElementwise.c: broadcasting binary arithmetic, comparisons and logic. Each kernel
 * runs the coalesced broadcast (KernelsInternal.h) with a specialised inner loop per
 * stride pattern (both contiguous, one constant), which the compiler vectorises. */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Kernels/Elementwise.h"

#include "gcim/Runtime/Kernels/Data.h"

#include "KernelsInternal.h"
#include "KernelsMatMulIsa.h"

#include <assert.h>
#include <math.h>
#include <string.h>

// Runs ROW(o0, inner, ia, ib, sa, sb, ...) for each innermost row of a broadcast of two
// operands into the output: output elements o0 .. o0 + inner - 1 from operand elements
// ia + i * sa and ib + i * sb (strides 0 or 1); the extra arguments go to ROW.
#define BROADCAST_ROWS(aDims, aRank, bDims, bRank, outDims, outRank, ROW, ...)                     \
  do {                                                                                             \
    const int64_t *dimsList[2] = {aDims, bDims};                                                   \
    const int rankList[2] = {aRank, bRank};                                                        \
    GcimBcast it;                                                                                  \
    gcimKernelsBcastInit(&it, 2, dimsList, rankList, outDims, outRank);                            \
    if (it.total == 0)                                                                             \
      break;                                                                                       \
    int64_t inner = it.dims[it.rank - 1];                                                          \
    int64_t sa = it.strides[0][it.rank - 1], sb = it.strides[1][it.rank - 1];                      \
    int64_t idx[GCIM_MAX_RANK] = {0}, off[3] = {0, 0, 0};                                          \
    for (int64_t o0 = 0; o0 < it.total; o0 += inner) {                                             \
      ROW(o0, inner, off[0], off[1], sa, sb, __VA_ARGS__);                                         \
      gcimKernelsBcastNext(&it, idx, off);                                                         \
    }                                                                                              \
  } while (0)

// One row of BINARY_LOOP: a loop specialised per stride pattern, which vectorises.
#define BINARY_ROW(o0, inner, ia, ib, sa, sb, TA, TB, TO, A, B, OUT, BODY)                         \
  {                                                                                                \
    const TA *pa = (A) + (ia);                                                                     \
    const TB *pb = (B) + (ib);                                                                     \
    TO *po = (OUT) + (o0);                                                                         \
    (void)pb;                                                                                      \
    if (sa == 1 && sb == 1) {                                                                      \
      for (int64_t i = 0; i < inner; ++i)                                                          \
        BODY(po[i], pa[i], pb[i]);                                                                 \
    } else if (sa == 1) {                                                                          \
      for (int64_t i = 0; i < inner; ++i)                                                          \
        BODY(po[i], pa[i], pb[0]);                                                                 \
    } else if (sb == 1) {                                                                          \
      for (int64_t i = 0; i < inner; ++i)                                                          \
        BODY(po[i], pa[0], pb[i]);                                                                 \
    } else {                                                                                       \
      for (int64_t i = 0; i < inner; ++i)                                                          \
        BODY(po[i], pa[0], pb[0]);                                                                 \
    }                                                                                              \
  }

// Runs BODY(o, x, y) (the output element o from inputs x and y) over a broadcast of two
// operands A and B (element pointers of types TA, TB) into OUT (of type TO).
#define BINARY_LOOP(TA, TB, TO, A, B, OUT, aDims, aRank, bDims, bRank, outDims, outRank, BODY)     \
  BROADCAST_ROWS(aDims, aRank, bDims, bRank, outDims, outRank, BINARY_ROW, TA, TB, TO, A, B, OUT,  \
                 BODY)

#define ADD(o, x, y) o = (x) + (y)
#define SUB(o, x, y) o = (x) - (y)
#define MUL(o, x, y) o = (x) * (y)
#define DIV(o, x, y) o = (x) / (y)
#define POW(o, x, y) o = powf((x), (y))
#define SQUARE(o, x, y) o = (x) * (x)
#define CUBE(o, x, y) o = (x) * (x) * (x)
#define FIRST(o, x, y) o = (x)
// NaN-propagating min and max (numpy's minimum/maximum): x wins when it is NaN or smaller.
#define MIN(o, x, y) o = ((x) < (y) || (x) != (x)) ? (x) : (y)
#define MAX(o, x, y) o = ((x) > (y) || (x) != (x)) ? (x) : (y)
// Integer division truncating toward zero; 0 for a zero divisor (C leaves it undefined).
#define IDIV(o, x, y) o = (y) != 0 ? (x) / (y) : 0
#define IMIN(o, x, y) o = (x) < (y) ? (x) : (y)
#define IMAX(o, x, y) o = (x) > (y) ? (x) : (y)

// The exponent when b is one float broadcast over the whole output, else NAN.
static float scalarExponent(const float *b, const int64_t *bDims, int bRank) {
  return gcimKernelNumElements(bDims, bRank) == 1 ? b[0] : NAN;
}

#define F32_LOOP(BODY)                                                                             \
  BINARY_LOOP(float, float, float, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank, BODY)

// GCC's -O2 would vectorise none of these loops (they need a run-time alias check).
GCIM_KERNELS_VECTORISE void gcimKernelBinaryF32(GcimBinaryOp op, const float *a,
                                                const int64_t *aDims, int aRank, const float *b,
                                                const int64_t *bDims, int bRank, float *out,
                                                const int64_t *outDims, int outRank) {
  switch (op) {
  case GCIM_BINARY_ADD:
    F32_LOOP(ADD);
    return;
  case GCIM_BINARY_SUB:
    F32_LOOP(SUB);
    return;
  case GCIM_BINARY_MUL:
    F32_LOOP(MUL);
    return;
  case GCIM_BINARY_DIV:
    F32_LOOP(DIV);
    return;
  case GCIM_BINARY_POW: {
    // x^2 and x^3 appear in decomposed GELU and LayerNorm; powf is slow and they are
    // exact enough as products (within 1 ulp of the correctly rounded power).
    float e = scalarExponent(b, bDims, bRank);
    if (e == 1.0f)
      F32_LOOP(FIRST);
    else if (e == 2.0f)
      F32_LOOP(SQUARE);
    else if (e == 3.0f)
      F32_LOOP(CUBE);
    else
      F32_LOOP(POW);
    return;
  }
  case GCIM_BINARY_MIN:
    F32_LOOP(MIN);
    return;
  case GCIM_BINARY_MAX:
    F32_LOOP(MAX);
    return;
  }
  assert(0 && "unknown binary op");
}

#define I64_LOOP(BODY)                                                                             \
  BINARY_LOOP(int64_t, int64_t, int64_t, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank,  \
              BODY)

void gcimKernelBinaryI64(GcimBinaryOp op, const int64_t *a, const int64_t *aDims, int aRank,
                         const int64_t *b, const int64_t *bDims, int bRank, int64_t *out,
                         const int64_t *outDims, int outRank) {
  switch (op) {
  case GCIM_BINARY_ADD:
    I64_LOOP(ADD);
    return;
  case GCIM_BINARY_SUB:
    I64_LOOP(SUB);
    return;
  case GCIM_BINARY_MUL:
    I64_LOOP(MUL);
    return;
  case GCIM_BINARY_DIV:
    I64_LOOP(IDIV);
    return;
  case GCIM_BINARY_MIN:
    I64_LOOP(IMIN);
    return;
  case GCIM_BINARY_MAX:
    I64_LOOP(IMAX);
    return;
  case GCIM_BINARY_POW:
    break;
  }
  assert(0 && "unsupported int64 binary op");
}

void gcimKernelVariadicF32(GcimBinaryOp op, int count, const float *const *inputs,
                           const int64_t *const *dims, const int *ranks, float *out,
                           const int64_t *outDims, int outRank) {
  assert(count >= 1);
  if (count == 1) {
    BINARY_LOOP(float, float, float, inputs[0], inputs[0], out, dims[0], ranks[0], dims[0],
                ranks[0], outDims, outRank, FIRST);
    return;
  }
  // Later steps read `out` in place, allowed since it has the output's shape; this is why
  // `out` may alias only the first two inputs.
  gcimKernelBinaryF32(op, inputs[0], dims[0], ranks[0], inputs[1], dims[1], ranks[1], out, outDims,
                      outRank);
  for (int i = 2; i < count; ++i)
    gcimKernelBinaryF32(op, out, outDims, outRank, inputs[i], dims[i], ranks[i], out, outDims,
                        outRank);
}

#define EQ(o, x, y) o = (uint8_t)((x) == (y))
#define LT(o, x, y) o = (uint8_t)((x) < (y))
#define GT(o, x, y) o = (uint8_t)((x) > (y))
#define LE(o, x, y) o = (uint8_t)((x) <= (y))
#define GE(o, x, y) o = (uint8_t)((x) >= (y))

#define COMPARE(T)                                                                                 \
  switch (op) {                                                                                    \
  case GCIM_COMPARE_EQUAL:                                                                         \
    BINARY_LOOP(T, T, uint8_t, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank, EQ);       \
    return;                                                                                        \
  case GCIM_COMPARE_LESS:                                                                          \
    BINARY_LOOP(T, T, uint8_t, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank, LT);       \
    return;                                                                                        \
  case GCIM_COMPARE_GREATER:                                                                       \
    BINARY_LOOP(T, T, uint8_t, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank, GT);       \
    return;                                                                                        \
  case GCIM_COMPARE_LESS_EQUAL:                                                                    \
    BINARY_LOOP(T, T, uint8_t, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank, LE);       \
    return;                                                                                        \
  case GCIM_COMPARE_GREATER_EQUAL:                                                                 \
    BINARY_LOOP(T, T, uint8_t, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank, GE);       \
    return;                                                                                        \
  }                                                                                                \
  assert(0 && "unknown compare op")

void gcimKernelCompareF32(GcimCompareOp op, const float *a, const int64_t *aDims, int aRank,
                          const float *b, const int64_t *bDims, int bRank, uint8_t *out,
                          const int64_t *outDims, int outRank) {
  COMPARE(float);
}

void gcimKernelCompareI64(GcimCompareOp op, const int64_t *a, const int64_t *aDims, int aRank,
                          const int64_t *b, const int64_t *bDims, int bRank, uint8_t *out,
                          const int64_t *outDims, int outRank) {
  COMPARE(int64_t);
}

void gcimKernelCompareU8(GcimCompareOp op, const uint8_t *a, const int64_t *aDims, int aRank,
                         const uint8_t *b, const int64_t *bDims, int bRank, uint8_t *out,
                         const int64_t *outDims, int outRank) {
  COMPARE(uint8_t);
}

#define AND(o, x, y) o = (uint8_t)(((x) != 0) & ((y) != 0))
#define OR(o, x, y) o = (uint8_t)(((x) != 0) | ((y) != 0))
#define XOR(o, x, y) o = (uint8_t)(((x) != 0) ^ ((y) != 0))

void gcimKernelLogical(GcimLogicalOp op, const uint8_t *a, const int64_t *aDims, int aRank,
                       const uint8_t *b, const int64_t *bDims, int bRank, uint8_t *out,
                       const int64_t *outDims, int outRank) {
  switch (op) {
  case GCIM_LOGICAL_AND:
    BINARY_LOOP(uint8_t, uint8_t, uint8_t, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank,
                AND);
    return;
  case GCIM_LOGICAL_OR:
    BINARY_LOOP(uint8_t, uint8_t, uint8_t, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank,
                OR);
    return;
  case GCIM_LOGICAL_XOR:
    BINARY_LOOP(uint8_t, uint8_t, uint8_t, a, b, out, aDims, aRank, bDims, bRank, outDims, outRank,
                XOR);
    return;
  }
  assert(0 && "unknown logical op");
}

void gcimKernelNot(const uint8_t *x, uint8_t *y, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    y[i] = (uint8_t)(x[i] == 0);
}

// The generic path: elements go through gcimKernelCast to a double or an int64 and back.
static double loadDouble(const void *x, GcimElemType type, int64_t i) {
  double value;
  gcimKernelCast((const char *)x + (size_t)i * gcimElemTypeSize(type), type, &value, GCIM_ELEM_F64,
                 1);
  return value;
}

static int64_t loadInt(const void *x, GcimElemType type, int64_t i) {
  int64_t value;
  gcimKernelCast((const char *)x + (size_t)i * gcimElemTypeSize(type), type, &value, GCIM_ELEM_I64,
                 1);
  return value;
}

static double applyDouble(GcimBinaryOp op, double x, double y) {
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
    return (x < y || x != x) ? x : y;
  case GCIM_BINARY_MAX:
    return (x > y || x != x) ? x : y;
  }
  assert(0 && "unknown binary op");
  return 0;
}

static int64_t powInt(int64_t base, int64_t exponent) {
  if (exponent < 0)
    return base == 1 ? 1 : base == -1 ? (exponent % 2 ? -1 : 1) : 0;
  uint64_t result = 1, factor = (uint64_t)base; /* wraps like the other integer ops */
  for (uint64_t e = (uint64_t)exponent; e; e >>= 1, factor *= factor)
    if (e & 1)
      result *= factor;
  return (int64_t)result;
}

// uint64 operands (held in int64 bits): DIV, MIN and MAX compare unsigned.
static int64_t applyUnsigned(GcimBinaryOp op, uint64_t x, uint64_t y) {
  switch (op) {
  case GCIM_BINARY_DIV:
    return (int64_t)(y == 0 ? 0 : x / y);
  case GCIM_BINARY_MIN:
    return (int64_t)(x < y ? x : y);
  case GCIM_BINARY_MAX:
    return (int64_t)(x > y ? x : y);
  default:
    break;
  }
  assert(0 && "not an unsigned-sensitive op");
  return 0;
}

// Integer ops in uint64 (defined wrap-around), DIV and comparisons signed.
static int64_t applyInt(GcimBinaryOp op, int64_t x, int64_t y) {
  switch (op) {
  case GCIM_BINARY_ADD:
    return (int64_t)((uint64_t)x + (uint64_t)y);
  case GCIM_BINARY_SUB:
    return (int64_t)((uint64_t)x - (uint64_t)y);
  case GCIM_BINARY_MUL:
    return (int64_t)((uint64_t)x * (uint64_t)y);
  case GCIM_BINARY_DIV:
    return y == 0 || (x == INT64_MIN && y == -1) ? (y == 0 ? 0 : x) : x / y;
  case GCIM_BINARY_POW:
    return powInt(x, y);
  case GCIM_BINARY_MIN:
    return x < y ? x : y;
  case GCIM_BINARY_MAX:
    return x > y ? x : y;
  }
  assert(0 && "unknown binary op");
  return 0;
}

// A float result of pow() stored in an integer type: truncated, NaN 0, saturated to int64.
static int64_t truncateToInt(double value) {
  if (value != value)
    return 0;
  if (value >= 9223372036854775807.0)
    return INT64_MAX;
  if (value <= -9223372036854775808.0)
    return INT64_MIN;
  return (int64_t)value;
}

// One row of GENERIC_LOOP: BODY(o, ia, ib) per element.
#define GENERIC_ROW(o0, inner, ia, ib, sa, sb, BODY)                                               \
  for (int64_t i = 0; i < inner; ++i)                                                              \
  BODY((o0) + i, (ia) + i * (sa), (ib) + i * (sb))

// Runs BODY(o, ia, ib) for every output element o with its operands' element indices.
#define GENERIC_LOOP(aDims, aRank, bDims, bRank, outDims, outRank, BODY)                           \
  BROADCAST_ROWS(aDims, aRank, bDims, bRank, outDims, outRank, GENERIC_ROW, BODY)

void gcimKernelBinaryAny(GcimBinaryOp op, const void *a, GcimElemType aType, const int64_t *aDims,
                         int aRank, const void *b, GcimElemType bType, const int64_t *bDims,
                         int bRank, void *out, GcimElemType outType, const int64_t *outDims,
                         int outRank) {
  char *y = out;
  size_t size = gcimElemTypeSize(outType);
  if (gcimElemTypeIsFloat(outType)) {
#define FLOAT_BODY(o, ia, ib)                                                                      \
  do {                                                                                             \
    double r = applyDouble(op, loadDouble(a, aType, ia), loadDouble(b, bType, ib));                \
    gcimKernelCast(&r, GCIM_ELEM_F64, y + (size_t)(o)*size, outType, 1);                           \
  } while (0)
    GENERIC_LOOP(aDims, aRank, bDims, bRank, outDims, outRank, FLOAT_BODY);
  } else if (gcimElemTypeIsFloat(bType)) { /* an integer base to a float exponent */
#define MIXED_BODY(o, ia, ib)                                                                      \
  do {                                                                                             \
    int64_t r =                                                                                    \
        truncateToInt(applyDouble(op, loadDouble(a, aType, ia), loadDouble(b, bType, ib)));        \
    gcimKernelCast(&r, GCIM_ELEM_I64, y + (size_t)(o)*size, outType, 1);                           \
  } while (0)
    GENERIC_LOOP(aDims, aRank, bDims, bRank, outDims, outRank, MIXED_BODY);
  } else if (outType == GCIM_ELEM_U64 && op != GCIM_BINARY_ADD && op != GCIM_BINARY_SUB &&
             op != GCIM_BINARY_MUL && op != GCIM_BINARY_POW) {
#define UNSIGNED_BODY(o, ia, ib)                                                                   \
  do {                                                                                             \
    int64_t r =                                                                                    \
        applyUnsigned(op, (uint64_t)loadInt(a, aType, ia), (uint64_t)loadInt(b, bType, ib));       \
    memcpy(y + (size_t)(o)*size, &r, sizeof r);                                                    \
  } while (0)
    GENERIC_LOOP(aDims, aRank, bDims, bRank, outDims, outRank, UNSIGNED_BODY);
  } else {
#define INT_BODY(o, ia, ib)                                                                        \
  do {                                                                                             \
    int64_t r = applyInt(op, loadInt(a, aType, ia), loadInt(b, bType, ib));                        \
    gcimKernelCast(&r, GCIM_ELEM_I64, y + (size_t)(o)*size, outType, 1);                           \
  } while (0)
    GENERIC_LOOP(aDims, aRank, bDims, bRank, outDims, outRank, INT_BODY);
  }
}

static int compareDouble(GcimCompareOp op, double x, double y) {
  switch (op) {
  case GCIM_COMPARE_EQUAL:
    return x == y;
  case GCIM_COMPARE_LESS:
    return x < y;
  case GCIM_COMPARE_GREATER:
    return x > y;
  case GCIM_COMPARE_LESS_EQUAL:
    return x <= y;
  case GCIM_COMPARE_GREATER_EQUAL:
    return x >= y;
  }
  assert(0 && "unknown compare op");
  return 0;
}

static int compareInt(GcimCompareOp op, int64_t x, int64_t y) {
  return compareDouble(op, (double)(x > y) - (double)(x < y), 0.0);
}

static int compareUnsigned(GcimCompareOp op, uint64_t x, uint64_t y) {
  return compareDouble(op, (double)(x > y) - (double)(x < y), 0.0);
}

void gcimKernelCompareAny(GcimCompareOp op, GcimElemType type, const void *a, const int64_t *aDims,
                          int aRank, const void *b, const int64_t *bDims, int bRank, uint8_t *out,
                          const int64_t *outDims, int outRank) {
  if (gcimElemTypeIsFloat(type)) {
#define CMP_FLOAT(o, ia, ib)                                                                       \
  out[o] = (uint8_t)compareDouble(op, loadDouble(a, type, ia), loadDouble(b, type, ib))
    GENERIC_LOOP(aDims, aRank, bDims, bRank, outDims, outRank, CMP_FLOAT);
  } else if (type == GCIM_ELEM_U64) {
#define CMP_UNSIGNED(o, ia, ib)                                                                    \
  out[o] =                                                                                         \
      (uint8_t)compareUnsigned(op, (uint64_t)loadInt(a, type, ia), (uint64_t)loadInt(b, type, ib))
    GENERIC_LOOP(aDims, aRank, bDims, bRank, outDims, outRank, CMP_UNSIGNED);
  } else {
#define CMP_INT(o, ia, ib)                                                                         \
  out[o] = (uint8_t)compareInt(op, loadInt(a, type, ia), loadInt(b, type, ib))
    GENERIC_LOOP(aDims, aRank, bDims, bRank, outDims, outRank, CMP_INT);
  }
}

void gcimKernelClipAny(GcimElemType type, const void *x, const void *lo, const void *hi, void *y,
                       int64_t count) {
  size_t size = gcimElemTypeSize(type);
  char *out = y;
  for (int64_t i = 0; i < count; ++i) {
    if (gcimElemTypeIsFloat(type)) {
      double v = loadDouble(x, type, i);
      if (lo && v < loadDouble(lo, type, 0))
        v = loadDouble(lo, type, 0);
      if (hi && v > loadDouble(hi, type, 0))
        v = loadDouble(hi, type, 0);
      gcimKernelCast(&v, GCIM_ELEM_F64, out + (size_t)i * size, type, 1);
    } else if (type == GCIM_ELEM_U64) {
      uint64_t v = ((const uint64_t *)x)[i];
      if (lo && v < *(const uint64_t *)lo)
        v = *(const uint64_t *)lo;
      if (hi && v > *(const uint64_t *)hi)
        v = *(const uint64_t *)hi;
      ((uint64_t *)y)[i] = v;
    } else {
      int64_t v = loadInt(x, type, i);
      if (lo && v < loadInt(lo, type, 0))
        v = loadInt(lo, type, 0);
      if (hi && v > loadInt(hi, type, 0))
        v = loadInt(hi, type, 0);
      gcimKernelCast(&v, GCIM_ELEM_I64, out + (size_t)i * size, type, 1);
    }
  }
}
