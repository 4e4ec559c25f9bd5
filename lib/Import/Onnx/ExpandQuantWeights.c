/* ExpandQuantWeights.c: quantized weights as integer codes times scales (ExpandQuant.h),
 * and com.microsoft MatMulNBits.
 *
 * - The codes stay integral in float32 Constants (exact: |code - zero point| < 2^24) times
 *   a Constant of the scales, the form gcim-lower-runtime (LowerRuntimeNarrow.c) turns
 *   into a product on int8 or 4-bit codes; a weight read transposed (by Gemm with transB,
 *   or by a Transpose into MatMul) is written as its (K, N) form under a Transpose, so that
 *   Gemm's B or the MatMul's Transpose of it gives the product on the (K, N) codes back.
 * - MatMulNBits (bits 4 or 8, B, scales and zero points initializers): column n, row k of
 *   the weight is (q - zero_point) * scale of block k / block_size, q the k-th code of B[n]
 *   (4 bits: low nibble first), zero point 2^(bits-1) when absent or packed like B: codes
 *   times scales per block as above (K need not be a multiple of block_size), then MatMul
 *   (+ Add bias). (q - zero_point) * scale is one float32 rounding, in the Mul, as ONNX
 *   Runtime's. */
#include "ExpandQuant.h"

#include <stdlib.h>
#include <string.h>

bool gcimOnnxQuantNodeIs(const Onnx__NodeProto *node, const char *domain, const char *op) {
  const char *d = node->domain ? node->domain : "";
  if (strcmp(d, "ai.onnx") == 0)
    d = "";
  return node->op_type && strcmp(node->op_type, op) == 0 && strcmp(d, domain) == 0;
}

ConstData *gcimOnnxQuantInitializer(GcimOnnxBuilder *b, const char *name, TypeInfo *type) {
  const Onnx__GraphProto *g = b->im->graph;
  for (size_t i = 0; name && i < g->n_initializer; ++i) {
    const Onnx__TensorProto *t = g->initializer[i];
    if (!t->name || strcmp(t->name, name) != 0)
      continue;
    ByteView bytes = b->im->model->initializerBytes[i];
    ConstData *data = NULL;
    if (gcimOnnxTensorType(b->im, t, name, type) &&
        gcimOnnxTensorCheck(b->im, t, &bytes, type, name))
      data = gcimOnnxTensorLoad(b->im, t, &bytes, type, name);
    b->ok = b->ok && data;
    return data;
  }
  return NULL;
}

static const Onnx__TensorProto *findInitializer(const Onnx__GraphProto *g, const char *name) {
  for (size_t i = 0; name && i < g->n_initializer; ++i)
    if (g->initializer[i]->name && strcmp(g->initializer[i]->name, name) == 0)
      return g->initializer[i];
  return NULL;
}

/* Gemm node `n` reading the weight as B, transposed, with nothing else to compute: transA
 * 0, transB 1, alpha and beta 1, C absent or an initializer of `rows` elements. */
static bool transposingGemm(const Onnx__GraphProto *g, const Onnx__NodeProto *n, int64_t rows) {
  const Onnx__TensorProto *c =
      n->n_input > 2 && n->input[2][0] ? findInitializer(g, n->input[2]) : NULL;
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

void gcimOnnxQuantConstantF32(GcimOnnxBuilder *b, const char *part, const char *out,
                              const int64_t *dims, size_t rank, float *values, int64_t count) {
  Onnx__TensorProto *t = gcimOnnxExpansionOwn(b->ex, malloc(sizeof *t));
  int64_t *shape = gcimOnnxExpansionOwn(b->ex, malloc((rank + 1) * sizeof *shape));
  Onnx__AttributeProto *a =
      gcimOnnxBuildAttr(b, gcimOnnxBuildNode(b, "Constant", part, 0, NULL, out), "value",
                        ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
  if (!t || !shape || !a || !gcimOnnxExpansionOwn(b->ex, values)) {
    b->ok = false;
    return;
  }
  *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
  memcpy(shape, dims, rank * sizeof *shape);
  t->n_dims = rank;
  t->dims = shape;
  t->has_data_type = 1;
  t->data_type = 1; /* FLOAT */
  t->has_raw_data = 1;
  t->raw_data.len = (size_t)count * sizeof(float);
  t->raw_data.data = (uint8_t *)values;
  a->t = t;
}

float *gcimOnnxQuantFloats(GcimOnnxBuilder *b, int64_t count) {
  float *p = malloc((size_t)(count > 0 ? count : 1) * sizeof *p);
  if (!p) {
    gcimOnnxImportError(b->im, "out of memory");
    b->ok = false;
  }
  return p;
}

void gcimOnnxQuantCodesTimesScales(GcimOnnxBuilder *b, const char *out, int64_t k, int64_t n,
                                   int64_t block, float *a, float *scales, int64_t scaleCount,
                                   bool transposed) {
  const char *codes = gcimOnnxBuildTemp(b, "codes"), *scale = gcimOnnxBuildTemp(b, "scales");
  const char *final = out;
  if (transposed)
    out = gcimOnnxBuildTemp(b, "weight_kn");
  if (block) {
    int64_t blocks = (k + block - 1) / block, rows = blocks * block;
    float *padded = rows == k ? a : realloc(a, (size_t)(rows * n) * sizeof *a);
    if (!padded) {
      free(a);
      free(scales);
      gcimOnnxImportError(b->im, "out of memory");
      b->ok = false;
      return;
    }
    memset(padded + k * n, 0, (size_t)((rows - k) * n) * sizeof *padded);
    const int64_t aDims[3] = {blocks, block, n}, sDims[3] = {blocks, 1, n};
    gcimOnnxQuantConstantF32(b, "codes", codes, aDims, 3, padded, rows * n);
    gcimOnnxQuantConstantF32(b, "scales", scale, sDims, 3, scales, scaleCount);
    int64_t shape[2] = {rows, n}, zero = 0, axis = 0;
    const char *whole = gcimOnnxBuildBinary(
        b, "Reshape", "rows", gcimOnnxBuildBinary(b, "Mul", "blocks", codes, scale, NULL),
        gcimOnnxBuildConstantInts(b, "shape", shape, 2), rows == k ? out : NULL);
    if (rows != k) {
      const char *ins[4] = {whole, gcimOnnxBuildConstantInts(b, "start", &zero, 1),
                            gcimOnnxBuildConstantInts(b, "end", &k, 1),
                            gcimOnnxBuildConstantInts(b, "axis", &axis, 1)};
      gcimOnnxBuildNode(b, "Slice", "first_rows", 4, ins, out);
    }
  } else {
    const int64_t aDims[2] = {k, n}, sDims[1] = {n};
    gcimOnnxQuantConstantF32(b, "codes", codes, aDims, 2, a, k * n);
    gcimOnnxQuantConstantF32(b, "scales", scale, sDims, scaleCount == 1 ? 0 : 1, scales,
                             scaleCount);
    gcimOnnxBuildBinary(b, "Mul", "dequantized", codes, scale, out);
  }
  if (transposed)
    transpose(b, out, final);
}

/* Code k of column n of MatMulNBits' B (bits 4 or 8), `blob` bytes per block. */
static int64_t nbitsCode(const ConstData *bq, int bits, int64_t n, int64_t kBlocks, int64_t blob,
                         int64_t block, int64_t k) {
  int64_t byte = (n * kBlocks + k / block) * blob + (bits == 8 ? k % block : k % block / 2);
  return bits == 8 ? bq->ints[byte] : (bq->ints[byte] >> (4 * (k % 2))) & 15;
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
  TypeInfo bt, st, zt;
  ConstData *bq = gcimOnnxQuantInitializer(b, gcimOnnxBuildInput(node, 1), &bt);
  ConstData *sc = bq ? gcimOnnxQuantInitializer(b, gcimOnnxBuildInput(node, 2), &st) : NULL;
  ConstData *zq = sc ? gcimOnnxQuantInitializer(b, gcimOnnxBuildInput(node, 3), &zt) : NULL;
  bool fits = bq && sc && (zq || !gcimOnnxBuildInput(node, 3)) && bq->ints &&
              bq->count == nDim * kBlocks * blob && sc->floats && sc->count == nDim * kBlocks &&
              (!zq || (zq->ints && zq->count == nDim * zeroRow));
  float *w = fits ? gcimOnnxQuantFloats(b, kDim * nDim) : NULL; /* codes times scales per block */
  float *scales = w ? gcimOnnxQuantFloats(b, kBlocks * nDim) : NULL;
  for (int64_t n = 0; scales && n < nDim; ++n)
    for (int64_t k = 0; k < kDim; ++k) {
      int64_t kb = k / block, zero = (int64_t)1 << (bits - 1);
      if (zq)
        zero = bits == 8 ? zq->ints[n * kBlocks + kb]
                         : (zq->ints[n * zeroRow + kb / 2] >> (4 * (kb % 2))) & 15;
      int64_t q = nbitsCode(bq, (int)bits, n, kBlocks, blob, block, k);
      w[k * nDim + n] = (float)(q - zero);
      scales[kb * nDim + n] = (float)sc->floats[n * kBlocks + kb];
    }
  if (!fits && b->ok)
    gcimOnnxImportError(b->im, "B, scales and zero points must be initializers of the shapes "
                               "'K', 'N', 'bits' and 'block_size' give (uint8, float, uint8)");
  gcimOnnxConstDestroy(bq);
  gcimOnnxConstDestroy(sc);
  gcimOnnxConstDestroy(zq);
  if (!w || !scales) {
    free(w);
    b->ok = false;
    return;
  }
  const char *weight = gcimOnnxBuildTemp(b, "weight"), *bias = gcimOnnxBuildInput(node, 5);
  gcimOnnxQuantCodesTimesScales(b, weight, kDim, nDim, block, w, scales, kBlocks * nDim, false);
  const char *y = gcimOnnxBuildBinary(b, "MatMul", "product", gcimOnnxBuildInput(node, 0), weight,
                                      bias ? NULL : gcimOnnxBuildOutput(node, 0));
  if (bias)
    gcimOnnxBuildBinary(b, "Add", "bias", y, bias, gcimOnnxBuildOutput(node, 0));
}
