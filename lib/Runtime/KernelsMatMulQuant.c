/* KernelsMatMulQuant.c: products on packed narrow weights (Kernels/MatMulQuant.h): packing,
 * the choice of kernel at run time (the decode step's of KernelsMatMulQuantIsa.h, the
 * float32 kernel of KernelsMatMulIsa.h for more rows) and the split over a worker pool. */
#include "gcim/Runtime/Kernels/MatMulQuant.h"

#include "gcim/Runtime/Bf16.h"

#include "KernelsMatMulQuantIsa.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

enum {
  PANEL = GCIM_QUANT_PANEL,
  TILE_ROWS = GCIM_MATMUL_KC, /* rows of a dequantized tile: 256 x 32 floats, 32 KiB */
  SMALL_M = 4,                /* fewer rows take the decode-step kernel, row by row */
  PARTS_PER_THREAD = 2,
  MIN_PART_FLOPS = 1 << 17
};

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t paddedColumns(int64_t n) { return ceilDiv(n, PANEL) * PANEL; }
static bool scaled(GcimPackedFormat format) { return format != GCIM_PACKED_BF16; }
static int64_t blockRows(const GcimPackedWeight *w) {
  return scaled(w->format) && w->block >= 1 ? w->block : (w->k > 0 ? w->k : 1);
}

int64_t gcimKernelPackedCodesBytes(GcimPackedFormat format, int64_t k, int64_t n) {
  int64_t bytes = paddedColumns(n) * k;
  return format == GCIM_PACKED_BF16 ? 2 * bytes : format == GCIM_PACKED_Q4 ? bytes / 2 : bytes;
}

/* Q4: column j % 32 of a panel row in byte j % 16, low nibble for the first 16 columns,
 * stored as c + 8 (0..15) so that the kernels unpack without sign extension. */
static void packNibbles(const int8_t *codes, int64_t k, int64_t n, unsigned char *out) {
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) {
      unsigned nibble = (unsigned)(codes[p * n + j] + 8) & 15u;
      int64_t column = j % PANEL, at = (j / PANEL * k + p) * (PANEL / 2) + column % (PANEL / 2);
      out[at] |= (unsigned char)(nibble << (column / (PANEL / 2) * 4));
    }
}

void gcimKernelPackCodes(GcimPackedFormat format, const void *codes, int64_t k, int64_t n,
                         void *packed) {
  const unsigned char *in = codes;
  unsigned char *out = packed;
  memset(out, 0, (size_t)gcimKernelPackedCodesBytes(format, k, n));
  if (format == GCIM_PACKED_Q4) { /* the padding columns' results are never stored */
    packNibbles(codes, k, n, out);
    return;
  }
  size_t size = format == GCIM_PACKED_BF16 ? 2 : 1;
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j)
      memcpy(out + ((j / PANEL * k + p) * PANEL + j % PANEL) * size, in + (p * n + j) * size, size);
}

GcimQuantRowKernel *gcimKernelsQuantRowKernel(GcimKernelIsa isa) {
  if (isa == GCIM_ISA_BASE)
    return gcimKernelsQuantRowBase;
#if GCIM_KERNELS_DISPATCH
  if (!gcimKernelsGemmKernel(isa)) /* the float kernel's test of the processor */
    return NULL;
  return isa == GCIM_ISA_AVX2 ? gcimKernelsQuantRowAvx2 : gcimKernelsQuantRowAvx512;
#else
  return NULL;
#endif
}

// The decode-step kernel of the widest set the float32 kernel runs on, or the portable one
// when this file was built without that dispatch (other flags than KernelsMatMul.c's).
static GcimQuantRowKernel *rowKernelBest(void) {
  GcimQuantRowKernel *row = gcimKernelsQuantRowKernel(gcimKernelsIsaBest());
  return row ? row : gcimKernelsQuantRowBase;
}

// W(p0 + p, j0 + j) for p < rows, j < 32 as float32 into tile[p * 32 + j] (the float32
// kernel's packed panel layout): (c - zero) * scale, or the bfloat16 value, exactly as the
// dequantized weight (Q4: the stored c + 8 less zero + 8, the same small integer).
static void dequantizeTile(const GcimPackedWeight *w, int64_t p0, int64_t rows, int64_t j0,
                           float *tile) {
  int64_t block = blockRows(w);
  if (w->format == GCIM_PACKED_BF16) {
    const uint16_t *codes = (const uint16_t *)w->codes + (j0 / PANEL * w->k + p0) * PANEL;
    for (int64_t i = 0; i < rows * PANEL; ++i)
      tile[i] = gcimBf16ToFloat(codes[i]);
    return;
  }
  bool q4 = w->format == GCIM_PACKED_Q4;
  const unsigned char *codes =
      (const unsigned char *)w->codes + (j0 / PANEL * w->k + p0) * (q4 ? PANEL / 2 : PANEL);
  float bias = q4 ? 8.0f : 0.0f;
  int64_t columns = w->n - j0 < PANEL ? w->n - j0 : PANEL; /* the padding stays 0 */
  for (int64_t p = 0; p < rows; ++p) {
    int64_t row = (p0 + p) / block * w->n + j0;
    for (int64_t j = 0; j < columns; ++j) {
      float c =
          q4 ? (float)((codes[p * (PANEL / 2) + j % (PANEL / 2)] >> (j / (PANEL / 2) * 4)) & 15)
             : (float)(int8_t)codes[p * PANEL + j];
      tile[p * PANEL + j] =
          (c - ((w->zeros ? w->zeros[row + j] : 0.0f) + bias)) * w->scales[row + j];
    }
    for (int64_t j = columns; j < PANEL; ++j)
      tile[p * PANEL + j] = 0.0f;
  }
}

void gcimKernelMatMulPackedWeightColumnsF32(const float *a, const GcimPackedWeight *w,
                                            const float *bias, float *y, int64_t m, int64_t j0,
                                            int64_t j1) {
  assert(j0 % PANEL == 0 && j0 <= j1 && j1 <= w->n);
  int64_t k = w->k, n = w->n;
  if (m == 0 || j0 == j1)
    return;
  if (m < SMALL_M || k == 0) {
    bool q = scaled(w->format);
    GcimQuantRow r = {.format = w->format,
                      .codes = (const unsigned char *)w->codes +
                               gcimKernelPackedCodesBytes(w->format, k, j0),
                      .scales = q ? w->scales + j0 : NULL,
                      .zeros = q && w->zeros ? w->zeros + j0 : NULL,
                      .scaleStride = n,
                      .bias = bias ? bias + j0 : NULL,
                      .n = j1 - j0,
                      .k = k,
                      .block = blockRows(w)};
    GcimQuantRowKernel *row = rowKernelBest();
    for (int64_t i = 0; i < m; ++i) {
      r.a = a + i * k;
      r.y = y + i * n + j0;
      row(&r);
    }
    return;
  }
  /* Prefill: a dequantized tile of 256 x 32 at a time into the float32 kernel, which
   * stores bias + A W with the first tile of a panel and adds the others. */
  GcimGemmKernel *gemm = gcimKernelsGemmKernel(gcimKernelsIsaBest());
  float tile[TILE_ROWS * PANEL];
  for (int64_t c0 = j0; c0 < j1; c0 += PANEL)
    for (int64_t p0 = 0; p0 < k; p0 += TILE_ROWS) {
      int64_t rows = k - p0 < TILE_ROWS ? k - p0 : TILE_ROWS;
      dequantizeTile(w, p0, rows, c0, tile);
      const GcimGemm g = {.m = m,
                          .n = j1 - c0 < PANEL ? j1 - c0 : PANEL,
                          .k = rows,
                          .alpha = 1.0f,
                          .a = a + p0,
                          .rsa = k,
                          .csa = 1,
                          .packed = tile,
                          .c = y + c0,
                          .ldc = n,
                          .overwrite = p0 == 0,
                          .bias = bias && p0 == 0 ? bias + c0 : NULL};
      gemm(&g);
    }
}

void gcimKernelMatMulPackedWeightF32(const float *a, const GcimPackedWeight *w, const float *bias,
                                     float *y, int64_t m) {
  gcimKernelMatMulPackedWeightColumnsF32(a, w, bias, y, m, 0, w->n);
}

typedef struct PackedWeightWork {
  const float *a, *bias;
  const GcimPackedWeight *w;
  float *y;
  int64_t m, columnsPerPart; /* whole panels */
} PackedWeightWork;

static void packedWeightPart(void *ctx, int64_t part) {
  const PackedWeightWork *work = ctx;
  int64_t j0 = part * work->columnsPerPart;
  int64_t j1 = work->w->n - j0 < work->columnsPerPart ? work->w->n : j0 + work->columnsPerPart;
  gcimKernelMatMulPackedWeightColumnsF32(work->a, work->w, work->bias, work->y, work->m, j0, j1);
}

void gcimParallelMatMulPackedWeightF32(GcimThreadPool *pool, const float *a,
                                       const GcimPackedWeight *w, const float *bias, float *y,
                                       int64_t m) {
  int64_t threads = pool ? gcimThreadPoolSize(pool) : 1, parts = threads * PARTS_PER_THREAD;
  if (threads == 1 || w->k == 0 || 2 * m * w->n * w->k < (int64_t)MIN_PART_FLOPS * parts) {
    gcimKernelMatMulPackedWeightF32(a, w, bias, y, m);
    return;
  }
  /* Columns, not rows: each part reads only its share of the weights. */
  PackedWeightWork work = {a, bias, w, y, m, ceilDiv(ceilDiv(w->n, PANEL), parts) * PANEL};
  gcimThreadPoolRun(pool, ceilDiv(w->n, work.columnsPerPart), packedWeightPart, &work);
}
