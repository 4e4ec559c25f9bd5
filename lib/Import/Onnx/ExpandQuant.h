/* ExpandQuant.h: the weight-quantized operators' expansions, ExpandQuant.c (DequantizeLinear,
 * QuantizeLinear) and ExpandQuantWeights.c (weights as integer codes times scales,
 * MatMulNBits); not a public header. */
#ifndef GCIM_LIB_IMPORT_ONNX_EXPANDQUANT_H
#define GCIM_LIB_IMPORT_ONNX_EXPANDQUANT_H

#include "Expand.h"

/* True when `node` is `op` of `domain` ("" also matches "ai.onnx"). */
bool gcimOnnxQuantNodeIs(const Onnx__NodeProto *node, const char *domain, const char *op);

/* The value of initializer `name` and its type; NULL when `name` is no initializer (or
 * after a diagnostic: b->ok turns false). */
ConstData *gcimOnnxQuantInitializer(GcimOnnxBuilder *b, const char *name, TypeInfo *type);

/* How the graph reads a 2-D weight `name` of `rows` rows. */
typedef enum GcimOnnxWeightUse {
  GCIM_ONNX_WEIGHT_OTHER,     /* by another op too, not at all, or as a graph output */
  GCIM_ONNX_WEIGHT_MATMUL,    /* only as the right operand of MatMuls: (K, N) */
  GCIM_ONNX_WEIGHT_TRANSPOSED /* only as B of Gemms with transB 1 (transA 0, alpha and beta 1,
                                 C absent or an initializer of `rows` elements) or through
                                 Transposes (perm 1, 0) that only MatMuls read as their right
                                 operand: (N, K) */
} GcimOnnxWeightUse;
GcimOnnxWeightUse gcimOnnxQuantWeightUse(const Onnx__GraphProto *g, const char *name, int64_t rows);

/* malloc'd floats, or NULL after an out-of-memory diagnostic. */
float *gcimOnnxQuantFloats(GcimOnnxBuilder *b, int64_t count);

/* A Constant node of float32 `values` (taken, owned by the expansion) of shape dims into
 * `out`. */
void gcimOnnxQuantConstantF32(GcimOnnxBuilder *b, const char *part, const char *out,
                              const int64_t *dims, size_t rank, float *values, int64_t count);

/* The weight (k, n) as Constant `a` (k x n codes, taken) times Constant `scales` (taken):
 * `scaleCount` 1 or n scales, or per block of rows (G, block, n) times (G, 1, n), G =
 * ceil(k / block), then Reshape to (G * block, n) and, when the last block is short (padded
 * with zero codes), Slice of the first k rows (the form LowerRuntimeNarrow.c reads); into
 * `out`, or with `transposed` into a temporary whose Transpose (perm 1, 0) is `out`. */
void gcimOnnxQuantCodesTimesScales(GcimOnnxBuilder *b, const char *out, int64_t k, int64_t n,
                                   int64_t block, float *a, float *scales, int64_t scaleCount,
                                   bool transposed);

/* com.microsoft MatMulNBits (ExpandQuantWeights.c; b->ok false after a diagnostic). */
void gcimOnnxExpandMatMulNBits(GcimOnnxBuilder *b);

#endif /* GCIM_LIB_IMPORT_ONNX_EXPANDQUANT_H */
