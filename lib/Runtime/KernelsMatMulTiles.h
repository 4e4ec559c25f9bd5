/* KernelsMatMulTiles.h: the first half of the matrix-product kernel, included once by each
 * instruction set's file (KernelsMatMulIsa.h): its tile sizes and vector type, and the
 * micro-kernels that keep an MR x TW tile of accumulators in registers.
 *
 * MR and the tile width TW (NR or NR / 2) follow the vector registers the file is built
 * for; the packed layout (panels of NR = 32 columns) does not depend on them. */
#ifndef GCIM_LIB_RUNTIME_KERNELSMATMULTILES_H
#define GCIM_LIB_RUNTIME_KERNELSMATMULTILES_H

#include "KernelsMatMulIsa.h"

enum {
  NR = GCIM_MATMUL_NR,
  KC = GCIM_MATMUL_KC,
  NC = 256, /* columns of a block of packed B: KC x NC floats = 256 KiB, L2-resident */
  NB = 256, /* y columns of the row-times-matrix path kept in L1 */
  SMALL_M = 4,
  MID_TILE = 8, /* rows of the tiles for the M remainder, when MR is larger */
  SHORT_TILE = 4
};
// Rows of a micro-tile (a literal: the vector micro-kernel is unrolled by the
// preprocessor), 1 to 14, and its columns: a whole panel with AVX-512, half of one
// otherwise. The AVX2 and AVX-512 files say which they build; the base file follows the
// predefined ISA macros, or -DGCIM_KERNEL_MR=n (for tuning and tests).
#if defined(GCIM_MATMUL_AVX512)
#define GCIM_MR 14 /* 14 x 2 accumulators of 16 floats out of 32 registers */
#define GCIM_TW 32
#elif defined(GCIM_MATMUL_AVX2)
#define GCIM_MR 6 /* 12 ymm accumulators out of 16 */
#define GCIM_TW 16
#else
#if defined(GCIM_KERNEL_MR)
#define GCIM_MR GCIM_KERNEL_MR
#elif defined(__AVX512F__)
#define GCIM_MR 14
#elif defined(__AVX__)
#define GCIM_MR 6
#else
#define GCIM_MR 2 /* 8 xmm accumulators out of 16 */
#endif
#if defined(__AVX512F__)
#define GCIM_TW 32
#else
#define GCIM_TW 16
#endif
#endif
enum {
  MR = GCIM_MR,
  TW = GCIM_TW,
  USE_MID_TILE = MR > MID_TILE,
  MAX_ROWS = MR > MID_TILE ? MR : MID_TILE
};

// GCC's and clang's generic vectors, as wide as the target's registers (VW floats, VN of
// them per TW columns: wider ones would be split and kept in memory by GCC); plain C99
// loops otherwise, or with -DGCIM_KERNEL_PLAIN_C.
#if defined(__GNUC__) && !defined(GCIM_KERNEL_PLAIN_C)
#define GCIM_VECTOR_EXT 1
#if defined(GCIM_MATMUL_AVX512) || defined(GCIM_MATMUL_AVX2) || defined(__AVX__)
#define GCIM_VN 2
#else
#define GCIM_VN 4
#endif
enum { VN = GCIM_VN, VW = TW / VN };
typedef float VecF __attribute__((vector_size(VW * sizeof(float))));
// Explicit unrolling (GCC at -O2 leaves small loops over vectors rolled, and the
// accumulators in memory): FOR_VN(M, i) is M(i, 0) ... M(i, VN - 1), FOR_MR(M) is
// M(0) ... M(MR - 1).
#if GCIM_VN == 1
#define FOR_VN(M, i) M(i, 0)
#elif GCIM_VN == 2
#define FOR_VN(M, i) M(i, 0) M(i, 1)
#else
#define FOR_VN(M, i) M(i, 0) M(i, 1) M(i, 2) M(i, 3)
#endif
#define REP1(M) M(0)
#define REP2(M) REP1(M) M(1)
#define REP3(M) REP2(M) M(2)
#define REP4(M) REP3(M) M(3)
#define REP5(M) REP4(M) M(4)
#define REP6(M) REP5(M) M(5)
#define REP7(M) REP6(M) M(6)
#define REP8(M) REP7(M) M(7)
#define REP9(M) REP8(M) M(8)
#define REP10(M) REP9(M) M(9)
#define REP11(M) REP10(M) M(10)
#define REP12(M) REP11(M) M(11)
#define REP13(M) REP12(M) M(12)
#define REP14(M) REP13(M) M(13)
#define REP_CAT(n) REP##n
#define REP_N(n) REP_CAT(n)
#define FOR_MR(M) REP_N(GCIM_MR)(M)
#else
#define GCIM_VECTOR_EXT 0
#endif

// How a micro-kernel writes its tile: added to c, or (the first block of k of a product
// that overwrites y) stored as bias + alpha A B, bias NULL meaning 0.
typedef struct TileStore {
  int overwrite;
  const float *bias; /* at the tile's first column */
} TileStore;

// c[0..nr) (+)= alpha out[0..nr) as `st` says.
static void storeRow(float *restrict c, const float *restrict out, int64_t nr, float alpha,
                     const TileStore *st) {
  if (!st->overwrite)
    for (int64_t j = 0; j < nr; ++j)
      c[j] += alpha * out[j];
  else if (st->bias)
    for (int64_t j = 0; j < nr; ++j)
      c[j] = st->bias[j] + alpha * out[j];
  else
    for (int64_t j = 0; j < nr; ++j)
      c[j] = alpha * out[j];
}

// The micro-kernels: c[i, 0..nr) (+)= alpha sum_p A(i, p) bp[p * NR + 0..nr) for ROWS
// rows, nr <= TW, with A(i, p) = a[i * rsa + p * csa] and the accumulators in registers.
// With GCC or clang the TW columns are VN generic vectors: plain loops get vectorised at
// -O2 but, at -O3, GCC unrolls the columns first and then vectorises over p with
// shuffles, 5 to 10 times slower. The plain C99 version is the fallback
// (KernelsMatMulPlainTest).
#if GCIM_VECTOR_EXT
// One vector at a time: a single memcpy of the VN vectors goes through the stack.
#define LOAD_VEC(src, l) memcpy(&bv[l], (src) + (l)*VW, sizeof(VecF));
#define ACC_ZERO(i, l) acc[i][l] = zero;
#define ROW_ZERO(i) FOR_VN(ACC_ZERO, i)
#define ACC_FMA(i, l) acc[i][l] += av * bv[l];
#define ROW_FMA(i)                                                                                 \
  {                                                                                                \
    float av = a[(i)*rsa + p * csa];                                                               \
    FOR_VN(ACC_FMA, i)                                                                             \
  }
// Full rows (all but the last panel's) in vectors; a scalar loop costs 6 % of a product.
#define VEC_ADD(i, l)                                                                              \
  {                                                                                                \
    VecF cv;                                                                                       \
    memcpy(&cv, ci + (l)*VW, sizeof cv);                                                           \
    cv += alpha * acc[i][l];                                                                       \
    memcpy(ci + (l)*VW, &cv, sizeof cv);                                                           \
  }
#define VEC_SET(i, l)                                                                              \
  {                                                                                                \
    VecF cv = zero;                                                                                \
    if (st->bias)                                                                                  \
      memcpy(&cv, st->bias + (l)*VW, sizeof cv);                                                   \
    cv += alpha * acc[i][l];                                                                       \
    memcpy(ci + (l)*VW, &cv, sizeof cv);                                                           \
  }
#define ROW_STORE(i)                                                                               \
  {                                                                                                \
    float *restrict ci = c + (i)*ldc;                                                              \
    if (nr < TW) {                                                                                 \
      float out[TW];                                                                               \
      memcpy(out, acc[i], sizeof out);                                                             \
      storeRow(ci, out, nr, alpha, st);                                                            \
    } else if (!st->overwrite) {                                                                   \
      FOR_VN(VEC_ADD, i)                                                                           \
    } else {                                                                                       \
      FOR_VN(VEC_SET, i)                                                                           \
    }                                                                                              \
  }
#define DEFINE_TILE(name, ROWS)                                                                    \
  static void name(int64_t kc, float alpha, const float *restrict a, int64_t rsa, int64_t csa,     \
                   const float *restrict bp, float *restrict c, int64_t ldc, int64_t nr,           \
                   const TileStore *st) {                                                          \
    const VecF zero = {0};                                                                         \
    VecF acc[MAX_ROWS][VN];                                                                        \
    ROWS(ROW_ZERO)                                                                                 \
    for (int64_t p = 0; p < kc; ++p) {                                                             \
      VecF bv[VN];                                                                                 \
      FOR_VN(LOAD_VEC, bp + p * NR)                                                                \
      ROWS(ROW_FMA)                                                                                \
    }                                                                                              \
    ROWS(ROW_STORE)                                                                                \
  }
DEFINE_TILE(microTile, FOR_MR)
DEFINE_TILE(midTile, REP8)
DEFINE_TILE(shortTile, REP4)
#else
static void tileRows(int rows, int64_t kc, float alpha, const float *restrict a, int64_t rsa,
                     int64_t csa, const float *restrict bp, float *restrict c, int64_t ldc,
                     int64_t nr, const TileStore *st) {
  float acc[MAX_ROWS][TW];
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < TW; ++j)
      acc[i][j] = 0.0f;
  for (int64_t p = 0; p < kc; ++p) {
    const float *restrict bq = bp + p * NR;
    for (int i = 0; i < rows; ++i) {
      float av = a[i * rsa + p * csa];
      for (int j = 0; j < TW; ++j)
        acc[i][j] += av * bq[j];
    }
  }
  for (int i = 0; i < rows; ++i)
    storeRow(c + i * ldc, acc[i], nr, alpha, st);
}
static void microTile(int64_t kc, float alpha, const float *restrict a, int64_t rsa, int64_t csa,
                      const float *restrict bp, float *restrict c, int64_t ldc, int64_t nr,
                      const TileStore *st) {
  tileRows(MR, kc, alpha, a, rsa, csa, bp, c, ldc, nr, st);
}
static void midTile(int64_t kc, float alpha, const float *restrict a, int64_t rsa, int64_t csa,
                    const float *restrict bp, float *restrict c, int64_t ldc, int64_t nr,
                    const TileStore *st) {
  tileRows(MID_TILE, kc, alpha, a, rsa, csa, bp, c, ldc, nr, st);
}
static void shortTile(int64_t kc, float alpha, const float *restrict a, int64_t rsa, int64_t csa,
                      const float *restrict bp, float *restrict c, int64_t ldc, int64_t nr,
                      const TileStore *st) {
  tileRows(SHORT_TILE, kc, alpha, a, rsa, csa, bp, c, ldc, nr, st);
}
#endif

// The one-row micro-kernel (the last rows of the M remainder, and the decode step on
// packed weights without the vector extension): four independent accumulators over p,
// since one would wait on the latency of each addition. bp's rows are `ldbp` apart.
static void microRow(int64_t kc, float alpha, const float *restrict a, int64_t csa,
                     const float *restrict bp, int64_t ldbp, float *restrict c, int64_t nr,
                     const TileStore *st) {
  float out[TW];
#if GCIM_VECTOR_EXT
  const VecF zero = {0};
  VecF acc[4][VN], bv[VN];
  float av;
  REP4(ROW_ZERO)
  int64_t p = 0;
#define ROW_STEP(u)                                                                                \
  FOR_VN(LOAD_VEC, bp + (p + (u)) * ldbp)                                                          \
  av = a[(p + (u)) * csa];                                                                         \
  FOR_VN(ACC_FMA, u)
  for (; p + 4 <= kc; p += 4) {
    REP4(ROW_STEP)
  }
  for (; p < kc; ++p) {
    FOR_VN(LOAD_VEC, bp + p * ldbp)
    av = a[p * csa];
    FOR_VN(ACC_FMA, 0)
  }
#define ACC_SUM(i, l) acc[0][l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
  FOR_VN(ACC_SUM, 0)
  memcpy(out, acc[0], sizeof out);
#else
  float acc[4][TW] = {{0}};
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4)
    for (int u = 0; u < 4; ++u)
      for (int j = 0; j < TW; ++j)
        acc[u][j] += a[(p + u) * csa] * bp[(p + u) * ldbp + j];
  for (; p < kc; ++p)
    for (int j = 0; j < TW; ++j)
      acc[0][j] += a[p * csa] * bp[p * ldbp + j];
  for (int j = 0; j < TW; ++j)
    out[j] = (acc[0][j] + acc[1][j]) + (acc[2][j] + acc[3][j]);
#endif
  storeRow(c, out, nr, alpha, st);
}

#endif /* GCIM_LIB_RUNTIME_KERNELSMATMULTILES_H */
