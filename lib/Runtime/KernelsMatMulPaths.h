/* KernelsMatMulPaths.h: the second half of the matrix-product kernel (after
 * KernelsMatMulTiles.h), included once by each instruction set's file: the paths of a
 * product and its entry point GCIM_MATMUL_ENTRY.
 *
 * - a row times a row-major matrix (M < SMALL_M = 4, the decode step): four rows of B at
 *   a time are combined into a block of y kept in L1, so B streams from memory once;
 * - a row times a transposed matrix (Gemm transB, small M): dot products with 16 lanes of
 *   partial sums (a float reduction is not reassociated by the compiler, lanes are);
 * - everything else: B is copied panel by panel (KC x NR, on the stack) into a contiguous
 *   block reused by every MR-row micro-kernel. gcimKernelPackBF32 does that copy once,
 *   ahead of time, for constant weights; the product on packed weights walks B in
 *   L2-sized blocks (KC x NC) and, in each, keeps MR rows of A in L1 while it sweeps the
 *   block's panels (as MLAS does). */
#ifndef GCIM_LIB_RUNTIME_KERNELSMATMULPATHS_H
#define GCIM_LIB_RUNTIME_KERNELSMATMULPATHS_H

#include "KernelsMatMulTiles.h"

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

// The product of KernelsMatMulIsa.h's GcimGemm for this instruction set.
void GCIM_MATMUL_ENTRY(const GcimGemm *g) {
  int64_t m = g->m, n = g->n, k = g->k, rsa = g->rsa, csa = g->csa, ldc = g->ldc;
  const float *a = g->a, *packed = g->packed;
  float alpha = g->alpha, *c = g->c;
  const TileStore add = {0, NULL}, first = {g->overwrite, g->bias};
  if (m == 0 || n == 0)
    return;
  if (packed && m >= SMALL_M && k > 0) { /* the blocked product stores with its first block */
    packedProduct(m, n, k, alpha, a, rsa, csa, packed, c, ldc, &first);
    return;
  }
  if (g->overwrite)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = g->bias ? g->bias[j] : 0.0f;
  if (k == 0)
    return;
  if (packed && csa == 1) {
    for (int64_t i = 0; i < m; ++i)
      packedRowTimesMatrix(a + i * rsa, alpha, packed, c + i * ldc, n, k);
    return;
  }
  if (packed) {
    packedProduct(m, n, k, alpha, a, rsa, csa, packed, c, ldc, &add);
    return;
  }
  if (m < SMALL_M && csa == 1) {
    for (int64_t i = 0; i < m; ++i) {
      if (g->transB)
        rowTimesTransposed(a + i * rsa, alpha, g->b, g->ldb, c + i * ldc, n, k);
      else
        rowTimesMatrix(a + i * rsa, alpha, g->b, g->ldb, c + i * ldc, n, k);
    }
    return;
  }
  float block[KC * NR];
  for (int64_t j0 = 0; j0 < n; j0 += NR) {
    int64_t nr = n - j0 < NR ? n - j0 : NR;
    for (int64_t k0 = 0; k0 < k; k0 += KC) {
      int64_t kc = k - k0 < KC ? k - k0 : KC;
      gcimKernelsPackPanel(g->b, g->ldb, g->transB, k0, kc, j0, nr, block);
      for (int64_t i = 0, rows; i < m; i += rows) {
        rows = groupRows(m, i);
        panelRows(rows, kc, alpha, a + i * rsa + k0 * csa, rsa, csa, block, c + i * ldc + j0, ldc,
                  nr, &add);
      }
    }
  }
}

#endif /* GCIM_LIB_RUNTIME_KERNELSMATMULPATHS_H */
