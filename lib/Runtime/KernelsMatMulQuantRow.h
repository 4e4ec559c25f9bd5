/* KernelsMatMulQuantRow.h: the decode step's product on packed narrow weights (one row of
 * a against every column), included once by each instruction set's file
 * (KernelsMatMulQuantIsa.h), which defines GCIM_QUANT_ROW_ENTRY.
 *
 * QPANELS panels (32 columns each) are read side by side, so that eight vector
 * accumulators are in flight (one panel's 32 columns are two AVX-512 vectors, four AVX2 or
 * eight SSE ones); each column still sums over p into its own accumulator in order, so its
 * bits do not depend on which panels share a pass (the column split of the thread pool
 * changes nothing). Codes are converted to float32 in registers and multiplied by a[p];
 * a Q8 block's sum is then scaled once: scale * (sum a c - zero * sum a). Q4 codes are
 * stored as c + 8 (Kernels/MatMulQuant.h), so the kernel sums a (c + 8) and subtracts
 * zero + 8: a zero-extended byte gives its low nibble by a mask and its high one by a
 * shift, no sign extension. */
#ifndef GCIM_LIB_RUNTIME_KERNELSMATMULQUANTROW_H
#define GCIM_LIB_RUNTIME_KERNELSMATMULQUANTROW_H

#include "KernelsMatMulQuantIsa.h"

#include <stdint.h>
#include <string.h>

#if defined(GCIM_MATMUL_AVX512) || (!defined(GCIM_MATMUL_AVX2) && defined(__AVX512F__))
#define QVW 16
#elif defined(GCIM_MATMUL_AVX2) || defined(__AVX__)
#define QVW 8
#else
#define QVW 4
#endif
enum {
  QW = GCIM_QUANT_PANEL,
  QVN = QW / QVW,      /* vectors per panel */
  QPANELS = 8 / QVN,   /* panels per pass: eight accumulators */
  QCOLS = QPANELS * QW /* columns per pass */
};

#if defined(__GNUC__) && !defined(GCIM_KERNEL_PLAIN_C)
typedef float QVecF __attribute__((vector_size(QVW * sizeof(float))));
typedef int8_t QVecB __attribute__((vector_size(QVW)));
typedef uint8_t QVecUB __attribute__((vector_size(QVW)));
typedef int32_t QVecI __attribute__((vector_size(QVW * sizeof(int32_t))));
typedef uint16_t QVecH __attribute__((vector_size(QVW * sizeof(uint16_t))));
typedef uint32_t QVecU __attribute__((vector_size(QVW * sizeof(uint32_t))));
#define QREP8(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
#define QZERO(i) QVecF acc##i = {0};
#define QSTORE(i) memcpy(part + (i)*QVW, &acc##i, sizeof acc##i);
/* Vector i covers columns i * QVW.. of the pass: panel i / QVN at column i % QVN * QVW;
 * Q4: QVW nibbles of a 16-byte panel row, low ones for columns below 16. */
#define QCODES(i) (base[(i) / QVN] + (p * QW + (i) % QVN * QVW) * elemBytes)
#define QCODES4(i) (base[(i) / QVN] + p * (QW / 2) + (i) % QVN * QVW % (QW / 2))
#define QSHIFT4(i) ((i) % QVN * QVW / (QW / 2) * 4)
/* int8 to float32: GCC 12 turns __builtin_convertvector from chars into one conversion per
 * lane, ten times slower than the sign extension and conversion the sets have (the AVX2
 * and AVX-512 files include immintrin.h). */
#if defined(GCIM_MATMUL_AVX512)
#define QLOAD_Q8(at)                                                                               \
  ((QVecF)_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(at)))))
#define QLOAD_Q4(at, shift)                                                                        \
  quantLoadQ4(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(at))), shift)
/* The high nibble of a zero-extended byte needs no mask. */
static inline QVecF quantLoadQ4(__m512i bytes, int shift) {
  return (QVecF)_mm512_cvtepi32_ps(shift ? _mm512_srli_epi32(bytes, 4)
                                         : _mm512_and_si512(bytes, _mm512_set1_epi32(15)));
}
#elif defined(GCIM_MATMUL_AVX2)
#define QLOAD_Q8(at)                                                                               \
  ((QVecF)_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(at)))))
#define QLOAD_Q4(at, shift)                                                                        \
  quantLoadQ4(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(at))), shift)
/* The high nibble of a zero-extended byte needs no mask. */
static inline QVecF quantLoadQ4(__m256i bytes, int shift) {
  return (QVecF)_mm256_cvtepi32_ps(shift ? _mm256_srli_epi32(bytes, 4)
                                         : _mm256_and_si256(bytes, _mm256_set1_epi32(15)));
}
#else
static inline QVecF quantLoadQ8(const unsigned char *at) {
  QVecB c;
  memcpy(&c, at, sizeof c);
  return __builtin_convertvector(c, QVecF);
}
static inline QVecF quantLoadQ4(const unsigned char *at, int shift) {
  QVecUB c;
  memcpy(&c, at, sizeof c);
  QVecI bytes = __builtin_convertvector(c, QVecI); /* the high nibble needs no mask */
  return __builtin_convertvector(shift ? bytes >> 4 : bytes & 15, QVecF);
}
#define QLOAD_Q8(at) quantLoadQ8(at)
#define QLOAD_Q4(at, shift) quantLoadQ4(at, shift)
#endif
#define QSTEP_Q8(i) acc##i += av * QLOAD_Q8(QCODES(i));
#define QSTEP_Q4(i) acc##i += av * QLOAD_Q4(QCODES4(i), QSHIFT4(i));
#define QSTEP_BF16(i)                                                                              \
  {                                                                                                \
    QVecH h;                                                                                       \
    QVecF f;                                                                                       \
    memcpy(&h, QCODES(i), sizeof h);                                                               \
    QVecU u = __builtin_convertvector(h, QVecU) << 16;                                             \
    memcpy(&f, &u, sizeof f);                                                                      \
    acc##i += av * f;                                                                              \
  }

// part[0..QCOLS) = sum a[p] W(p, .) over p in [p0, p1) for the pass's panels `base`.
static inline void quantSums(const unsigned char *const *base, GcimPackedFormat format,
                             const float *a, int64_t p0, int64_t p1, float *part) {
  const size_t elemBytes = format == GCIM_PACKED_BF16 ? 2 : 1;
  QREP8(QZERO)
  if (format == GCIM_PACKED_BF16) {
    for (int64_t p = p0; p < p1; ++p) {
      float av = a[p];
      QREP8(QSTEP_BF16)
    }
  } else if (format == GCIM_PACKED_Q4) {
    for (int64_t p = p0; p < p1; ++p) {
      float av = a[p];
      QREP8(QSTEP_Q4)
    }
  } else {
    for (int64_t p = p0; p < p1; ++p) {
      float av = a[p];
      QREP8(QSTEP_Q8)
    }
  }
  QREP8(QSTORE)
}
#else
static inline void quantSums(const unsigned char *const *base, GcimPackedFormat format,
                             const float *a, int64_t p0, int64_t p1, float *part) {
  const int bf16 = format == GCIM_PACKED_BF16;
  for (int c = 0; c < QCOLS; ++c)
    part[c] = 0.0f;
  for (int64_t p = p0; p < p1; ++p)
    for (int c = 0; c < QCOLS; ++c) {
      const unsigned char *at = base[c / QW] + (p * QW + c % QW) * (bf16 ? 2 : 1);
      float w;
      if (bf16) {
        uint32_t bits = (uint32_t)(at[0] | at[1] << 8) << 16;
        memcpy(&w, &bits, sizeof w);
      } else if (format == GCIM_PACKED_Q4) {
        w = (float)((base[c / QW][p * (QW / 2) + c % (QW / 2)] >> (c % QW / (QW / 2) * 4)) & 15);
      } else {
        w = (float)(int8_t)at[0];
      }
      part[c] += a[p] * w;
    }
}
#endif

// The row product of KernelsMatMulQuantIsa.h's GcimQuantRow for this instruction set.
void GCIM_QUANT_ROW_ENTRY(const GcimQuantRow *r) {
  const int bf16 = r->format == GCIM_PACKED_BF16, q4 = r->format == GCIM_PACKED_Q4;
  const int64_t k = r->k, panels = (r->n + QW - 1) / QW;
  const int64_t block = bf16 || r->block < 1 ? (k > 0 ? k : 1) : r->block;
  const size_t panelBytes = bf16 ? (size_t)(k * QW) * 2 : (size_t)(k * QW) / (q4 ? 2 : 1);
  const float bias = q4 ? 8.0f : 0.0f; /* Q4 stores c + 8 */
  for (int64_t q0 = 0; q0 < panels; q0 += QPANELS) {
    const unsigned char *base[QPANELS];
    int64_t first[QPANELS];             /* the column of W each panel of the pass starts at */
    for (int g = 0; g < QPANELS; ++g) { /* past the end: the last panel again, not stored */
      int64_t q = q0 + g < panels ? q0 + g : panels - 1;
      base[g] = (const unsigned char *)r->codes + (size_t)q * panelBytes;
      first[g] = q * QW;
    }
    float total[QCOLS], part[QCOLS];
    for (int c = 0; c < QCOLS; ++c)
      total[c] = 0.0f;
    for (int64_t p0 = 0, b = 0; p0 < k; p0 += block, ++b) {
      int64_t p1 = k - p0 < block ? k : p0 + block;
      quantSums(base, r->format, r->a, p0, p1, part);
      if (bf16) {
        for (int c = 0; c < QCOLS; ++c)
          total[c] += part[c];
        continue;
      }
      float sum = 0.0f; /* sum of a over the block, for the zero points */
      for (int64_t p = p0; (r->zeros || q4) && p < p1; ++p)
        sum += r->a[p];
      for (int c = 0; c < QCOLS; ++c) {
        int64_t column = first[c / QW] + c % QW; /* the padding reads column n - 1 */
        column = column < r->n ? column : r->n - 1;
        float zero = (r->zeros ? r->zeros[b * r->scaleStride + column] : 0.0f) + bias;
        total[c] += r->scales[b * r->scaleStride + column] * (part[c] - zero * sum);
      }
    }
    for (int g = 0; g < QPANELS && q0 + g < panels; ++g)
      for (int64_t j = 0; j < QW && first[g] + j < r->n; ++j) {
        int64_t column = first[g] + j;
        r->y[column] = total[g * QW + j] + (r->bias ? r->bias[column] : 0.0f);
      }
  }
}

#endif /* GCIM_LIB_RUNTIME_KERNELSMATMULQUANTROW_H */
