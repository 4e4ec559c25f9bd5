/* KernelsCast.c: ONNX Cast between float32/64, int64/32/16/8, uint64/32/16/8, bool,
 * float16 and bfloat16, through a double (exact for every source type but 64-bit integers
 * beyond 2^53, which go through an integer path or straight to float32). Every conversion
 * to a float type rounds once (to nearest even); the generated program's .npy reader
 * (lib/Support/Npy.c) converts with it too. */
/* No contraction of a * b + c into fused multiply-adds: GCC never contracts in the ISO C
 * mode the generated Makefile uses, and clang would where the target has FMAs, so the
 * same source would round differently per compiler (docs/GeneratedC.md, reproducibility). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "gcim/Runtime/Kernels/Data.h"

#include "gcim/Runtime/Bf16.h"

#include <assert.h>
#include <math.h>
#include <string.h>

static float halfToFloat(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0) // zero or subnormal: mantissa * 2^-24
    return (sign ? -1.0f : 1.0f) * ldexpf((float)mantissa, -24);
  uint32_t bits = exponent == 0x1f ? sign | 0x7f800000u | (mantissa << 13)
                                   : sign | ((exponent + 112) << 23) | (mantissa << 13);
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Rounds `value` >> `shift` to nearest even (shift 1 to 63). */
static uint64_t shiftRoundEven(uint64_t value, unsigned shift) {
  uint64_t kept = value >> shift, rest = value & ((UINT64_C(1) << shift) - 1);
  uint64_t half = UINT64_C(1) << (shift - 1);
  return kept + (rest > half || (rest == half && (kept & 1)));
}

// Double to IEEE binary16 with a single rounding to nearest even (through a float, a
// double could round twice).
static uint16_t doubleToHalf(double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  uint16_t sign = (uint16_t)(bits >> 48 & 0x8000);
  int exponent = (int)(bits >> 52 & 0x7FF);
  uint64_t mantissa = bits & ((UINT64_C(1) << 52) - 1);
  if (exponent == 0x7FF)
    return (uint16_t)(sign | (mantissa ? 0x7E00 : 0x7C00));
  int e = exponent - 1023;
  if (exponent == 0 || e < -25) // below half the smallest subnormal: +-0
    return sign;
  if (e > 15)
    return (uint16_t)(sign | 0x7C00);
  if (e < -14) // subnormal: the significand in units of 2^-24
    return (uint16_t)(sign | shiftRoundEven(mantissa | UINT64_C(1) << 52, (unsigned)(28 - e)));
  uint64_t rounded = shiftRoundEven(mantissa, 42); // may carry into the exponent
  uint64_t half = ((uint64_t)(e + 15) << 10) + rounded;
  return (uint16_t)(sign | (half >= 0x7C00 ? 0x7C00 : half));
}

// Element i of x as a double (int64 values beyond 2^53 round; the integer path avoids it).
static double load(const void *x, GcimElemType type, int64_t i) {
  switch (type) {
  case GCIM_ELEM_F32:
    return ((const float *)x)[i];
  case GCIM_ELEM_F64:
    return ((const double *)x)[i];
  case GCIM_ELEM_I64:
    return (double)((const int64_t *)x)[i];
  case GCIM_ELEM_I32:
    return ((const int32_t *)x)[i];
  case GCIM_ELEM_I16:
    return ((const int16_t *)x)[i];
  case GCIM_ELEM_I8:
    return ((const int8_t *)x)[i];
  case GCIM_ELEM_U8:
    return ((const uint8_t *)x)[i];
  case GCIM_ELEM_BOOL:
    return ((const uint8_t *)x)[i] != 0;
  case GCIM_ELEM_F16:
    return halfToFloat(((const uint16_t *)x)[i]);
  case GCIM_ELEM_BF16:
    return gcimBf16ToFloat(((const uint16_t *)x)[i]);
  case GCIM_ELEM_U16:
    return ((const uint16_t *)x)[i];
  case GCIM_ELEM_U32:
    return ((const uint32_t *)x)[i];
  case GCIM_ELEM_U64:
    return (double)((const uint64_t *)x)[i];
  }
  assert(0 && "unknown element type");
  return 0.0;
}

// v truncated toward zero and saturated to [lo, hi]; NaN gives 0.
static int64_t toInteger(double v, double lo, double hi) {
  if (v != v)
    return 0;
  v = trunc(v);
  if (v <= lo)
    return (int64_t)lo;
  // 2^63 is not an int64: compare against hi as a double and saturate.
  if (v >= hi)
    return hi >= 9.2e18 ? INT64_MAX : (int64_t)hi;
  return (int64_t)v;
}

static void store(void *y, GcimElemType type, int64_t i, double v) {
  switch (type) {
  case GCIM_ELEM_F32:
    ((float *)y)[i] = (float)v;
    return;
  case GCIM_ELEM_F64:
    ((double *)y)[i] = v;
    return;
  case GCIM_ELEM_I64:
    ((int64_t *)y)[i] = toInteger(v, -9223372036854775808.0, 9223372036854775808.0);
    return;
  case GCIM_ELEM_I32:
    ((int32_t *)y)[i] = (int32_t)toInteger(v, INT32_MIN, INT32_MAX);
    return;
  case GCIM_ELEM_I16:
    ((int16_t *)y)[i] = (int16_t)toInteger(v, INT16_MIN, INT16_MAX);
    return;
  case GCIM_ELEM_I8:
    ((int8_t *)y)[i] = (int8_t)toInteger(v, INT8_MIN, INT8_MAX);
    return;
  case GCIM_ELEM_U8:
    ((uint8_t *)y)[i] = (uint8_t)toInteger(v, 0, UINT8_MAX);
    return;
  case GCIM_ELEM_BOOL:
    ((uint8_t *)y)[i] = (uint8_t)(v != 0.0);
    return;
  case GCIM_ELEM_F16:
    ((uint16_t *)y)[i] = doubleToHalf(v);
    return;
  case GCIM_ELEM_BF16:
    ((uint16_t *)y)[i] = gcimBf16FromFloat((float)v);
    return;
  case GCIM_ELEM_U16:
    ((uint16_t *)y)[i] = (uint16_t)toInteger(v, 0, UINT16_MAX);
    return;
  case GCIM_ELEM_U32:
    ((uint32_t *)y)[i] = (uint32_t)toInteger(v, 0, UINT32_MAX);
    return;
  case GCIM_ELEM_U64: /* truncated, NaN 0, saturated to [0, 2^64 - 1] */
    ((uint64_t *)y)[i] = v != v || v <= 0.0            ? 0
                         : v >= 18446744073709551616.0 ? UINT64_MAX
                                                       : (uint64_t)v;
    return;
  }
  assert(0 && "unknown element type");
}

// Element i of an integer tensor (not bool) as an int64.
static int64_t loadInteger(const void *x, GcimElemType type, int64_t i) {
  switch (type) {
  case GCIM_ELEM_I64:
    return ((const int64_t *)x)[i];
  case GCIM_ELEM_I32:
    return ((const int32_t *)x)[i];
  case GCIM_ELEM_I16:
    return ((const int16_t *)x)[i];
  case GCIM_ELEM_I8:
    return ((const int8_t *)x)[i];
  case GCIM_ELEM_U16:
    return ((const uint16_t *)x)[i];
  case GCIM_ELEM_U32:
    return ((const uint32_t *)x)[i];
  case GCIM_ELEM_U64: /* its bits: integer casts keep the low bits */
    return (int64_t)((const uint64_t *)x)[i];
  default:
    return ((const uint8_t *)x)[i];
  }
}

// Stores the low bits of v (two's complement wrap-around, as a C++ static_cast).
static void storeInteger(void *y, GcimElemType type, int64_t i, int64_t v) {
  uint64_t u = (uint64_t)v;
  switch (type) {
  case GCIM_ELEM_I64:
    ((int64_t *)y)[i] = v;
    return;
  case GCIM_ELEM_I32:
    ((int32_t *)y)[i] = (int32_t)(uint32_t)u;
    return;
  case GCIM_ELEM_I16:
    ((int16_t *)y)[i] = (int16_t)(uint16_t)u;
    return;
  case GCIM_ELEM_I8:
    ((int8_t *)y)[i] = (int8_t)(uint8_t)u;
    return;
  case GCIM_ELEM_U16:
    ((uint16_t *)y)[i] = (uint16_t)u;
    return;
  case GCIM_ELEM_U32:
    ((uint32_t *)y)[i] = (uint32_t)u;
    return;
  case GCIM_ELEM_U64:
    ((uint64_t *)y)[i] = u;
    return;
  default:
    ((uint8_t *)y)[i] = (uint8_t)u;
    return;
  }
}

void gcimKernelCast(const void *x, GcimElemType from, void *y, GcimElemType to, int64_t count) {
  if (from == to) {
    gcimKernelCopy(x, y, count, gcimElemTypeSize(from));
    if (from == GCIM_ELEM_BOOL)
      for (int64_t i = 0; i < count; ++i)
        ((uint8_t *)y)[i] = ((uint8_t *)y)[i] != 0;
    return;
  }
  if (!gcimElemTypeIsFloat(from) && from != GCIM_ELEM_BOOL && !gcimElemTypeIsFloat(to) &&
      to != GCIM_ELEM_BOOL) {
    for (int64_t i = 0; i < count; ++i)
      storeInteger(y, to, i, loadInteger(x, from, i));
    return;
  }
  if ((from == GCIM_ELEM_I64 || from == GCIM_ELEM_U64) && to == GCIM_ELEM_BOOL) {
    for (int64_t i = 0; i < count; ++i)
      ((uint8_t *)y)[i] = ((const int64_t *)x)[i] != 0;
    return;
  }
  // One rounding: through a double, 64-bit integers beyond 2^53 would round twice.
  if (from == GCIM_ELEM_I64 && to == GCIM_ELEM_F32) {
    for (int64_t i = 0; i < count; ++i)
      ((float *)y)[i] = (float)((const int64_t *)x)[i];
    return;
  }
  if (from == GCIM_ELEM_U64 && to == GCIM_ELEM_F32) {
    for (int64_t i = 0; i < count; ++i)
      ((float *)y)[i] = (float)((const uint64_t *)x)[i];
    return;
  }
  for (int64_t i = 0; i < count; ++i)
    store(y, to, i, load(x, from, i));
}
