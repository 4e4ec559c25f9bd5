/* KernelsDataTest.c: the type-generic data-movement kernels and Cast against naive index
 * arithmetic done here. */
#include "GcimTest.h"

#include "gcim/Runtime/Bf16.h"
#include "gcim/Runtime/Kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

// A tensor whose element i is i (as float), to follow where elements go.
static float *iota(int64_t n) {
  float *x = malloc(sizeof(float) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; ++i)
    x[i] = (float)i;
  return x;
}

// Row-major multi-index of element o of shape (dims, rank) into idx.
static void unravel(int64_t o, const int64_t *dims, int rank, int64_t *idx) {
  for (int d = rank - 1; d >= 0; --d) {
    idx[d] = o % dims[d];
    o /= dims[d];
  }
}

static int64_t ravel(const int64_t *idx, const int64_t *dims, int rank) {
  int64_t o = 0;
  for (int d = 0; d < rank; ++d)
    o = o * dims[d] + idx[d];
  return o;
}

static void test_transpose(void) {
  static const int64_t dims[4] = {2, 3, 7, 5};
  static const int64_t perms[][4] = {
      {0, 2, 1, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}, {0, 1, 2, 3}, {2, 0, 3, 1}};
  float *x = iota(210), y[210];
  for (size_t p = 0; p < sizeof perms / sizeof perms[0]; ++p) {
    int64_t yDims[4], idx[4], src[4];
    for (int d = 0; d < 4; ++d)
      yDims[d] = dims[perms[p][d]];
    gcimKernelTranspose(x, dims, 4, perms[p], y, sizeof(float));
    int bad = 0;
    for (int64_t o = 0; o < 210; ++o) {
      unravel(o, yDims, 4, idx);
      for (int d = 0; d < 4; ++d)
        src[perms[p][d]] = idx[d];
      if (y[o] != x[ravel(src, dims, 4)] && !bad++)
        EXPECT_NEAR(y[o], x[ravel(src, dims, 4)], 0);
    }
  }
  // NULL perm reverses; 8-byte elements; a unit axis.
  int64_t d2[3] = {3, 1, 4}, l[12], ly[12];
  for (int i = 0; i < 12; ++i)
    l[i] = 1000 + i;
  gcimKernelTranspose(l, d2, 3, NULL, ly, sizeof(int64_t));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      EXPECT_EQ_INT(ly[j * 3 + i], l[i * 4 + j]);
  free(x);
}

static void test_concat_and_split(void) {
  // Concat of (2, 1, 3), (2, 0, 3), (2, 4, 3) on axis -2 -> (2, 5, 3); split back.
  float *a = iota(6), *c = iota(24), y[30], b = 0;
  for (int i = 0; i < 24; ++i)
    c[i] += 100;
  const void *inputs[3] = {a, &b, c};
  int64_t sizes[3] = {1, 0, 4}, outDims[3] = {2, 5, 3};
  gcimKernelConcat(inputs, sizes, 3, outDims, 3, -2, y, sizeof(float));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 5; ++j)
      for (int k = 0; k < 3; ++k) {
        float e = j == 0 ? a[i * 3 + k] : c[(i * 4 + j - 1) * 3 + k];
        EXPECT_NEAR(y[(i * 5 + j) * 3 + k], e, 0);
      }
  float s0[6], s1[1], s2[24];
  void *outs[3] = {s0, s1, s2};
  gcimKernelSplit(y, outDims, 3, 1, sizes, 3, outs, sizeof(float));
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(s0[i], a[i], 0);
  for (int i = 0; i < 24; ++i)
    EXPECT_NEAR(s2[i], c[i], 0);
  // Axis 0 and the last axis, bytes.
  uint8_t u[4] = {1, 2, 3, 4}, v[2] = {5, 6}, w[6];
  const void *uv[2] = {u, v};
  int64_t lastSizes[2] = {2, 1}, lastDims[2] = {2, 3};
  gcimKernelConcat(uv, lastSizes, 2, lastDims, 2, 1, w, 1);
  EXPECT_TRUE(w[0] == 1 && w[1] == 2 && w[2] == 5 && w[3] == 3 && w[4] == 4 && w[5] == 6);
  free(a);
  free(c);
}

static void test_slice(void) {
  int64_t dims[3] = {7, 5, 9};
  float *x = iota(315), y[315];
  // starts, ends, axes, steps: negative, clamped, reversed, open-ended.
  static const int64_t cases[][4][3] = {
      {{1, 0, 2}, {6, 5, 9}, {0, 1, 2}, {2, 1, 3}},
      {{-1, 0, 0}, {INT64_MIN, 5, 9}, {0, 1, 2}, {-1, 1, -4}},
      {{-2, 100, -1}, {1000, -100, -10}, {-1, -2, 0}, {1, -2, -3}},
      {{2, 3, 0}, {2, 1, 9}, {0, 1, 2}, {1, 1, 1}}, /* empty */
      {{0, 0, 8}, {7, 5, INT64_MAX}, {0, 1, 2}, {1, 1, 1}},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; ++t) {
    const int64_t *starts = cases[t][0], *ends = cases[t][1], *axes = cases[t][2];
    const int64_t *steps = cases[t][3];
    int64_t outDims[3], first[3] = {0, 0, 0}, step[3] = {1, 1, 1}, count[3];
    gcimKernelSliceShape(dims, 3, starts, ends, axes, steps, 3, outDims);
    for (int d = 0; d < 3; ++d)
      count[d] = dims[d];
    // Reference: ONNX's rules, written out per axis in double-checked form.
    for (int i = 0; i < 3; ++i) {
      int ax = (int)(axes[i] < 0 ? axes[i] + 3 : axes[i]);
      int64_t n = dims[ax], s = starts[i], e = ends[i], st = steps[i];
      s = s < 0 ? s + n : s;
      e = e < 0 ? (e == INT64_MIN ? -1 : e + n) : e;
      if (st > 0) {
        s = s < 0 ? 0 : (s > n ? n : s);
        e = e < 0 ? 0 : (e > n ? n : e);
      } else {
        s = s < 0 ? 0 : (s > n - 1 ? n - 1 : s);
        e = e < -1 ? -1 : (e > n - 1 ? n - 1 : e);
      }
      int64_t c = 0;
      for (int64_t v = s; st > 0 ? v < e : v > e; v += st)
        ++c;
      first[ax] = s;
      step[ax] = st;
      count[ax] = c;
    }
    for (int d = 0; d < 3; ++d)
      EXPECT_EQ_INT(outDims[d], count[d]);
    gcimKernelSlice(x, dims, 3, starts, ends, axes, steps, 3, y, sizeof(float));
    int64_t total = count[0] * count[1] * count[2], idx[3];
    for (int64_t o = 0; o < total; ++o) {
      unravel(o, count, 3, idx);
      for (int d = 0; d < 3; ++d)
        idx[d] = first[d] + idx[d] * step[d];
      EXPECT_NEAR(y[o], x[ravel(idx, dims, 3)], 0);
    }
  }
  // axes and steps NULL: a prefix of the axes with step 1.
  int64_t s1[1] = {-3}, e1[1] = {INT64_MAX}, od[3];
  gcimKernelSliceShape(dims, 3, s1, e1, NULL, NULL, 1, od);
  EXPECT_TRUE(od[0] == 3 && od[1] == 5 && od[2] == 9);
  gcimKernelSlice(x, dims, 3, s1, e1, NULL, NULL, 1, y, sizeof(float));
  EXPECT_NEAR(y[0], 4 * 45, 0);
  EXPECT_NEAR(y[134], 314, 0);
  free(x);
}

/* Runtime Slice arguments: accepted when they give the compiled shape, refused otherwise;
 * an int64-extreme step is one element, not an overflow. */
static void test_slice_check(void) {
  int64_t dims[3] = {6, 5, 9};
  int64_t starts[2] = {1, 0}, ends[2] = {INT64_MAX, -1}, axes[2] = {0, -1};
  int64_t steps[2] = {2, 3}, good[3] = {3, 5, 3}, bad[3] = {3, 5, 4};
  EXPECT_EQ_INT(gcimKernelSliceCheck(dims, 3, starts, ends, axes, steps, 2, good), 0);
  EXPECT_EQ_INT(gcimKernelSliceCheck(dims, 3, starts, ends, axes, steps, 2, bad), -1);
  int64_t outside[2] = {0, 3}, twice[2] = {2, -1}, zero[2] = {1, 0};
  EXPECT_EQ_INT(gcimKernelSliceCheck(dims, 3, starts, ends, outside, steps, 2, good), -1);
  EXPECT_EQ_INT(gcimKernelSliceCheck(dims, 3, starts, ends, twice, steps, 2, good), -1);
  EXPECT_EQ_INT(gcimKernelSliceCheck(dims, 3, starts, ends, axes, zero, 2, good), -1);
  int64_t huge[2] = {INT64_MAX, INT64_MIN}, one[3] = {1, 5, 1};
  int64_t from[2] = {0, INT64_MAX}, to[2] = {INT64_MAX, INT64_MIN};
  EXPECT_EQ_INT(gcimKernelSliceCheck(dims, 3, from, to, axes, huge, 2, one), 0);
  float *x = malloc(270 * sizeof *x), y[5];
  for (int i = 0; i < 270; ++i)
    x[i] = (float)i;
  gcimKernelSlice(x, dims, 3, from, to, axes, huge, 2, y, sizeof(float));
  EXPECT_NEAR(y[0], 8, 0);  /* x[0, 0, 8] */
  EXPECT_NEAR(y[4], 44, 0); /* x[0, 4, 8] */
  free(x);
}

static void test_gather(void) {
  int64_t dims[3] = {3, 4, 5};
  float *x = iota(60), y[60];
  int64_t idx[3] = {-1, 0, 2};
  EXPECT_EQ_INT(gcimKernelGather(x, dims, 3, 1, idx, 3, y, sizeof(float)), 0);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 5; ++k) {
        int64_t src = idx[j] < 0 ? idx[j] + 4 : idx[j];
        EXPECT_NEAR(y[(i * 3 + j) * 5 + k], x[(i * 4 + src) * 5 + k], 0);
      }
  // Embedding lookup: axis 0 (negative axis -3), int64 data.
  int64_t table[6] = {10, 11, 20, 21, 30, 31}, tDims[2] = {3, 2}, rows[2] = {2, -3}, out[4];
  EXPECT_EQ_INT(gcimKernelGather(table, tDims, 2, -2, rows, 2, out, sizeof(int64_t)), 0);
  EXPECT_TRUE(out[0] == 30 && out[1] == 31 && out[2] == 10 && out[3] == 11);
  // Out of range: reported, its slice zeroed, the others still gathered.
  int64_t badRows[2] = {3, 1};
  EXPECT_EQ_INT(gcimKernelGather(table, tDims, 2, 0, badRows, 2, out, sizeof(int64_t)), -1);
  EXPECT_TRUE(out[0] == 0 && out[1] == 0 && out[2] == 20 && out[3] == 21);
  int64_t tooNegative = -4;
  EXPECT_EQ_INT(gcimKernelGather(table, tDims, 2, 0, &tooNegative, 1, out, 8), -1);
  free(x);
}

static void test_expand_where_trilu(void) {
  // Expand (3, 1) to (2, 3, 4).
  float col[3] = {1, 2, 3}, y[24];
  int64_t cDims[2] = {3, 1}, yDims[3] = {2, 3, 4};
  gcimKernelExpand(col, cDims, 2, y, yDims, 3, sizeof(float));
  for (int i = 0; i < 24; ++i)
    EXPECT_NEAR(y[i], col[(i / 4) % 3], 0);
  // Where with a (1, 4) condition, a (2, 3, 4) a and a scalar b.
  uint8_t cond[4] = {1, 0, 0, 1};
  int64_t condDims[2] = {1, 4};
  float *a = iota(30), b = -1, w[24];
  gcimKernelWhere(cond, condDims, 2, a, yDims, 3, &b, NULL, 0, w, yDims, 3, sizeof(float));
  for (int i = 0; i < 24; ++i)
    EXPECT_NEAR(w[i], cond[i % 4] ? a[i] : -1, 0);
  // In place into a, int64.
  int64_t ia[4] = {1, 2, 3, 4}, ib[4] = {-1, -2, -3, -4}, iDims[1] = {4};
  gcimKernelWhere(cond, iDims, 1, ia, iDims, 1, ib, iDims, 1, ia, iDims, 1, 8);
  EXPECT_TRUE(ia[0] == 1 && ia[1] == -2 && ia[2] == -3 && ia[3] == 4);
  // Trilu on (2, 3, 5), upper and lower, k in -1..2, and in place.
  int64_t tDims[3] = {2, 3, 5};
  float t[30];
  for (int upper = 0; upper <= 1; ++upper)
    for (int64_t k = -4; k <= 6; ++k) {
      gcimKernelTrilu(a, tDims, 3, k, upper, t, sizeof(float));
      for (int m = 0; m < 2; ++m)
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 5; ++j) {
            int keep = upper ? j - i >= k : j - i <= k;
            EXPECT_NEAR(t[(m * 3 + i) * 5 + j], keep ? a[(m * 3 + i) * 5 + j] : 0, 0);
          }
      gcimKernelTrilu(t, tDims, 3, k, upper, t, sizeof(float));
    }
  // A runtime k at the int64 extremes: upper keeps nothing / everything, lower the reverse.
  gcimKernelTrilu(a, tDims, 3, INT64_MAX, 1, t, sizeof(float));
  EXPECT_NEAR(t[4], 0, 0);
  gcimKernelTrilu(a, tDims, 3, INT64_MIN, 1, t, sizeof(float));
  EXPECT_NEAR(t[29], a[29], 0);
  EXPECT_NEAR(t[10], a[10], 0);
  gcimKernelTrilu(a, tDims, 3, INT64_MIN, 0, t, sizeof(float));
  EXPECT_NEAR(t[0], 0, 0);
  EXPECT_NEAR(t[14], 0, 0);
  free(a);
}

static void test_range_fill_copy(void) {
  EXPECT_EQ_INT(gcimKernelRangeCount(0, 10, 3), 4);
  EXPECT_EQ_INT(gcimKernelRangeCount(10, 4, -2), 3);
  EXPECT_EQ_INT(gcimKernelRangeCount(5, 5, 1), 0);
  EXPECT_EQ_INT(gcimKernelRangeCount(5, 1, 1), 0);
  // The run-time length checks: exact for int64 bounds whose difference overflows int64.
  EXPECT_EQ_INT(gcimKernelRangeCheckF64(0, 2, 0.5, 4), 0);
  EXPECT_EQ_INT(gcimKernelRangeCheckF64(0, 2.5, 0.5, 4), -1);
  EXPECT_EQ_INT(gcimKernelRangeCheckF64(0, NAN, 0.5, 0), -1);
  EXPECT_EQ_INT(gcimKernelRangeCheckF64(0, 2, 0, 0), -1);
  EXPECT_EQ_INT(gcimKernelRangeCheckF64(5, 1, 1, 0), 0);
  EXPECT_EQ_INT(gcimKernelRangeCheckI64(0, 10, 3, 4), 0);
  EXPECT_EQ_INT(gcimKernelRangeCheckI64(10, 4, -2, 3), 0);
  EXPECT_EQ_INT(gcimKernelRangeCheckI64(10, 4, -2, 4), -1);
  EXPECT_EQ_INT(gcimKernelRangeCheckI64(5, 1, 1, 0), 0);
  EXPECT_EQ_INT(gcimKernelRangeCheckI64(5, 1, 1, 1), -1);
  EXPECT_EQ_INT(gcimKernelRangeCheckI64(0, 4, 0, 0), -1);
  EXPECT_EQ_INT(gcimKernelRangeCheckI64(INT64_MIN, INT64_MAX, INT64_MAX, 3), 0);
  EXPECT_EQ_INT(gcimKernelRangeCheckI64(INT64_MAX, INT64_MIN, -1, 0), -1);
  float r[4];
  gcimKernelRangeF32(0.5f, 0.25f, r, 4);
  EXPECT_NEAR(r[3], 1.25, 0);
  int64_t ri[3];
  gcimKernelRangeI64(10, -2, ri, 3);
  EXPECT_TRUE(ri[0] == 10 && ri[1] == 8 && ri[2] == 6);
  int64_t fill[5], value = -7;
  gcimKernelFill(&value, fill, 5, sizeof value);
  EXPECT_TRUE(fill[0] == -7 && fill[4] == -7);
  // Overlapping copy (memmove semantics) and a zero count.
  gcimKernelCopy(fill, fill + 1, 3, sizeof(int64_t));
  gcimKernelCopy(NULL, NULL, 0, 4);
  EXPECT_EQ_INT(fill[4], -7);
}

static void test_cast(void) {
  float f[8] = {1.7f, -1.7f, 0.0f, 3e9f, -3e9f, NAN, 255.9f, 0.5f};
  int64_t i64[8];
  int32_t i32[8];
  uint8_t b[8];
  gcimKernelCast(f, GCIM_ELEM_F32, i64, GCIM_ELEM_I64, 8);
  EXPECT_TRUE(i64[0] == 1 && i64[1] == -1 && i64[2] == 0 && i64[3] == 3000000000LL);
  EXPECT_TRUE(i64[5] == 0 && i64[6] == 255);
  gcimKernelCast(f, GCIM_ELEM_F32, i32, GCIM_ELEM_I32, 8);
  EXPECT_TRUE(i32[3] == INT32_MAX && i32[4] == INT32_MIN && i32[5] == 0);
  gcimKernelCast(f, GCIM_ELEM_F32, b, GCIM_ELEM_BOOL, 8);
  EXPECT_TRUE(b[0] == 1 && b[2] == 0 && b[5] == 1 && b[7] == 1);
  // uint16 and uint32: float saturates at [0, max]; integers keep the low bits.
  uint16_t u16[8];
  uint32_t u32[8];
  gcimKernelCast(f, GCIM_ELEM_F32, u16, GCIM_ELEM_U16, 8);
  EXPECT_TRUE(u16[0] == 1 && u16[1] == 0 && u16[3] == UINT16_MAX && u16[6] == 255);
  gcimKernelCast(f, GCIM_ELEM_F32, u32, GCIM_ELEM_U32, 8);
  EXPECT_TRUE(u32[3] == 3000000000u && u32[4] == 0 && u32[5] == 0);
  gcimKernelCast(u32, GCIM_ELEM_U32, i64, GCIM_ELEM_I64, 8);
  EXPECT_TRUE(i64[3] == 3000000000LL);
  int64_t minus[1] = {-1};
  gcimKernelCast(minus, GCIM_ELEM_I64, u16, GCIM_ELEM_U16, 1);
  EXPECT_EQ_INT(u16[0], 65535);
  gcimKernelCast(u32, GCIM_ELEM_U32, u16, GCIM_ELEM_U16, 8); /* 3e9 keeps its low 16 bits */
  EXPECT_EQ_INT(u16[3], 3000000000u & 0xFFFF);
  double d3[1];
  gcimKernelCast(u32 + 3, GCIM_ELEM_U32, d3, GCIM_ELEM_F64, 1);
  EXPECT_NEAR(d3[0], 3e9, 0);
  // uint64: from float saturates at 0 and 2^64 - 1; to float and from int64 as unsigned.
  double big64[3] = {-5, 1e30, 1e19};
  uint64_t u64[3];
  gcimKernelCast(big64, GCIM_ELEM_F64, u64, GCIM_ELEM_U64, 3);
  EXPECT_TRUE(u64[0] == 0 && u64[1] == UINT64_MAX && u64[2] == 10000000000000000000u);
  gcimKernelCast(u64, GCIM_ELEM_U64, big64, GCIM_ELEM_F64, 3);
  EXPECT_NEAR(big64[1], 18446744073709551616.0, 0);
  gcimKernelCast(minus, GCIM_ELEM_I64, u64, GCIM_ELEM_U64, 1);
  EXPECT_TRUE(u64[0] == UINT64_MAX);
  // int64 -> int32 wraps, int64 -> bool, bool -> float, int -> float exactly.
  int64_t big[3] = {((int64_t)1 << 32) + 5, -1, 0};
  gcimKernelCast(big, GCIM_ELEM_I64, i32, GCIM_ELEM_I32, 3);
  EXPECT_TRUE(i32[0] == 5 && i32[1] == -1);
  gcimKernelCast(big, GCIM_ELEM_I64, b, GCIM_ELEM_BOOL, 3);
  EXPECT_TRUE(b[0] == 1 && b[1] == 1 && b[2] == 0);
  float back[3];
  gcimKernelCast(b, GCIM_ELEM_BOOL, back, GCIM_ELEM_F32, 3);
  EXPECT_TRUE(back[0] == 1.0f && back[2] == 0.0f);
  int32_t small[2] = {-3, 16777217};
  gcimKernelCast(small, GCIM_ELEM_I32, back, GCIM_ELEM_F32, 2);
  EXPECT_TRUE(back[0] == -3.0f && back[1] == 16777216.0f);
  double dd[1];
  gcimKernelCast(small, GCIM_ELEM_I32, dd, GCIM_ELEM_F64, 1);
  EXPECT_NEAR(dd[0], -3, 0);
  gcimKernelCast(i32, GCIM_ELEM_I32, i64, GCIM_ELEM_I64, 2);
  EXPECT_TRUE(i64[0] == 5 && i64[1] == -1);
  // 64-bit integers and doubles round once to float32 and float16 (through a double, or a
  // float, these would be ties rounding down).
  int64_t wide[1] = {((int64_t)1 << 54) + ((int64_t)1 << 30) + 1};
  uint64_t uwide[1] = {((uint64_t)1 << 54) + ((uint64_t)1 << 30) + 1};
  gcimKernelCast(wide, GCIM_ELEM_I64, back, GCIM_ELEM_F32, 1);
  gcimKernelCast(uwide, GCIM_ELEM_U64, back + 1, GCIM_ELEM_F32, 1);
  EXPECT_TRUE(back[0] == 18014400656965632.0f && back[1] == 18014400656965632.0f);
  double nearTie[1] = {1.0 + 1.0 / 2048 + 1.0 / 1099511627776.0};
  uint16_t halfBits[1];
  gcimKernelCast(nearTie, GCIM_ELEM_F64, halfBits, GCIM_ELEM_F16, 1);
  EXPECT_EQ_INT(halfBits[0], 0x3c01);
  // float16 and bfloat16: exact values, rounding to nearest even, subnormals, inf, NaN.
  float h[7] = {1.0f, -2.5f, 65504.0f, 1e6f, 5.9604645e-08f, 1.0009766f, NAN};
  uint16_t hb[7];
  gcimKernelCast(h, GCIM_ELEM_F32, hb, GCIM_ELEM_F16, 7);
  EXPECT_EQ_INT(hb[0], 0x3c00);
  EXPECT_EQ_INT(hb[1], 0xc100);
  EXPECT_EQ_INT(hb[2], 0x7bff);
  EXPECT_EQ_INT(hb[3], 0x7c00);
  EXPECT_EQ_INT(hb[4], 0x0001);
  EXPECT_EQ_INT(hb[5], 0x3c01);
  EXPECT_TRUE((hb[6] & 0x7c00) == 0x7c00 && (hb[6] & 0x3ff) != 0);
  float hf[7];
  gcimKernelCast(hb, GCIM_ELEM_F16, hf, GCIM_ELEM_F32, 7);
  EXPECT_TRUE(hf[0] == 1.0f && hf[1] == -2.5f && hf[2] == 65504.0f && isinf(hf[3]));
  EXPECT_TRUE(hf[4] == 5.9604645e-08f && hf[5] == 1.0009766f && isnan(hf[6]));
  float bf[3] = {1.0f, 1.00390625f, 3.0e38f};
  uint16_t bb[3];
  gcimKernelCast(bf, GCIM_ELEM_F32, bb, GCIM_ELEM_BF16, 3);
  EXPECT_EQ_INT(bb[0], 0x3f80);
  EXPECT_EQ_INT(bb[1], 0x3f80); /* a tie, to even */
  gcimKernelCast(bb, GCIM_ELEM_BF16, bf, GCIM_ELEM_F32, 3);
  EXPECT_NEAR(bf[2], 3.0e38, 3.0e38 * 4e-3);
}

/* Each row of GCIM_ELEM_TYPES agrees with its C type and with Cast: the size is the C
 * type's, and 0.5 survives a round trip exactly when the row says float. */
static void test_elem_type_list(void) {
#define CHECK_SIZE(name, cType, ...)                                                               \
  EXPECT_EQ_INT(gcimElemTypeSize(GCIM_ELEM_##name), sizeof(cType));
  GCIM_ELEM_TYPES(CHECK_SIZE)
#undef CHECK_SIZE
  for (int t = 0; t < GCIM_ELEM_COUNT; ++t) {
    double half = 0.5, back = -1;
    uint64_t element = 0;
    gcimKernelCast(&half, GCIM_ELEM_F64, &element, (GcimElemType)t, 1);
    gcimKernelCast(&element, (GcimElemType)t, &back, GCIM_ELEM_F64, 1);
    EXPECT_EQ_INT(back == 0.5, gcimElemTypeIsFloat((GcimElemType)t));
  }
}

static float floatFromBits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* gcimBf16FromFloat rounds ties to even and keeps NaN a NaN (a carry would make it inf). */
static void test_bf16_rounding(void) {
  EXPECT_EQ_INT(gcimBf16FromFloat(floatFromBits(0x3f808000u)), 0x3f80); /* tie, even below */
  EXPECT_EQ_INT(gcimBf16FromFloat(floatFromBits(0x3f818000u)), 0x3f82); /* tie, even above */
  EXPECT_EQ_INT(gcimBf16FromFloat(floatFromBits(0x3f808001u)), 0x3f81);
  float nan = gcimBf16ToFloat(gcimBf16FromFloat(floatFromBits(0x7fffffffu)));
  EXPECT_TRUE(nan != nan);
  EXPECT_EQ_INT(gcimBf16ToFloat(0x3f80) == 1.0f, 1);
}

GCIM_TEST_LIST{
    GCIM_TEST(test_elem_type_list),  GCIM_TEST(test_bf16_rounding),
    GCIM_TEST(test_transpose),       GCIM_TEST(test_concat_and_split),
    GCIM_TEST(test_slice),           GCIM_TEST(test_slice_check),
    GCIM_TEST(test_gather),          GCIM_TEST(test_expand_where_trilu),
    GCIM_TEST(test_range_fill_copy), GCIM_TEST(test_cast),
};
GCIM_TEST_MAIN
