/* ExpandQuantWeights.c: quantized weights as integer codes times scales (ExpandQuant.h),
 * and com.microsoft MatMulNBits.
 *
 * - The codes stay integral: 8-bit integer Constants (or the model's own int8 initializer)
 *   cast to float32, less float32 zero points, times a Constant of the scales; wider codes
 *   as float32 Constants of codes minus zero points (exact: |code - zero point| < 2^24).
 *   gcim-lower-runtime (LowerRuntimeNarrow.c) turns that into a product on int8 or 4-bit
 *   codes. A weight read transposed (by Gemm with transB, or by a Transpose into MatMul) is
 *   written as its (K, N) form under a Transpose, so that Gemm's B or the MatMul's
 *   Transpose of it gives the product on the (K, N) codes back.
 * - MatMulNBits (bits 4 or 8, B, scales and zero points initializers): column n, row k of
 *   the weight is (q - zero_point) * scale of block k / block_size, q the k-th code of B[n]
 *   (4 bits: low nibble first), zero point 2^(bits-1) when absent or packed like B: uint8
 *   codes less zero points times scales per block as above (K need not be a multiple of
 *   block_size), then MatMul (+ Add bias). 4-bit codes of whole bytes per block in a B of
 *   more than 16 bytes are B itself split into nibbles by ops (nibbleCodes), never
 *   copied; others a Constant of the codes, one a byte. (q - zero_point) * scale is one
 *   float32 rounding, in the Mul, as ONNX Runtime's. */
#include "ExpandQuant.h"

#include <stdlib.h>
#include <string.h>

bool gcimOnnxQuantNodeIs(const Onnx__NodeProto *node, const char *domain, const char *op) {
  const char *d = node->domain ? node->domain : "";
  if (strcmp(d, "ai.onnx") == 0)
    d = "";
  return node->op_type && strcmp(node->op_type, op) == 0 && strcmp(d, domain) == 0;
}

/* Gemm node `n` reading the weight as B, transposed, with nothing else to compute: transA
 * 0, transB 1, alpha and beta 1, C absent or an initializer of `rows` elements. */
static bool transposingGemm(const Onnx__GraphProto *g, const Onnx__NodeProto *n, int64_t rows) {
  const Onnx__TensorProto *c =
      n->n_input > 2 && n->input[2][0] ? gcimOnnxQuantFindInitializer(g, n->input[2], NULL) : NULL;
  int64_t count = 1;
  for (size_t d = 0; c && d < c->n_dims; ++d)
    count *= c->dims[d];
  return gcimOnnxNodeIntAttr(n, "transA", 0) == 0 && gcimOnnxNodeIntAttr(n, "transB", 0) == 1 &&
         gcimOnnxNodeFloatAttr(n, "alpha", 1.0f) == 1.0f &&
         gcimOnnxNodeFloatAttr(n, "beta", 1.0f) == 1.0f &&
         (n->n_input < 3 || !n->input[2][0] || (c && count == rows));
}

/* How the graph reads `name` (gcimOnnxQuantWeightUse); at depth 1 `name` is a Transpose's
 * output, which only MatMuls may read. */
static GcimOnnxWeightUse weightUse(const Onnx__GraphProto *g, const char *name, int64_t rows,
                                   int depth) {
  GcimOnnxWeightUse use = GCIM_ONNX_WEIGHT_OTHER;
  for (size_t i = 0; i < g->n_output; ++i)
    if (g->output[i]->name && strcmp(g->output[i]->name, name) == 0)
      return GCIM_ONNX_WEIGHT_OTHER;
  for (size_t i = 0; i < g->n_node; ++i) {
    const Onnx__NodeProto *n = g->node[i];
    for (size_t j = 0; j < n->n_input; ++j) {
      if (!n->input[j] || strcmp(n->input[j], name) != 0)
        continue;
      GcimOnnxWeightUse this = GCIM_ONNX_WEIGHT_OTHER;
      const Onnx__AttributeProto *perm = gcimOnnxFindAttr(n, "perm");
      if (gcimOnnxQuantNodeIs(n, "", "MatMul") && j == 1 && n->n_input == 2)
        this = GCIM_ONNX_WEIGHT_MATMUL;
      else if (gcimOnnxQuantNodeIs(n, "", "Gemm") && j == 1 && transposingGemm(g, n, rows))
        this = GCIM_ONNX_WEIGHT_TRANSPOSED;
      else if (gcimOnnxQuantNodeIs(n, "", "Transpose") && depth == 0 && n->n_output == 1 && perm &&
               perm->n_ints == 2 && perm->ints[0] == 1 && perm->ints[1] == 0 &&
               weightUse(g, n->output[0], 0, 1) == GCIM_ONNX_WEIGHT_MATMUL)
        this = GCIM_ONNX_WEIGHT_TRANSPOSED;
      if (this == GCIM_ONNX_WEIGHT_OTHER || (use != GCIM_ONNX_WEIGHT_OTHER && use != this))
        return GCIM_ONNX_WEIGHT_OTHER;
      use = this;
    }
  }
  return use;
}

GcimOnnxWeightUse gcimOnnxQuantWeightUse(const Onnx__GraphProto *g, const char *name,
                                         int64_t rows) {
  return weightUse(g, name, rows, 0);
}

/* Transpose(x, perm 1, 0) into `out`. */
static void transpose(GcimOnnxBuilder *b, const char *x, const char *out) {
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Transpose", "rows", 1, &x, out), "perm",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  int64_t *perm = gcimOnnxExpansionOwn(b->ex, malloc(2 * sizeof *perm));
  if (!a || !perm) {
    b->ok = false;
    return;
  }
  perm[0] = 1;
  perm[1] = 0;
  a->ints = perm;
  a->n_ints = 2;
}

/* A Constant node `out` of ONNX type `dataType` whose raw data is `bytes` (taken). */
static void constantRaw(GcimOnnxBuilder *b, const char *part, const char *out, const int64_t *dims,
                        size_t rank, int32_t dataType, void *bytes, size_t size) {
  bool owned = gcimOnnxExpansionOwn(b->ex, bytes) != NULL;
  Onnx__TensorProto *t = gcimOnnxExpansionOwn(b->ex, malloc(sizeof *t));
  int64_t *shape = gcimOnnxExpansionOwn(b->ex, malloc((rank + 1) * sizeof *shape));
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Constant", part, 0, NULL, out), "value",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
  if (!owned || !t || !shape || !a) {
    b->ok = false;
    return;
  }
  *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
  if (rank) /* a scalar's dims may be NULL */
    memcpy(shape, dims, rank * sizeof *shape);
  t->n_dims = rank;
  t->dims = shape;
  t->has_data_type = 1;
  t->data_type = dataType;
  t->has_raw_data = 1;
  t->raw_data.len = size;
  t->raw_data.data = bytes;
  a->t = t;
}

void gcimOnnxQuantConstantF32(GcimOnnxBuilder *b, const char *part, const char *out,
                              const int64_t *dims, size_t rank, float *values, int64_t count) {
  constantRaw(b, part, out, dims, rank, DT_FLOAT, values, (size_t)count * sizeof *values);
}

void gcimOnnxQuantConstantCodes(GcimOnnxBuilder *b, const char *out, int64_t rows, int64_t n,
                                uint8_t *codes, bool isSigned) {
  const int64_t dims[2] = {rows, n};
  constantRaw(b, "codes", out, dims, 2, isSigned ? DT_INT8 : DT_UINT8, codes, (size_t)(rows * n));
  /* never read at import: a Cast of them stays an op (Values.c) */
  if (rows * n > 16 && !gcimOnnxExpansionMarkOpaque(b->ex, out))
    b->ok = false;
}

float *gcimOnnxQuantFloats(GcimOnnxBuilder *b, int64_t count) {
  float *p = malloc((size_t)(count > 0 ? count : 1) * sizeof *p);
  if (!p) {
    gcimOnnxImportError(b->im, "out of memory");
    b->ok = false;
  }
  return p;
}

/* Cast(x) to float32. */
static const char *toFloat(GcimOnnxBuilder *b, const char *x) {
  const char *out = gcimOnnxBuildTemp(b, "codes_float");
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Cast", "codes_float", 1, &x, out), "to",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (a) {
    a->has_i = 1;
    a->i = DT_FLOAT;
  }
  return out;
}

void gcimOnnxQuantCodesTimesScales(GcimOnnxBuilder *b, const char *out,
                                   const GcimOnnxQuantWeight *w) {
  const char *final = out, *a = w->codes;
  if (w->transposed)
    out = gcimOnnxBuildTemp(b, "weight_kn");
  int64_t blocks = w->block ? (w->k + w->block - 1) / w->block : 1;
  int64_t rows = w->block ? blocks * w->block : w->k;
  int64_t blockDims[3] = {blocks, w->block, w->n};
  const int64_t sDims[3] = {blocks, 1, w->n};
  size_t sRank = w->block ? 3 : w->scaleCount == 1 ? 0 : 1;
  if (w->block)
    a = gcimOnnxBuildBinary(b, "Reshape", "code_blocks", a,
                            gcimOnnxBuildConstantInts(b, "code_blocks_shape", blockDims, 3), NULL);
  if (w->integral)
    a = toFloat(b, a);
  if (w->zeros) {
    const char *zeros = gcimOnnxBuildTemp(b, "zeros");
    gcimOnnxQuantConstantF32(b, "zeros", zeros, w->block ? sDims : sDims + 2, sRank, w->zeros,
                             w->scaleCount);
    a = gcimOnnxBuildBinary(b, "Sub", "centred", a, zeros, NULL);
  }
  const char *scale = gcimOnnxBuildTemp(b, "scales");
  gcimOnnxQuantConstantF32(b, "scales", scale, w->block ? sDims : sDims + 2, sRank, w->scales,
                           w->scaleCount);
  if (w->block) {
    int64_t shape[2] = {rows, w->n}, zero = 0, axis = 0, k = w->k;
    const char *whole = gcimOnnxBuildBinary(
        b, "Reshape", "rows", gcimOnnxBuildBinary(b, "Mul", "blocks", a, scale, NULL),
        gcimOnnxBuildConstantInts(b, "shape", shape, 2), rows == w->k ? out : NULL);
    if (rows != w->k) {
      const char *ins[4] = {whole, gcimOnnxBuildConstantInts(b, "start", &zero, 1),
                            gcimOnnxBuildConstantInts(b, "end", &k, 1),
                            gcimOnnxBuildConstantInts(b, "axis", &axis, 1)};
      gcimOnnxBuildNode(b, "Slice", "first_rows", 4, ins, out);
    }
  } else {
    gcimOnnxBuildBinary(b, "Mul", "dequantized", a, scale, out);
  }
  if (w->transposed)
    transpose(b, out, final);
}

/* A Constant node of the uint8 scalar `value`. */
static const char *constantByte(GcimOnnxBuilder *b, const char *part, uint8_t value) {
  const char *out = gcimOnnxBuildTemp(b, part);
  uint8_t *byte = malloc(1);
  if (byte)
    *byte = value;
  constantRaw(b, part, out, NULL, 0, DT_UINT8, byte, 1);
  return out;
}

/* MatMulNBits' 4-bit B (n, rows / 2 bytes, two codes a byte, low nibble first) as the
 * (rows, n) uint8 codes, by ops on B itself: Reshape to (n, rows / 2, 1), Mod 16 (the low
 * nibbles) and Div 16 (the high ones) concatenated on axis 2, Reshape to (n, rows),
 * Transpose. B stays the model's initializer (never copied, a resource over the mapping);
 * gcim-lower-runtime reads the codes from its bytes (LowerRuntimeNarrowCodes.c). */
static const char *nibbleCodes(GcimOnnxBuilder *b, const GcimOnnxQuantCodes *bq, int64_t rows,
                               int64_t n) {
  if (bq->count > 16 && !gcimOnnxExpansionMarkOpaque(b->ex, bq->name))
    b->ok = false;
  int64_t byteDims[3] = {n, rows / 2, 1}, codeDims[2] = {n, rows};
  const char *bytes =
      gcimOnnxBuildBinary(b, "Reshape", "code_bytes", bq->name,
                          gcimOnnxBuildConstantInts(b, "code_bytes_shape", byteDims, 3), NULL);
  const char *sixteen = constantByte(b, "nibble_base", 16);
  const char *halves[2] = {gcimOnnxBuildBinary(b, "Mod", "low_nibbles", bytes, sixteen, NULL),
                           gcimOnnxBuildBinary(b, "Div", "high_nibbles", bytes, sixteen, NULL)};
  const char *pairs = gcimOnnxBuildTemp(b, "nibbles");
  Onnx__AttributeProto *axis =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Concat", "nibbles", 2, halves, pairs), "axis",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  if (axis) {
    axis->has_i = 1;
    axis->i = 2;
  }
  const char *columns =
      gcimOnnxBuildBinary(b, "Reshape", "code_columns", pairs,
                          gcimOnnxBuildConstantInts(b, "code_columns_shape", codeDims, 2), NULL);
  const char *codes = gcimOnnxBuildTemp(b, "codes");
  transpose(b, columns, codes);
  return codes;
}

/* Code k of column n of MatMulNBits' B (bits 4 or 8), `blob` bytes per block. */
static int64_t nbitsCode(const GcimOnnxQuantCodes *bq, int bits, int64_t n, int64_t kBlocks,
                         int64_t blob, int64_t block, int64_t k) {
  int64_t byte = (n * kBlocks + k / block) * blob + (bits == 8 ? k % block : k % block / 2);
  int64_t value = gcimOnnxQuantCodeAt(bq, byte);
  return bits == 8 ? value : (value >> (4 * (k % 2))) & 15;
}

void gcimOnnxExpandMatMulNBits(GcimOnnxBuilder *b) {
  const Onnx__NodeProto *node = b->node;
  int64_t kDim = gcimOnnxNodeIntAttr(node, "K", 0), nDim = gcimOnnxNodeIntAttr(node, "N", 0);
  int64_t bits = gcimOnnxNodeIntAttr(node, "bits", 4);
  int64_t block = gcimOnnxNodeIntAttr(node, "block_size", 0);
  if (kDim < 1 || nDim < 1 || block < 1 || (bits != 4 && bits != 8) ||
      gcimOnnxBuildInput(node, 4)) {
    gcimOnnxImportError(b->im, "needs 'K', 'N', 'block_size' >= 1, 'bits' 4 or 8 and no g_idx");
    b->ok = false;
    return;
  }
  int64_t kBlocks = (kDim + block - 1) / block, blob = block * bits / 8;
  int64_t zeroRow = (kBlocks * bits + 7) / 8; /* packed zero-point bytes per column */
  TypeInfo st;
  GcimOnnxQuantCodes bq = {0}, zq = {0};
  const char *zeroName = gcimOnnxBuildInput(node, 3);
  bool found = gcimOnnxQuantCodesOpen(b, gcimOnnxBuildInput(node, 1), &bq);
  ConstData *sc = found ? gcimOnnxQuantInitializer(b, gcimOnnxBuildInput(node, 2), &st) : NULL;
  bool zFound = sc && zeroName && gcimOnnxQuantCodesOpen(b, zeroName, &zq);
  bool fits = found && sc && (zFound || !zeroName) && bq.integer &&
              bq.count == nDim * kBlocks * blob && sc->floats && sc->count == nDim * kBlocks &&
              (!zFound || (zq.integer && zq.count == nDim * zeroRow));
  int64_t rows = kBlocks * block; /* K padded to whole blocks with zero codes */
  /* 4-bit codes in whole bytes per block stay packed in B; others are unpacked here */
  bool packed =
      fits && bits == 4 && block % 2 == 0 && bq.bits == 8 && !bq.isSigned && bq.count > 16;
  uint8_t *codes = fits && !packed ? calloc((size_t)(rows * nDim) + 1, 1) : NULL;
  float *scales = fits ? gcimOnnxQuantFloats(b, kBlocks * nDim) : NULL;
  float *zeros = scales ? gcimOnnxQuantFloats(b, kBlocks * nDim) : NULL;
  if (fits && !packed && !codes) {
    gcimOnnxImportError(b->im, "out of memory");
    b->ok = false;
  }
  for (int64_t n = 0; zeros && (packed || codes) && n < nDim; ++n)
    for (int64_t kb = 0; kb < kBlocks; ++kb) {
      int64_t zero = (int64_t)1 << (bits - 1);
      if (zFound)
        zero = bits == 8 ? gcimOnnxQuantCodeAt(&zq, n * kBlocks + kb)
                         : (gcimOnnxQuantCodeAt(&zq, n * zeroRow + kb / 2) >> (4 * (kb % 2))) & 15;
      zeros[kb * nDim + n] = (float)zero;
      scales[kb * nDim + n] = (float)sc->floats[n * kBlocks + kb];
      for (int64_t k = kb * block; codes && k < kDim && k < (kb + 1) * block; ++k)
        codes[k * nDim + n] = (uint8_t)nbitsCode(&bq, (int)bits, n, kBlocks, blob, block, k);
    }
  if (!fits && b->ok)
    gcimOnnxImportError(b->im, "B, scales and zero points must be initializers of the shapes "
                               "'K', 'N', 'bits' and 'block_size' give (uint8, float, uint8)");
  gcimOnnxQuantCodesClose(&zq);
  gcimOnnxConstDestroy(sc);
  if (!zeros || (!packed && !codes)) {
    gcimOnnxQuantCodesClose(&bq);
    free(codes);
    free(scales);
    free(zeros);
    b->ok = false;
    return;
  }
  const char *weight = gcimOnnxBuildTemp(b, "weight"), *bias = gcimOnnxBuildInput(node, 5);
  GcimOnnxQuantWeight w = {.codes = packed ? nibbleCodes(b, &bq, rows, nDim)
                                           : gcimOnnxBuildTemp(b, "codes"),
                           .integral = true,
                           .k = kDim,
                           .n = nDim,
                           .block = block,
                           .scales = scales,
                           .zeros = zeros,
                           .scaleCount = kBlocks * nDim};
  gcimOnnxQuantCodesClose(&bq);
  if (!packed)
    gcimOnnxQuantConstantCodes(b, w.codes, rows, nDim, codes, false);
  gcimOnnxQuantCodesTimesScales(b, weight, &w);
  const char *y = gcimOnnxBuildBinary(b, "MatMul", "product", gcimOnnxBuildInput(node, 0), weight,
                                      bias ? NULL : gcimOnnxBuildOutput(node, 0));
  if (bias)
    gcimOnnxBuildBinary(b, "Add", "bias", y, bias, gcimOnnxBuildOutput(node, 0));
}
