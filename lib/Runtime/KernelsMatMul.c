/* KernelsMatMul.c: MatMul, Gemm and the packed-weight product.
 *
 * Three paths, in C99 the compiler vectorises (restrict pointers, contiguous inner loops
 * with compile-time trip counts; with GCC or clang, the generic vector extension where the
 * loops alone vectorise badly):
 * - a row times a row-major matrix (M < SMALL_M = 4, the decode step): four rows of B at
 *   a time are combined into a block of y kept in L1, so B streams from memory once;
 * - a row times a transposed matrix (Gemm transB, small M): dot products with 16 lanes of
 *   partial sums (a float reduction is not reassociated by the compiler, lanes are);
 * - everything else: B is copied panel by panel (KC x NR, on the stack) into a contiguous
 *   block reused by every MR-row micro-kernel, whose MR x TW accumulators live in
 *   registers. gcimKernelPackBF32 does that copy once, ahead of time, for constant
 *   weights; the product on packed weights walks B in L2-sized blocks (KC x NC) and, in
 *   each, keeps MR rows of A in L1 while it sweeps the block's panels (as MLAS does).
 * MR and the tile width TW (NR or NR / 2) follow the vector registers the compiler may use
 * (predefined ISA macros); the packed layout (panels of NR = 32 columns) does not depend
 * on them. */
#include "gcim/Runtime/Kernels/MatMul.h"

#include "gcim/Runtime/Kernels/Elementwise.h"

#include "KernelsInternal.h"

#include <assert.h>
#include <string.h>

// Fused multiply-adds where the target has them: ISO C modes (-std=c99, as the generated
// Makefile builds) turn GCC's contraction off, which doubles the micro-kernel's
// instructions. The products' rounding changes within the documented k * 2^-24.
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=fast")
#endif

enum {
  NR = 32,  /* columns of a packed panel */
  KC = 256, /* depth of a block: a KC x NR panel is 32 KiB, L1-resident */
  NC = 256, /* columns of a block of packed B: KC x NC floats = 256 KiB, L2-resident */
  NB = 256, /* y columns of the row-times-matrix path kept in L1 */
  SMALL_M = 4,
  MID_TILE = 8, /* rows of the tiles for the M remainder, when MR is larger */
  SHORT_TILE = 4
};
// Rows of a micro-tile (a literal: the vector micro-kernel is unrolled by the
// preprocessor), 1 to 14; -DGCIM_KERNEL_MR=n overrides it, for tuning and tests. Columns
// of a micro-tile: a whole panel with AVX-512, half of one otherwise.
#if defined(GCIM_KERNEL_MR)
#define GCIM_MR GCIM_KERNEL_MR
#elif defined(__AVX512F__)
#define GCIM_MR 14 /* 14 x 2 accumulators of 16 floats out of 32 registers */
#elif defined(__AVX__)
#define GCIM_MR 6 /* 12 ymm accumulators out of 16 */
#else
#define GCIM_MR 2 /* 8 xmm accumulators out of 16 */
#endif
#if defined(__AVX512F__)
#define GCIM_TW 32
#else
#define GCIM_TW 16
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
#if defined(__AVX512F__)
#define GCIM_VN 2
#elif defined(__AVX__)
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

// y[0..n) += a[0..k) . B, B row-major with row stride ldb. Four rows at a time, so each
// pass over the L1-resident block of y does 8 flops per y element loaded and stored.
static void rowTimesMatrix(const float *restrict a, float alpha, const float *restrict b,
                           int64_t ldb, float *restrict y, int64_t n, int64_t k) {
  for (int64_t j0 = 0; j0 < n; j0 += NB) {
    int64_t nb = n - j0 < NB ? n - j0 : NB;
    float *restrict yb = y + j0;
    int64_t p = 0;
    for (; p + 4 <= k; p += 4) {
      const float *restrict b0 = b + p * ldb + j0;
      const float *restrict b1 = b0 + ldb;
      const float *restrict b2 = b1 + ldb;
      const float *restrict b3 = b2 + ldb;
      float a0 = alpha * a[p], a1 = alpha * a[p + 1];
      float a2 = alpha * a[p + 2], a3 = alpha * a[p + 3];
      int64_t j = 0;
#if GCIM_VECTOR_EXT
      for (; j + VW <= nb; j += VW) {
        VecF v0, v1, v2, v3, acc;
        memcpy(&v0, b0 + j, sizeof v0);
        memcpy(&v1, b1 + j, sizeof v1);
        memcpy(&v2, b2 + j, sizeof v2);
        memcpy(&v3, b3 + j, sizeof v3);
        memcpy(&acc, yb + j, sizeof acc);
        acc += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
        memcpy(yb + j, &acc, sizeof acc);
      }
#endif
      for (; j < nb; ++j)
        yb[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
    }
    for (; p < k; ++p) {
      const float *restrict b0 = b + p * ldb + j0;
      float a0 = alpha * a[p];
      for (int64_t j = 0; j < nb; ++j)
        yb[j] += a0 * b0[j];
    }
  }
}

// Returns sum a[p] * b[p], p < k, with 16 independent lanes.
static float dot(const float *restrict a, const float *restrict b, int64_t k) {
  float lanes[16] = {0};
  int64_t p = 0;
  for (; p + 16 <= k; p += 16)
    for (int l = 0; l < 16; ++l)
      lanes[l] += a[p + l] * b[p + l];
  float s = 0.0f;
  for (; p < k; ++p)
    s += a[p] * b[p];
  for (int l = 0; l < 16; ++l)
    s += lanes[l];
  return s;
}

// y[0..n) += a[0..k) . B^T, B stored n x k with row stride ldb.
static void rowTimesTransposed(const float *restrict a, float alpha, const float *restrict b,
                               int64_t ldb, float *restrict y, int64_t n, int64_t k) {
  for (int64_t j = 0; j < n; ++j)
    y[j] += alpha * dot(a, b + j * ldb, k);
}

// Copies B(k0 + p, j0 + j), p < kc, j < nr, into bp[p * NR + j], zero-padding j >= nr.
// B(p, j) is b[p * ldb + j], or b[j * ldb + p] when transB.
static void packPanel(const float *restrict b, int64_t ldb, int transB, int64_t k0, int64_t kc,
                      int64_t j0, int64_t nr, float *restrict bp) {
  for (int64_t p = 0; p < kc; ++p) {
    float *restrict row = bp + p * NR;
    if (transB)
      for (int64_t j = 0; j < nr; ++j)
        row[j] = b[(j0 + j) * ldb + k0 + p];
    else
      memcpy(row, b + (k0 + p) * ldb + j0, (size_t)nr * sizeof(float));
    for (int64_t j = nr; j < NR; ++j)
      row[j] = 0.0f;
  }
}

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

// Rows i < rows (MR, SHORT_TILE or fewer) of c[., 0..nr) (+)= alpha A(., :kc) . one panel
// bp, in strips of TW columns.
static void panelRows(int64_t rows, int64_t kc, float alpha, const float *a, int64_t rsa,
                      int64_t csa, const float *bp, float *c, int64_t ldc, int64_t nr,
                      const TileStore *st) {
  for (int64_t h = 0; h < nr; h += TW) {
    int64_t w = nr - h < TW ? nr - h : TW;
    TileStore strip = {st->overwrite, st->bias ? st->bias + h : NULL};
    if (rows == MR)
      microTile(kc, alpha, a, rsa, csa, bp + h, c + h, ldc, w, &strip);
    else if (rows == MID_TILE)
      midTile(kc, alpha, a, rsa, csa, bp + h, c + h, ldc, w, &strip);
    else if (rows == SHORT_TILE)
      shortTile(kc, alpha, a, rsa, csa, bp + h, c + h, ldc, w, &strip);
    else
      for (int64_t i = 0; i < rows; ++i)
        microRow(kc, alpha, a + i * rsa, csa, bp + h, NR, c + i * ldc + h, w, &strip);
  }
}

// Rows of the next group of rows of an m-row product, from row i: a tile of MR rows,
// else (when MR is larger) of MID_TILE rows, else of SHORT_TILE rows, unless it would
// leave fewer rows than a short tile (128 = 8 x 14 + 2 x 8, not 9 x 14 + 2 rows one at
// a time); the last rows one at a time.
static int64_t groupRows(int64_t m, int64_t i) {
  int64_t left = m - i;
  if (left >= MR && (left == MR || left - MR >= SHORT_TILE))
    return MR;
  if (USE_MID_TILE && left >= MID_TILE && (left == MID_TILE || left - MID_TILE >= SHORT_TILE))
    return MID_TILE;
  return left >= SHORT_TILE ? SHORT_TILE : left;
}

// Strip q of packed B: columns q * TW.., in panel q * TW / NR at column q * TW % NR.
static const float *packedStrip(const float *packed, int64_t k, int64_t q) {
  return packed + q * TW / NR * NR * k + q * TW % NR;
}

// y[0..n) += alpha a[0..k) . B, B packed (the decode step). With 4 x VN accumulators in
// the registers (AVX, AVX-512): four strips of TW columns a quarter of B apart per pass
// over a, so four streams of B are in flight (one sequential stream leaves the memory
// bandwidth of a core partly unused); every strip, also in the last passes with fewer
// than four, sums over p into one accumulator per vector, so splitting the columns
// (gcimKernelMatMulPackedColumnsF32) changes no bit. Otherwise strip after strip over all
// of k: the second strip of a panel then reads the lines the first brought into L2.
static void packedRowTimesMatrix(const float *restrict a, float alpha, const float *restrict packed,
                                 float *restrict y, int64_t n, int64_t k) {
  const TileStore add = {0, NULL};
  int64_t strips = (n + TW - 1) / TW, done = 0;
#if GCIM_VECTOR_EXT && GCIM_VN <= 2
  int64_t quarter = (strips + 3) / 4;
  for (int64_t q = 0; q < quarter; ++q) {
    const float *restrict bs[4];
    int count = 0; /* strips in this pass: 4, or fewer in the last passes */
    for (; count < 4 && count * quarter + q < strips; ++count)
      bs[count] = packedStrip(packed, k, count * quarter + q);
    const VecF zero = {0};
    VecF acc[4][VN], bv[VN];
    REP4(ROW_ZERO)
    if (count == 4) {
      for (int64_t p = 0; p < k; ++p) {
        float av = a[p];
#define PANEL_FMA(s)                                                                               \
  FOR_VN(LOAD_VEC, bs[s] + p * NR)                                                                 \
  FOR_VN(ACC_FMA, s)
        REP4(PANEL_FMA)
      }
    } else { /* the same arithmetic per strip, so a column's bits never depend on n */
      for (int64_t p = 0; p < k; ++p) {
        float av = a[p];
        for (int s = 0; s < count; ++s) {
          PANEL_FMA(s)
        }
      }
    }
    for (int s = 0; s < count; ++s) {
      int64_t j0 = (s * quarter + q) * TW;
      float out[TW];
      memcpy(out, acc[s], sizeof out);
      storeRow(y + j0, out, n - j0 < TW ? n - j0 : TW, alpha, &add);
    }
  }
  done = strips;
#endif
  for (int64_t q = done; q < strips; ++q)
    microRow(k, alpha, a, 1, packedStrip(packed, k, q), NR, y + q * TW,
             n - q * TW < TW ? n - q * TW : TW, &add);
}

// The next KC x NC block of packed B, prefetched into L2 a slice per micro-tile call while
// the current block is computed: the weights come from memory once per product, and the
// first group of rows would otherwise wait on each block (3 to 7 % of a GPT-2 prefill at
// 128 tokens, CPU time, -O3 -march=native).
typedef struct BlockPrefetch {
  const float *panel0;   /* the block's first row in its first panel */
  int64_t panelStride;   /* floats from one panel to the next: k x NR */
  int64_t linesPerPanel; /* cache lines of one panel in the block */
  int64_t lines, next;   /* lines of the block, and the next one to fetch */
} BlockPrefetch;

enum { LINE_FLOATS = 16 }; /* a 64-byte cache line */

static void prefetchLines(BlockPrefetch *pf, int64_t count) {
  int64_t end = pf->next + count < pf->lines ? pf->next + count : pf->lines;
#if defined(__GNUC__)
  for (int64_t l = pf->next; l < end; ++l)
    __builtin_prefetch(pf->panel0 + l / pf->linesPerPanel * pf->panelStride +
                           l % pf->linesPerPanel * LINE_FLOATS,
                       0, 2);
#endif
  pf->next = end;
}

// Starts the prefetch of the block at columns jb.., rows k0.. (none past the end).
static BlockPrefetch blockPrefetch(const float *packed, int64_t n, int64_t k, int64_t jb,
                                   int64_t k0) {
  BlockPrefetch pf = {packed, k * NR, 0, 0, 0};
  if (k0 >= k) {
    jb += NC;
    k0 = 0;
  }
  if (jb >= n)
    return pf;
  int64_t kc = k - k0 < KC ? k - k0 : KC, nb = n - jb < NC ? n - jb : NC;
  pf.panel0 = packed + jb * k + k0 * NR;
  pf.linesPerPanel = kc * NR / LINE_FLOATS;
  pf.lines = (nb + NR - 1) / NR * pf.linesPerPanel;
  return pf;
}

// c[m, n] (+)= alpha A B, B packed by gcimKernelPackBF32, A(i, p) = a[i * rsa + p * csa];
// the first block of k stores as `first` says, the others add. Per KC x NC block of B
// (L2), each group of rows of A (L1) sweeps the block's panels.
static void packedProduct(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t rsa,
                          int64_t csa, const float *packed, float *c, int64_t ldc,
                          const TileStore *first) {
  const TileStore add = {0, NULL};
  for (int64_t jb = 0; jb < n; jb += NC) {
    int64_t jEnd = n - jb < NC ? n : jb + NC;
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
      int64_t kc = k - k0 < KC ? k - k0 : KC;
      BlockPrefetch pf = blockPrefetch(packed, n, k, jb, k0 + KC);
      int64_t calls = (m + MR - 1) / MR * ((jEnd - jb + NR - 1) / NR);
      for (int64_t i = 0, rows; i < m; i += rows) {
        rows = groupRows(m, i);
        for (int64_t j0 = jb; j0 < jEnd; j0 += NR) {
          TileStore st = add;
          if (k0 == 0)
            st = (TileStore){first->overwrite, first->bias ? first->bias + j0 : NULL};
          prefetchLines(&pf, pf.lines / calls + 1);
          panelRows(rows, kc, alpha, a + i * rsa + k0 * csa, rsa, csa, packed + j0 * k + k0 * NR,
                    c + i * ldc + j0, ldc, n - j0 < NR ? n - j0 : NR, &st);
        }
      }
    }
  }
}

// c[m, n] += alpha A B with A(i, p) = a[i * rsa + p * csa], B as in packPanel or, when
// `packed` is not NULL, as packed by gcimKernelPackBF32 (b and ldb unused).
static void gemmAccumulate(int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                           int64_t rsa, int64_t csa, const float *b, int64_t ldb, int transB,
                           const float *packed, float *c, int64_t ldc) {
  const TileStore add = {0, NULL};
  if (m == 0 || n == 0 || k == 0)
    return;
  if (!packed && m < SMALL_M && csa == 1) {
    for (int64_t i = 0; i < m; ++i) {
      if (transB)
        rowTimesTransposed(a + i * rsa, alpha, b, ldb, c + i * ldc, n, k);
      else
        rowTimesMatrix(a + i * rsa, alpha, b, ldb, c + i * ldc, n, k);
    }
    return;
  }
  if (packed && m < SMALL_M && csa == 1) {
    for (int64_t i = 0; i < m; ++i)
      packedRowTimesMatrix(a + i * rsa, alpha, packed, c + i * ldc, n, k);
    return;
  }
  if (packed) {
    packedProduct(m, n, k, alpha, a, rsa, csa, packed, c, ldc, &add);
    return;
  }
  float block[KC * NR];
  for (int64_t j0 = 0; j0 < n; j0 += NR) {
    int64_t nr = n - j0 < NR ? n - j0 : NR;
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
      int64_t kc = k - k0 < KC ? k - k0 : KC;
      packPanel(b, ldb, transB, k0, kc, j0, nr, block);
      for (int64_t i = 0, rows; i < m; i += rows) {
        rows = groupRows(m, i);
        panelRows(rows, kc, alpha, a + i * rsa + k0 * csa, rsa, csa, block, c + i * ldc + j0, ldc,
                  nr, &add);
      }
    }
  }
}

void gcimKernelsGemmAccumulate(int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                               int64_t rsa, int64_t csa, const float *b, int64_t ldb, int transB,
                               float *c, int64_t ldc) {
  gemmAccumulate(m, n, k, alpha, a, rsa, csa, b, ldb, transB, NULL, c, ldc);
}

void gcimKernelMatMul2dF32(const float *a, const float *b, float *y, int64_t m, int64_t n,
                           int64_t k) {
  for (int64_t i = 0; i < m * n; ++i)
    y[i] = 0.0f;
  gemmAccumulate(m, n, k, 1.0f, a, k, 1, b, n, 0, NULL, y, n);
}

void gcimKernelMatMulF32(const float *a, const int64_t *aDims, int aRank, const float *b,
                         const int64_t *bDims, int bRank, float *y, const int64_t *yDims,
                         int yRank) {
  assert(aRank >= 1 && bRank >= 1);
  int64_t m = aRank >= 2 ? aDims[aRank - 2] : 1, k = aDims[aRank - 1];
  int64_t n = bRank >= 2 ? bDims[bRank - 1] : 1;
  assert((bRank >= 2 ? bDims[bRank - 2] : bDims[0]) == k);
  // A vector b is a k x 1 matrix, i.e. a transposed 1 x k one: the dot-product path.
  int transB = bRank == 1;
  int64_t ldb = transB ? k : n;
  int aBatchRank = aRank > 2 ? aRank - 2 : 0, bBatchRank = bRank > 2 ? bRank - 2 : 0;
  int yBatchRank = aBatchRank > bBatchRank ? aBatchRank : bBatchRank;
  assert(yRank == yBatchRank + (aRank >= 2) + (bRank >= 2));
  (void)yRank;
  int64_t total = gcimKernelNumElements(yDims, yBatchRank) * m * n;
  for (int64_t i = 0; i < total; ++i)
    y[i] = 0.0f;
  if (bBatchRank == 0) {
    // Every batch of a uses the same b: one product with the batches stacked as rows.
    int64_t rows = gcimKernelNumElements(aDims, aBatchRank) * m;
    gemmAccumulate(rows, n, k, 1.0f, a, k, 1, b, ldb, transB, NULL, y, n);
    return;
  }
  const int64_t *batchDims[2] = {aDims, bDims};
  const int batchRanks[2] = {aBatchRank, bBatchRank};
  GcimBcast it;
  gcimKernelsBcastInit(&it, 2, batchDims, batchRanks, yDims, yBatchRank);
  int64_t inner = it.dims[it.rank - 1];
  int64_t idx[GCIM_MAX_RANK] = {0}, off[3] = {0, 0, 0};
  for (int64_t batch = 0; batch < it.total; batch += inner) {
    for (int64_t t = 0; t < inner; ++t) {
      const float *at = a + (off[0] + t * it.strides[0][it.rank - 1]) * m * k;
      const float *bt = b + (off[1] + t * it.strides[1][it.rank - 1]) * k * n;
      gemmAccumulate(m, n, k, 1.0f, at, k, 1, bt, ldb, transB, NULL, y + (batch + t) * m * n, n);
    }
    gcimKernelsBcastNext(&it, idx, off);
  }
}

void gcimKernelGemmF32(const float *a, const float *b, const float *c, const int64_t *cDims,
                       int cRank, float *y, int64_t m, int64_t n, int64_t k, int transA, int transB,
                       float alpha, float beta) {
  assert(cRank >= 0 && cRank <= 2);
  if (c && beta != 0.0f) {
    const int64_t yDims[2] = {m, n};
    const float betaValue = beta;
    gcimKernelBinaryF32(GCIM_BINARY_MUL, c, cDims, cRank, &betaValue, NULL, 0, y, yDims, 2);
  } else {
    for (int64_t i = 0; i < m * n; ++i)
      y[i] = 0.0f;
  }
  gemmAccumulate(m, n, k, alpha, a, transA ? 1 : k, transA ? m : 1, b, transB ? k : n, transB, NULL,
                 y, n);
}

int64_t gcimKernelPackedBCount(int64_t k, int64_t n) { return (n + NR - 1) / NR * NR * k; }

void gcimKernelPackBF32(const float *b, int64_t k, int64_t n, int transB, float *packed) {
  for (int64_t j0 = 0; j0 < n; j0 += NR)
    packPanel(b, transB ? k : n, transB, 0, k, j0, n - j0 < NR ? n - j0 : NR,
              packed + (j0 / NR) * k * NR);
}

void gcimKernelMatMulPackedColumnsF32(const float *a, const float *packedB, const float *bias,
                                      float *y, int64_t m, int64_t n, int64_t k, int64_t j0,
                                      int64_t j1) {
  assert(j0 % NR == 0 && j0 <= j1 && j1 <= n);
  const float *panels = packedB + j0 * k; /* panel j0 / NR: k x NR floats each */
  const float *columnBias = bias ? bias + j0 : NULL;
  int64_t columns = j1 - j0;
  y += j0;
  if (m >= SMALL_M && k > 0) { /* the blocked product writes the bias with its first block */
    const TileStore first = {1, columnBias};
    packedProduct(m, columns, k, 1.0f, a, k, 1, panels, y, n, &first);
    return;
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < columns; ++j)
      y[i * n + j] = columnBias ? columnBias[j] : 0.0f;
  gemmAccumulate(m, columns, k, 1.0f, a, k, 1, NULL, 0, 0, panels, y, n);
}

void gcimKernelMatMulPackedF32(const float *a, const float *packedB, const float *bias, float *y,
                               int64_t m, int64_t n, int64_t k) {
  gcimKernelMatMulPackedColumnsF32(a, packedB, bias, y, m, n, k, 0, n);
}
